"""Weekly digests in-process: planning, exactly-once, content, pages (SQLite or PostgreSQL).

The real worker, Redis and the kill test are in test_digests_services.py.
"""

import datetime as dt
import io
import re
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import resolve

from clients.tests.factories import (
    ClientContactFactory,
    EngagementFactory,
    OutcomeFactory,
    confirmed_by_client,
)
from reports import digests
from reports.balance import balance_compute
from reports.digests import content, sending
from reports.models import DigestDelivery
from reports.tasks import plan_digests_task
from tracker.models import Activity, Kind, User
from tracker.tests.factories import ActivityFactory, TimeEntryFactory, UserFactory

pytestmark = pytest.mark.django_db

WEEK = dt.date(2026, 11, 16)  # ISO 2026-W47
# Monday 23 November 2026, 12:00 UTC: 08:00 has passed in London, not yet in Los Angeles.
MONDAY_NOON = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def recipients(cast):
    TimeEntryFactory(consultant=cast.consultant, date=WEEK, seconds=3 * 3600,
                     kind=Kind.CLIENT, engagement=cast.engagement)
    TimeEntryFactory(consultant=cast.consultant, date=WEEK, seconds=3600, kind=Kind.PROMOTION)
    cast.teammate.digest_opt_in = False
    cast.teammate.save()
    return cast


@pytest.fixture
def team_week(cast):
    """A week worth a digest: alice near budget with a verified outcome, bob flagged."""
    alice, bob = cast.consultant, cast.teammate
    small = EngagementFactory(client__name="Acme", name="Small budget", budget_hours=20,
                              members=[alice])
    for day in range(4):
        TimeEntryFactory(consultant=alice, date=WEEK + dt.timedelta(days=day),
                         seconds=6 * 3600, kind=Kind.CLIENT, engagement=cast.engagement)
    TimeEntryFactory(consultant=alice, date=WEEK, seconds=19 * 3600, kind=Kind.CLIENT,
                     engagement=small)  # 19 of 20 budget hours: 95% burn
    TimeEntryFactory(consultant=alice, date=WEEK + dt.timedelta(days=4), seconds=2 * 3600,
                     kind=Kind.PROMOTION)
    claims = OutcomeFactory(engagement=cast.engagement, title="Claims processed in 2 days",
                            status="achieved", achieved_on=WEEK + dt.timedelta(days=2))
    confirmed_by_client(claims, contact=ClientContactFactory(
        client=cast.engagement.client, name="Dana Okafor", role="CFO"))
    bobs = EngagementFactory(name="Bob's engagement", members=[bob])
    TimeEntryFactory(consultant=bob, date=WEEK, seconds=3600, kind=Kind.CLIENT,
                     engagement=bobs)
    TimeEntryFactory(consultant=bob, date=WEEK + dt.timedelta(days=1), seconds=9 * 3600,
                     kind=Kind.PROMOTION)
    ActivityFactory(consultant=bob, date=WEEK + dt.timedelta(days=1), title="Brand talk",
                    audience=1200, leads=0)
    return cast


def sent_to(username: str):
    return next(m for m in mail.outbox if m.to == [f"{username}@example.test"])


def html_of(message) -> str:
    (html, mimetype), = message.alternatives
    assert mimetype == "text/html"
    return html


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.srcs, self.scripts = [], [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self.hrefs.append(attrs["href"])
        if "src" in attrs:
            self.srcs.append(attrs["src"])
        if tag == "script":
            self.scripts += 1


def links_of(message) -> Links:
    parser = Links()
    parser.feed(html_of(message))
    return parser


def test_parse_iso_week():
    assert digests.parse_iso_week("2026-W47") == WEEK
    assert digests.parse_iso_week(" 2026-w47 ") == WEEK
    for bad in ("2026-47", "2026-W54", "last week"):
        with pytest.raises(ValueError, match="not an ISO week"):
            digests.parse_iso_week(bad)


# --- Sending exactly once --------------------------------------------------------------


def test_send_digests_sync_sends_once_per_opted_in_user(recipients):
    call_command("send_digests", "--week", "2026-W47", "--sync")
    to = sorted(message.to[0] for message in mail.outbox)
    assert "bob@example.test" not in to  # opted out
    assert len(to) == len(set(to)) == 5
    alice = sent_to("alice")
    assert alice.subject == "Your week 2026-W47: 4.00 h logged, 25% promotion (team median 25%)"
    assert "Client work         3.00 h" in alice.body
    assert "Promotion share 25%" in alice.body
    html = html_of(alice)
    assert "<table" in html and "4.00 h</strong>" in html
    call_command("send_digests", "--week", "2026-W47", "--sync")
    assert len(mail.outbox) == 5  # nothing sent twice
    sent = DigestDelivery.objects.filter(status="sent")
    assert sent.count() == 5
    assert all(d.attempts == 1 and d.message_id and d.sent_at for d in sent)


def test_send_digests_enqueues_by_default(recipients, settings):
    settings.DIGEST_CHUNK_SIZE = 2
    out = io.StringIO()
    call_command("send_digests", "--week", "2026-W47", stdout=out)  # eager Celery here
    assert out.getvalue().strip() == "2026-W47: enqueued 5 digest(s) in 2 task(s)"
    assert len(mail.outbox) == 5


def test_chunks_do_not_split_a_team(recipients):
    ids = digests.digests_plan(week_start=WEEK)
    team_of = dict(DigestDelivery.objects.values_list("pk", "recipient__team_id"))
    chunks = digests.delivery_chunks(ids, 2)
    assert [i for chunk in chunks for i in chunk] == ids
    assert all(len(chunk) <= 4 for chunk in chunks)
    teams = [team for chunk in chunks for team in {team_of[i] for i in chunk}]
    assert len(teams) == len(set(teams))  # each team (and the no-team group) in one chunk


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
    assert ids[0] not in digests.digests_plan(week_start=WEEK)


def test_a_digest_stuck_beyond_its_lease_is_sent(recipients, settings):
    settings.DIGEST_SENDING_LEASE_SECONDS = 30
    ids = digests.digests_plan(week_start=WEEK)
    stale = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=31)
    DigestDelivery.objects.filter(pk=ids[0]).update(status="sending", claimed_at=stale,
                                                    attempts=1)
    assert ids[0] in digests.digests_plan(week_start=WEEK)
    assert digests.digest_send(delivery_id=ids[0]) is True
    assert len(mail.outbox) == 1
    assert DigestDelivery.objects.get(pk=ids[0]).attempts == 2


def test_a_runner_whose_lease_was_taken_over_does_not_send(recipients):
    """A slow (not dead) runner must not send once another has reclaimed its row."""
    ids = digests.digests_plan(week_start=WEEK)
    delivery = DigestDelivery.objects.select_related("recipient").get(pk=ids[0])
    first = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
    assert sending._claim(delivery.pk, first)
    later = first + digests.sending_lease() + dt.timedelta(seconds=1)
    assert sending._claim(delivery.pk, later)  # the lease expired: someone else took it
    result = digests.ChunkResult()
    outcome = sending._send_claimed(delivery, first, mail.get_connection(),
                                    digests.WeekReports(), result)
    assert outcome == "lost" and mail.outbox == []


def test_an_opted_out_recipient_with_a_pending_row_gets_nothing(recipients):
    ids = digests.digests_plan(week_start=WEEK)
    User.objects.filter(pk=recipients.consultant.pk).update(digest_opt_in=False)
    result = digests.digests_send_many(delivery_ids=ids)
    assert result.sent == 4 and "alice@example.test" not in [m.to[0] for m in mail.outbox]
    alice = DigestDelivery.objects.get(recipient=recipients.consultant)
    assert alice.status == "failed" and "unsubscribed" in alice.last_error


# --- Planning: Monday 08:00 in each recipient's timezone ---------------------------------


def test_planner_follows_each_recipients_monday_8am():
    tokyo = UserFactory(username="tokyo", timezone="Asia/Tokyo")
    la = UserFactory(username="la", timezone="America/Los_Angeles")
    # Monday 2026-11-23 08:30 in Tokyo is Sunday 15:30 in Los Angeles.
    due = dict(digests.due_recipients(now=dt.datetime(2026, 11, 22, 23, 30, tzinfo=dt.UTC)))
    assert due[tokyo.pk] == WEEK
    assert la.pk not in due  # W46 fell due a week ago: too late; W47 not yet
    # Monday 08:30 in Los Angeles.
    due = dict(digests.due_recipients(now=dt.datetime(2026, 11, 23, 16, 30, tzinfo=dt.UTC)))
    assert due == {tokyo.pk: WEEK, la.pk: WEEK}


def test_beat_planner_sends_at_each_recipients_own_monday_8am_and_never_twice(settings):
    tokyo = UserFactory(username="tokyo", timezone="Asia/Tokyo")
    la = UserFactory(username="la", timezone="America/Los_Angeles")
    # Last week's rows exist already: the digests of W46 went out a week ago.
    for user in (tokyo, la):
        DigestDelivery.objects.create(recipient=user, week_start=WEEK - dt.timedelta(days=7),
                                      status="sent")

    def run_planner_at(moment):
        with time_machine.travel(moment, tick=False):
            plan_digests_task()
        return sorted(m.to[0] for m in mail.outbox)

    # Sunday 22:59 UTC is Monday 07:59 in Tokyo: nobody yet.
    assert run_planner_at(dt.datetime(2026, 11, 22, 22, 59, tzinfo=dt.UTC)) == []
    # 23:05 UTC is Monday 08:05 in Tokyo, Sunday 15:05 in Los Angeles; beat fires twice.
    assert run_planner_at(dt.datetime(2026, 11, 22, 23, 5, tzinfo=dt.UTC)) == [
        "tokyo@example.test"]
    assert run_planner_at(dt.datetime(2026, 11, 22, 23, 5, 30, tzinfo=dt.UTC)) == [
        "tokyo@example.test"]
    # Monday 08:05 in Los Angeles (PST, UTC-8) is 16:05 UTC.
    assert run_planner_at(dt.datetime(2026, 11, 23, 15, 5, tzinfo=dt.UTC)) == [
        "tokyo@example.test"]
    assert run_planner_at(dt.datetime(2026, 11, 23, 16, 5, tzinfo=dt.UTC)) == [
        "la@example.test", "tokyo@example.test"]
    assert run_planner_at(dt.datetime(2026, 11, 23, 17, 5, tzinfo=dt.UTC)) == [
        "la@example.test", "tokyo@example.test"]
    assert {d.recipient.username: d.iso_week for d in DigestDelivery.objects.filter(
        week_start=WEEK)} == {"tokyo": "2026-W47", "la": "2026-W47"}
    assert "reports.tasks.plan_digests_task" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}


def test_a_beat_that_was_down_catches_up_within_a_day(recipients):
    # The planner did not run on Monday; it runs again on Tuesday at 07:05 in London.
    with time_machine.travel(dt.datetime(2026, 11, 24, 7, 5, tzinfo=dt.UTC), tick=False):
        plan_digests_task()
    assert len(mail.outbox) == 5
    assert {d.week_start for d in DigestDelivery.objects.all()} == {WEEK}


def test_a_week_more_than_a_day_past_its_monday_8am_is_not_mailed(recipients):
    # A fresh install whose planner first runs late on Tuesday, or a beat back after days:
    # last week fell due more than a day ago, the week before long ago. Nobody gets either.
    for moment in (dt.datetime(2026, 11, 24, 8, 5, tzinfo=dt.UTC),
                   dt.datetime(2026, 11, 25, 15, 5, tzinfo=dt.UTC)):
        with time_machine.travel(moment, tick=False):
            plan_digests_task()
    assert mail.outbox == [] and not DigestDelivery.objects.exists()
    # An operator can still send it.
    call_command("send_digests", "--week", "2026-W47", "--sync", stdout=io.StringIO())
    assert len(mail.outbox) == 5


def test_a_fresh_install_on_monday_night_mails_last_week_only_where_it_is_due(recipients):
    la = UserFactory(username="la", timezone="America/Los_Angeles")
    # Monday 23 November, 01:00 UTC: Sunday 17:00 in Los Angeles, whose last due week (W46)
    # fell due a week ago; in London W47 is not due until 08:00. Nothing goes out.
    with time_machine.travel(dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC), tick=False):
        plan_digests_task()
    assert mail.outbox == []
    # Monday 23:00 UTC: W47 for London (15 hours late) and for Los Angeles (15:00 there).
    with time_machine.travel(dt.datetime(2026, 11, 23, 23, 0, tzinfo=dt.UTC), tick=False):
        plan_digests_task()
    assert len(mail.outbox) == 6 and "la@example.test" in {m.to[0] for m in mail.outbox}
    assert set(DigestDelivery.objects.values_list("week_start", flat=True)) == {WEEK}
    assert DigestDelivery.objects.filter(recipient=la).exists()


def test_the_hourly_planner_resends_what_a_dead_worker_left_and_gives_up_in_the_end(
    recipients, settings
):
    settings.DIGEST_MAX_ATTEMPTS = 3
    with time_machine.travel(MONDAY_NOON, tick=False):
        ids = digests.digests_plan()  # rows created, but the worker dies before sending
    alice, bob = (DigestDelivery.objects.get(recipient=u)
                  for u in (recipients.consultant, recipients.manager))
    DigestDelivery.objects.filter(pk=alice.pk).update(status="sending", claimed_at=MONDAY_NOON,
                                                      attempts=1)
    DigestDelivery.objects.filter(pk=bob.pk).update(status="sending", claimed_at=MONDAY_NOON,
                                                    attempts=3)  # its last allowed attempt
    DigestDelivery.objects.exclude(pk__in=[alice.pk, bob.pk]).update(status="sent")
    with time_machine.travel(MONDAY_NOON + dt.timedelta(minutes=1), tick=False):
        assert digests.digests_plan() == []  # the lease has not expired yet
    with time_machine.travel(MONDAY_NOON + dt.timedelta(hours=1), tick=False):
        plan_digests_task()
    assert [m.to for m in mail.outbox] == [["alice@example.test"]]
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert (alice.status, alice.attempts) == ("sent", 2)
    assert bob.status == "failed" and "stopped without finishing" in bob.last_error
    assert len(ids) == 5


def test_planner_run_twice_sends_nothing_twice(recipients):
    with time_machine.travel(MONDAY_NOON, tick=False):
        plan_digests_task()
        plan_digests_task()
    assert len(mail.outbox) == 5
    assert {d.week_start for d in DigestDelivery.objects.all()} == {WEEK}


def test_planner_queries_do_not_grow_with_recipients(django_assert_max_num_queries):
    for i in range(60):
        UserFactory(username=f"person{i}", timezone=["Europe/London", "Asia/Tokyo"][i % 2])
    with time_machine.travel(MONDAY_NOON, tick=False):
        with django_assert_max_num_queries(10):
            first = digests.digests_plan()
        with django_assert_max_num_queries(6):
            again = digests.digests_plan()
    assert len(first) == 60 and sorted(again) == sorted(first)
    assert DigestDelivery.objects.count() == 60


# --- SMTP errors: backoff, then failed, the error kept -----------------------------------


@pytest.fixture
def smtp(settings):
    """A loopback SMTP server whose answers a test can change; counts its connections."""
    import socket

    from aiosmtpd.controller import Controller

    class Handler:
        def __init__(self):
            self.messages, self.peers, self.refuse = [], set(), {}

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address in self.refuse:
                return self.refuse[address]
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            self.peers.add(session.peer)
            self.messages.append(envelope)
            return "250 Message accepted for delivery"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    handler.port = port
    try:
        yield handler
    finally:
        controller.stop()


def test_a_chunk_shares_one_smtp_connection(recipients, smtp):
    result = digests.digests_send_many(delivery_ids=digests.digests_plan(week_start=WEEK))
    assert result.sent == 5 and len(smtp.messages) == 5
    assert len(smtp.peers) == 1


def test_a_temporary_smtp_error_is_retried_with_backoff_then_fails(recipients, smtp, settings):
    settings.DIGEST_MAX_ATTEMPTS = 3
    smtp.refuse["alice@example.test"] = "451 4.3.0 Mailbox busy, try again later"
    ids = digests.digests_plan(week_start=WEEK)
    start = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        result = digests.digests_send_many(delivery_ids=ids)
    assert result.sent == 4 and len(result.retry) == 1 and len(smtp.messages) == 4
    alice = DigestDelivery.objects.get(recipient=recipients.consultant)
    assert (alice.status, alice.attempts) == ("pending", 1)
    assert "451" in alice.last_error and alice.next_attempt_at == start + dt.timedelta(minutes=1)
    with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
        assert digests.digests_plan(week_start=WEEK) == []  # not due yet: backing off
    with time_machine.travel(start + dt.timedelta(minutes=1), tick=False):
        assert digests.digests_plan(week_start=WEEK) == [alice.pk]
        digests.digests_send_many(delivery_ids=[alice.pk])
    alice.refresh_from_db()
    assert alice.next_attempt_at == start + dt.timedelta(minutes=1 + 4)
    with time_machine.travel(start + dt.timedelta(minutes=5), tick=False):
        digests.digests_send_many(delivery_ids=[alice.pk])
    alice.refresh_from_db()
    assert (alice.status, alice.attempts) == ("failed", 3) and "451" in alice.last_error
    with time_machine.travel(start + dt.timedelta(days=1), tick=False):
        assert digests.digests_plan(week_start=WEEK) == []
    assert len(smtp.messages) == 4


def test_a_permanent_smtp_error_fails_at_once(recipients, smtp):
    smtp.refuse["alice@example.test"] = "550 5.1.1 No such mailbox"
    result = digests.digests_send_many(delivery_ids=digests.digests_plan(week_start=WEEK))
    alice = DigestDelivery.objects.get(recipient=recipients.consultant)
    assert (result.sent, result.failed) == (4, 1)
    assert (alice.status, alice.attempts) == ("failed", 1) and "550" in alice.last_error
    assert len(smtp.peers) == 1  # a refused recipient does not cost the chunk its connection


def test_an_unreachable_smtp_server_keeps_every_row_for_a_retry(recipients, smtp, settings):
    settings.EMAIL_PORT = 9  # nothing listens there
    result = digests.digests_send_many(delivery_ids=digests.digests_plan(week_start=WEEK))
    assert result.sent == 0 and len(result.retry) == 5
    rows = DigestDelivery.objects.all()
    assert {(d.status, d.attempts) for d in rows} == {("pending", 1)}
    assert all("Connection refused" in d.last_error or "Errno" in d.last_error for d in rows)


def test_a_runner_killed_mid_message_leaves_nothing_at_the_server(smtp):
    """The commit happens before the final "."; dying before it sends nothing."""
    from reports.emails import SendAborted, make_message, message_send_once

    message = make_message("digest", to="x@example.test", context=_minimal_context())

    def crash():
        raise KeyboardInterrupt("the worker dies here")

    connection = mail.get_connection()
    with pytest.raises(KeyboardInterrupt):
        message_send_once(message, connection=connection, commit=crash)
    with pytest.raises(SendAborted):
        message_send_once(message, connection=connection, commit=lambda: False)
    import time

    time.sleep(0.2)
    assert smtp.messages == []
    message_send_once(message, connection=connection, commit=lambda: True)
    connection.close()
    assert len(smtp.messages) == 1


def _minimal_context():
    user = User(username="x", email="x@example.test")
    return {"user": user, "iso_week": "2026-W47", "week_start": WEEK,
            "week_end": WEEK + dt.timedelta(days=6), "headline": "Test", "me": None,
            "teams": [], "kinds": [], "preview_url": "", "preferences_url": "",
            "unsubscribe_url": ""}


# --- Content: the balance report's figures, for a consultant and a manager ---------------


def test_consultant_digest_matches_the_balance_report(team_week):
    call_command("send_digests", "--week", "2026-W47", "--sync")
    alice = team_week.consultant
    row = balance_compute(people=User.objects.visible_to(alice), start=WEEK,
                          end=WEEK + dt.timedelta(days=6), consultant=alice).to_stored()["rows"][0]
    message = sent_to("alice")
    text, html = message.body, html_of(message)
    assert row["client_hours"] == 43.0 and row["total_hours"] == 45.0
    assert f"Client work        {row['client_hours']:.2f} h" in text
    assert f"Promotion           {row['promotion_hours']:.2f} h" in text
    assert "Total              45.00 h  of 40.00 h capacity (113%)" in text
    assert "Outcomes        1 achieved, 1 verified by the client" in text
    # Team median share: alice 2/45 = 4%, bob 9/10 = 90%, maria none -> median 47%.
    assert "Promotion share 4%, Public Sector median 47%" in text
    assert "Acme, Small budget: 19.00 of 20.00 h budget (95%)" in text
    assert message.subject == (
        "Your week 2026-W47: 45.00 h logged, 4% promotion (team median 47%)"
    )
    assert "1 client outcome achieved on your engagements, 1 confirmed by the client." in text
    for fact in ("45.00 h</strong>", "Small budget", "95%", "47%"):
        assert fact in html
    assert "TEAM" not in text  # alice manages no team


def test_a_members_row_in_the_team_report_is_their_own_report_row(team_week):
    """The digest reads a member's figures from the team's report the chunk shares."""
    reports = digests.WeekReports()
    for user in User.objects.filter(team=team_week.team):
        for weeks in (1, 4):
            start = WEEK - dt.timedelta(days=7 * (weeks - 1))
            own = balance_compute(people=User.objects.visible_to(user), start=start,
                                  end=WEEK + dt.timedelta(days=6), consultant=user)
            assert reports.row(user, WEEK, weeks=weeks) == own.rows[0]
        section = content.consultant_section(user=user, week_start=WEEK, reports=reports)
        own = balance_compute(people=User.objects.visible_to(user), start=WEEK,
                              end=WEEK + dt.timedelta(days=6), consultant=user).to_stored()
        figures = ("engagement_id", "logged_hours", "budget_hours", "burn")
        assert sorted([e[f] for f in figures] for e in section["near_budget"]) == sorted(
            [e[f] for f in figures] for e in own["engagements"] if (e["burn"] or 0) >= 0.9
        )
    alice = content.consultant_section(user=team_week.consultant, week_start=WEEK,
                                       reports=reports)
    assert [e["engagement"] for e in alice["near_budget"]] == ["Small budget"]
    bob = content.consultant_section(user=team_week.teammate, week_start=WEEK,
                                     reports=reports)
    assert bob["near_budget"] == []  # the team's engagement near budget is not his


def test_manager_digest_has_the_team_table_flags_budgets_and_outcomes(team_week):
    call_command("send_digests", "--week", "2026-W47", "--sync")
    maria = sent_to("maria")
    team = balance_compute(people=User.objects.visible_to(team_week.manager), start=WEEK,
                           end=WEEK + dt.timedelta(days=6), team=team_week.team).to_stored()
    text, html = maria.body, html_of(maria)
    assert maria.subject == (
        "Public Sector, week 2026-W47: 55.00 h logged, 20% promotion, 1 flagged")
    for row in team["rows"]:
        name = f"  {row['name']} "
        line = next(line for line in text.splitlines() if line.startswith(name))
        assert f"{row['client_hours']:.2f}" in line and f"{row['total_hours']:.2f}" in line
    assert [r["consultant"] for r in team["rows"] if r["flag"]] == ["bob"]
    assert re.search(r"  Bob Tester .*90%\s+0  !", text)
    assert "- Bob Tester: 90% promotion, 9.00 h" in text
    assert "Claims processed in 2 days (verified: confirmed by Dana Okafor, CFO)" in text
    assert "Acme, Small budget: 19.00 of 20.00 h budget (95%)" in text
    base = django_settings.SITE_URL
    report = (f"{base}/reports/balance/?period=custom&amp;start=2026-11-16&amp;end=2026-11-22"
              f"&amp;team={team_week.team.pk}")
    assert report in html
    bob_time = (f"{base}/time/?consultant={team_week.teammate.pk}&amp;date_from=2026-11-16"
                f"&amp;date_to=2026-11-22")
    assert bob_time in html
    assert report.replace("&amp;", "&") in text


def test_observation_on_promotion_without_outcomes(cast):
    alice = cast.consultant
    for weeks_back, kind in enumerate(["talk", "talk", "talk"]):
        ActivityFactory(consultant=alice, kind=kind, date=WEEK - dt.timedelta(days=7 * weeks_back))
    for weeks_back in range(4):
        TimeEntryFactory(consultant=alice, date=WEEK - dt.timedelta(days=7 * weeks_back),
                         seconds=int(2.75 * 3600), kind=Kind.PROMOTION)
    TimeEntryFactory(consultant=alice, date=WEEK, seconds=2 * 3600, kind=Kind.CLIENT,
                     engagement=cast.engagement)
    message = digests.digest_message(user=alice, week_start=WEEK)
    remark = "3 talks and 11.00 hours of promotion, no client outcome recorded in 4 weeks."
    assert f"Worth a look: {remark}" in message.body
    assert remark in html_of(message)


def test_no_observation_without_figures_to_support_one(cast):
    alice = cast.consultant
    for day in range(5):
        TimeEntryFactory(consultant=alice, date=WEEK + dt.timedelta(days=day),
                         seconds=8 * 3600, kind=Kind.CLIENT, engagement=cast.engagement)
    message = digests.digest_message(user=alice, week_start=WEEK)
    assert "Worth a look" not in message.body


def test_html_is_for_mail_clients_and_every_link_is_absolute(team_week):
    call_command("send_digests", "--week", "2026-W47", "--sync")
    for message in mail.outbox:
        links = links_of(message)
        assert links.scripts == 0 and links.srcs == []  # no JavaScript, no remote images
        assert "<style" not in html_of(message) and "class=" not in html_of(message)
        assert links.hrefs and all(h.startswith(django_settings.SITE_URL + "/")
                                   for h in links.hrefs)
        assert message.body.strip() and "<" not in message.body.replace("<digest", "")


def test_headers_message_id_and_one_click_unsubscribe(recipients):
    call_command("send_digests", "--week", "2026-W47", "--sync")
    alice = sent_to("alice")
    host = urlsplit(django_settings.SITE_URL).hostname
    assert alice.extra_headers["Message-ID"] == (
        f"<digest-{recipients.consultant.pk}-2026-W47@{host}>"
    )
    assert alice.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = alice.extra_headers["List-Unsubscribe"].strip("<>")
    assert url.startswith(django_settings.SITE_URL + "/digests/unsubscribe/")
    assert DigestDelivery.objects.get(recipient=recipients.consultant).message_id == (
        alice.extra_headers["Message-ID"]
    )


# --- Pages -------------------------------------------------------------------------------


def unsubscribe_path(user, week_start=WEEK) -> str:
    return f"/digests/unsubscribe/{digests.unsubscribe_token(user, week_start)}/"


def test_one_click_unsubscribe_needs_no_session_and_no_csrf_token(cast):
    path = unsubscribe_path(cast.consultant)
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(path)
    assert page.status_code == 200 and b"<button" in page.content
    User.objects.filter(pk=cast.consultant.pk).update(digest_opt_in=True)
    response = browser.post(path, "List-Unsubscribe=One-Click",
                            content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    cast.consultant.refresh_from_db()
    assert cast.consultant.digest_opt_in is False


def test_unsubscribe_links_are_signed_per_person(cast):
    from django.core import signing

    token = digests.unsubscribe_token(cast.consultant, WEEK)
    assert Client().post(unsubscribe_path(cast.teammate)).status_code == 200
    # Alice's signature on a payload naming someone else is refused.
    payload = signing.dumps({"user": cast.teammate.pk, "week": "2026-W47"}, salt="x")
    forged = payload.split(":")[0] + token[token.index(":"):]
    assert Client().post(f"/digests/unsubscribe/{forged}/").status_code == 404
    assert Client().get("/digests/unsubscribe/nonsense/").status_code == 404
    # The token from another salt (another signed link of the app) is refused too.
    other = signing.dumps({"user": cast.consultant.pk, "week": "2026-W47"},
                          salt="something.else")
    assert Client().post(f"/digests/unsubscribe/{other}/").status_code == 404
    cast.consultant.refresh_from_db()
    assert cast.consultant.digest_opt_in is True


def test_preferences_opt_back_in_and_timezone_with_errors_next_to_fields(client, cast):
    assert client.get("/digests/preferences/").status_code == 302  # log in first
    User.objects.filter(pk=cast.consultant.pk).update(digest_opt_in=False)
    client.force_login(cast.consultant)
    page = client.get("/digests/preferences/")
    assert page.status_code == 200 and b'list="timezones"' in page.content
    bad = client.post("/digests/preferences/", {"digest_opt_in": "on", "timezone": "Mars/Base"})
    assert bad.status_code == 200
    html = bad.content.decode()
    assert 'id="id_timezone_error"' in html and "is not a known timezone" in html
    assert 'value="Mars/Base"' in html and "is-invalid" in html
    cast.consultant.refresh_from_db()
    assert cast.consultant.digest_opt_in is False
    good = client.post("/digests/preferences/",
                       {"digest_opt_in": "on", "timezone": "America/Los_Angeles"})
    assert good.status_code == 302
    cast.consultant.refresh_from_db()
    assert cast.consultant.digest_opt_in is True
    assert cast.consultant.timezone == "America/Los_Angeles"


def test_preview_is_the_message_as_sent(client, recipients):
    call_command("send_digests", "--week", "2026-W47", "--sync")
    alice = sent_to("alice")
    client.force_login(recipients.consultant)
    raw = client.get("/digests/preview/", {"week": "2026-W47", "part": "html"})
    assert raw["Content-Type"].startswith("text/html")
    # All but the unsubscribe link, which a preview shows as a placeholder.
    sent_link = alice.extra_headers["List-Unsubscribe"].strip("<>")
    placeholder = f"{django_settings.SITE_URL}/digests/unsubscribe/preview/"
    assert raw.content.decode() == html_of(alice).replace(sent_link, placeholder)
    page = client.get("/digests/preview/", {"week": "2026-W47"})
    assert page.status_code == 200
    assert alice.subject in page.content.decode() and b"<iframe" in page.content
    text = client.get("/digests/preview/", {"week": "2026-W47", "part": "text"})
    assert text.context["message"].body == alice.body.replace(sent_link, placeholder)
    assert b'id="digest-text"' in text.content


def test_preview_defaults_to_last_week_and_shows_a_bad_week_next_to_its_field(client, cast):
    client.force_login(cast.consultant)
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC), tick=False):
        page = client.get("/digests/preview/")
    assert page.context["week"] == "2026-W47"
    bad = client.get("/digests/preview/", {"week": "soon"})
    assert bad.status_code == 200 and bad.context["message"] is None
    assert 'id="id_week_error"' in bad.content.decode()


@pytest.mark.parametrize("week", ["9999-W52", "0001-W01", "1899-W52", "2200-W01"])
def test_preview_of_a_week_at_the_calendar_edge_is_refused_next_to_its_field(
    client, cast, settings, week
):
    settings.DEBUG = False
    client.raise_request_exception = False
    client.force_login(cast.consultant)
    page = client.get("/digests/preview/", {"week": week})
    assert page.status_code == 200 and page.context["message"] is None
    assert page.context["form"].errors["week"] == [
        f"Choose a week from 1900 to 2199, not {week}."
    ]


def test_preview_of_someone_else_follows_reach(client, team_week):
    cast = team_week
    client.force_login(cast.manager)
    page = client.get("/digests/preview/", {"week": "2026-W47", "user": cast.teammate.pk})
    assert page.status_code == 200 and page.context["recipient"] == cast.teammate
    assert client.get("/digests/preview/", {"user": cast.outsider.pk}).status_code == 404
    assert client.get("/digests/preview/", {"user": "x"}).status_code == 404
    client.force_login(cast.consultant)
    assert client.get("/digests/preview/", {"user": cast.teammate.pk}).status_code == 404
    client.force_login(cast.admin)
    assert client.get("/digests/preview/", {"user": cast.outsider.pk}).status_code == 200


def test_every_link_in_a_digest_opens_a_page_of_the_app_for_its_recipient(team_week):
    call_command("send_digests", "--week", "2026-W47", "--sync")
    for username in ("alice", "maria"):
        message = sent_to(username)
        user = User.objects.get(username=username)
        assert_links_open_for(user, message.body, html_of(message))


def assert_links_open_for(user, text: str, html: str) -> None:
    """Each link resolves to a view of the app and answers 200 for the recipient."""
    parser = Links()
    parser.feed(html)
    urls = set(parser.hrefs) | set(re.findall(r"https?://\S+", text))
    assert len(urls) >= 4  # preview, preferences, unsubscribe and a report at least
    client = Client()
    client.force_login(user)
    for url in urls:
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}" == django_settings.SITE_URL
        resolve(parts.path)  # raises Resolver404 for a path that is no page of the app
        # A report over a large scope redirects to its background run's page: follow it.
        response = client.get(f"{parts.path}?{parts.query}" if parts.query else parts.path,
                              follow=True)
        assert response.status_code == 200, url
        assert all(hop.startswith("/") for hop, _ in response.redirect_chain)


def test_activities_and_reach_are_listed(cast):
    ActivityFactory(consultant=cast.consultant, kind=Activity.Kind.PODCAST, date=WEEK,
                    title="On air", audience=4500, leads=3)
    message = digests.digest_message(user=cast.consultant, week_start=WEEK)
    assert "Activities      1, reaching 4,500 people, 3 leads" in message.body
    assert "- Podcast: On air (Mon 16 Nov), 4,500 reached" in message.body


def test_an_over_capacity_remark_adds_up(cast):
    """47.75 h against 37.5 h is 10.25 h over, as the digest says (not '47.8, 10.2 over')."""
    alice = cast.consultant
    alice.weekly_capacity_hours = Decimal("37.5")
    alice.save()
    for day, seconds in enumerate([10 * 3600, 10 * 3600, 10 * 3600, 10 * 3600, 7 * 3600 + 2700]):
        TimeEntryFactory(consultant=alice, date=WEEK + dt.timedelta(days=day), seconds=seconds,
                         kind=Kind.CLIENT, engagement=cast.engagement)
    message = digests.digest_message(user=alice, week_start=WEEK)
    assert "You logged 47.75 h, 10.25 h over your 37.50 h capacity." in message.body
