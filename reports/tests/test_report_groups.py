"""The balance report's grouped summary (by client, engagement, person or kind, as Harvest's
"Time report" groups), and a consultant's own report."""

import csv
import datetime as dt
import io
import json
from html.parser import HTMLParser

import openpyxl
import pytest

from clients.tests.factories import EngagementFactory
from reports.balance import GROUP_BY, Report, balance_compute
from reports.models import ReportRun
from tracker.models import Kind, User
from tracker.tests.factories import TimeEntryFactory

pytestmark = pytest.mark.django_db

URL = "/reports/balance/"
CUSTOM = {"period": "custom", "start": "2026-10-05", "end": "2026-11-22"}
DAY = dt.date(2026, 10, 14)


@pytest.fixture
def data(cast):
    """Alice on the Tax portal and on another client's engagement; Bob on a third; promotion
    and internal time with no engagement; someone of another team."""
    other = EngagementFactory(
        name="=Audit", client__name="=cmd|' /C calc'!A0", members=[cast.consultant, cast.teammate]
    )
    bobs = EngagementFactory(name="Bob's", client__name="Acme", members=[cast.teammate])
    for consultant, seconds, kind, engagement in [
        (cast.consultant, 6 * 3600, Kind.CLIENT, cast.engagement),
        (cast.consultant, 2 * 3600, Kind.CLIENT, other),
        (cast.consultant, 5400, Kind.PROMOTION, None),
        (cast.teammate, 3600, Kind.CLIENT, bobs),
        (cast.teammate, 1800, Kind.CLIENT, other),
        (cast.teammate, 4 * 3600, Kind.PROMOTION, None),
        (cast.teammate, 900, Kind.INTERNAL, None),
        (cast.outsider, 3600, Kind.INTERNAL, None),
    ]:
        TimeEntryFactory(
            consultant=consultant, date=DAY, seconds=seconds, kind=kind, engagement=engagement
        )
    return cast


def report_of(viewer, **scope):
    return balance_compute(
        people=User.objects.visible_to(viewer),
        start=dt.date(2026, 10, 5),
        end=dt.date(2026, 11, 22),
        **scope,
    )


def test_each_grouping_sums_to_the_reports_totals(data):
    report = report_of(data.manager, team=data.team)
    for by in GROUP_BY:
        rows = report.groups[by]
        assert sum((row.seconds.total for row in rows), 0) == report.totals.seconds.total, by
    by_client = {row.label: row.total_hours for row in report.groups["client"]}
    assert by_client == {
        "Acme": 1.0,
        "=cmd|' /C calc'!A0": 2.5,
        data.engagement.client.name: 6.0,
        "No client": 5.75,
    }
    assert list(by_client)[-1] == "No client"  # time on no engagement comes last
    by_kind = {row.label: row.total_hours for row in report.groups["kind"]}
    assert by_kind == {"Client work": 9.5, "Promotion": 5.5, "Internal": 0.25}
    by_person = {row.label: row.total_hours for row in report.groups["consultant"]}
    worked = [row for row in report.rows if row.seconds.total]
    assert by_person == {row.name: row.total_hours for row in worked}  # people by name
    engagements = [(row.client, row.label) for row in report.groups["engagement"]]
    assert engagements[-1] == (None, "No engagement")
    assert ("=cmd|' /C calc'!A0", "=Audit") in engagements


def test_a_stored_run_keeps_its_groups_and_the_api_json_does_not_change(data):
    report = report_of(data.manager, team=data.team)
    stored = report.to_stored()
    again = Report.from_stored(stored)
    for by in GROUP_BY:
        assert [(r.key, r.label, r.seconds) for r in again.groups[by]] == [
            (r.key, r.label, r.seconds) for r in report.groups[by]
        ]
    assert "groups" not in report.to_json() and "groups" not in Report.json_of_stored(stored)
    assert Report.json_of_stored(stored) == report.to_json()


@pytest.mark.parametrize("scope", ["team", "consultant"])
@pytest.mark.parametrize("by", list(GROUP_BY))
def test_every_grouped_figure_lists_the_entries_it_sums(client, data, by, scope):
    """Each figure of each group links to /time/, whose total is that figure; the totals row
    links to the report's whole scope. Time on no engagement links nowhere: no list filter
    selects it."""
    value = {"team": data.team.pk, "consultant": data.consultant.pk}[scope]
    client.force_login(data.manager)
    response = client.get(URL, {**CUSTOM, scope: value, "group_by": by})
    table = response.context["fast_tables"]["groups"]
    assert table["title"] == f"Summary by {GROUP_BY[by].lower()}"
    header = [h["name"] for h in table["header"]]
    assert header[0] == "label" and table["header"][0]["label"] == GROUP_BY[by]
    checked = 0
    for row in table["rows"]:
        cells = dict(zip(header, row["cells"], strict=True))
        for name, cell in cells.items():
            if not cell["numeric"] or name == "share" or cell["text"] == "0.00":
                continue
            if cells["label"]["text"] in ("No client", "No engagement"):
                assert cell["url"] is None
                continue
            listed = client.get(cell["url"])
            assert listed.status_code == 200
            assert f"{listed.context['totals']['total_hours']:,.2f}" == cell["text"], (
                by,
                cells["label"]["text"],
                name,
                cell["url"],
            )
            checked += 1
    assert checked >= 2
    footer = dict(zip(header, table["footer"], strict=True))
    assert 'href="/time/?' in str(footer["total_hours"]["html"])


def test_a_clients_report_groups_without_links(client, data):
    """A client's report holds all the hours of the people who worked for it: no list
    selects a group of them, so its summary links nowhere (as its totals)."""
    client.force_login(data.manager)
    response = client.get(URL, {**CUSTOM, "client": data.engagement.client.pk})
    rows = response.context["fast_tables"]["groups"]["rows"]
    assert rows and all(cell["url"] is None for row in rows for cell in row["cells"])


def test_the_group_by_links_keep_the_filters_and_work_without_script(client, data):
    client.force_login(data.manager)
    page = client.get(URL, {**CUSTOM, "team": data.team.pk, "group_by": "kind"})
    text = page.content.decode()
    nav = text[text.index('id="group-by"') : text.index("</nav>", text.index('id="group-by"'))]
    for by in GROUP_BY:
        assert f"group_by={by}#h-groups" in nav
    assert f"team={data.team.pk}" in nav and "start=2026-10-05" in nav
    assert 'aria-current="true">Kind<' in nav
    # A grouping nobody offers falls back to the default rather than failing.
    assert client.get(URL, {**CUSTOM, "group_by": "nonsense"}).status_code == 200


@pytest.mark.parametrize("by", ["client", "engagement"])
def test_grouped_exports_hold_numbers_and_are_formula_safe(client, data, by):
    client.force_login(data.manager)
    query = {**CUSTOM, "team": data.team.pk, "group_by": by, "table": "groups"}
    response = client.get(URL, {**query, "_export": "csv"})
    assert response.status_code == 200
    assert f"balance-groups-{by}-2026-10-05-2026-11-22.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert (
        rows[0][:2]
        == {"client": ["Client", "Client h"], "engagement": ["Engagement", "Client"]}[by]
    )
    cells = [cell for row in rows for cell in row]
    assert not any(cell.startswith("=") for cell in cells)
    assert "'=cmd|' /C calc'!A0" in cells
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get(URL, {**query, "_export": "xlsx"}).content)
    ).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    total = values[0].index("Total h")
    by_label = {row[0]: row[total] for row in values[1:]}
    assert by_label[data.engagement.client.name if by == "client" else "Tax portal"] == 6.0
    body = json.loads(client.get(URL, {**query, "_export": "json"}).content)
    assert body["group_by"] == by and body["totals"]["total_hours"] == 15.25
    assert sum(row["total_hours"] for row in body["groups"]) == pytest.approx(15.25)


def test_the_person_summarys_export_keeps_each_username_beside_the_name(client, data):
    client.force_login(data.manager)
    query = {**CUSTOM, "team": data.team.pk, "group_by": "consultant", "table": "groups"}
    rows = list(csv.reader(io.StringIO(
        client.get(URL, {**query, "_export": "csv"}).content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Person", "Username", "Client h"]
    assert ["Alice Tester", "alice"] in [row[:2] for row in rows[1:]]
    assert rows[-1][:2] == ["Total", ""]
    page = client.get(URL, query).content.decode()  # the page: names only
    groups = page[page.index('id="groups"'):page.index("</table>", page.index('id="groups"'))]
    assert "Username" not in groups


def test_a_kind_summary_shows_each_kinds_hours_once(client, data):
    client.force_login(data.manager)
    response = client.get(
        URL,
        {**CUSTOM, "team": data.team.pk, "group_by": "kind", "table": "groups", "_export": "csv"},
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Kind", "Total h", "Share of hours %"]
    assert rows[1:] == [
        # Whole percent, as the page and every e-mail write a share (62.3%, 36.1%, 1.6%).
        ["Client work", "9.5", "62"],
        ["Promotion", "5.5", "36"],
        ["Internal", "0.25", "2"],
        ["Total", "15.25", "100"],
    ]


class Labels(HTMLParser):
    """The filter form's labels and the ids of its visible controls."""

    def __init__(self, html):
        super().__init__()
        self.labels, self.controls, self._label = {}, set(), None
        start = html.index('id="report-filters"')
        self.feed(html[start : html.index("</form>", start)])

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label":
            self._label = attrs.get("for")
            self.labels[self._label] = ""
        elif tag in ("input", "select") and attrs.get("type") != "hidden":
            self.controls.add(attrs.get("id"))

    def handle_data(self, data):
        if self._label:
            self.labels[self._label] += data.strip()

    def handle_endtag(self, tag):
        if tag == "label":
            self._label = None


def test_a_consultants_own_report_is_theirs_not_a_teams(client, data):
    client.force_login(data.consultant)
    response = client.get(URL, CUSTOM)
    page = response.content.decode()
    labels = Labels(page)
    # Every label names a box that is there, and every box has a label with words in it.
    assert labels.labels and all(labels.labels.values()), labels.labels
    assert set(labels.labels) == labels.controls
    tables = response.context["fast_tables"]
    assert "teams" not in tables and 'id="teams"' not in page and ">Teams<" not in page
    assert tables["consultants"]["title"] == "Your figures"
    assert [row["cells"][0]["text"] for row in tables["consultants"]["rows"]] == ["Alice Tester"]
    assert "chart-share" not in page  # a scatter of people, of one person
    assert [c["by"] for c in response.context["group_choices"]] == ["client", "engagement", "kind"]
    by_client = {row.label: row.total_hours for row in response.context["report"].groups["client"]}
    assert by_client == {
        data.engagement.client.name: 6.0,
        "=cmd|' /C calc'!A0": 2.0,
        "No client": 1.5,
    }
    # A manager's report keeps its teams and people.
    client.force_login(data.manager)
    response = client.get(URL, {**CUSTOM, "team": data.team.pk})
    assert "teams" in response.context["fast_tables"]
    assert response.context["fast_tables"]["consultants"]["title"] == "Consultants"


def test_a_run_stored_before_the_summaries_still_opens(client, data):
    stored = report_of(data.manager, team=data.team).to_stored()
    del stored["groups"]
    run = ReportRun.objects.create(
        requested_by=data.manager,
        params={**CUSTOM, "team": None},
        params_key="old",
        status=ReportRun.Status.DONE,
        result=stored,
    )
    client.force_login(data.manager)
    page = client.get(f"/reports/{run.pk}/").content.decode()
    assert "stored before the summaries by group" in page
    assert 'id="consultants"' in page
