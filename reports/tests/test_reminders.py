"""Where last week's timesheets stand in the digest, and the Monday-noon timesheet reminder:
due at 12:00 in each person's timezone, exactly once, not for a week submitted meanwhile,
one-click opt-out, and off for everyone with WEEK_REMINDERS."""

import datetime as dt
import io
from email import message_from_bytes
from email.policy import default as email_policy

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client

from reports import digests
from reports.models import DigestDelivery
from reports.tasks import plan_reminders_task
from tracker import services
from tracker.models import Kind, User
from tracker.tests.factories import TimeEntryFactory, UserFactory

from .test_digests import WEEK, Links, html_of, smtp  # noqa: F401 - smtp is a fixture

pytestmark = pytest.mark.django_db

# Monday 23 November 2026, the Monday after WEEK (2026-W47).
MONDAY = dt.date(2026, 11, 23)


def utc(hour, minute=0, day=MONDAY):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


@pytest.fixture
def weeks(cast):
    """WEEK in every state for Public Sector: alice approved, bob submitted, carol returned,
    dave with no record at all; maria (their manager) has not submitted hers."""
    carol = UserFactory(username="carol", team=cast.team)
    dave = UserFactory(username="dave", team=cast.team)
    with time_machine.travel(utc(9), tick=False):
        for person in (cast.consultant, cast.teammate, carol):
            services.week_submit(consultant=person, week_start=WEEK)
        services.week_approve(consultant=cast.consultant, week_start=WEEK, by=cast.manager)
        services.week_return(consultant=carol, week_start=WEEK, by=cast.manager,
                             comment="Friday is missing.")
    cast.carol, cast.dave = carol, dave
    return cast


# --- The digest: last week's timesheets ---------------------------------------------------


def test_the_managers_digest_counts_last_weeks_timesheets_with_links(weeks):
    message = digests.digest_message(user=weeks.manager, week_start=WEEK)
    base = "http://127.0.0.1:8000/weeks/?week=2026-W47&status="
    # Of the four others (her own week goes to someone else): carol returned and dave never
    # started are unsubmitted, bob waits, alice is approved.
    assert "  Timesheets of 2026-W47: 2 not submitted, 1 waiting for approval (of 4)." in (
        message.body)
    assert f"  Not submitted:        {base}unsubmitted\n" in message.body
    assert f"  Waiting for approval: {base}submitted\n" in message.body
    links = Links()
    links.feed(html_of(message))
    assert f"{base}unsubmitted" in links.hrefs and f"{base}submitted" in links.hrefs
    assert ">2 not submitted</a>" in html_of(message)
    assert ">1 waiting for approval</a>" in html_of(message)

    # The links open the Approvals page with exactly those weeks for the manager.
    client = Client()
    client.force_login(weeks.manager)
    for status, expected in (("unsubmitted", {"carol", "dave"}), ("submitted", {"bob"})):
        page = client.get("/weeks/", {"week": "2026-W47", "status": status})
        shown = {row.record.consultant.username for row in page.context["table"].rows}
        assert shown == expected, status


def test_an_admin_reads_every_teams_timesheets_and_a_team_all_approved_says_so(weeks):
    admin = digests.digest_message(user=weeks.admin, week_start=WEEK).body
    # Everyone with a team: Public Sector's five and Health's omar and olga (never started).
    assert "Timesheets of 2026-W47: 5 not submitted, 1 waiting for approval (of 7)." in admin
    for person in (weeks.carol, weeks.dave, weeks.manager):
        services.week_submit(consultant=person, week_start=WEEK)
    for person in (weeks.teammate, weeks.carol, weeks.dave, weeks.manager):
        services.week_approve(consultant=person, week_start=WEEK,
                              by=weeks.admin if person == weeks.manager else weeks.manager)
    message = digests.digest_message(user=weeks.manager, week_start=WEEK)
    assert "  Timesheets of 2026-W47: all 4 approved.\n" in message.body
    assert "all 4 approved." in html_of(message) and "status=" not in message.body


def test_the_timesheet_counts_of_a_chunk_take_two_queries(weeks, django_assert_num_queries):
    reports = digests.WeekReports()
    with django_assert_num_queries(2):
        reports.timesheets(WEEK)
    with django_assert_num_queries(0):
        reports.timesheets(WEEK)


# --- The reminder: planned at Monday 12:00 in each timezone --------------------------------


def reminders_at(moment) -> list[str]:
    with time_machine.travel(moment, tick=False):
        plan_reminders_task()
    return sorted(m.to[0] for m in mail.outbox)


def test_reminded_at_monday_noon_in_their_own_timezone_not_before(weeks):
    User.objects.filter(username="dave").update(timezone="America/New_York")  # UTC-5
    User.objects.filter(username__in=["carol", "omar", "olga", "maria"]).update(
        week_reminder_opt_in=False)
    london = weeks.teammate  # bob submitted: never reminded
    assert london.timezone == "Europe/London"
    # 11:59 in New York is 16:59 UTC: not yet.
    assert reminders_at(utc(16, 59)) == []
    assert not DigestDelivery.objects.filter(kind="reminder").exists()
    assert reminders_at(utc(17, 0)) == ["dave@example.test"]
    # The planner fires again an hour later: nothing twice.
    assert reminders_at(utc(18, 5)) == ["dave@example.test"]
    row = DigestDelivery.objects.get(kind="reminder")
    assert (row.recipient.username, row.iso_week, row.status) == ("dave", "2026-W47", "sent")


def test_london_is_due_at_noon_and_a_returned_week_counts_as_unsubmitted(weeks):
    User.objects.filter(username__in=["dave", "omar", "olga", "maria"]).update(
        week_reminder_opt_in=False)
    assert reminders_at(utc(11, 59)) == []
    assert reminders_at(utc(12, 0)) == ["carol@example.test"]
    reminder = mail.outbox[0]
    assert reminder.subject == "Your timesheet for 2026-W47 is not submitted"
    assert 'It was returned to you by Maria Tester: "Friday is missing."' in reminder.body


def test_a_beat_down_catches_up_within_a_day_and_never_older_weeks(weeks):
    User.objects.exclude(username="dave").update(week_reminder_opt_in=False)
    # Tuesday 13:00 in London is more than a day after Monday noon: too late.
    assert reminders_at(utc(13, day=MONDAY + dt.timedelta(days=1))) == []
    # Tuesday 11:00: the beat was down on Monday, it catches up.
    assert reminders_at(utc(11, day=MONDAY + dt.timedelta(days=1))) == ["dave@example.test"]


def test_planned_twice_is_one_row(weeks):
    with time_machine.travel(utc(12, 5), tick=False):
        first = digests.reminders_plan(now=utc(12, 5))
        again = digests.reminders_plan(now=utc(12, 6))
    people = DigestDelivery.objects.filter(kind="reminder").values_list(
        "recipient__username", flat=True)
    # Unsubmitted, opted in, in a team: carol (returned), dave, maria, omar, olga.
    assert sorted(people) == ["carol", "dave", "maria", "olga", "omar"]
    assert sorted(again) == sorted(first) and len(first) == 5


def test_sent_through_real_smtp_once_with_the_weeks_hours_and_links(weeks, smtp):  # noqa: F811
    User.objects.exclude(username="dave").update(week_reminder_opt_in=False)
    for day, kind, hours in ((0, Kind.CLIENT, 6), (1, Kind.PROMOTION, 2), (2, Kind.INTERNAL, 1)):
        TimeEntryFactory(consultant=weeks.dave, date=WEEK + dt.timedelta(days=day),
                         seconds=hours * 3600, kind=kind,
                         **({"engagement": weeks.engagement} if kind == Kind.CLIENT else {}))
    # Also a digest of the same week for dave: a reminder is a row of its own kind.
    DigestDelivery.objects.create(recipient=weeks.dave, week_start=WEEK, status="sent")
    out = io.StringIO()
    call_command("send_reminders", "--week", "2026-W47", "--sync", stdout=out)
    call_command("send_reminders", "--week", "2026-W47", "--sync", stdout=out)
    assert len(smtp.messages) == 1
    envelope = smtp.messages[0]
    assert envelope.rcpt_tos == ["dave@example.test"]
    message = message_from_bytes(envelope.original_content, policy=email_policy)
    assert message["Subject"] == "Your timesheet for 2026-W47 is not submitted"
    assert message["Message-ID"] == f"<reminder-{weeks.dave.pk}-2026-W47@127.0.0.1>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "  Client work         6.00 h\n  Promotion           2.00 h\n" in text
    assert "  Internal            1.00 h\n  Total               9.00 h  of 40.00 h capacity" in text
    assert "My week: http://127.0.0.1:8000/?week=2026-W47" in text
    html = message.get_body(("html",)).get_content()
    assert 'href="http://127.0.0.1:8000/?week=2026-W47"' in html and "<script" not in html
    assert DigestDelivery.objects.get(kind="reminder").status == "sent"
    assert "2026-W47: sent 0 reminder(s)" in out.getvalue().splitlines()[-1]

    # The link opens My week on that week.
    client = Client()
    client.force_login(weeks.dave)
    page = client.get("/", {"week": "2026-W47"})
    assert page.status_code == 200 and "2026-W47" in page.content.decode()


def test_a_week_submitted_between_planning_and_sending_is_not_reminded(weeks):
    User.objects.exclude(username="dave").update(week_reminder_opt_in=False)
    with time_machine.travel(utc(12, 5), tick=False):
        ids = digests.reminders_plan()
        services.week_submit(consultant=weeks.dave, week_start=WEEK)
        result = digests.digests_send_many(delivery_ids=ids)
    assert result.sent == 0 and mail.outbox == []
    row = DigestDelivery.objects.get(kind="reminder")
    assert row.status == "skipped" and "submitted before the reminder" in row.last_error


def test_week_reminders_off_plans_nothing(weeks, settings):
    settings.WEEK_REMINDERS = False
    assert reminders_at(utc(12, 5)) == []
    assert not DigestDelivery.objects.exists()
    out = io.StringIO()
    call_command("send_reminders", "--week", "2026-W47", "--sync", stdout=out)
    assert "switched off" in out.getvalue() and mail.outbox == []
    client = Client()
    client.force_login(weeks.dave)
    assert b"switched off for everyone" in client.get("/accounts/profile/").content


def test_dry_run_lists_who_would_be_reminded_and_writes_nothing(weeks):
    out = io.StringIO()
    call_command("send_reminders", "--week", "2026-W47", "--dry-run", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[:2] == ["  carol <carol@example.test>", "  dave <dave@example.test>"]
    assert lines[-1] == "2026-W47: would remind 5 person(s); nothing sent"
    assert not DigestDelivery.objects.exists() and mail.outbox == []


def test_the_beat_schedule_plans_reminders_with_a_real_task(settings):
    from config import celery_app

    entries = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "reports.tasks.plan_reminders_task" in entries
    celery_app.loader.import_default_modules()
    assert entries <= set(celery_app.tasks)


# --- Opting out --------------------------------------------------------------------------


def test_the_one_click_link_turns_the_reminder_off_and_not_the_digest(weeks):
    User.objects.exclude(username="dave").update(week_reminder_opt_in=False)
    call_command("send_reminders", "--week", "2026-W47", "--sync", stdout=io.StringIO())
    (reminder,) = mail.outbox
    url = reminder.extra_headers["List-Unsubscribe"].strip("<>")
    assert url.startswith("http://127.0.0.1:8000/reminders/unsubscribe/")
    path = url.removeprefix("http://127.0.0.1:8000")
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(path)
    assert page.status_code == 200 and "Unsubscribe from the timesheet reminder?" in (
        page.content.decode())
    response = browser.post(path, "List-Unsubscribe=One-Click",
                            content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and b"no more timesheet reminders" in response.content
    weeks.dave.refresh_from_db()
    assert weeks.dave.week_reminder_opt_in is False and weeks.dave.digest_opt_in is True
    # A digest's link does not work as a reminder's, nor the other way round.
    digest_token = digests.unsubscribe_token(weeks.dave, WEEK)
    assert Client().post(f"/reminders/unsubscribe/{digest_token}/").status_code == 404
    assert Client().post(path.replace("/reminders/", "/digests/")).status_code == 404
    weeks.dave.refresh_from_db()
    assert weeks.dave.digest_opt_in is True


def test_the_profile_checkbox_turns_the_reminder_off_and_on(client, cast):
    client.force_login(cast.consultant)
    page = client.get("/accounts/profile/").content.decode()
    assert 'name="week_reminder_opt_in"' in page and "checked" in page
    response = client.post("/accounts/profile/reminder/", {})  # the box unticked
    assert response.status_code == 302
    cast.consultant.refresh_from_db()
    assert cast.consultant.week_reminder_opt_in is False
    assert "Your timesheet reminder is off." in client.get(response.url).content.decode()
    client.post("/accounts/profile/reminder/", {"week_reminder_opt_in": "on"})
    cast.consultant.refresh_from_db()
    assert cast.consultant.week_reminder_opt_in is True
    assert client.get("/accounts/profile/reminder/").status_code == 405
