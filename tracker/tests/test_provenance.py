"""Every time entry knows its source (manual, timer, an import and its batch, the API and its
token), and the time list, its exports and the API show it with the state of the entry's
week, so a figure can be traced to its entries and their sign-off."""

import csv
import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tracker import services
from tracker.models import ImportBatch, Kind, TimeEntry, WeekStatus
from tracker.tests.factories import TimeEntryFactory

from .api_clients import bearer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_time")]

# Seen from TODAY (Wed 25 Nov 2026): W45 .. W48, this week last.
W45, W46, W47, W48 = (dt.date(2026, 11, 2) + dt.timedelta(weeks=n) for n in range(4))
EXPORTS = Path(__file__).parent / "imports"


def entry_data(cast, **overrides):
    return {"date": "2026-11-24", "seconds": "1:00", "kind": "internal", "engagement": "",
            "activity": "", "note": "", **overrides}


def provenance(entry) -> tuple:
    entry.refresh_from_db()
    return entry.source, entry.import_batch_id, entry.api_token_id


# --- each path names its source ------------------------------------------------------------------


def test_the_time_form_logs_manual_time(client, cast):
    client.force_login(cast.consultant)
    assert client.post("/time/new/", entry_data(cast)).status_code == 302
    assert provenance(TimeEntry.objects.get()) == ("manual", None, None)


def test_the_week_grid_logs_manual_time(client, cast):
    client.force_login(cast.consultant)
    client.post(f"{reverse('tracker:my_week')}?week=2026-W48", {"cell-internal-0-0": "2:15"})
    assert provenance(TimeEntry.objects.get()) == ("manual", None, None)


def test_the_timer_logs_timer_time(client, cast, frozen_time):
    client.force_login(cast.consultant)
    client.post("/time/timer/start/", {"timer-kind": "internal"})
    frozen_time.shift(dt.timedelta(minutes=30))
    client.post("/time/timer/stop/")
    assert provenance(TimeEntry.objects.get()) == ("timer", None, None)


def test_an_import_names_its_format_and_its_batch(cast):
    call_command("import_timesheet", str(EXPORTS / "toggl_detailed.csv"), "--create-users",
                 stdout=io.StringIO())
    batch = ImportBatch.objects.get()
    assert {provenance(entry) for entry in TimeEntry.objects.all()} == {
        ("toggl", batch.pk, None)
    }


def test_the_api_names_the_token_it_was_called_with(cast):
    api = bearer(cast.consultant)
    token = cast.consultant.api_tokens.get()
    response = api.post("/api/v1/time-entries/", {
        "date": "2026-11-24", "duration": "1:00", "kind": "internal",
    }, format="json")
    assert response.status_code == 201
    assert response.json()["source"] == "api"
    assert provenance(TimeEntry.objects.get()) == ("api", None, token.pk)


def test_the_api_through_the_browser_session_has_no_token(cast):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast.consultant)
    browser.get("/accounts/profile/")
    response = browser.post(
        "/api/v1/time-entries/", {"date": "2026-11-24", "duration": "1:00", "kind": "internal"},
        content_type="application/json", HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value,
    )
    assert response.status_code == 201
    assert provenance(TimeEntry.objects.get()) == ("api", None, None)


def test_a_source_outside_the_list_is_refused_by_the_database(cast):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        TimeEntryFactory(consultant=cast.consultant, source="")


# --- the time list, its filters and exports ---------------------------------------------------


@pytest.fixture
def sources(cast):
    """Alice's time from every source, over four weeks in every approval state: W45 returned,
    W46 approved, W47 submitted, W48 open. The import was run by Maria (her team's manager)."""
    batch = ImportBatch.objects.create(file_name="toggl.csv", sha256="0" * 64, format="toggl",
                                       created_by=cast.manager, status=ImportBatch.Status.DONE)
    token, _ = services.api_token_create(user=cast.consultant, name="laptop")
    alice = cast.consultant
    entries = {
        "manual": TimeEntryFactory(consultant=alice, date=W46, seconds=3600, note="n-manual"),
        "timer": TimeEntryFactory(consultant=alice, date=W47 + dt.timedelta(days=2),
                                  seconds=1800, source="timer", note="n-timer"),
        "toggl": services.time_entries_import(entries=[TimeEntry(
            consultant=alice, date=W45 + dt.timedelta(days=4), seconds=5400, kind=Kind.CLIENT,
            engagement=cast.engagement, source="toggl", external_id="row-1", note="n-toggl",
        )], batch=batch)[0],
        "api": TimeEntryFactory(consultant=alice, date=W48, seconds=600, source="api",
                                api_token=token, note="n-api"),
        "session": TimeEntryFactory(consultant=alice, date=W48, seconds=900, source="api",
                                    note="n-session"),
    }
    for monday in (W45, W46, W47):
        services.week_submit(consultant=alice, week_start=monday)
    services.week_return(consultant=alice, week_start=W45, by=cast.manager, comment="Fix it")
    services.week_approve(consultant=alice, week_start=W46, by=cast.manager)
    return {"batch": batch, **entries}


def rows_by_note(response) -> dict[str, str]:
    """Each row of the list's table (its HTML), by the n-… note it holds."""
    html = response.content.decode()
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    notes = r"\bn-(?:manual|timer|toggl|api|session)\b"
    return {note: row for row in rows for note in re.findall(notes, row)}


def cell_texts(row: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>",
                                                                          row, re.S)]


def test_the_list_shows_each_rows_source_and_its_weeks_status(client, cast, sources):
    client.force_login(cast.manager)
    rows = rows_by_note(client.get("/time/"))
    batch = sources["batch"].pk
    expected = {
        "n-manual": ("Manual", "Approved"),
        "n-timer": ("Timer", "Submitted"),
        "n-toggl": (f"Toggl import #{batch}", "Returned"),
        "n-api": ("API · laptop", "Open"),
        "n-session": ("API", "Open"),
    }
    for note, (source, week) in expected.items():
        assert [source, week] == cell_texts(rows[note])[7:9], note
        assert f'class="badge week-{week.lower()}"' in rows[note]
    # Maria ran the import: its number opens the batch's page for her.
    assert f'href="/imports/{batch}/"' in rows["n-toggl"]
    assert client.get(f"/imports/{batch}/").status_code == 200
    # The token's name, never its secret or its hash.
    token = cast.consultant.api_tokens.get()
    assert token.token_hash not in rows["n-api"] and token.prefix not in rows["n-api"]


@pytest.mark.parametrize(("who", "linked"), [
    ("consultant", False), ("manager", True), ("admin", True),
])
def test_the_batch_is_linked_only_for_those_who_may_open_it(client, cast, sources, who, linked):
    client.force_login(getattr(cast, who))
    batch = sources["batch"].pk
    row = rows_by_note(client.get("/time/"))["n-toggl"]
    assert f"Toggl import #{batch}" in row
    assert (f'href="/imports/{batch}/"' in row) is linked
    assert client.get(f"/imports/{batch}/").status_code == (200 if linked else 404)


def test_source_and_week_are_wide_only_and_week_is_kept_on_phones(client, cast, sources):
    client.force_login(cast.consultant)
    html = client.get("/time/").content.decode()
    headers = {name: attrs for attrs, name in re.findall(
        r'<th([^>]*)>\s*(?:<a[^>]*>)?\s*(Source|Week)\s*<', html)}
    assert {"d-none", "d-md-table-cell"} <= set(re.search(r'class="([^"]*)"',
                                                         headers["Source"])[1].split())
    assert "d-none" not in headers["Week"]
    row = rows_by_note(client.get("/time/"))["n-api"]
    assert re.search(r'<td class="d-none d-md-table-cell">API · laptop</td>', row)


@pytest.mark.parametrize(("query", "notes"), [
    ({"source": "manual"}, {"n-manual"}),
    ({"source": "timer"}, {"n-timer"}),
    ({"source": "toggl"}, {"n-toggl"}),
    ({"source": "api"}, {"n-api", "n-session"}),
    ({"source": "kimai"}, set()),
    ({"approved": "yes"}, {"n-manual"}),
    ({"approved": "no"}, {"n-timer", "n-toggl", "n-api", "n-session"}),
    ({"approved": "no", "source": "api", "date_from": "2026-11-24"}, set()),
    ({"approved": "no", "kind": "client"}, {"n-toggl"}),
])
def test_the_source_and_approved_filters(client, cast, sources, query, notes):
    client.force_login(cast.manager)
    response = client.get("/time/", query)
    assert response.status_code == 200
    assert set(rows_by_note(response)) == notes
    # The totals are those of the rows listed (read from the entries: the rollup knows
    # neither the source nor the approval).
    listed = TimeEntry.objects.filter(note__in=notes)
    totals = response.context["totals"]
    assert totals["count"] == len(notes)
    assert totals["total"] == sum(entry.seconds for entry in listed)
    for row in totals["by_kind"]:
        assert row["seconds"] == sum(e.seconds for e in listed if e.kind == row["kind"])


def test_a_bad_filter_value_is_said_next_to_it_and_lists_nothing(client, cast, sources):
    client.force_login(cast.manager)
    for query, message in [({"approved": "maybe"}, "Choose yes or no."),
                           ({"source": "fax"}, "Choose one of the listed values."),
                           ({"source": "x" * 5000}, "Choose one of the listed values.")]:
        response = client.get("/time/", query)
        assert response.status_code == 200
        assert message in response.content.decode()
        assert rows_by_note(response) == {} and response.context["totals"]["count"] == 0
        # A bad value is not written back into the message (a link may carry 5,000 characters).
        assert all(len(error) < 40 for errors in response.context["filter"].form.errors.values()
                   for error in errors)


def test_a_consultants_hidden_filter_says_when_it_is_not_valid(client, cast, sources):
    """A consultant's `consultant=` filter is hidden (only themselves in it): a value that is
    no person (a mangled drill-down link) is said above the list, which shows nothing."""
    client.force_login(cast.consultant)
    response = client.get("/time/", {"consultant": "1\x00"})
    assert response.status_code == 200
    assert "The Consultant filter is not valid" in response.content.decode()
    assert rows_by_note(response) == {}


def test_the_filters_menus_keep_what_was_chosen(client, cast, sources):
    client.force_login(cast.manager)
    html = client.get("/time/", {"approved": "yes", "source": "timer"}).content.decode()
    assert re.search(r'<option value="yes" selected>Yes</option>', html)
    assert re.search(r'<option value="timer" selected>Timer</option>', html)
    assert '<option value="">Any source</option>' in html


def test_the_exports_carry_source_and_week_status_as_text(client, cast, sources):
    client.force_login(cast.manager)
    response = client.get("/time/", {"_export": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    shown = {row["Note"]: (row["Source"], row["Week status"]) for row in rows}
    assert shown == {
        "n-manual": ("Manual", "Approved"),
        "n-timer": ("Timer", "Submitted"),
        "n-toggl": (f"Toggl import #{sources['batch'].pk}", "Returned"),
        "n-api": ("API · laptop", "Open"),
        "n-session": ("API", "Open"),
    }
    assert "Week" not in rows[0]  # the page's badge column is not exported as such

    response = client.get("/time/", {"_export": "xlsx", "approved": "yes"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, *cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert [dict(zip(header, row, strict=True))["Week status"] for row in cells] == ["Approved"]


def test_the_week_column_costs_no_query_per_row(client, cast):
    """A page of one entry and a page of 25 in as many weeks and states read as many queries:
    the week's status comes with the rows."""
    client.force_login(cast.manager)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/time/").status_code == 200
        return len(captured.captured_queries)

    TimeEntryFactory(consultant=cast.consultant, date=W48)
    one = queries()
    for week in range(1, 25):
        TimeEntryFactory(consultant=cast.consultant, date=W48 - dt.timedelta(weeks=week))
    for week in range(1, 25, 3):
        monday = W48 - dt.timedelta(weeks=week)
        services.week_submit(consultant=cast.consultant, week_start=monday)
        if week % 2:
            services.week_approve(consultant=cast.consultant, week_start=monday, by=cast.manager)
    statuses = {row.record.week_status
                for row in client.get("/time/").context["table"].paginated_rows}
    assert statuses == {"open", "submitted", "approved"}
    assert queries() == one


def test_the_entry_page_says_where_the_entry_came_from(client, cast, sources):
    client.force_login(cast.admin)
    page = client.get(f"/time/{sources['toggl'].pk}/edit/").content.decode()
    line = re.search(r'<p[^>]*id="entry-source"[^>]*>(.*?)</p>', page, re.S)[1]
    batch = sources["batch"]
    assert re.sub(r"<[^>]+>", "", line).split() == (
        f"Source: Toggl import #{batch.pk} (toggl.csv), 25 Nov 2026".split()
    )
    assert f'href="/imports/{batch.pk}/"' in line
    for name, said in [("timer", "Timer"), ("api", "API · laptop"), ("session", "API")]:
        page = client.get(f"/time/{sources[name].pk}/edit/").content.decode()
        assert f'<p class="mt-4 mb-0" id="entry-source">Source: {said}</p>' in page


# --- the API -------------------------------------------------------------------------------------


def test_the_api_gives_source_batch_and_week_status(cast, sources):
    api = bearer(cast.manager)
    results = api.get("/api/v1/time-entries/").json()["results"]
    shown = {row["note"]: (row["source"], row["import_batch"], row["week_status"])
             for row in results}
    assert shown == {
        "n-manual": ("manual", None, "approved"),
        "n-timer": ("timer", None, "submitted"),
        "n-toggl": ("toggl", sources["batch"].pk, "returned"),
        "n-api": ("api", None, "open"),
        "n-session": ("api", None, "open"),
    }
    one = api.get(f"/api/v1/time-entries/{sources['manual'].pk}/").json()
    assert one["week_status"] == WeekStatus.APPROVED


def test_the_api_list_filters_by_source_and_approval(cast, sources):
    api = bearer(cast.manager)

    def notes(query):
        response = api.get("/api/v1/time-entries/", query)
        assert response.status_code == 200
        return {row["note"] for row in response.json()["results"]}

    assert notes({"source": "timer"}) == {"n-timer"}
    assert notes({"approved": "yes"}) == {"n-manual"}
    assert notes({"approved": "no", "source": "api"}) == {"n-api", "n-session"}
    refused = api.get("/api/v1/time-entries/", {"approved": "maybe"})
    assert refused.status_code == 400 and refused.json() == {"approved": ["Choose yes or no."]}


def test_the_api_list_reads_week_statuses_without_a_query_per_entry(cast):
    api = bearer(cast.consultant)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/api/v1/time-entries/").status_code == 200
        return len(captured.captured_queries)

    TimeEntryFactory(consultant=cast.consultant, date=W48)
    api.get("/api/v1/time-entries/")  # the token's last use is written once a minute
    one = queries()
    for week in range(1, 12):
        TimeEntryFactory(consultant=cast.consultant, date=W48 - dt.timedelta(weeks=week))
    services.week_submit(consultant=cast.consultant, week_start=W47)
    assert queries() == one
