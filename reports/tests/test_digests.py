import datetime as dt
import time

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command

from reports import digests
from reports.models import DigestDelivery
from tracker.models import Kind
from tracker.tests.factories import TimeEntryFactory, UserFactory

pytestmark = pytest.mark.django_db

WEEK = dt.date(2026, 11, 16)  # ISO 2026-W47


@pytest.fixture
def recipients(cast):
    TimeEntryFactory(consultant=cast.consultant, date=WEEK, seconds=3 * 3600,
                     kind=Kind.CLIENT, engagement=cast.engagement)
    TimeEntryFactory(consultant=cast.consultant, date=WEEK, seconds=3600, kind=Kind.PROMOTION)
    cast.teammate.digest_opt_in = False
    cast.teammate.save()
    return cast


def test_parse_iso_week():
    assert digests.parse_iso_week("2026-W47") == WEEK
    with pytest.raises(ValueError, match="not an ISO week"):
        digests.parse_iso_week("2026-47")


def test_send_digests_sync_sends_once_per_opted_in_user(recipients):
    call_command("send_digests", "--week", "2026-W47", "--sync")
    to = sorted(message.to[0] for message in mail.outbox)
    assert "bob@example.test" not in to  # opted out
    assert len(to) == len(set(to)) == 5
    alice = next(m for m in mail.outbox if m.to == ["alice@example.test"])
    assert alice.subject == "Your week 2026-W47: 3.0 h client work, 1.0 h promotion"
    assert "Client work: 3.00 h" in alice.body
    assert "Promotion share: 0.250" in alice.body
    html = alice.alternatives[0][0]
    assert "<table" in html and "4.00 h" in html
    call_command("send_digests", "--week", "2026-W47", "--sync")
    assert len(mail.outbox) == 5  # nothing sent twice
    assert DigestDelivery.objects.filter(status="sent").count() == 5


def test_send_digests_rejects_a_bad_week(recipients):
    with pytest.raises(CommandError, match="not an ISO week"):
        call_command("send_digests", "--week", "last week", "--sync")
    assert not DigestDelivery.objects.exists()


def test_a_claimed_digest_is_not_sent_by_a_second_runner(recipients):
    ids = digests.digests_plan(week_start=WEEK)
    DigestDelivery.objects.filter(pk=ids[0]).update(
        status="sending", claimed_at=dt.datetime.now(dt.UTC)
    )
    assert digests.digest_send(delivery_id=ids[0]) is False
    assert mail.outbox == []


def test_a_digest_stuck_beyond_its_lease_is_sent(recipients):
    ids = digests.digests_plan(week_start=WEEK)
    stale = dt.datetime.now(dt.UTC) - digests.SENDING_LEASE - dt.timedelta(seconds=1)
    DigestDelivery.objects.filter(pk=ids[0]).update(status="sending", claimed_at=stale)
    assert digests.digest_send(delivery_id=ids[0]) is True
    assert len(mail.outbox) == 1


def test_planner_follows_each_recipients_monday_8am():
    tokyo = UserFactory(username="tokyo", timezone="Asia/Tokyo")
    la = UserFactory(username="la", timezone="America/Los_Angeles")
    # Monday 2026-11-23 08:30 in Tokyo is Sunday 15:30 in Los Angeles.
    with time_machine.travel(dt.datetime(2026, 11, 22, 23, 30, tzinfo=dt.UTC)):
        due = dict(digests.due_recipients(now=dt.datetime.now(dt.UTC)))
    assert due[tokyo.pk] == WEEK
    assert due[la.pk] == WEEK - dt.timedelta(days=7)


def test_planner_run_twice_sends_nothing_twice(recipients):
    with time_machine.travel(dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)):
        from reports.tasks import plan_digests_task

        plan_digests_task()
        plan_digests_task()
    assert len(mail.outbox) == 5
    assert {d.week_start for d in DigestDelivery.objects.all()} == {WEEK}


@pytest.mark.services
def test_a_real_worker_on_redis_sends_through_real_smtp(
    recipients, celery_worker_process, smtp_server
):
    celery_worker_process(EMAIL_URL=smtp_server.url)
    call_command("send_digests", "--week", "2026-W47")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and DigestDelivery.objects.exclude(status="sent").exists():
        time.sleep(0.2)
    assert DigestDelivery.objects.filter(status="sent").count() == 5
    to = sorted(message["To"] for message in smtp_server.messages)
    assert to == sorted(set(to)) and len(to) == 5
    alice = next(m for m in smtp_server.messages if m["To"] == "alice@example.test")
    assert alice["Message-ID"] == f"<digest-{recipients.consultant.pk}-2026-W47@clientfirst>"
    assert alice.get_body(("plain",)).get_content().count("3.00 h") == 1
    call_command("send_digests", "--week", "2026-W47")  # again: nothing new
    time.sleep(2)
    assert len(smtp_server.messages) == 5
