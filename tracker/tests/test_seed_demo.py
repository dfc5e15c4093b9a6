"""seed_demo: what someone trying the demo relies on, and the same data for the same seed."""

import datetime as dt
import re
import statistics
from collections import Counter, defaultdict
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Sum
from django.test import RequestFactory
from django.utils import timezone

from clients.models import (
    VERIFIED,
    Client,
    ClientContact,
    ConfirmationRequest,
    Engagement,
    Outcome,
    OutcomeMeasurement,
)
from tracker import services
from tracker.demo import load
from tracker.demo.plan import DemoPlan
from tracker.models import Activity, Change, Team, TimeEntry, User, WeekApproval, WeeklyTotal

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 18, 10, 0, tzinfo=dt.UTC)  # a Wednesday
THIS_MONDAY = dt.date(2026, 3, 16)
LAST_SUNDAY = dt.date(2026, 3, 15)
LAST_FRIDAY = dt.date(2026, 3, 13)
SMALL = ["--consultants", "16", "--weeks", "4"]
HOUR = 3600


@pytest.fixture(autouse=True)
def frozen_now():
    # "Last week" moves with the clock; freezing it makes runs comparable.
    with time_machine.travel(NOW, tick=False):
        yield


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded():
    return seed(*SMALL)


def consultant_totals():
    """{username: {kind: seconds}} for everyone who logged time."""
    totals = defaultdict(Counter)
    rows = TimeEntry.objects.values("consultant__username", "kind").annotate(s=Sum("seconds"))
    for row in rows:
        totals[row["consultant__username"]][row["kind"]] = row["s"]
    return totals


def promotion_share(kinds) -> float:
    return kinds["promotion"] / (kinds["client"] + kinds["promotion"])


def test_prints_what_it_seeded_and_the_logins(seeded):
    assert re.search(
        r"Seeded 16 consultants, 2 teams \(2 managers\), .* and [\d,]+ time entries in "
        r"[\d.]+ s \(16 Feb 2026 to 15 Mar 2026\)\.",
        seeded,
    )
    assert 'Demo log-ins (password "demo"):' in seeded
    assert re.search(r"^  consultant  — .+, a consultant in Public Sector$", seeded, re.M)
    assert re.search(r"^  manager     — .+, manager of Public Sector$", seeded, re.M)
    assert "  admin       — administrator (Django admin at /admin/)" in seeded


def test_teams_of_eight_each_with_a_manager_who_is_a_member(seeded):
    teams = list(Team.objects.order_by("pk"))
    assert [team.name for team in teams] == ["Public Sector", "Financial Services"]
    for team in teams:
        (manager,) = team.managers.all()
        assert manager.team == team
        assert team.members.exclude(pk=manager.pk).count() == 8
        assert not manager.time_entries.exists()


def test_about_five_entries_per_consultant_per_workday_making_a_plausible_day(seeded):
    days = list(
        TimeEntry.objects.values("consultant", "date").annotate(n=Count("pk"), s=Sum("seconds"))
    )
    workdays = {row["date"] for row in days}
    assert len(workdays) == 4 * 5
    assert all(day.weekday() < 5 for day in workdays)
    assert len(days) == 16 * len(workdays)  # every consultant, every workday
    assert all(4 <= row["n"] <= 6 for row in days)
    assert 4.7 <= statistics.mean(row["n"] for row in days) <= 5.3
    assert all(6 * HOUR <= row["s"] <= 9 * HOUR for row in days)


def test_entries_end_last_week_and_never_reach_this_week(seeded):
    assert TimeEntry.objects.order_by("-date").first().date == LAST_FRIDAY
    assert TimeEntry.objects.order_by("date").first().date == dt.date(2026, 2, 16)
    assert not TimeEntry.objects.filter(date__gte=THIS_MONDAY).exists()
    assert not OutcomeMeasurement.objects.filter(date__gt=LAST_SUNDAY).exists()
    assert not Outcome.objects.filter(achieved_on__gt=LAST_SUNDAY).exists()
    assert not Activity.objects.filter(date__gt=LAST_SUNDAY).exists()


def test_client_time_is_on_active_engagements_the_consultant_is_on(seeded):
    members = set(Engagement.members.through.objects.values_list("engagement", "user"))
    engagements = Engagement.objects.in_bulk()
    client_entries = TimeEntry.objects.filter(kind="client").values_list(
        "consultant", "engagement", "date", "billable"
    )
    assert client_entries
    for consultant, engagement, date, _ in client_entries:
        assert (engagement, consultant) in members
        assert engagements[engagement].is_active_on(date)
    billable = sum(1 for *_, is_billable in client_entries if is_billable)
    assert billable / len(client_entries) > 0.8
    assert not TimeEntry.objects.exclude(kind="client").filter(billable=True).exists()
    # promotion time links only to the consultant's own activities
    linked = TimeEntry.objects.filter(activity__isnull=False)
    assert linked.exists()
    assert not linked.exclude(activity__consultant=F("consultant")).exists()
    assert not linked.exclude(kind="promotion").exists()


def test_most_are_client_first_and_a_few_are_all_brand(seeded):
    totals = consultant_totals()
    assert len(totals) == 16
    all_brand = {name for name, kinds in totals.items() if promotion_share(kinds) > 0.5}
    others = set(totals) - all_brand
    assert 1 <= len(all_brand) <= 2
    # the demo manager's own team has one, so their report shows a flag
    assert User.objects.filter(username__in=all_brand, team__name="Public Sector").exists()
    client_shares = [totals[name]["client"] / sum(totals[name].values()) for name in others]
    assert 0.65 <= statistics.median(client_shares) <= 0.88
    assert all(promotion_share(totals[name]) < 0.45 for name in others)
    for name in all_brand:
        kinds = totals[name]
        assert kinds["client"] / sum(kinds.values()) < 0.3
        worked_on = TimeEntry.objects.filter(consultant__username=name, kind="client").values(
            "engagement"
        )
        assert not Outcome.objects.filter(
            engagement__in=worked_on, status=Outcome.Status.ACHIEVED
        ).exists()


def test_the_three_logins_work_with_demo(seeded):
    def log_in(username):  # as the log-in form does: with its request (axes counts it)
        return authenticate(RequestFactory().post("/accounts/login/"), username=username,
                            password="demo")

    consultant, manager, admin = log_in("consultant"), log_in("manager"), log_in("admin")
    assert consultant and manager and admin
    assert consultant.role == "consultant" and consultant.engagements.exists()
    assert list(manager.managed_teams.all()) == [consultant.team]
    assert manager.team == consultant.team
    assert admin.is_superuser and admin.is_staff
    assert not (consultant.is_staff or manager.is_staff)


def test_every_user_has_a_unique_username_and_email(seeded):
    users = list(User.objects.values_list("username", "email"))
    assert len(users) == 16 + 2 + 1
    assert len({email for _, email in users}) == len(users)
    for username, email in users:
        assert email == f"{username}@demo.clientfirst.test"
        assert username in {"consultant", "manager", "admin"} or re.fullmatch(
            r"[a-z-]+\.[a-z-]+\d*", username
        )


def test_outcomes_activities_and_sources_hang_together(seeded):
    outcomes = list(Outcome.objects.select_related("engagement"))
    assert outcomes
    assert any(outcome.status == Outcome.Status.ACHIEVED for outcome in outcomes)
    for outcome in outcomes:
        outcome.full_clean()  # the model's own rules, beyond the database constraints
        if outcome.achieved_on:
            assert outcome.engagement.starts_on <= outcome.achieved_on
    assert OutcomeMeasurement.objects.count() > len(outcomes)
    for measurement in OutcomeMeasurement.objects.select_related("outcome__engagement"):
        assert measurement.date >= measurement.outcome.engagement.starts_on

    assert Activity.objects.filter(audience__gt=0).exists()
    sourced = Engagement.objects.filter(source_activity__isnull=False).select_related(
        "source_activity"
    )
    assert sourced.exists()
    for engagement in sourced:
        assert engagement.source_activity.date < engagement.starts_on
        assert engagement.members.filter(pk=engagement.source_activity.consultant_id).exists()
        assert engagement.source_activity.leads >= 1
    assert Engagement.objects.filter(status=Engagement.Status.ACTIVE).count() > (
        Engagement.objects.count() / 2
    )
    assert not Engagement.objects.filter(budget_hours__lt=0).exists()
    assert Client.objects.exclude(sector="").count() == Client.objects.count()


def test_the_weekly_rollup_matches_the_entries(seeded):
    def by_consultant_and_kind(queryset):
        return {
            (row["consultant"], row["kind"]): (row["s"], row["n"])
            for row in queryset.values("consultant", "kind").annotate(
                s=Sum("seconds"), n=Sum("entries") if queryset.model is WeeklyTotal else Count("pk")
            )
        }

    assert by_consultant_and_kind(WeeklyTotal.objects.all()) == by_consultant_and_kind(
        TimeEntry.objects.all()
    )


def fingerprint():
    """The seeded data by natural keys: nothing here depends on database ids."""

    def rows(queryset, *fields):
        return sorted(queryset.values_list(*fields), key=repr)

    return {
        "users": rows(
            User.objects, "username", "email", "first_name", "last_name", "team__name",
            "is_staff", "is_superuser", "weekly_capacity_hours", "digest_opt_in",
        ),
        "managers": rows(Team.managers.through.objects, "team__name", "user__username"),
        "clients": rows(Client.objects, "name", "sector", "owner__username"),
        "engagements": rows(
            Engagement.objects, "client__name", "name", "starts_on", "ends_on", "status",
            "budget_hours", "source_activity__consultant__username", "source_activity__title",
            "source_activity__date",
        ),
        "members": rows(
            Engagement.members.through.objects, "engagement__client__name", "engagement__name",
            "user__username",
        ),
        "outcomes": rows(
            Outcome.objects, "engagement__client__name", "engagement__name", "title", "metric",
            "unit", "baseline", "target", "direction", "status", "achieved_on", "confirmed_by",
            "confirmed_on", "evidence_url", "recorded_by__username",
        ),
        "measurements": rows(
            OutcomeMeasurement.objects, "outcome__engagement__client__name",
            "outcome__engagement__name", "outcome__title", "date", "value", "note",
        ),
        "activities": rows(
            Activity.objects, "consultant__username", "date", "kind", "title", "venue", "url",
            "audience", "interactions", "leads", "engagement__name",
        ),
        "contacts": rows(ClientContact.objects, "client__name", "name", "email", "role"),
        "confirmations": rows(
            ConfirmationRequest.objects, "outcome__engagement__name", "outcome__title",
            "contact__email", "asked_by__username", "asked_at", "sent_at", "reminded_at",
            "decision", "comment", "answered_at", "consent_card", "consent_name",
        ),
        "weeks": rows(
            WeekApproval.objects, "consultant__username", "week_start", "status", "comment",
            "decided_by__username",
        ),
        "entries": Counter(
            TimeEntry.objects.values_list(
                "consultant__username", "date", "seconds", "kind", "engagement__client__name",
                "engagement__name", "activity__title", "activity__date", "note", "billable",
            )
        ),
    }  # fmt: skip


def wipe():
    WeekApproval.objects.all().delete()  # an approved week's time is locked
    TimeEntry.objects.all().delete()  # engagements protect their time
    Engagement.objects.all().delete()
    Client.objects.all().delete()
    User.objects.all().delete()
    Team.objects.all().delete()


def without_timing(output: str) -> str:
    return re.sub(r"in [\d.]+ s", "in … s", output)


@pytest.mark.parametrize("writer", ["default", "bulk_create"])
def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(writer, monkeypatch):
    first_output = seed(*SMALL, "--seed", "7")
    first = fingerprint()
    wipe()
    if writer == "bulk_create":
        # On PostgreSQL this compares the COPY path with the bulk_create one.
        monkeypatch.setattr(load, "_uses_copy", lambda connection: False)
    second_output = seed(*SMALL, "--seed", "7")
    assert fingerprint() == first
    assert without_timing(second_output) == without_timing(first_output)
    wipe()
    seed(*SMALL, "--seed", "8")
    other = fingerprint()
    assert other["users"] != first["users"]
    assert other["entries"] != first["entries"]
    assert other["outcomes"] != first["outcomes"]


def test_if_empty_seeds_only_once():
    assert "Seeded 16 consultants" in seed(*SMALL, "--if-empty")
    before = (User.objects.count(), TimeEntry.objects.count(), Engagement.objects.count())
    again = seed(*SMALL, "--if-empty")
    assert "Demo data already present; not seeding again." in again
    assert "Seeded" not in again
    assert re.search(r"^  manager     — .+, manager of Public Sector$", again, re.M)
    assert (User.objects.count(), TimeEntry.objects.count(), Engagement.objects.count()) == before


def test_refuses_to_seed_over_existing_users():
    User.objects.create_user("someone", email="someone@example.com")
    with pytest.raises(CommandError, match="already has users"):
        seed(*SMALL)
    skipped = seed(*SMALL, "--if-empty")
    assert "not seeding again" in skipped
    assert "No demo log-ins" in skipped
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    "args", [["--consultants", "0"], ["--weeks", "0"], ["--consultants", "-5"]]
)
def test_refuses_bad_sizes(args):
    with pytest.raises(CommandError, match="at least 1"):
        seed(*args)
    assert not User.objects.exists()


def test_the_smallest_demo_still_has_all_three_logins():
    seed("--consultants", "1", "--weeks", "1")
    assert set(User.objects.values_list("username", flat=True)) == {
        "consultant",
        "manager",
        "admin",
    }
    assert set(TimeEntry.objects.values_list("date", flat=True)) == {
        LAST_FRIDAY - dt.timedelta(days=offset) for offset in range(5)
    }


def test_a_large_demo_plans_teams_of_eight_and_one_in_fifteen_all_brand():
    # The plan alone, in memory: the 400-consultant shape without writing a million rows.
    plan = DemoPlan(consultants=400, weeks=104, seed=42, today=NOW.date())
    assert len(plan.teams) == 50
    assert {len(team.consultants) for team in plan.teams} == {8}
    assert len({team.name for team in plan.teams}) == 50
    assert "Public Sector 2" in {team.name for team in plan.teams}
    profiles = Counter(person.profile for person in plan.consultants)
    assert profiles["all_brand"] == round(400 / 15)
    assert len({person.username for person in plan.people}) == len(plan.people)
    assert len({client.name for client in plan.clients}) == len(plan.clients)
    assert plan.period_end == LAST_SUNDAY
    assert plan.period_start == LAST_SUNDAY - dt.timedelta(weeks=104, days=-1)


def test_weeks_in_every_state_through_the_approval_services(seeded, client):
    from tracker.models import WeekStatus

    states = Counter(WeekApproval.objects.values_list("status", flat=True))
    assert states[WeekStatus.APPROVED] and states[WeekStatus.SUBMITTED]
    oldest = WeekApproval.objects.filter(week_start=dt.date(2026, 2, 16))
    assert oldest.filter(status=WeekStatus.APPROVED).count() > 8  # most of the 16
    assert states[WeekStatus.RETURNED] == 1
    returned = WeekApproval.objects.get(status=WeekStatus.RETURNED)
    assert returned.consultant.username == "consultant" and returned.comment
    # Last week: some consultants submitted it, the others have not yet.
    last_week = WeekApproval.objects.filter(week_start=LAST_SUNDAY - dt.timedelta(days=6))
    assert 0 < last_week.count() < 16
    # Each decision was made by the consultant's own manager, and left its history.
    for approval in WeekApproval.objects.filter(status=WeekStatus.APPROVED)[:20]:
        assert approval.decided_by.managed_teams.filter(pk=approval.consultant.team_id).exists()
    assert Change.objects.filter(object_type="week", action="approve").count() == states[
        WeekStatus.APPROVED]
    # Each step's record is the one its service leaves, dated when it was taken: submitted
    # by the consultant the Monday after the week, decided by the manager the next day.
    approved = WeekApproval.objects.filter(status=WeekStatus.APPROVED).select_related(
        "consultant", "decided_by").first()
    records = list(Change.objects.filter(object_type="week", object_id=approved.pk)
                   .order_by("at").values_list("action", "username", "via", "changes", "at"))
    assert records == [
        ("submit", approved.consultant.username, "command",
         {"status": ["open", "submitted"]}, approved.submitted_at),
        ("approve", approved.decided_by.username, "command",
         {"status": ["submitted", "approved"]}, approved.decided_at),
    ]
    assert approved.submitted_at.date() == approved.week_start + dt.timedelta(days=7)
    assert approved.submitted_at < approved.decided_at <= timezone.now()
    # And the approved week is locked.
    entry = TimeEntry.objects.filter(consultant=approved.consultant,
                                     date__range=(approved.week_start, approved.week_start
                                                  + dt.timedelta(days=6))).first()
    with pytest.raises(ValidationError, match="was approved by"):
        services.time_entry_update(entry=entry, seconds=entry.seconds + 60)
    # The demo manager finds submitted weeks of their team waiting on the Approvals page.
    client.force_login(User.objects.get(username="manager"))
    page = client.get("/weeks/")
    assert page.status_code == 200
    waiting = [row.record for row in page.context["table"].page.object_list]
    assert waiting and all(week.status == WeekStatus.SUBMITTED for week in waiting)
    assert {week.consultant.team.name for week in waiting} == {"Public Sector"}


def test_the_demo_time_has_sources_to_show(seeded):
    """The balance report's hours by source and the time list's Source column show the timer
    beside the hand-logged time: a day in four of each person's is timed."""
    by_source = dict(TimeEntry.objects.values_list("source").annotate(n=Count("pk")))
    assert set(by_source) == {TimeEntry.Source.MANUAL, TimeEntry.Source.TIMER}
    assert 0.15 < by_source[TimeEntry.Source.TIMER] / sum(by_source.values()) < 0.35


# --- client confirmations (docs/confirmations.md) --------------------------------------------


def test_the_outcome_page_shows_the_clients_answer(seeded, client):
    """Verified means a contact confirmed through their link: the demo has some, and the
    outcome's page shows the contact's answer to the demo manager."""
    verified = Outcome.objects.filter(VERIFIED).select_related("client_answer__contact")
    assert verified.exists()
    outcome = verified.filter(engagement__team__name="Public Sector").first()
    answer = outcome.client_answer
    client.force_login(User.objects.get(username="manager"))
    page = client.get(f"/outcomes/{outcome.pk}/").content.decode()
    assert answer.contact.name in page and "Confirmed" in page


def test_every_answer_went_through_the_contacts_link_and_no_email_is_due(seeded):
    from reports.confirmations import confirmations_due

    for request in ConfirmationRequest.objects.select_related("outcome", "contact__client"):
        outcome = request.outcome
        assert outcome.status == Outcome.Status.ACHIEVED
        assert request.contact.client == Client.objects.get(engagements__outcomes=outcome)
        assert outcome.achieved_on <= timezone.localdate(request.asked_at)
        assert request.asked_at < request.sent_at <= timezone.now()
        assert request.figures_hash == outcome.figures_digest()  # what they were shown
        records = Change.objects.filter(object_type="confirmation", object_id=request.pk)
        asked = records.get(action="create")
        assert (asked.via, asked.user, asked.at) == ("command", request.asked_by, request.asked_at)
        if request.decision:
            assert request.asked_at < request.answered_at <= timezone.now()
            assert outcome.client_answer_id == request.pk  # the answer in force
            answered = records.get(action="update")
            assert (answered.via, answered.user, answered.at) == ("link", None, request.answered_at)
            assert answered.via_ref.startswith(f"{request.contact.name} <{request.contact.email}>")
    # The demo's requests are as if sent: no e-mail leaves for @<client>.example.
    assert confirmations_due() == []


def test_a_mix_of_answers_a_dispute_a_pending_request_and_public_cards(client):
    """At a size with ten achieved outcomes: each client has a contact or two, at its own
    domain; about half the achieved outcomes are confirmed, one disputed with a comment, one
    still waiting with a working link, two confirmations with a public card (one naming the
    contact)."""
    from reports.balance import balance_compute
    from reports.confirmations import LinkState, confirmation_token, link_open

    seed("--consultants", "16", "--weeks", "13")
    for each in Client.objects.prefetch_related("contacts"):
        contacts = list(each.contacts.all())
        assert 1 <= len(contacts) <= 2
        for contact in contacts:
            slug = each.name.lower().replace(" ", "-")
            assert re.fullmatch(rf"[a-z-]+\.[a-z-]+2?@{slug}\.example", contact.email)
            assert contact.role
    achieved = Outcome.objects.filter(status=Outcome.Status.ACHIEVED).count()
    decisions = Counter(ConfirmationRequest.objects.values_list("decision", flat=True))
    assert achieved == 10
    assert decisions == {"confirmed": 5, "disputed": 1, "": 1}
    assert Outcome.objects.filter(VERIFIED).count() == 5
    # The balance report's default period (the last four weeks) counts some as verified.
    report = balance_compute(
        people=User.objects.all(), start=LAST_SUNDAY - dt.timedelta(days=27), end=LAST_SUNDAY
    )
    assert 0 < report.totals.outcomes_verified <= report.totals.outcomes_achieved

    disputed = ConfirmationRequest.objects.get(decision="disputed")
    assert disputed.comment and Outcome.objects.get(client_answer=disputed).is_disputed
    pending = ConfirmationRequest.objects.get(decision="")
    assert link_open(confirmation_token(pending)).state == LinkState.OPEN

    cards = ConfirmationRequest.objects.filter(consent_card=True)
    assert cards.count() == 2 and cards.filter(consent_name=True).count() == 1
    named = cards.get(consent_name=True)
    page = client.get(f"/cards/{named.card_slug}/")
    assert page.status_code == 200 and named.contact.name in page.content.decode()
