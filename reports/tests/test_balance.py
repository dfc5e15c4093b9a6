import datetime as dt
import io
import json
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clients.models import Outcome
from clients.tests.factories import EngagementFactory, OutcomeFactory, confirmed_by_client
from reports.balance import Period, Report, balance_compute
from tracker.approvals import week_approve, week_submit
from tracker.models import Activity, Kind, TimeEntry, User
from tracker.tests.factories import ActivityFactory, TeamFactory, TimeEntryFactory, UserFactory
from tracker.week import week_start_of

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 1, 5), dt.date(2026, 3, 29)  # 12 whole weeks


def report_for(viewer, **kwargs):
    return balance_compute(people=User.objects.visible_to(viewer),
                           **{"start": START, "end": END, **kwargs}).to_json(ids=True)


def row_of(report, username):
    return next(row for row in report["rows"] if row["consultant"] == username)


def submit_and_approve(consultant, day, *, by):
    week_submit(consultant=consultant, week_start=week_start_of(day))
    week_approve(consultant=consultant, week_start=week_start_of(day), by=by)


def test_period_split_into_whole_weeks_and_edges():
    assert Period(START, END).split() == ((START, dt.date(2026, 3, 23)), [])
    wed, tue = dt.date(2026, 1, 7), dt.date(2026, 1, 20)
    assert Period(wed, tue).split() == (
        (dt.date(2026, 1, 12), dt.date(2026, 1, 12)),
        [(wed, dt.date(2026, 1, 11)), (dt.date(2026, 1, 19), tue)],
    )
    assert Period(wed, dt.date(2026, 1, 9)).split() == (None, [(wed, dt.date(2026, 1, 9))])
    # Seven days across a week boundary: two partial weeks, each labelled with its own week.
    assert Period(wed, dt.date(2026, 1, 13)).split() == (
        None, [(wed, dt.date(2026, 1, 11)), (dt.date(2026, 1, 12), dt.date(2026, 1, 13))]
    )
    with pytest.raises(ValueError):
        Period(END, START)


def test_contract_example_shape_and_figures(cast):
    alice, admin = cast.consultant, cast.admin
    for i in range(5):
        TimeEntryFactory(consultant=alice, date=START + dt.timedelta(days=i), seconds=8 * 3600,
                         kind=Kind.CLIENT, engagement=cast.engagement)
    TimeEntryFactory(consultant=alice, date=START, seconds=5 * 3600, kind=Kind.PROMOTION)
    TimeEntryFactory(consultant=alice, date=END, seconds=1800, kind=Kind.INTERNAL)
    TimeEntryFactory(consultant=alice, date=END + dt.timedelta(days=1), seconds=3600,
                     kind=Kind.INTERNAL)  # outside the period
    confirmed_by_client(OutcomeFactory(engagement=cast.engagement, status="achieved",
                                       achieved_on=START))
    # Typed in by the firm: achieved, reported, not verified.
    OutcomeFactory(engagement=cast.engagement, status="achieved", achieved_on=END,
                   confirmed_by="CFO", confirmed_on=END)
    talk = ActivityFactory(consultant=alice, date=START, audience=12000, leads=2)
    EngagementFactory(name="Won", starts_on=START + dt.timedelta(days=3), source_activity=talk)
    row = row_of(report_for(admin), "alice")
    assert row == {
        "consultant": "alice", "name": "Alice Tester", "team": "Public Sector",
        "client_hours": 40.0, "promotion_hours": 5.0, "internal_hours": 0.5,
        "total_hours": 45.5, "capacity_hours": 480.0, "promotion_share": 0.111,
        "outcomes_achieved": 2, "outcomes_verified": 1, "activities": 1, "reach": 12000,
        "leads": 2, "engagements_sourced": 1, "flag": None,
        # Time in the first and the last week, neither approved: all of it unapproved.
        "unapproved_weeks": 2, "unapproved_hours": 45.5,
        "consultant_id": alice.pk, "team_id": cast.team.pk,
    }


def test_activity_figures_count_each_activity_once_and_only_the_people_in_scope(cast):
    """An activity that brought in two engagements: its audience and leads counted once, both
    engagements sourced. Another team's activity is in the admin's totals, not a manager's."""
    talk = ActivityFactory(consultant=cast.consultant, date=START, audience=300, leads=4)
    ActivityFactory(consultant=cast.consultant, date=END, audience=50, leads=1)
    ActivityFactory(consultant=cast.consultant, date=END + dt.timedelta(days=1), audience=9)
    for name in ("Won", "Won again"):
        EngagementFactory(name=name, starts_on=START + dt.timedelta(days=3), source_activity=talk)
    EngagementFactory(name="Later", starts_on=END + dt.timedelta(days=1), source_activity=talk)
    ActivityFactory(consultant=cast.outsider, date=START, audience=7000, leads=9)
    mine = {"activities": 2, "reach": 350, "leads": 5, "engagements_sourced": 2}
    for viewer in (cast.manager, cast.admin):
        row = row_of(report_for(viewer), "alice")
        assert {name: row[name] for name in mine} == mine
    assert report_for(cast.manager)["totals"]["reach"] == 350
    assert report_for(cast.admin)["totals"]["reach"] == 7350
    assert row_of(report_for(cast.admin), "olga")["leads"] == 9


def test_brand_over_client_flag_follows_the_team_threshold(cast):
    bob = cast.teammate
    engagement = EngagementFactory(members=[bob])
    TimeEntryFactory(consultant=bob, date=START, seconds=6 * 3600, kind=Kind.CLIENT,
                     engagement=engagement)
    TimeEntryFactory(consultant=bob, date=START, seconds=4 * 3600, kind=Kind.PROMOTION)
    assert row_of(report_for(cast.admin), "bob")["flag"] == "brand_over_client"  # 0.4 > 0.3
    cast.team.promotion_threshold = Decimal("0.50")
    cast.team.save()
    assert row_of(report_for(cast.admin), "bob")["flag"] is None
    cast.team.promotion_threshold = Decimal("0.30")
    cast.team.save()
    OutcomeFactory(engagement=engagement, status="achieved", achieved_on=END)
    assert row_of(report_for(cast.admin), "bob")["flag"] is None  # an outcome clears it


def test_share_is_null_without_client_or_promotion_time(cast):
    TimeEntryFactory(consultant=cast.consultant, date=START, seconds=3600, kind=Kind.INTERNAL)
    row = row_of(report_for(cast.admin), "alice")
    assert row["promotion_share"] is None and row["flag"] is None


def test_who_sees_which_rows(cast):
    for person in (cast.consultant, cast.teammate, cast.outsider):
        TimeEntryFactory(consultant=person, date=START, seconds=3600, kind=Kind.INTERNAL)

    def names(viewer, **kwargs):
        return [row["consultant"] for row in report_for(viewer, **kwargs)["rows"]]

    assert names(cast.consultant) == ["alice"]
    assert names(cast.manager) == ["alice", "bob", "maria"]
    assert names(cast.other_manager) == ["olga", "omar"]
    assert names(cast.admin) == ["alice", "bob", "maria", "olga", "omar"]
    assert names(cast.manager, team=cast.other_team) == []
    assert names(cast.admin, team=cast.other_team) == ["olga", "omar"]
    assert names(cast.manager, consultant=cast.teammate) == ["bob"]


def test_totals_round_once_from_seconds(cast):
    for person in (cast.consultant, cast.teammate, cast.manager):
        TimeEntryFactory(consultant=person, date=START, seconds=20, kind=Kind.INTERNAL)
    report = report_for(cast.admin, team=cast.team)
    assert [row["internal_hours"] for row in report["rows"]] == [0.01, 0.01, 0.01]
    assert report["totals"]["internal_hours"] == 0.02  # 60 s, not 0.01 × 3


def test_client_scope_and_engagement_section(cast):
    alice = cast.consultant
    cast.engagement.budget_hours = Decimal("10")
    cast.engagement.save()
    TimeEntryFactory(consultant=alice, date=START - dt.timedelta(days=7), seconds=3600 * 4,
                     kind=Kind.CLIENT, engagement=cast.engagement)
    TimeEntryFactory(consultant=alice, date=START, seconds=3600, kind=Kind.CLIENT,
                     engagement=cast.engagement)
    report = report_for(cast.manager, client=cast.engagement.client)
    assert [row["consultant"] for row in report["rows"]] == ["alice"]
    [engagement] = report["engagements"]
    assert engagement["hours"] == 1.0 and engagement["logged_hours"] == 5.0
    assert engagement["burn"] == 0.5


def test_balance_report_command_json_and_csv(cast):
    TimeEntryFactory(consultant=cast.consultant, date=START, seconds=5400, kind=Kind.CLIENT,
                     engagement=cast.engagement)
    out = io.StringIO()
    call_command("balance_report", "--start", "2026-01-05", "--end", "2026-03-29",
                 "--team", "Public Sector", stdout=out)
    report = json.loads(out.getvalue())
    assert report["period"] == {"start": "2026-01-05", "end": "2026-03-29"}
    assert set(report["totals"]) >= {"client_hours", "promotion_hours", "internal_hours",
                                      "total_hours", "outcomes_achieved", "outcomes_verified",
                                      "activities", "reach", "leads", "engagements_sourced"}
    assert row_of(report, "alice")["client_hours"] == 1.5
    assert "consultant_id" not in report["rows"][0] and "team_id" not in report["rows"][0]
    assert "\n" not in out.getvalue().strip() and ": " not in out.getvalue()  # compact
    indented = io.StringIO()
    call_command("balance_report", "--start", "2026-01-05", "--end", "2026-03-29",
                 "--team", "Public Sector", "--indent", "2", stdout=indented)
    assert json.loads(indented.getvalue()) == report
    assert '\n  "period": {' in indented.getvalue()
    wider = io.StringIO()
    call_command("balance_report", "--start", "2026-01-05", "--end", "2026-03-29",
                 "--team", "Public Sector", "--indent", "4", stdout=wider)
    assert json.loads(wider.getvalue()) == report
    assert '\n    "period": {' in wider.getvalue()
    # UTF-8, whatever writes it: a name as itself, not as \u escapes.
    User.objects.filter(pk=cast.consultant.pk).update(first_name="Zoë", last_name="Đorđević")
    for indent in ([], ["--indent", "2"], ["--indent", "4"]):
        named = io.StringIO()
        call_command("balance_report", "--start", "2026-01-05", "--end", "2026-03-29",
                     "--team", "Public Sector", *indent, stdout=named)
        assert '"Zoë Đorđević"' in named.getvalue()
        assert row_of(json.loads(named.getvalue()), "alice")["name"] == "Zoë Đorđević"
    out = io.StringIO()
    call_command("balance_report", "--start", "2026-01-05", "--end", "2026-03-29",
                 "--format", "csv", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("consultant,team,client_hours")
    assert any(line.startswith("alice,Public Sector,1.5,") for line in lines)


@pytest.mark.parametrize("args,message", [
    (["--start", "2026-02-30", "--end", "2026-03-01"], "not a date"),
    (["--start", "2026-03-01", "--end", "2026-02-01"], "before --start"),
    (["--start", "2026-01-01", "--end", "2026-02-01", "--team", "Nope"], "no team named"),
])
def test_balance_report_command_bad_input(cast, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("balance_report", *args, stdout=io.StringIO())


def _hours(seconds):
    return float((Decimal(seconds) / 3600).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


entries_strategy = st.lists(
    st.tuples(
        st.integers(0, 2),  # consultant index
        st.integers(0, 60),  # day offset from 2026-01-01
        st.integers(1, 6 * 3600),  # seconds
        st.sampled_from([Kind.CLIENT, Kind.PROMOTION, Kind.INTERNAL]),
        st.integers(0, 1),  # engagement index for client time
    ),
    max_size=40,
)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    entries=entries_strategy,
    achieved=st.lists(st.tuples(st.integers(0, 1), st.integers(0, 60), st.booleans()),
                      max_size=4),
    start_offset=st.integers(0, 40),
    length=st.integers(0, 30),
)
def test_report_equals_sums_computed_from_the_rows(cast, entries, achieved, start_offset,
                                                   length):
    TimeEntry.objects.all().delete()
    Outcome.objects.all().delete()
    Activity.objects.all().delete()
    team = TeamFactory(name="Property")
    people = [UserFactory(username=f"p{i}", team=team) for i in range(3)]
    engagements = [EngagementFactory(name=f"E{i}", members=people) for i in range(2)]
    origin = dt.date(2026, 1, 1)
    for who, day, seconds, kind, which in entries:
        TimeEntry.objects.create(
            consultant=people[who], date=origin + dt.timedelta(days=day), seconds=seconds,
            kind=kind, engagement=engagements[which] if kind == Kind.CLIENT else None,
        )
    for which, day, verified in achieved:
        on = origin + dt.timedelta(days=day)
        outcome = OutcomeFactory(engagement=engagements[which], status="achieved",
                                 achieved_on=on, confirmed_by="Typed", confirmed_on=on)
        if verified:
            confirmed_by_client(outcome)
    start = origin + dt.timedelta(days=start_offset)
    end = start + dt.timedelta(days=length)
    report = balance_compute(people=User.objects.visible_to(cast.admin), start=start, end=end,
                             team=team).to_stored()

    seconds = defaultdict(lambda: defaultdict(int))
    worked = defaultdict(set)
    for entry in TimeEntry.objects.filter(date__gte=start, date__lte=end):
        seconds[entry.consultant_id][entry.kind] += entry.seconds
        if entry.engagement_id:
            worked[entry.consultant_id].add(entry.engagement_id)
    outcomes = Outcome.objects.filter(achieved_on__gte=start, achieved_on__lte=end)
    for person in people:
        row = row_of(report, person.username)
        mine = seconds[person.pk]
        assert row["client_hours"] == _hours(mine["client"])
        assert row["promotion_hours"] == _hours(mine["promotion"])
        assert row["internal_hours"] == _hours(mine["internal"])
        assert row["total_hours"] == _hours(sum(mine.values()))
        credited = [o for o in outcomes if o.engagement_id in worked[person.pk]]
        assert row["outcomes_achieved"] == len(credited)
        assert row["outcomes_verified"] == sum(1 for o in credited if o.is_verified)
        both = mine["client"] + mine["promotion"]
        expected_share = mine["promotion"] / both if both else None
        if expected_share is None:
            assert row["promotion_share"] is None
        else:
            assert row["promotion_share"] == round(expected_share, 3)
        expect_flag = expected_share is not None and expected_share > 0.3 and not credited
        assert row["flag"] == ("brand_over_client" if expect_flag else None)
    all_seconds = defaultdict(int)
    for mine in seconds.values():
        for kind, value in mine.items():
            all_seconds[kind] += value
    totals = report["totals"]
    assert totals["client_hours"] == _hours(all_seconds["client"])
    assert totals["total_hours"] == _hours(sum(all_seconds.values()))
    assert sum(week["client_hours"] for week in report["weeks"]) == pytest.approx(
        sum(row["client_hours"] for row in report["rows"]), abs=0.01 * (len(report["weeks"]) + 1)
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's settings")
def test_a_big_report_sets_its_session_and_a_teams_does_not(cast):
    from django.test.utils import CaptureQueriesContext

    start, end = dt.date(2026, 1, 5), dt.date(2026, 2, 1)
    TimeEntryFactory(consultant=cast.consultant, date=start, seconds=600)

    def settings_set(people) -> bool:
        with CaptureQueriesContext(connection) as queries:
            balance_compute(people=people, start=start, end=end)
        return any("set_config" in query["sql"] for query in queries.captured_queries)

    assert settings_set(User.objects.all())  # everyone: a big firm's year needs them
    assert not settings_set(User.objects.visible_to(cast.manager))  # a team of three


def test_query_count_does_not_grow_with_data(cast, django_assert_num_queries):
    """Six queries whatever the number of people, weeks, entries and approvals: five for
    the figures (the time, with the hours by source; people and their activities apart;
    the engagements with their all-time totals; their outcomes), one for the unapproved
    marks."""
    def add(n):
        for i in range(n):
            day = dt.date(2026, 1, 7) + dt.timedelta(days=i % 28)
            TimeEntryFactory(consultant=cast.consultant, date=day, seconds=600, kind=Kind.CLIENT,
                             engagement=cast.engagement, source="toggl" if i % 2 else "manual")
            ActivityFactory(consultant=cast.teammate, date=day)
            OutcomeFactory(engagement=cast.engagement, status="achieved", achieved_on=day)
            newcomer = UserFactory(username=f"new{n}-{i}", team=cast.team)
            TimeEntryFactory(consultant=newcomer, date=day, seconds=600, kind=Kind.INTERNAL)
            submit_and_approve(newcomer, day, by=cast.manager)

    start, end = dt.date(2026, 1, 7), dt.date(2026, 2, 4)  # Wednesday to Wednesday: two edges
    add(1)
    # PostgreSQL: the savepoint of its transaction (the test's own transaction is around it)
    # made and released; a team's report sets no session settings (a big one does, below).
    queries = 6 + (2 if connection.vendor == "postgresql" else 0)
    with django_assert_num_queries(queries):
        balance_compute(people=User.objects.visible_to(cast.manager), start=start, end=end)
    add(40)
    with django_assert_num_queries(queries):
        report = balance_compute(people=User.objects.visible_to(cast.manager), start=start,
                                 end=end).to_stored()
    assert row_of(report, "alice")["outcomes_achieved"] == 41
    assert row_of(report, "alice")["unapproved_weeks"] == 5  # 7 Jan to 4 Feb: five ISO weeks
    assert report["totals"]["unapproved_weeks"] == 5  # every newcomer's week is approved


def test_a_stored_run_reads_back_with_the_figures_it_was_built_with(cast):
    """Hours are rounded to 0.01 h (36 s): 7,250 s of client and of promotion work show as
    2.01 h each but 4.03 h in all. A run read back from hours alone showed 4.02."""
    alice = cast.consultant
    TimeEntryFactory(consultant=alice, date=START, seconds=7250, kind=Kind.CLIENT,
                     engagement=cast.engagement)
    TimeEntryFactory(consultant=alice, date=START, seconds=7250, kind=Kind.PROMOTION)
    built = balance_compute(people=User.objects.visible_to(cast.admin), start=START, end=END)
    assert row_of(built.to_json(), "alice")["total_hours"] == 4.03

    read_back = Report.from_stored(json.loads(json.dumps(built.to_stored())))
    assert read_back.to_json() == built.to_json()
    assert Report.json_of_stored(built.to_stored()) == built.to_json()


def _seconds_by_person_and_engagement(start, end):
    by_person, by_engagement = defaultdict(lambda: defaultdict(int)), defaultdict(int)
    for entry in TimeEntry.objects.filter(date__range=(start, end)):
        by_person[entry.consultant_id][entry.kind] += entry.seconds
        if entry.engagement_id:
            by_engagement[entry.engagement_id] += entry.seconds
    return by_person, by_engagement


def _assert_report_holds_the_entries(report, people, start, end):
    by_person, by_engagement = _seconds_by_person_and_engagement(start, end)
    for person in people:
        row = report.row_of(person.pk)
        assert (row.seconds.client, row.seconds.promotion, row.seconds.internal) == (
            by_person[person.pk][Kind.CLIENT], by_person[person.pk][Kind.PROMOTION],
            by_person[person.pk][Kind.INTERNAL])
    assert {row.engagement_id: row.seconds for row in report.engagements} == by_engagement


@pytest.mark.parametrize(("start", "end"), [
    (dt.date(2025, 12, 22), dt.date(2027, 1, 10)),  # 2025's last week, all 2026, 2027's first
    (dt.date(2025, 12, 29), dt.date(2026, 1, 4)),  # 2026's first week, which starts in 2025
    (dt.date(2026, 12, 28), dt.date(2027, 1, 3)),  # 2026's week 53
    (dt.date(2025, 12, 15), dt.date(2026, 1, 11)),  # two weeks each side of the new year
    (dt.date(2026, 1, 5), dt.date(2026, 12, 27)),  # weeks 2 to 52 of 2026
    (dt.date(2026, 1, 12), dt.date(2026, 1, 18)),  # one week inside a year
    (dt.date(2025, 12, 31), dt.date(2027, 1, 1)),  # partial weeks at both edges
])
@pytest.mark.parametrize("everyone", [True, False])
def test_hours_of_whole_weeks_across_iso_years(cast, start, end, everyone):
    """Each person's and engagement's hours of a period across ISO years are the entries':
    on PostgreSQL a report reads them from running sums a year, each week's sum from the
    start of its ISO year (2026 has 53 weeks; 29 Dec 2025 is in its first)."""
    team = TeamFactory(name="Property")
    people = [UserFactory(username=f"p{i}", team=team) for i in range(2)]
    engagement = EngagementFactory(name="Audit", members=people)
    days = [dt.date(2025, 12, 16), dt.date(2025, 12, 22), dt.date(2025, 12, 30),
            dt.date(2026, 1, 4), dt.date(2026, 1, 6), dt.date(2026, 1, 14), dt.date(2026, 6, 15),
            dt.date(2026, 12, 27), dt.date(2026, 12, 28), dt.date(2027, 1, 2),
            dt.date(2027, 1, 4), dt.date(2027, 1, 10)]
    for n, day in enumerate(days):
        kind = (Kind.CLIENT, Kind.PROMOTION, Kind.INTERNAL)[n % 3]
        TimeEntryFactory(consultant=people[n % 2], date=day, seconds=60 * (n + 1), kind=kind,
                         engagement=engagement if kind == Kind.CLIENT else None)
    report = balance_compute(people=User.objects.all(), start=start, end=end,
                             team=None if everyone else team)
    _assert_report_holds_the_entries(report, people, start, end)
    assert report.totals.seconds.total == sum(
        entry.seconds for entry in TimeEntry.objects.filter(date__range=(start, end)))


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    entries=st.lists(st.tuples(
        st.integers(0, 2),  # consultant index
        st.integers(0, 430),  # day offset from Monday 1 Dec 2025, to early February 2027
        st.integers(1, 8 * 3600),  # seconds
        st.sampled_from([Kind.CLIENT, Kind.PROMOTION, Kind.INTERNAL]),
        st.integers(0, 1),  # engagement index for client time
    ), max_size=40),
    moves=st.lists(st.tuples(st.integers(0, 39), st.integers(0, 430)), max_size=5),
    start_offset=st.integers(0, 400),
    length=st.integers(0, 400),
    everyone=st.booleans(),
)
def test_hours_by_person_and_engagement_across_iso_years(cast, entries, moves, start_offset,
                                                         length, everyone):
    """Periods across ISO years (2026 has 53 weeks; 29 Dec 2025 is in its first), entries
    added and moved between years: each person's hours by kind and each engagement's in the
    period are the entries' sums, for a team (its people's rows) and for everyone (on
    PostgreSQL the running sums a year; on SQLite the weekly rollup)."""
    TimeEntry.objects.all().delete()
    team = TeamFactory(name="Property")
    people = [UserFactory(username=f"p{i}", team=team) for i in range(3)]
    engagements = [EngagementFactory(name=f"E{i}", members=people) for i in range(2)]
    origin = dt.date(2025, 12, 1)
    created = [
        TimeEntry.objects.create(
            consultant=people[who], date=origin + dt.timedelta(days=day), seconds=seconds,
            kind=kind, engagement=engagements[which] if kind == Kind.CLIENT else None,
        )
        for who, day, seconds, kind, which in entries
    ]
    for index, day in moves:
        if index < len(created):
            TimeEntry.objects.filter(pk=created[index].pk).update(
                date=origin + dt.timedelta(days=day))
    start = origin + dt.timedelta(days=start_offset)
    end = start + dt.timedelta(days=length)
    report = balance_compute(people=User.objects.all(), start=start, end=end,
                             team=None if everyone else team)
    _assert_report_holds_the_entries(report, people, start, end)


def test_everyones_weeks_and_sources_match_the_same_people_named(cast):
    """A report of everyone reads its weekly series and hours by source from the firm's
    weeks (changes summed), a report of named people from their own weeks: the same people
    give the same figures, a week whose time moved away and a source no longer used
    included, before and after the changes are folded."""
    from tracker.rollup import firm_weeks_compact

    start, end = dt.date(2026, 1, 7), dt.date(2026, 3, 4)  # Wednesday to Wednesday
    for i in range(40):
        TimeEntryFactory(
            consultant=(cast.consultant, cast.teammate)[i % 2],
            date=start + dt.timedelta(days=i), seconds=600 + i,
            kind=(Kind.CLIENT, Kind.PROMOTION, Kind.INTERNAL)[i % 3],
            engagement=cast.engagement if i % 3 == 0 else None,
            source=("manual", "toggl", "timer")[i // 2 % 3],
        )
    moved = TimeEntry.objects.filter(date__range=(dt.date(2026, 1, 19), dt.date(2026, 1, 25)))
    moved.update(date=dt.date(2026, 2, 10))  # the week of the 19th holds no time any more
    TimeEntry.objects.filter(source="toggl").update(source="harvest")

    def figures(people):
        report = balance_compute(people=people, start=start, end=end).to_json()
        return report["weeks"], report["sources"], report["totals"]

    named = User.objects.filter(pk__in=list(User.objects.values_list("pk", flat=True)))
    weeks, sources, totals = figures(User.objects.all())
    assert (weeks, sources, totals) == figures(named)
    assert dt.date(2026, 1, 19).isoformat() not in {week["week_start"] for week in weeks}
    assert {source["source"] for source in sources} == {"manual", "harvest", "timer"}
    assert sum(source["total_hours"] for source in sources) == pytest.approx(
        totals["total_hours"], abs=0.01 * len(sources))
    firm_weeks_compact()
    assert figures(User.objects.all()) == (weeks, sources, totals)
