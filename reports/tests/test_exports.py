"""Every export carries plain values: numbers as numbers, codes not badges, no HTML."""

import codecs
import csv
import datetime as dt
import io
import re

import openpyxl
import pytest

from clients.tests.factories import EngagementFactory, OutcomeFactory, OutcomeMeasurementFactory
from tracker.models import Kind
from tracker.tests.factories import ActivityFactory, TimeEntryFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)),
]

URL = "/reports/balance/"
CUSTOM = {"period": "custom", "start": "2026-10-05", "end": "2026-11-22"}
# Markup, or a number written as text ("14.9%", "80 %"): neither belongs in an export cell.
NOT_PLAIN = re.compile(r"<[a-z/][^>]*>|^-?[\d.,]+\s?%$", re.IGNORECASE)


@pytest.fixture
def data(cast):
    day = dt.date(2026, 10, 14)
    TimeEntryFactory(consultant=cast.consultant, date=day, seconds=6 * 3600, kind=Kind.CLIENT,
                     engagement=cast.engagement)
    # bob: 1 h client, 4 h promotion and no outcome: a share of 80%, flagged.
    bob_engagement = EngagementFactory(name="Bob's", members=[cast.teammate])
    TimeEntryFactory(consultant=cast.teammate, date=day, seconds=3600, kind=Kind.CLIENT,
                     engagement=bob_engagement)
    TimeEntryFactory(consultant=cast.teammate, date=day, seconds=4 * 3600, kind=Kind.PROMOTION)
    outcome = OutcomeFactory(engagement=cast.engagement, status="achieved", achieved_on=day,
                             confirmed_by="CFO", confirmed_on=day)
    OutcomeMeasurementFactory(outcome=outcome, value=15)  # half way from 10 to 20
    ActivityFactory(consultant=cast.teammate, date=day, audience=900)
    return cast


def csv_rows(response) -> list[dict]:
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def xlsx_rows(response) -> list[dict]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def assert_plain(rows: list[dict]) -> None:
    for row in rows:
        for header, cell in row.items():
            assert not (isinstance(cell, str) and NOT_PLAIN.search(cell)), (header, cell)


def test_balance_csv_holds_the_flag_code_and_shares_as_numbers(client, data):
    client.force_login(data.manager)
    response = client.get(URL, {**CUSTOM, "team": data.team.pk, "_export": "csv",
                                "table": "consultants"})
    rows = csv_rows(response)
    assert_plain(rows)
    bob = next(row for row in rows if row["Consultant"] == "bob")
    assert bob["Flag"] == "brand_over_client"
    assert float(bob["Promotion share %"]) == 80.0
    alice = next(row for row in rows if row["Consultant"] == "alice")
    assert alice["Flag"] == "" and float(alice["Promotion share %"]) == 0.0


def test_balance_xlsx_cells_are_numbers(client, data):
    client.force_login(data.manager)
    query = {**CUSTOM, "team": data.team.pk, "_export": "xlsx"}
    consultants = xlsx_rows(client.get(URL, {**query, "table": "consultants"}))
    assert_plain(consultants)
    bob = next(row for row in consultants if row["Consultant"] == "bob")
    assert bob["Flag"] == "brand_over_client" and bob["Promotion share %"] == 80.0
    [team] = xlsx_rows(client.get(URL, {**query, "table": "teams"}))
    assert team["Promotion share %"] == 36  # 4 of 11 h: 36.4%, written as the page writes it
    engagements = xlsx_rows(client.get(URL, {**query, "table": "engagements"}))
    assert_plain(engagements)
    tax = next(row for row in engagements if row["Engagement"] == "Tax portal")
    assert tax["Burn %"] == 3.0  # 6 h of a 200 h budget
    assert tax["Avg progress %"] == 50.0


def test_the_page_still_shows_percentages_and_the_badge(client, data):
    client.force_login(data.manager)
    page = client.get(URL, {**CUSTOM, "team": data.team.pk}).content.decode()
    assert "80%" in page and "3%" in page and "50%" in page
    assert '<span class="badge text-bg-warning">brand over client</span>' in page


@pytest.mark.parametrize("path", ["/time/", "/activities/", "/clients/", "/engagements/",
                                  "/outcomes/"])
@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_every_list_export_is_plain(client, data, path, export_format):
    client.force_login(data.admin)
    response = client.get(path, {"_export": export_format})
    assert response.status_code == 200
    rows = csv_rows(response) if export_format == "csv" else xlsx_rows(response)
    assert rows
    assert_plain(rows)


def test_html_that_reaches_an_export_cell_is_cut_to_its_text():
    from django.utils.html import format_html

    from tracker.exports import neutralise

    assert neutralise(format_html('<span class="badge">{}</span>', "R&D")) == "R&D"
    assert neutralise(format_html("<b>{}</b>", "=1+1")) == "'=1+1"
    assert neutralise("<not markup, typed by a person>") == "<not markup, typed by a person>"


def test_a_burn_is_rounded_once_the_same_on_every_page(client, cast):
    """2,063 h 15 min of an 18,000 h budget is 11.46%: "11%" on both pages and 11 exported
    (rounded to 3 places first, it became 11.5% and then "12%" on the report only)."""
    cast.engagement.budget_hours = 18_000
    cast.engagement.save()
    for week in range(86):  # 24 h at most a day: 86 days of 24 h = 2,064 h, less 45 min
        TimeEntryFactory(consultant=cast.consultant, kind=Kind.CLIENT, engagement=cast.engagement,
                         date=dt.date(2026, 10, 5) - dt.timedelta(days=week),
                         seconds=24 * 3600 - (2700 if week == 0 else 0))
    client.force_login(cast.manager)
    report = client.get(URL, {**CUSTOM, "team": cast.team.pk})
    engagement_page = client.get(f"/engagements/{cast.engagement.pk}/")
    row = next(iter(report.context["tables"]["engagements"].rows))
    assert row.get_cell("burn") == "11%"
    assert "11%" in engagement_page.content.decode()
    exported = csv_rows(client.get(URL, {**CUSTOM, "team": cast.team.pk, "_export": "csv",
                                         "table": "engagements"}))
    assert float(exported[0]["Burn %"]) == 11


def test_xlsx_text_is_exact_and_never_a_formula(client, data):
    """CSV needs the apostrophe; in XLSX a text cell is text, so the text stays as typed."""
    TimeEntryFactory(consultant=data.teammate, date=dt.date(2026, 10, 15), seconds=600,
                     kind=Kind.INTERNAL, note="-net promoter")
    client.force_login(data.manager)
    response = client.get("/time/", {"_export": "xlsx", "consultant": data.teammate.pk})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    note = next(cell for cell in cells if cell.value == "-net promoter")
    assert note.data_type == "s"
    assert not any(cell.data_type == "f" for cell in cells)
    as_csv = client.get("/time/", {"_export": "csv", "consultant": data.teammate.pk})
    assert "'-net promoter" in as_csv.content.decode("utf-8-sig")


@pytest.mark.parametrize("url, query, expected", [
    ("/time/", {}, "Café — pilot"),
    ("/activities/", {}, "Café — talk"),
    ("/engagements/", {}, "Café — pilot"),
    (URL, {**CUSTOM, "table": "engagements"}, "Café — pilot"),
    (URL, {**CUSTOM, "table": "consultants"}, "Zoë’s café — team"),
])
def test_every_csv_export_begins_with_a_bom_so_excel_reads_utf8(client, data, url, query,
                                                                expected):
    """Excel opens a CSV without a BOM in the machine's code page: "café —" would read
    "cafÃ© â€”". With it, the text round-trips."""
    data.engagement.name = "Café — pilot"
    data.engagement.save()
    data.team.name = "Zoë’s café — team"
    data.team.save()
    ActivityFactory(consultant=data.consultant, date=dt.date(2026, 10, 14), title="Café — talk")
    client.force_login(data.manager)
    response = client.get(url, {**query, "team": data.team.pk, "_export": "csv"})
    assert response.content.startswith(codecs.BOM_UTF8)
    text = response.content.decode("utf-8-sig")
    assert not text.startswith("\ufeff")  # one BOM, not two
    assert expected in text
