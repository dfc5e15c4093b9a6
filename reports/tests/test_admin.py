import datetime as dt

import pytest

from reports.models import DigestDelivery

pytestmark = pytest.mark.django_db


def test_admin_can_retry_failed_digests_and_only_those(client, cast):
    failed = DigestDelivery.objects.create(recipient=cast.consultant,
                                           week_start=dt.date(2026, 11, 16), status="failed",
                                           attempts=5, last_error="550 mailbox unavailable")
    sent = DigestDelivery.objects.create(recipient=cast.teammate,
                                         week_start=dt.date(2026, 11, 16), status="sent")
    client.force_login(cast.admin)
    response = client.post("/admin/reports/digestdelivery/", {
        "action": "retry_failed", "_selected_action": [failed.pk, sent.pk],
    }, follow=True)
    assert b"1 digest(s) will be sent" in response.content
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.last_error) == ("pending", "")
    assert sent.status == "sent"
    assert client.get("/admin/reports/reportrun/").status_code == 200
    assert client.get("/admin/reports/savedreport/").status_code == 200


def test_admin_pages_are_for_admins_only(client, cast):
    client.force_login(cast.manager)
    response = client.get("/admin/reports/digestdelivery/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
