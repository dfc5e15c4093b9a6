"""The grouped summary's grouping kept by its links, the filter form and background runs;
its total row (on the page and in exports); a consultant's own report."""

import csv
import datetime as dt
import io

import openpyxl
import pytest

from reports.balance import balance_compute
from reports.models import ReportRun
from reports.tests.test_report_groups import CUSTOM, URL
from tracker.models import Kind, User
from tracker.tests.factories import TimeEntryFactory

# "The last 4 weeks" are those before Wednesday 25 November 2026.
TODAY = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(TODAY)]


@pytest.fixture
def data(cast):
    """Alice's 6 h client and 2 h promotion, Bob's 2 h internal, in the last 4 weeks."""
    for consultant, seconds, kind, engagement in [
        (cast.consultant, 6 * 3600, Kind.CLIENT, cast.engagement),
        (cast.consultant, 2 * 3600, Kind.PROMOTION, None),
        (cast.teammate, 2 * 3600, Kind.INTERNAL, None),
    ]:
        TimeEntryFactory(consultant=consultant, date=dt.date(2026, 11, 10), seconds=seconds,
                         kind=kind, engagement=engagement)
    return cast


def group_links(page: str) -> dict[str, str]:
    nav = page[page.index('id="group-by"'):page.index("</nav>", page.index('id="group-by"'))]
    links = {}
    for part in nav.split('href="?')[1:]:
        query = part.split('"')[0].split("#")[0].replace("&amp;", "&")
        links[query.rsplit("group_by=", 1)[1]] = query
    return links


def test_a_group_by_link_reports_the_period_its_page_shows(client, data):
    """A link without a period is the last 4 weeks: the group-by links say so, and open
    the same period grouped another way."""
    client.force_login(data.manager)
    response = client.get(URL, {"team": data.team.pk, "group_by": "kind"})
    period = response.context["report"].period
    links = group_links(response.content.decode())
    assert "period=last_4_weeks" in links["engagement"]
    grouped = client.get(f"{URL}?{links['engagement']}")
    assert grouped.context["report"].period == period
    assert grouped.context["group_by"] == "engagement"
    assert f"team={data.team.pk}" in links["engagement"]


def test_show_report_keeps_the_grouping_and_writes_back_only_a_grouping(client, data):
    client.force_login(data.manager)
    page = client.get(URL, {**CUSTOM, "group_by": "kind"}).content.decode()
    form = page[page.index('id="report-filters"'):page.index("</form>",
                                                            page.index('id="report-filters"'))]
    assert '<input type="hidden" name="group_by" value="kind"' in form
    # What "Show report" sends: the fields of the form, the grouping among them.
    again = client.get(URL, {**CUSTOM, "team": "", "client": "", "group_by": "kind"})
    assert again.context["group_by"] == "kind"
    odd = client.get(URL, {**CUSTOM, "group_by": "<b>x</b>"})
    assert odd.status_code == 200 and odd.context["group_by"] == "client"
    assert "&lt;b&gt;" not in odd.content.decode() and "<b>x</b>" not in odd.content.decode()


def test_a_background_run_keeps_its_grouping(client, data):
    client.force_login(data.admin)
    page = client.get(URL, {**CUSTOM, "group_by": "engagement"}).content.decode()
    build = page[page.index('id="report-build"'):]
    assert '<input type="hidden" name="group_by" value="engagement">' in build[:2000]
    response = client.post("/reports/balance/build/", {**CUSTOM, "group_by": "engagement"})
    run = ReportRun.objects.get()
    assert run.params["group_by"] == "engagement"
    assert response["Location"] == f"/reports/{run.pk}/?group_by=engagement"
    # Built (as the worker would), it opens grouped as asked, with no query.
    report = balance_compute(people=User.objects.all(), start=dt.date(2026, 10, 5),
                             end=dt.date(2026, 11, 22))
    ReportRun.objects.filter(pk=run.pk).update(status=ReportRun.Status.DONE,
                                               result=report.to_stored())
    opened = client.get(f"/reports/{run.pk}/")
    assert opened.context["group_by"] == "engagement"
    assert client.get(f"/reports/{run.pk}/", {"group_by": "kind"}).context["group_by"] == "kind"


def test_the_total_row_is_all_the_hours_on_the_page_and_in_every_export(client, data):
    client.force_login(data.manager)
    query = {**CUSTOM, "team": data.team.pk, "group_by": "engagement"}
    tables = client.get(URL, query).context["fast_tables"]
    for name in ("groups", "sources"):
        footer = dict(zip([h["name"] for h in tables[name]["header"]], tables[name]["footer"],
                          strict=True))
        assert str(footer["share"]["html"]) == "100%", name

    response = client.get(URL, {**query, "table": "groups", "_export": "csv"})
    assert ('filename="balance-groups-engagement-2026-10-05-2026-11-22.csv"'
            in response["Content-Disposition"])
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    total = dict(zip(rows[0], rows[-1], strict=True))
    assert (total["Engagement"], total["Total h"], total["Share of hours %"]) == (
        "Total", "10.0", "100")
    assert sum(float(row[rows[0].index("Total h")]) for row in rows[1:-1]) == 10.0

    sheet = openpyxl.load_workbook(io.BytesIO(client.get(
        URL, {**query, "table": "consultants", "_export": "xlsx"}).content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    total = dict(zip(values[0], values[-1], strict=True))
    assert (total["Client h"], total["Total h"]) == (6.0, 10.0), values[0]
    assert values[-1][0] == "Total"
    assert not isinstance(total["Total h"], str)
    json_name = client.get(URL, {**query, "table": "groups", "_export": "json"})
    assert "balance-groups-engagement-" in json_name["Content-Disposition"]


def test_a_consultants_own_report_offers_only_what_makes_sense_for_them(client, data):
    client.force_login(data.consultant)
    response = client.get(URL, {**CUSTOM, "group_by": "consultant"})
    assert response.status_code == 200
    assert response.context["group_by"] == "client"  # their one person: by client instead
    page = response.content.decode()
    assert "Summary by client" in page
    mine = response.context["fast_tables"]["consultants"]
    assert "team" not in [h["name"] for h in mine["header"]]
    assert all(h["sort"] is None for h in mine["header"])
    assert 'id="report-build"' not in page and "Build in background" not in page
    assert "table=teams" not in page
    assert client.get(URL, {**CUSTOM, "_export": "csv", "table": "teams"}).status_code == 404
    csv_rows = list(csv.reader(io.StringIO(client.get(
        URL, {**CUSTOM, "_export": "csv", "table": "groups", "group_by": "consultant"}
    ).content.decode("utf-8-sig"))))
    assert csv_rows[0][0] == "Client"
