"""The balance report's marks: the weeks not yet approved behind each figure (a count and a
visual mark, never a change of the hours), and the hours by source; on the page, in the
exports, the command, the API, and in runs stored before either existed."""

import csv
import datetime as dt
import html
import io
import json
import re
from collections import defaultdict
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from clients.tests.factories import EngagementFactory
from reports.balance import Report, balance_compute
from reports.models import ReportRun, report_key
from tracker.approvals import week_approve, week_reopen, week_return, week_submit
from tracker.figures import hours
from tracker.models import Kind, TimeEntry, User
from tracker.tests.factories import TimeEntryFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)),
]

URL = "/reports/balance/"
START, END = dt.date(2026, 10, 5), dt.date(2026, 11, 22)  # seven whole ISO weeks
WEEKS = [START + dt.timedelta(weeks=i) for i in range(7)]  # their Mondays
CUSTOM = {"period": "custom", "start": START.isoformat(), "end": END.isoformat()}
MARKS = ("unapproved_weeks", "unapproved_hours")


def log(person, day, seconds, kind=Kind.INTERNAL, **fields):
    if kind == Kind.CLIENT and "engagement" not in fields:
        fields["engagement"] = EngagementFactory(members=[person])
    return TimeEntryFactory(consultant=person, date=day, seconds=seconds, kind=kind, **fields)


def submit(person, monday):
    week_submit(consultant=person, week_start=monday)


def approve(person, monday, *, by):
    submit(person, monday)
    week_approve(consultant=person, week_start=monday, by=by)


def report(viewer, start=START, end=END, **scope) -> Report:
    return balance_compute(people=User.objects.visible_to(viewer), start=start, end=end,
                           **scope)


def row(built: Report, username: str):
    return next(r for r in built.rows if r.consultant == username)


def links(page: str) -> list[dict]:
    """Every link of the page, as its path and its query's parameters."""
    found = []
    for href in re.findall(r'href="([^"]+)"', page):
        parts = urlsplit(html.unescape(href))
        found.append({"path": parts.path, **{k: v[0] for k, v in parse_qs(parts.query).items()}})
    return found


# The figures -------------------------------------------------------------------------------------


def test_a_week_counts_unless_it_is_approved(cast):
    alice = cast.consultant
    seconds = [3600 + 60 * i for i in range(6)]
    for monday, amount in zip(WEEKS, seconds, strict=False):
        log(alice, monday + dt.timedelta(days=1), amount)
    approve(alice, WEEKS[0], by=cast.manager)  # approved: does not count
    submit(alice, WEEKS[1])  # submitted
    submit(alice, WEEKS[2])
    week_return(consultant=alice, week_start=WEEKS[2], by=cast.manager, comment="Fix Tuesday")
    # WEEKS[3]: no record (open)
    approve(alice, WEEKS[4], by=cast.manager)
    week_reopen(consultant=alice, week_start=WEEKS[4], by=cast.admin, reason="Typo")
    approve(alice, WEEKS[5], by=cast.manager)
    approve(alice, WEEKS[6], by=cast.manager)  # approved, and no time in it: nothing to count

    mine = row(report(cast.manager), "alice")
    assert mine.unapproved_weeks == 4  # submitted, returned, open, reopened
    assert mine.unapproved_hours == hours(sum(seconds[1:5]))
    assert mine.total_hours == hours(sum(seconds))  # the hours themselves never change


def test_partial_weeks_at_the_edges_count_for_their_days_inside(cast):
    alice, bob = cast.consultant, cast.teammate
    wednesday, tuesday = dt.date(2026, 10, 7), dt.date(2026, 10, 20)
    log(alice, dt.date(2026, 10, 5), 3600)  # the first edge's week, before the period
    log(alice, dt.date(2026, 10, 13), 1800)  # the whole week inside
    log(alice, tuesday, 900)  # the last edge
    log(alice, dt.date(2026, 10, 21), 7200)  # the last edge's week, after the period
    log(bob, dt.date(2026, 10, 8), 600)  # the first edge

    built = report(cast.manager, start=wednesday, end=tuesday)
    assert (row(built, "alice").unapproved_weeks, row(built, "alice").unapproved_hours) == (2, 0.75)
    assert (row(built, "bob").unapproved_weeks, row(built, "bob").unapproved_hours) == (1, 0.17)

    approve(alice, dt.date(2026, 10, 19), by=cast.manager)
    approve(bob, dt.date(2026, 10, 5), by=cast.manager)
    built = report(cast.manager, start=wednesday, end=tuesday)
    assert (row(built, "alice").unapproved_weeks, row(built, "alice").unapproved_hours) == (1, 0.5)
    assert (row(built, "bob").unapproved_weeks, row(built, "bob").unapproved_hours) == (0, 0.0)
    assert row(built, "alice").total_hours == 0.75


def test_teams_and_totals_sum_the_weeks_and_round_the_summed_seconds(cast):
    """20 s shows as 0.01 h: four people's 20 s each are 0.02 h, not 0.04."""
    for person in (cast.consultant, cast.teammate, cast.manager, cast.outsider):
        log(person, WEEKS[0], 20)
    log(cast.consultant, WEEKS[1], 20)
    approve(cast.manager, WEEKS[0], by=cast.admin)  # maria's only week: hers are all approved

    built = report(cast.admin)
    assert [(r.consultant, r.unapproved_weeks, r.unapproved_hours) for r in built.rows] == [
        ("alice", 2, 0.01), ("bob", 1, 0.01), ("maria", 0, 0.0), ("olga", 1, 0.01),
        ("omar", 0, 0.0),
    ]
    teams = {team.team: (team.unapproved_weeks, team.unapproved_hours) for team in built.teams}
    assert teams == {"Public Sector": (3, 0.02), "Health": (1, 0.01)}  # 60 s; 20 s
    assert (built.totals.unapproved_weeks, built.totals.unapproved_hours) == (4, 0.02)  # 80 s
    assert built.people_unapproved == 3
    data = built.to_json()
    assert {tuple(r)[-2:] for r in data["rows"]} == {MARKS}  # after CONTRACT.md's keys
    assert data["totals"]["unapproved_weeks"] == 4
    assert {t["team"]: t["unapproved_hours"] for t in data["teams"]} == {
        "Public Sector": 0.02, "Health": 0.01}


def test_hours_by_source_are_the_entries_sums_by_source_and_kind(cast):
    alice, bob, olga = cast.consultant, cast.teammate, cast.outsider
    entries = [
        (alice, "manual", Kind.CLIENT, 5400), (alice, "toggl", Kind.CLIENT, 3600),
        (alice, "toggl", Kind.PROMOTION, 1800), (bob, "api", Kind.INTERNAL, 900),
        (bob, "timer", Kind.PROMOTION, 1200), (bob, "kimai", Kind.CLIENT, 2700),
        (olga, "harvest", Kind.INTERNAL, 3600),
    ]
    for person, source, kind, seconds in entries:
        log(person, WEEKS[2], seconds, kind, source=source)
    log(alice, START - dt.timedelta(days=1), 3600, source="toggl")  # before the period

    for viewer, scope, people in [
        (cast.admin, {}, {alice, bob, olga}),
        (cast.manager, {}, {alice, bob}),
        (cast.admin, {"team": cast.other_team}, {olga}),
        (cast.admin, {"consultant": bob}, {bob}),
    ]:
        built = report(viewer, **scope)
        expected = defaultdict(lambda: defaultdict(int))
        for entry in TimeEntry.objects.filter(date__range=(START, END), consultant__in=people):
            expected[entry.source][entry.kind] += entry.seconds
        order = [value for value in TimeEntry.Source.values if value in expected]
        assert [s.source for s in built.sources] == order
        whole = sum(sum(kinds.values()) for kinds in expected.values())
        for source in built.sources:
            mine = expected[source.source]
            assert source.client_hours == hours(mine[Kind.CLIENT])
            assert source.promotion_hours == hours(mine[Kind.PROMOTION])
            assert source.internal_hours == hours(mine[Kind.INTERNAL])
            assert source.share == sum(mine.values()) / whole
        # The section adds up to the report's own totals.
        assert sum(s.seconds.total for s in built.sources) == built.totals.seconds.total

    by_source = {s["source"]: s for s in report(cast.admin).to_json()["sources"]}
    assert by_source["manual"]["label"] == "Manual" and by_source["timer"]["label"] == "Timer"
    assert by_source["harvest"]["label"] == "Harvest"
    assert by_source["toggl"] == {"source": "toggl", "label": "Toggl", "client_hours": 1.0,
                                  "promotion_hours": 0.5, "internal_hours": 0.0,
                                  "total_hours": 1.5, "share": round(5400 / 19200, 3)}


def test_a_client_scope_narrows_the_sources_to_its_people(cast):
    log(cast.consultant, WEEKS[0], 3600, Kind.CLIENT, engagement=cast.engagement,
        source="toggl")
    log(cast.consultant, WEEKS[0], 1800, source="api")  # the same person's other time counts
    log(cast.teammate, WEEKS[0], 7200, source="api")  # never worked for the client
    built = report(cast.manager, client=cast.engagement.client)
    assert [(s.source, s.total_hours) for s in built.sources] == [("toggl", 1.0), ("api", 0.5)]


def test_a_stored_run_reads_back_its_marks_and_sources(cast):
    log(cast.consultant, WEEKS[0], 7250, Kind.CLIENT, engagement=cast.engagement)
    log(cast.consultant, WEEKS[1], 7250, source="toggl")
    built = report(cast.admin)
    stored = json.loads(json.dumps(built.to_stored()))
    assert Report.from_stored(stored).to_json() == built.to_json()
    assert Report.json_of_stored(stored) == built.to_json()
    assert "unapproved_seconds" not in Report.json_of_stored(stored)["totals"]


def _stored_before_marks(built: Report) -> dict:
    """A run as stored before the marks and sources existed."""
    stored = built.to_stored()
    stored.pop("sources")
    for item in (*stored["rows"], *stored["teams"], stored["totals"]):
        for key in (*MARKS, "unapproved_seconds"):
            item.pop(key, None)
    return stored


def test_a_run_stored_before_the_marks_reads_them_as_unknown(cast):
    log(cast.consultant, WEEKS[0], 3600)
    old = Report.from_stored(_stored_before_marks(report(cast.admin)))
    assert old.sources == ()
    assert old.rows[0].unapproved_weeks is None and old.rows[0].unapproved_hours is None
    assert old.totals.unapproved is None and old.people_unapproved is None
    data = Report.json_of_stored(_stored_before_marks(report(cast.admin)))
    assert data["sources"] == []
    assert [data["rows"][0][key] for key in MARKS] == [None, None]
    assert [data["totals"][key] for key in MARKS] == [None, None]


# The page ----------------------------------------------------------------------------------------


@pytest.fixture
def marked(cast):
    """alice: two weeks, one approved; bob: one week, approved; a Health person elsewhere."""
    log(cast.consultant, WEEKS[0], 3 * 3600, Kind.CLIENT, engagement=cast.engagement)
    log(cast.consultant, WEEKS[1], 5400, Kind.PROMOTION, source="toggl")
    log(cast.teammate, WEEKS[1], 3600)
    approve(cast.consultant, WEEKS[0], by=cast.manager)
    approve(cast.teammate, WEEKS[1], by=cast.manager)
    log(cast.outsider, WEEKS[1], 3600)
    return cast


def test_the_page_marks_the_figures_and_links_to_their_entries(client, marked):
    client.force_login(marked.manager)
    response = client.get(URL, {**CUSTOM, "team": marked.team.pk})
    page = response.content.decode()
    line = re.search(r'<p id="report-approval"[^>]*>(.*?)</p>', page, re.S).group(1)
    assert "These figures include" in line
    assert re.sub(r"<[^>]+>|\s+", " ", line).split("include")[1].split() == [
        "1", "week", "not", "yet", "approved", "(1.50", "h,", "1", "person)."]
    # The mark, with its text for those who do not see it.
    assert '<span aria-hidden="true">◐ 1 wk</span>' in page
    assert '<span class="visually-hidden">1 week not yet approved</span>' in page

    period = {"date_from": START.isoformat(), "date_to": END.isoformat()}
    found = links(page)
    unapproved = [link for link in found if link.get("approved") == "no"]
    assert {"path": "/time/", "approved": "no", **period,
            "consultant": str(marked.consultant.pk)} in unapproved  # alice's row
    assert {"path": "/time/", "approved": "no", **period, "team": str(marked.team.pk)} in (
        unapproved)  # the line, the totals and the team
    assert not any(link.get("consultant") == str(marked.teammate.pk) for link in unapproved)
    # The table rows: the count with its mark, the hours, both linked.
    consultants = response.context["fast_tables"]["consultants"]
    alice = next(r for r in consultants["rows"] if r["attrs"]["data-consultant"] == "alice")
    bob = next(r for r in consultants["rows"] if r["attrs"]["data-consultant"] == "bob")
    columns = [h["name"] for h in consultants["header"]]
    weeks, hours_at = columns.index("unapproved_weeks"), columns.index("unapproved_hours")
    assert "◐ 1 wk" in alice["cells"][weeks]["text"] and alice["cells"][weeks]["url"]
    assert alice["cells"][hours_at]["text"] == "1.50"
    assert bob["cells"][weeks] == {"text": "0", "url": None, "numeric": True}
    assert "◐ 1 wk" in consultants["footer"][weeks]["html"]
    [team] = response.context["fast_tables"]["teams"]["rows"]
    team_columns = [h["name"] for h in response.context["fast_tables"]["teams"]["header"]]
    assert "◐ 1 wk" in team["cells"][team_columns.index("unapproved_weeks")]["text"]

    # Hours by source, each figure linked to its entries in the report's scope.
    assert '<h2 class="h5 me-auto" id="h-sources">Hours by source</h2>' in page
    sources = [link for link in found if "source" in link]
    assert {"path": "/time/", "source": "manual", "kind": "client", **period,
            "team": str(marked.team.pk)} in sources
    assert {"path": "/time/", "source": "manual", "kind": "internal", **period,
            "team": str(marked.team.pk)} in sources
    assert {"path": "/time/", "source": "toggl", "kind": "promotion", **period,
            "team": str(marked.team.pk)} in sources
    assert {"path": "/time/", "source": "toggl", **period, "team": str(marked.team.pk)} in (
        sources)  # the source's total


def test_a_consultants_report_links_in_their_scope(client, marked):
    client.force_login(marked.manager)
    page = client.get(URL, {**CUSTOM, "consultant": marked.consultant.pk}).content.decode()
    found = links(page)
    assert {"path": "/time/", "source": "toggl", "kind": "promotion",
            "date_from": START.isoformat(), "date_to": END.isoformat(),
            "consultant": str(marked.consultant.pk)} in found


def test_every_week_approved_says_so(client, marked):
    approve(marked.consultant, WEEKS[1], by=marked.manager)
    client.force_login(marked.manager)
    page = client.get(URL, {**CUSTOM, "team": marked.team.pk}).content.decode()
    assert "Every week in these figures is approved." in page
    assert "◐" not in page and not any(link.get("approved") for link in links(page))


def test_a_client_scope_has_no_link_that_would_list_other_entries(client, marked):
    """A client's report holds the whole time of the people who worked for the client: no
    list filter selects those people, so its totals and sources link nowhere (as the other
    totals do), rather than to a list that would not add up to the figure."""
    client.force_login(marked.manager)
    response = client.get(URL, {**CUSTOM, "client": marked.engagement.client.pk})
    found = links(response.content.decode())
    assert not any("source" in link for link in found)
    # alice's count and hours, but no link for her team's (the team's other people did not
    # all work for the client), the totals or the line above the tables.
    assert [(link.get("consultant"), link.get("team")) for link in found
            if link.get("approved")] == [(str(marked.consultant.pk), None)] * 2
    assert [s.source for s in response.context["report"].sources] == ["manual", "toggl"]


def test_a_page_at_phone_width_scrolls_its_tables(client, marked):
    client.force_login(marked.manager)
    page = client.get(URL, {**CUSTOM, "team": marked.team.pk}).content.decode()
    for table in ("consultants", "teams", "sources"):
        assert re.search(rf'<div class="table-responsive">\s*<table[^>]*id="{table}"', page)


def test_an_old_run_still_renders_with_unknown_marks(client, marked):
    client.force_login(marked.admin)
    params = {**CUSTOM, "team": None, "consultant": None, "client": None}
    run = ReportRun.objects.create(
        requested_by=marked.admin, params=params, params_key=report_key(params),
        status="done", result=_stored_before_marks(report(marked.admin)),
        finished_at=dt.datetime(2026, 11, 25, 11, 0, tzinfo=dt.UTC),
    )
    response = client.get(f"/reports/{run.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "built before week approvals were counted" in page
    consultants = response.context["fast_tables"]["consultants"]
    weeks = [h["name"] for h in consultants["header"]].index("unapproved_weeks")
    assert {r["cells"][weeks]["text"] for r in consultants["rows"]} == {"—"}
    assert consultants["footer"][weeks]["html"] == "—"
    assert "Nothing in this period." in page.split('id="h-sources"')[1]
    sorted_page = client.get(f"/reports/{run.pk}/", {"c-sort": "-unapproved_weeks"})
    assert sorted_page.status_code == 200
    api = APIClient()
    api.force_authenticate(marked.admin)
    result = api.get(f"/api/v1/report-runs/{run.pk}/").json()["result"]
    assert result["sources"] == [] and result["totals"]["unapproved_weeks"] is None


# Exports, the command and the API ----------------------------------------------------------------


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_exports_carry_the_unapproved_columns_and_the_sources(client, marked):
    client.force_login(marked.manager)
    query = {**CUSTOM, "team": marked.team.pk}
    consultants = csv_rows(client.get(URL, {**query, "_export": "csv", "table": "consultants"}))
    alice = next(r for r in consultants if r["Consultant"] == "alice")
    assert (alice["Unapproved weeks"], alice["Unapproved h"]) == ("1", "1.5")
    [team] = csv_rows(client.get(URL, {**query, "_export": "csv", "table": "teams"}))
    assert (team["Unapproved weeks"], team["Unapproved h"]) == ("1", "1.5")

    sources = csv_rows(client.get(URL, {**query, "_export": "csv", "table": "sources"}))
    assert [(s["Source"], s["Source code"], s["Total h"]) for s in sources] == [
        ("Manual", "manual", "4.0"), ("Toggl", "toggl", "1.5"), ("Total", "", "5.5")]
    assert float(sources[1]["Share of hours %"]) == 27  # 1.5 of 5.5 h: 27.3%, as the page says

    response = client.get(URL, {**query, "_export": "xlsx", "table": "sources"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in r] for r in sheet.iter_rows()]
    assert values[0][:3] == ["Source", "Source code", "Client h"]
    assert values[2][:6] == ["Toggl", "toggl", 0, 1.5, 0, 1.5]

    body = client.get(URL, {**query, "_export": "json", "table": "sources"}).json()
    assert [(s["source"], s["total_hours"]) for s in body["sources"]] == [
        ("manual", 4.0), ("toggl", 1.5)]


def test_the_command_prints_the_marks(marked):
    out = io.StringIO()
    call_command("balance_report", "--start", START.isoformat(), "--end", END.isoformat(),
                 "--format", "csv", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    alice = next(r for r in rows if r["consultant"] == "alice")
    assert (alice["unapproved_weeks"], alice["unapproved_hours"]) == ("1", "1.5")
    total = rows[-1]
    assert total["consultant"] == "TOTAL" and total["unapproved_weeks"] == "2"  # + olga's
    out = io.StringIO()
    call_command("balance_report", "--start", START.isoformat(), "--end", END.isoformat(),
                 stdout=out)
    printed = json.loads(out.getvalue())
    assert printed["totals"]["unapproved_hours"] == 2.5
    assert [s["source"] for s in printed["sources"]] == ["manual", "toggl"]


def test_the_api_gives_the_marks_and_the_sources(marked):
    api = APIClient()
    api.force_authenticate(marked.manager)
    body = api.get("/api/v1/reports/balance/", {"start": START.isoformat(),
                                                "end": END.isoformat()}).json()
    assert [(r["consultant"], r["unapproved_weeks"]) for r in body["rows"]] == [
        ("alice", 1), ("bob", 0), ("maria", 0)]
    assert body["teams"][0]["unapproved_hours"] == 1.5
    assert [(s["label"], s["share"]) for s in body["sources"]] == [
        ("Manual", round(4 / 5.5, 3)), ("Toggl", round(1.5 / 5.5, 3))]
