"""Error pages a person can act on, in the app's layout."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_form_posted_after_logging_in_again_explains_what_to_do(cast):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast.consultant)
    response = browser.post("/time/new/", {"date": "2026-11-24", "seconds": "1:00"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "That form had expired, so nothing was saved" in page and "reload the page" in page


@pytest.mark.parametrize("path", ["/accounts/profile/reminder/",
                                  "/accounts/profile/sessions/log-out-others/"])
def test_a_get_of_a_forms_target_is_a_page_that_says_so(client, cast, path):
    """Followed from the log-in page's next= (or typed), an address that only takes a form's
    POST says so in the app's layout, with a way on, instead of the browser's blank error;
    the API's 405s stay JSON."""
    client.force_login(cast.consultant)
    response = client.get(path)
    assert response.status_code == 405 and response["Allow"] == "POST"
    page = response.content.decode()
    assert "This address is not a page" in page and 'href="/"' in page
    api = client.put("/api/v1/timer/")
    assert api.status_code == 405 and api["Content-Type"] == "application/json"


def test_out_of_reach_is_a_plain_404_page(client, cast, settings):
    settings.DEBUG = False
    client.force_login(cast.outsider)
    response = client.get(f"/engagements/{cast.engagement.pk}/")
    assert response.status_code == 404
    assert "not within your reach" in response.content.decode()


def test_a_lost_database_is_a_plain_503_page_and_json_under_the_api(cast, settings, caplog,
                                                                   monkeypatch):
    """The fast check on any database; the real cut is test_faults_database.py (PostgreSQL
    behind a proxy, gunicorn)."""
    from django.db import OperationalError
    from django.db.backends.utils import CursorWrapper

    settings.DEBUG = False
    browser = Client(raise_request_exception=False)
    browser.force_login(cast.consultant)
    assert browser.get("/time/").status_code == 200

    def refused(self, sql, params=None):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", refused)
    page = browser.get("/time/")
    assert page.status_code == 503 and page["Retry-After"] == "5"
    text = " ".join(page.content.decode().split())
    assert "back in a moment" in text and "nothing of it was saved" in text
    assert "Traceback" not in text and "OperationalError" not in text
    api = browser.get("/api/v1/me/")
    assert api.status_code == 503 and "not answering" in api.json()["detail"]
    logged = [r for r in caplog.records if r.name == "django.request"]
    assert logged and all(r.exc_info is None for r in logged)
    assert "the database did not answer: OperationalError" in logged[0].getMessage()

    monkeypatch.undo()  # the database is back: so is the page, with no restart
    assert browser.get("/time/").status_code == 200
