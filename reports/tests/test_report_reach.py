"""The balance report's Engagements table within the viewer's reach: its links answer (no
404 after someone leaves an engagement), and each figure agrees with the page it opens."""

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest

from reports.balance import balance_compute
from reports.models import ReportRun
from reports.tests.test_api import bearer
from tracker.models import Kind, User
from tracker.tests.factories import TimeEntryFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)),
]

URL = "/reports/balance/"
CUSTOM = {"period": "custom", "start": "2026-10-05", "end": "2026-11-22"}


@pytest.fixture
def data(cast):
    """Alice's 6 h on the Tax portal in the period; Olga (another team) 3 h on it before."""
    cast.engagement.budget_hours = Decimal("20")
    cast.engagement.save()
    cast.engagement.members.add(cast.outsider)
    TimeEntryFactory(consultant=cast.consultant, date=dt.date(2026, 10, 14), seconds=6 * 3600,
                     kind=Kind.CLIENT, engagement=cast.engagement)
    TimeEntryFactory(consultant=cast.outsider, date=dt.date(2026, 9, 1), seconds=3 * 3600,
                     kind=Kind.CLIENT, engagement=cast.engagement)
    return cast


def engagement_cells(response) -> dict:
    table = response.context["fast_tables"]["engagements"]
    [row] = table["rows"]
    return dict(zip([h["name"] for h in table["header"]], row["cells"], strict=True))


@pytest.mark.parametrize("who", ["consultant", "manager"])
def test_on_the_engagement_its_all_time_hours_open_its_page_which_shows_them(
        client, data, who):
    """Logged h (all time) is the budget's figure, everyone's time: it opens the engagement's
    page, which shows the same hours, not /time/, which lists only the viewer's reach."""
    client.force_login(getattr(data, who))
    cells = engagement_cells(client.get(URL, CUSTOM))
    assert (cells["logged_hours"]["text"], cells["burn"]["text"]) == ("9.00", "45%")
    page_url = f"/engagements/{data.engagement.pk}/"
    assert cells["logged_hours"]["url"] == cells["engagement"]["url"] == page_url
    page = client.get(page_url).content.decode()
    assert "<strong>9.00 h</strong> logged" in page
    listed = client.get(cells["hours"]["url"])
    assert listed.context["totals"]["total_hours"] == 6.0 and cells["hours"]["text"] == "6.00"


@pytest.mark.parametrize("who", ["consultant", "manager"])
def test_after_leaving_the_engagement_its_hours_still_drill_down_and_its_totals_are_not_shown(
        client, data, who):
    """Alice has left: her (and her manager's) report still lists her time on it, and the
    hours link answers with it; the engagement's page is not hers, so its name links nowhere
    and its everyone's figures (logged hours, burn) are not shown, in the page and exports."""
    data.engagement.members.remove(data.consultant)
    viewer = getattr(data, who)
    client.force_login(viewer)
    cells = engagement_cells(client.get(URL, CUSTOM))
    assert cells["engagement"]["url"] is None
    assert (cells["logged_hours"]["text"], cells["logged_hours"]["url"]) == ("—", None)
    assert cells["burn"]["text"] == "—"
    listed = client.get(cells["hours"]["url"])
    assert listed.status_code == 200
    assert listed.context["totals"]["total_hours"] == 6.0
    # Every link of the table answers (no 404 from a filter out of reach).
    for cell in cells.values():
        if cell["url"]:
            assert client.get(cell["url"]).status_code == 200, cell["url"]

    query = {**CUSTOM, "table": "engagements"}
    rows = list(csv.DictReader(io.StringIO(
        client.get(URL, {**query, "_export": "csv"}).content.decode("utf-8-sig"))))
    assert (rows[0]["Hours in period"], rows[0]["Logged h (all time)"], rows[0]["Burn %"]) == (
        "6.0", "", "")
    body = json.loads(client.get(URL, {**query, "_export": "json"}).content)
    assert (body["engagements"][0]["logged_hours"], body["engagements"][0]["burn"]) == (None, None)
    api_client = bearer(viewer)
    api = api_client.get("/api/v1/reports/balance/", {"start": "2026-10-05", "end": "2026-11-22"})
    [engagement] = api.json()["engagements"]
    assert (engagement["hours"], engagement["logged_hours"], engagement["burn"]) == (
        6.0, None, None)
    # A run built while Alice was on it reads the same way now.
    data.engagement.members.add(data.consultant)
    stored = balance_compute(people=User.objects.visible_to(viewer), start=dt.date(2026, 10, 5),
                             end=dt.date(2026, 11, 22)).to_stored()
    data.engagement.members.remove(data.consultant)
    run = ReportRun.objects.create(requested_by=viewer, params=CUSTOM, params_key="run",
                                   status=ReportRun.Status.DONE, result=stored)
    [engagement] = api_client.get(f"/api/v1/report-runs/{run.pk}/").json()["result"][
        "engagements"]
    assert (engagement["hours"], engagement["logged_hours"], engagement["burn"]) == (
        6.0, None, None)
    assert engagement_cells(client.get(f"/reports/{run.pk}/"))["logged_hours"]["text"] == "—"


def test_an_admin_sees_every_engagements_figures(client, data):
    data.engagement.members.remove(data.consultant)
    client.force_login(data.admin)
    cells = engagement_cells(client.get(URL, {**CUSTOM, "team": data.team.pk}))
    assert cells["logged_hours"]["text"] == "9.00" and cells["logged_hours"]["url"]
