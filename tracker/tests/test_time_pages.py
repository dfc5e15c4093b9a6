"""/time/: the list, its filters, totals and exports; the entry forms; the timer."""

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from clients.models import Engagement
from clients.tests.factories import EngagementFactory
from tracker.models import Kind, RunningTimer, TimeEntry
from tracker.tests.clock import NOW, TODAY
from tracker.tests.factories import ActivityFactory, TimeEntryFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_time")]



@pytest.fixture
def world(cast):
    """Alice's entries (one with a note that a spreadsheet would run), Bob's and Olga's."""
    alice_client = TimeEntryFactory(
        consultant=cast.consultant, date=dt.date(2026, 11, 23), seconds=5400,
        kind=Kind.CLIENT, engagement=cast.engagement, billable=True,
        note='=HYPERLINK("http://evil.test","click")',
    )
    alice_internal = TimeEntryFactory(
        consultant=cast.consultant, date=dt.date(2026, 11, 16), seconds=1800,
        kind=Kind.INTERNAL, note="Team meeting",
    )
    bob_entry = TimeEntryFactory(
        consultant=cast.teammate, date=dt.date(2026, 11, 24), seconds=3600,
        kind=Kind.INTERNAL, note="Bob's planning",
    )
    olga_entry = TimeEntryFactory(
        consultant=cast.outsider, date=dt.date(2026, 11, 24), seconds=3600,
        kind=Kind.INTERNAL, note="Olga's planning",
    )
    return {
        "alice_client": alice_client,
        "alice_internal": alice_internal,
        "bob": bob_entry,
        "olga": olga_entry,
    }


def listed(response) -> set[int]:
    return {row.record.pk for row in response.context["table"].paginated_rows}


# -- who sees what ---------------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(client, world):
    entry = world["alice_client"]
    for url in [
        "/time/", "/time/?_export=csv", "/time/new/", f"/time/{entry.pk}/edit/",
        f"/time/{entry.pk}/duplicate/", f"/time/{entry.pk}/delete/", "/time/timer/start/",
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    for url in ["/time/timer/stop/", "/time/timer/discard/", f"/time/{entry.pk}/delete/"]:
        response = client.post(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert TimeEntry.objects.filter(pk=entry.pk).exists()


def test_owner_sees_their_own_entries_only(client, cast, world):
    client.force_login(cast.consultant)
    response = client.get("/time/")
    assert response.status_code == 200
    assert listed(response) == {world["alice_client"].pk, world["alice_internal"].pk}
    assert b"Olga&#x27;s planning" not in response.content
    # A consultant has no consultant menu: only they would be in it.
    assert b'<select name="consultant"' not in response.content


def test_teammate_does_not_see_alices_entries(client, cast, world):
    client.force_login(cast.teammate)
    response = client.get("/time/")
    assert listed(response) == {world["bob"].pk}
    assert b"HYPERLINK" not in response.content


def test_manager_sees_the_team_and_can_filter_by_person(client, cast, world):
    client.force_login(cast.manager)
    response = client.get("/time/")
    assert listed(response) == {
        world["alice_client"].pk, world["alice_internal"].pk, world["bob"].pk
    }
    form = response.context["filter"].form
    assert set(form.fields["consultant"].queryset) == {cast.consultant, cast.teammate, cast.manager}
    response = client.get("/time/", {"consultant": cast.consultant.pk})
    assert listed(response) == {world["alice_client"].pk, world["alice_internal"].pk}


def test_manager_of_another_team_sees_none_of_it(client, cast, world):
    client.force_login(cast.other_manager)
    response = client.get("/time/")
    assert listed(response) == {world["olga"].pk}


def test_admin_sees_everyone(client, cast, world):
    client.force_login(cast.admin)
    response = client.get("/time/")
    assert listed(response) == {entry.pk for entry in world.values()}


@pytest.mark.parametrize("who", ["teammate", "other_manager"])
def test_naming_someone_out_of_reach_is_404_in_the_list_and_its_export(client, cast, who):
    client.force_login(getattr(cast, who))
    for export in ["", "csv", "xlsx"]:
        params = {"consultant": cast.consultant.pk}
        if export:
            params["_export"] = export
        assert client.get("/time/", params).status_code == 404


def test_filtering_on_an_engagement_out_of_reach_is_404(client, cast, world):
    client.force_login(cast.teammate)
    assert client.get("/time/", {"engagement": cast.engagement.pk}).status_code == 404
    assert client.get("/time/", {"client": cast.engagement.client_id}).status_code == 404


@pytest.mark.parametrize("who", ["consultant", "manager"])
def test_time_on_an_engagement_left_is_still_filtered_by_it(client, cast, world, who):
    """A report's drill-down names the engagement of time in its period: after Alice leaves
    the engagement her time on it stays hers (and her manager's) to list by it, while the
    engagement's page is no longer hers, and nobody else gains the filter."""
    cast.engagement.members.add(cast.outsider)
    TimeEntryFactory(consultant=cast.outsider, date=dt.date(2026, 11, 20), seconds=7200,
                     kind=Kind.CLIENT, engagement=cast.engagement)
    cast.engagement.members.remove(cast.consultant)
    client.force_login(getattr(cast, who))
    for params in [{"engagement": cast.engagement.pk}, {"client": cast.engagement.client_id}]:
        response = client.get("/time/", params)
        assert response.status_code == 200
        assert listed(response) == {world["alice_client"].pk}
        # Olga's time is not theirs to know of, not even as a sum.
        assert response.context["hidden_seconds"] == 0
        assert "Not listed" not in response.content.decode()
        assert client.get("/time/", {**params, "_export": "csv"}).status_code == 200
    assert client.get(f"/engagements/{cast.engagement.pk}/").status_code == 404
    # Nobody within reach ever logged time on another engagement: still out of reach.
    unseen = EngagementFactory(name="Not ours")
    assert client.get("/time/", {"engagement": unseen.pk}).status_code == 404
    assert client.get("/time/", {"client": unseen.client_id}).status_code == 404


@pytest.mark.parametrize("who", ["teammate", "other_manager"])
def test_someone_elses_time_on_an_engagement_gives_no_filter_by_it(client, cast, world, who):
    cast.engagement.members.remove(cast.consultant)
    client.force_login(getattr(cast, who))
    assert client.get("/time/", {"engagement": cast.engagement.pk}).status_code == 404
    assert client.get("/time/", {"client": cast.engagement.client_id}).status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [("consultant", 200), ("teammate", 404), ("manager", 404), ("other_manager", 404),
     ("outsider", 404), ("admin", 200)],
)
@pytest.mark.parametrize("action", ["edit", "duplicate", "delete"])
def test_only_the_owner_or_an_admin_reaches_an_entry(client, cast, world, who, status, action):
    # Managers see their team's entries in the list but do not change them.
    client.force_login(getattr(cast, who))
    entry = world["alice_client"]
    assert client.get(f"/time/{entry.pk}/{action}/").status_code == status


@pytest.mark.parametrize("who", ["teammate", "manager", "other_manager"])
def test_posting_to_someone_elses_entry_is_404_and_changes_nothing(client, cast, world, who):
    client.force_login(getattr(cast, who))
    entry = world["alice_client"]
    assert client.post(f"/time/{entry.pk}/delete/").status_code == 404
    response = client.post(
        f"/time/{entry.pk}/edit/",
        {"date": "2026-11-23", "seconds": "8h", "kind": "internal", "note": "x"},
    )
    assert response.status_code == 404
    entry.refresh_from_db()
    assert entry.seconds == 5400


def test_the_list_offers_edit_links_only_on_entries_one_may_change(client, cast, world):
    client.force_login(cast.manager)
    content = client.get("/time/").content.decode()
    assert f"/time/{world['alice_client'].pk}/edit/" not in content
    client.force_login(cast.consultant)
    content = client.get("/time/").content.decode()
    assert f"/time/{world['alice_client'].pk}/edit/" in content


# -- filters, sorting, totals, pagination ------------------------------------------------------


def test_period_presets_follow_the_users_today(client, cast, world):
    client.force_login(cast.consultant)
    this_week = client.get("/time/", {"period": "this_week"})
    assert listed(this_week) == {world["alice_client"].pk}
    last_week = client.get("/time/", {"period": "last_week"})
    assert listed(last_week) == {world["alice_internal"].pk}
    this_month = client.get("/time/", {"period": "this_month"})
    assert listed(this_month) == {world["alice_client"].pk, world["alice_internal"].pk}
    assert listed(client.get("/time/", {"period": "last_month"})) == set()


def test_date_range_kind_billable_engagement_and_client_filters(client, cast, world):
    client.force_login(cast.consultant)
    alice_client, alice_internal = world["alice_client"], world["alice_internal"]
    assert listed(client.get("/time/", {"date_from": "2026-11-20"})) == {alice_client.pk}
    assert listed(client.get("/time/", {"date_to": "2026-11-20"})) == {alice_internal.pk}
    assert listed(client.get("/time/", {"kind": "internal"})) == {alice_internal.pk}
    assert listed(client.get("/time/", {"billable": "true"})) == {alice_client.pk}
    assert listed(client.get("/time/", {"billable": "false"})) == {alice_internal.pk}
    engagement = cast.engagement
    assert listed(client.get("/time/", {"engagement": engagement.pk})) == {alice_client.pk}
    assert listed(client.get("/time/", {"client": engagement.client_id})) == {alice_client.pk}


def test_engagement_and_client_choices_are_only_visible_ones(client, cast, world):
    EngagementFactory(name="Hospital", members=[cast.outsider])
    client.force_login(cast.consultant)
    form = client.get("/time/").context["filter"].form
    assert list(form.fields["engagement"].queryset) == [cast.engagement]
    assert list(form.fields["client"].queryset) == [cast.engagement.client]


def test_a_bad_date_filter_says_so_next_to_the_field(client, cast, world):
    client.force_login(cast.consultant)
    response = client.get("/time/", {"date_from": "yesterday-ish"})
    assert response.status_code == 200
    assert response.context["filter"].form.errors["date_from"]
    assert b'id="id_date_from_error"' in response.content


@pytest.mark.parametrize("url", ["/time/", "/activities/"])
@pytest.mark.parametrize(("field", "value"), [("date_from", "9999-12-31"),
                                              ("date_to", "0001-01-01")])
def test_a_date_filter_at_the_calendar_edge_says_so_next_to_the_field(
    client, cast, world, settings, url, field, value
):
    """9999-12-31 overflowed the week arithmetic of the totals: a 500."""
    settings.DEBUG = False
    client.raise_request_exception = False
    client.force_login(cast.manager)
    response = client.get(url, {field: value})
    assert response.status_code == 200
    assert response.context["filter"].form.errors[field] == [
        "Enter a date between 1 Jan 1900 and 31 Dec 2199."
    ]
    assert f'value="{value}"'.encode() in response.content


def test_totals_cover_every_filtered_row_by_kind(client, cast, world):
    TimeEntryFactory(consultant=cast.consultant, date=TODAY, seconds=900, kind=Kind.PROMOTION)
    client.force_login(cast.consultant)
    totals = client.get("/time/").context["totals"]
    assert totals["count"] == 3
    assert totals["total"] == 5400 + 1800 + 900
    assert {row["kind"]: row["text"] for row in totals["by_kind"]} == {
        "client": "1:30", "promotion": "0:15", "internal": "0:30",
    }
    assert totals["total_text"] == "2:15"
    filtered = client.get("/time/", {"kind": "client"}).context["totals"]
    assert filtered["total"] == 5400


def test_durations_show_as_hours_and_minutes(client, cast, world):
    client.force_login(cast.consultant)
    response = client.get("/time/")
    assert ">1:30<" in response.content.decode()


def test_sorting_by_duration(client, cast, world):
    client.force_login(cast.consultant)
    response = client.get("/time/", {"sort": "duration"})
    rows = [row.record for row in response.context["table"].paginated_rows]
    assert [row.seconds for row in rows] == [1800, 5400]
    response = client.get("/time/", {"sort": "-engagement"})
    assert response.status_code == 200


def test_pages_never_count_the_rows(client, cast, django_assert_max_num_queries):
    TimeEntryFactory.create_batch(30, consultant=cast.consultant, seconds=60, date=TODAY)
    client.force_login(cast.consultant)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        first = client.get("/time/")
    assert len(first.context["table"].page.object_list) == 25
    assert first.context["table"].page.has_next()
    assert not any("__count" in query["sql"] for query in queries.captured_queries)
    second = client.get("/time/", {"page": 2})
    assert len(second.context["table"].page.object_list) == 5
    assert not second.context["table"].page.has_next()


def _make_entries(consultant, engagement, activity, count):
    days = [TODAY - dt.timedelta(days=n) for n in range(40)]
    TimeEntry.objects.bulk_create(
        TimeEntry(
            consultant=consultant, date=days[n % 40], seconds=600,
            kind=[Kind.CLIENT, Kind.PROMOTION, Kind.INTERNAL][n % 3],
            engagement=engagement if n % 3 == 0 else None,
            activity=activity if n % 3 == 1 else None,
            note=f"entry {n}",
        )
        for n in range(count)
    )


@pytest.mark.parametrize("who", ["consultant", "manager", "admin"])
def test_query_count_does_not_grow_with_rows(client, cast, who, django_assert_max_num_queries):
    activity = ActivityFactory(consultant=cast.consultant)
    _make_entries(cast.consultant, cast.engagement, activity, 1)
    client.force_login(getattr(cast, who))
    # The same at 1 and at 100 rows; a manager renders the most menus, and the engagement
    # order reads the entries per engagement and the engagements' order (2 more); the
    # engagement and client menus each read the ids of the people within reach (2 more,
    # which let PostgreSQL use the rollup's consultant index).
    bound = 18
    with django_assert_max_num_queries(bound):
        assert client.get("/time/").status_code == 200
    _make_entries(cast.consultant, cast.engagement, activity, 99)
    TimeEntryFactory.create_batch(5, consultant=cast.teammate)
    with django_assert_max_num_queries(bound):
        response = client.get("/time/", {"sort": "engagement"})
    assert len(response.context["table"].page.object_list) == 25
    with django_assert_max_num_queries(bound):
        response = client.get("/time/", {"page": 3, "kind": "client"})
    assert response.status_code == 200


# -- exports -------------------------------------------------------------------------------------


def test_csv_export_has_the_filtered_rows_with_formulas_neutralised(client, cast, world):
    client.force_login(cast.consultant)
    response = client.get("/time/", {"_export": "csv", "kind": "client"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="time.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1
    row = rows[0]
    assert row["Note"] == '\'=HYPERLINK("http://evil.test","click")'
    assert row["Hours"] == "1.5"
    assert row["Seconds"] == "5400"
    assert row["Date"] == "2026-11-23"
    assert row["Client"] == cast.engagement.client.name
    assert row["Engagement"] == cast.engagement.name
    assert row["Kind"] == "Client work"
    assert "Actions" not in row and "Duration" not in row


@pytest.mark.parametrize(
    ("url", "query", "filename"),
    [
        ("/time/", {"date_from": "2026-11-02", "date_to": "2026-11-29"},
         "time_2026-11-02_2026-11-29"),
        # A preset is the period the list shows: on Wednesday 25 November, last week.
        ("/time/", {"period": "last_week"}, "time_2026-11-16_2026-11-22"),
        # A preset and dates: the days both allow.
        ("/time/", {"period": "this_month", "date_from": "2026-11-10"},
         "time_2026-11-10_2026-11-30"),
        ("/activities/", {"date_from": "2026-11-02"}, "activities_from_2026-11-02"),
        ("/activities/", {"date_to": "2026-11-29"}, "activities_until_2026-11-29"),
        ("/activities/", {"kind": "talk"}, "activities"),
        # A filter refused (the "to" before the "from") names no period.
        ("/time/", {"date_from": "2026-11-29", "date_to": "2026-11-02"}, "time"),
        ("/history/", {"date_from": "2026-11-01", "date_to": "2026-11-30"},
         "history_2026-11-01_2026-11-30"),
    ],
)
@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_an_export_file_is_named_with_its_period(client, cast, url, query, filename,
                                                 export_format):
    client.force_login(cast.manager)
    response = client.get(url, {**query, "_export": export_format})
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition == f'attachment; filename="{filename}.{export_format}"'


def test_every_formula_trigger_is_neutralised(client, cast):
    for n, start in enumerate(["=", "+", "-", "@", "\t", "\r"]):
        TimeEntryFactory(consultant=cast.consultant, date=TODAY, seconds=60,
                         note=f"{start}1+1 #{n}")
    client.force_login(cast.consultant)
    response = client.get("/time/", {"_export": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert sorted(row["Note"][:2] for row in rows) == sorted(
        ["'=", "'+", "'-", "'@", "'\t", "'\r"]
    )


def test_a_formula_after_a_semicolon_stays_in_its_cell(client, cast):
    """German or French Excel splits a CSV on ";": every text cell is quoted (OWASP's advice
    beside the apostrophe), so "a;=1+1" is one quoted cell. Numbers stay bare numbers."""
    TimeEntryFactory(consultant=cast.consultant, date=TODAY, seconds=60, note="a;=1+1")
    client.force_login(cast.consultant)
    text = client.get("/time/", {"_export": "csv"}).content.decode("utf-8-sig")
    header, line = text.splitlines()[:2]
    assert header.startswith('"Date","Kind"')
    assert '"a;=1+1"' in line and '"Manual"' in line
    assert ",60," in line  # the seconds: a number, unquoted
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["Note"] == "a;=1+1" and row["Seconds"] == "60"


def test_xlsx_export_keeps_hours_as_numbers(client, cast, world):
    client.force_login(cast.manager)
    response = client.get("/time/", {"_export": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, (cell.value for cell in row), strict=True))
            for row in sheet.iter_rows(min_row=2)]
    assert len(rows) == 3  # the team's, not Olga's
    by_note = {row["Note"]: row for row in rows}
    hyperlink = by_note['=HYPERLINK("http://evil.test","click")']  # as typed, a text cell
    assert hyperlink["Hours"] == 1.5
    assert isinstance(hyperlink["Hours"], float)
    assert hyperlink["Seconds"] == 5400
    assert hyperlink["Consultant"] == "alice"
    assert sum(row["Hours"] for row in rows) == 3.0


def test_xlsx_columns_fit_their_cells_up_to_a_cap(client, cast, world):
    """A column is as wide as its longest cell, but a long note does not make it a screen wide."""
    TimeEntryFactory(consultant=cast.consultant, date=TODAY, note="A long note. " * 30)
    client.force_login(cast.consultant)
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get("/time/", {"_export": "xlsx"}).content)
    ).active
    width = {cell.value: sheet.column_dimensions[cell.column_letter].width for cell in sheet[1]}
    assert width["Note"] == 50
    assert len("2026-11-23") <= width["Date"] < 20
    assert len("Client work") <= width["Kind"] < 20


def test_teammates_export_has_none_of_alices_rows(client, cast, world):
    client.force_login(cast.teammate)
    response = client.get("/time/", {"_export": "csv"})
    text = response.content.decode("utf-8-sig")
    assert "HYPERLINK" not in text and "Team meeting" not in text
    assert "Bob's planning" in text


def test_exports_are_csv_or_xlsx_only(client, cast, world):
    client.force_login(cast.consultant)
    assert client.get("/time/", {"_export": "xls"}).status_code == 404
    assert client.get("/time/", {"_export": "json"}).status_code == 404


# -- the entry form ------------------------------------------------------------------------------


def entry_data(cast, **overrides):
    data = {
        "date": "2026-11-24", "seconds": "1h 30m", "kind": "client",
        "engagement": cast.engagement.pk, "activity": "", "note": "Workshop", "billable": "on",
    }
    data.update(overrides)
    return data


def test_new_entry_form_defaults_to_today_in_the_users_timezone(client, cast):
    cast.consultant.timezone = "Pacific/Auckland"  # already Thursday there
    cast.consultant.save()
    client.force_login(cast.consultant)
    response = client.get("/time/new/")
    assert response.status_code == 200
    assert response.context["form"]["date"].value() == dt.date(2026, 11, 26)
    assert b'type="date"' in response.content
    assert b'<label class="form-label" for="id_seconds">Duration</label>' in response.content


def test_logging_time(client, cast):
    client.force_login(cast.consultant)
    response = client.post("/time/new/", entry_data(cast))
    assert response.status_code == 302
    entry = TimeEntry.objects.get()
    assert (entry.consultant, entry.date, entry.seconds, entry.kind, entry.engagement) == (
        cast.consultant, dt.date(2026, 11, 24), 5400, Kind.CLIENT, cast.engagement,
    )
    assert entry.billable


def test_engagement_choices_are_the_users_active_engagements(client, cast):
    EngagementFactory(name="Closed one", members=[cast.consultant],
                      status=Engagement.Status.CLOSED)
    EngagementFactory(name="Not mine", members=[cast.teammate])
    client.force_login(cast.consultant)
    form = client.get("/time/new/").context["form"]
    assert list(form.fields["engagement"].queryset) == [cast.engagement]


def test_activity_choices_are_the_users_own(client, cast):
    mine = ActivityFactory(consultant=cast.consultant)
    ActivityFactory(consultant=cast.teammate)
    client.force_login(cast.consultant)
    form = client.get("/time/new/").context["form"]
    assert list(form.fields["activity"].queryset) == [mine]


def assert_error_next_to(response, field, message):
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors.get(field, [])), errors
    content = response.content.decode()
    error_block = content.split(f'id="id_{field}_error"', 1)
    assert len(error_block) == 2, f"no error shown next to {field}"
    assert message.replace("'", "&#x27;") in error_block[1].split("</div>", 1)[0]
    assert f'aria-describedby="id_{field}_error' in content or (
        f'id_{field}_helptext id_{field}_error' in content
    )


def test_bad_duration_text_is_shown_next_to_the_field_and_input_kept(client, cast):
    client.force_login(cast.consultant)
    response = client.post("/time/new/", entry_data(cast, seconds="an hour or so"))
    assert_error_next_to(response, "seconds", "is not a duration")
    assert b'value="an hour or so"' in response.content
    assert b"Workshop" in response.content
    assert not TimeEntry.objects.exists()


def test_future_date_is_refused(client, cast):
    client.force_login(cast.consultant)
    response = client.post("/time/new/", entry_data(cast, date="2026-11-26"))
    assert_error_next_to(response, "date", "Time cannot be logged in the future.")
    assert b'value="2026-11-26"' in response.content


def test_more_than_24_hours_in_a_day_is_refused(client, cast):
    TimeEntryFactory(consultant=cast.consultant, date=dt.date(2026, 11, 24), seconds=23 * 3600)
    client.force_login(cast.consultant)
    response = client.post("/time/new/", entry_data(cast, seconds="1:30"))
    assert_error_next_to(response, "seconds", "more than 24 hours on 24 Nov")
    assert "1:00 left that day" in response.content.decode()
    assert b'value="1:30"' in response.content


def test_a_single_entry_over_24_hours_is_refused(client, cast):
    client.force_login(cast.consultant)
    response = client.post("/time/new/", entry_data(cast, seconds="25h"))
    assert_error_next_to(response, "seconds", "cannot be longer than 24 hours")


def test_a_duration_of_hundreds_of_digits_is_refused_not_a_500(client, cast, settings):
    settings.DEBUG = False
    client.raise_request_exception = False
    client.force_login(cast.consultant)
    response = client.post("/time/new/", entry_data(cast, seconds="9" * 400))
    assert response.status_code == 200
    assert_error_next_to(response, "seconds", "not a duration")
    assert not TimeEntry.objects.exists()


def test_an_engagement_one_is_not_a_member_of_is_refused(client, cast):
    other = EngagementFactory(name="Not mine", members=[cast.teammate])
    client.force_login(cast.consultant)
    response = client.post("/time/new/", entry_data(cast, engagement=other.pk))
    assert_error_next_to(response, "engagement", "Choose an active engagement you are a member")


def test_an_engagement_not_active_on_the_date_is_refused(client, cast):
    cast.engagement.ends_on = dt.date(2026, 11, 20)
    cast.engagement.save()
    client.force_login(cast.consultant)
    response = client.post("/time/new/", entry_data(cast))
    assert_error_next_to(response, "engagement", "is not active on 24 Nov 2026")
    # The model's own check, run without the refused engagement, adds nothing to it.
    assert response.context["form"].errors["engagement"] == [
        f"{cast.engagement} is not active on 24 Nov 2026: it ended on 20 Nov 2026."
    ]


def test_a_closed_engagement_is_refused(client, cast):
    cast.engagement.status = Engagement.Status.CLOSED
    cast.engagement.save()
    client.force_login(cast.consultant)
    response = client.post("/time/new/", entry_data(cast))
    assert_error_next_to(response, "engagement", "Choose an active engagement")


def test_client_work_needs_an_engagement(client, cast):
    client.force_login(cast.consultant)
    response = client.post("/time/new/", entry_data(cast, engagement=""))
    assert_error_next_to(response, "engagement", "Client work needs an engagement.")
    # Said once, though the model checks it again.
    assert response.context["form"].errors["engagement"] == ["Client work needs an engagement."]


def test_promotion_time_never_links_to_an_engagement(client, cast):
    client.force_login(cast.consultant)
    response = client.post("/time/new/", entry_data(cast, kind="promotion"))
    assert_error_next_to(response, "engagement", "Only client work is logged on an engagement.")


def test_only_promotion_time_links_to_an_activity(client, cast):
    activity = ActivityFactory(consultant=cast.consultant)
    client.force_login(cast.consultant)
    response = client.post(
        "/time/new/", entry_data(cast, kind="internal", engagement="", activity=activity.pk)
    )
    assert_error_next_to(response, "activity", "Only promotion time can link to an activity.")


def test_someone_elses_activity_is_refused(client, cast):
    activity = ActivityFactory(consultant=cast.teammate)
    client.force_login(cast.consultant)
    response = client.post(
        "/time/new/", entry_data(cast, kind="promotion", engagement="", activity=activity.pk)
    )
    assert_error_next_to(response, "activity", "Choose one of your own activities.")


def test_edit_keeps_the_day_total_rule_without_counting_itself(client, cast, world):
    entry = world["alice_client"]
    TimeEntryFactory(consultant=cast.consultant, date=entry.date, seconds=22 * 3600)
    client.force_login(cast.consultant)
    ok = client.post(f"/time/{entry.pk}/edit/", entry_data(cast, date="2026-11-23", seconds="2h"))
    assert ok.status_code == 302
    entry.refresh_from_db()
    assert entry.seconds == 7200
    too_much = client.post(
        f"/time/{entry.pk}/edit/", entry_data(cast, date="2026-11-23", seconds="2:01")
    )
    assert_error_next_to(too_much, "seconds", "more than 24 hours")


def test_edit_form_shows_the_duration_as_hours_and_minutes(client, cast, world):
    client.force_login(cast.consultant)
    response = client.get(f"/time/{world['alice_client'].pk}/edit/")
    assert b'value="1:30"' in response.content


def test_admin_corrects_someone_elses_entry_on_their_engagement(client, cast, world):
    entry = world["alice_client"]
    client.force_login(cast.admin)
    response = client.post(f"/time/{entry.pk}/edit/", entry_data(cast, date="2026-11-23",
                                                                 seconds="2h"))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.consultant == cast.consultant
    assert entry.seconds == 7200


def version_on(response) -> str:
    """The version an edit form names, as its page holds it (as a browser posts it)."""
    found = re.search(r'name="version" value="([^"]*)"', response.content.decode())
    return found[1] if found else ""


def test_a_stale_edit_is_refused_with_the_values_saved_meanwhile(client, cast, world):
    """Two tabs on one entry: the later save started from the old version is refused, its
    input kept, what the other saved shown beside it; saved again, it replaces it. A field
    only the other tab changed (the duration) keeps the other tab's value throughout."""
    entry = world["alice_client"]
    url = f"/time/{entry.pk}/edit/"
    client.force_login(cast.consultant)
    tab_b = Client()
    tab_b.force_login(cast.consultant)
    started_a, started_b = version_on(client.get(url)), version_on(tab_b.get(url))
    saved = client.post(url, entry_data(cast, date="2026-11-23", seconds="3:00",
                                        note="Workshop", version=started_a))
    assert saved.status_code == 302

    stale = tab_b.post(url, entry_data(cast, date="2026-11-23", seconds="1:30",
                                       note="Workshop and minutes", version=started_b))
    assert_error_next_to(stale, "note", "Saved now: Workshop.")
    page = stale.content.decode()
    assert "changed elsewhere (another tab or person) since you opened it" in page
    assert "Workshop and minutes</textarea>" in page
    # B left the duration as it found it: A's 3:00 is shown, not B's stale 1:30.
    assert 'value="3:00"' in page and 'value="1:30"' not in page
    assert set(stale.context["form"].errors) == {"__all__", "note"}
    entry.refresh_from_db()
    assert (entry.seconds, entry.note) == (3 * 3600, "Workshop")

    again = version_on(stale)
    assert again != started_b
    tab_b.post(url, entry_data(cast, date="2026-11-23", seconds="3:00",
                               note="Workshop and minutes", version=again))
    entry.refresh_from_db()
    assert (entry.seconds, entry.note) == (3 * 3600, "Workshop and minutes")


def test_a_stale_edit_of_other_fields_keeps_the_other_tabs_change(client, cast, world):
    """A changes the duration, B (opened before) only the note: both changes stand."""
    entry = world["alice_client"]
    url = f"/time/{entry.pk}/edit/"
    client.force_login(cast.consultant)
    tab_b = Client()
    tab_b.force_login(cast.consultant)
    started_a, started_b = version_on(client.get(url)), version_on(tab_b.get(url))
    kept = {"date": "2026-11-23", "note": entry.note}
    assert client.post(url, entry_data(cast, **kept, seconds="2:00",
                                       version=started_a)).status_code == 302
    response = tab_b.post(url, entry_data(cast, **{**kept, "note": "Minutes"}, seconds="1:30",
                                          version=started_b))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.seconds, entry.note) == (2 * 3600, "Minutes")


def test_duplicate_prefills_a_new_entry_for_today(client, cast, world):
    client.force_login(cast.consultant)
    response = client.get(f"/time/{world['alice_client'].pk}/duplicate/")
    form = response.context["form"]
    assert form.instance.pk is None
    assert form["date"].value() == TODAY
    assert form["engagement"].value() == cast.engagement.pk
    assert b'value="1:30"' in response.content
    assert f'action="{reverse("tracker:time_new")}"' in response.content.decode()
    client.post("/time/new/", entry_data(cast, date="2026-11-25", seconds="1:30"))
    assert TimeEntry.objects.filter(consultant=cast.consultant, date=TODAY).count() == 1


def test_delete_asks_first_then_deletes_on_post(client, cast, world):
    entry = world["alice_client"]
    client.force_login(cast.consultant)
    response = client.get(f"/time/{entry.pk}/delete/")
    assert response.status_code == 200
    assert b"Delete this time entry?" in response.content
    assert TimeEntry.objects.filter(pk=entry.pk).exists()
    response = client.post(f"/time/{entry.pk}/delete/")
    assert response.status_code == 302
    assert not TimeEntry.objects.filter(pk=entry.pk).exists()


def test_next_only_goes_to_this_site(client, cast):
    client.force_login(cast.consultant)
    response = client.post("/time/new/?next=https://evil.test/", entry_data(cast))
    assert response["Location"] == "/time/"
    response = client.post(
        "/time/new/", {**entry_data(cast, date="2026-11-23"), "next": "/activities/"}
    )
    assert response["Location"] == "/activities/"


def test_prefill_from_the_address(client, cast):
    activity = ActivityFactory(consultant=cast.consultant)
    client.force_login(cast.consultant)
    response = client.get("/time/new/", {"kind": "promotion", "activity": activity.pk})
    form = response.context["form"]
    assert form["kind"].value() == "promotion"
    assert str(form["activity"].value()) == str(activity.pk)


# -- the timer -----------------------------------------------------------------------------------


def test_timer_starts_survives_a_reload_and_stops_into_an_entry(client, cast, frozen_time):
    client.force_login(cast.consultant)
    response = client.post(
        "/time/timer/start/",
        {"timer-kind": "client", "timer-engagement": cast.engagement.pk, "timer-note": "Calls",
         "timer-billable": "on"},
    )
    assert response.status_code == 302
    timer = RunningTimer.objects.get(user=cast.consultant)
    assert timer.started_at == NOW

    frozen_time.shift(dt.timedelta(minutes=42, seconds=10))
    page = client.get("/time/")
    assert page.context["timer"] == timer
    content = page.content.decode()
    assert "0:42:10" in content
    assert "Running since" in content and "Wed 25 Nov, 12:00" in content
    assert "Stop and log" in content

    response = client.post("/time/timer/stop/")
    assert response.status_code == 302
    entry = TimeEntry.objects.get()
    assert entry.seconds == 43 * 60  # rounded up to the minute
    assert (entry.date, entry.kind, entry.engagement, entry.note, entry.billable) == (
        TODAY, Kind.CLIENT, cast.engagement, "Calls", True,
    )
    assert not RunningTimer.objects.exists()
    assert "Timer stopped: logged 0:43" in client.get("/time/").content.decode()


def test_timer_start_time_is_shown_in_the_users_timezone(client, cast):
    cast.consultant.timezone = "America/New_York"
    cast.consultant.save()
    RunningTimer.objects.create(user=cast.consultant, started_at=NOW, kind=Kind.INTERNAL)
    client.force_login(cast.consultant)
    assert "Wed 25 Nov, 07:00" in client.get("/time/").content.decode()


def test_timer_start_follows_the_rules(client, cast):
    client.force_login(cast.consultant)
    response = client.post("/time/timer/start/", {"timer-kind": "client"})
    assert response.status_code == 200
    assert response.context["timer_form"].errors["engagement"] == [
        "Client work needs an engagement."
    ]
    assert b'id="id_timer-engagement_error"' in response.content
    assert not RunningTimer.objects.exists()


def test_a_second_start_does_not_restart_the_running_timer(client, cast, frozen_time):
    client.force_login(cast.consultant)
    client.post("/time/timer/start/", {"timer-kind": "internal"})
    frozen_time.shift(dt.timedelta(minutes=5))
    client.post("/time/timer/start/", {"timer-kind": "internal", "timer-note": "again"})
    timer = RunningTimer.objects.get()
    assert timer.started_at == NOW
    assert timer.note == ""


def test_timer_across_midnight_is_split_by_day(client, cast, frozen_time):
    started = dt.datetime(2026, 11, 24, 23, 30, 20, tzinfo=dt.UTC)  # London = UTC in November
    RunningTimer.objects.create(user=cast.consultant, started_at=started, kind=Kind.INTERNAL)
    frozen_time.move_to(dt.datetime(2026, 11, 25, 0, 45, tzinfo=dt.UTC))
    client.force_login(cast.consultant)
    client.post("/time/timer/stop/")
    entries = {entry.date: entry.seconds for entry in TimeEntry.objects.all()}
    assert entries == {dt.date(2026, 11, 24): 30 * 60, dt.date(2026, 11, 25): 45 * 60}


def test_timer_over_24_hours_is_refused_with_a_reason(client, cast):
    RunningTimer.objects.create(
        user=cast.consultant, started_at=NOW - dt.timedelta(hours=25), kind=Kind.INTERNAL
    )
    client.force_login(cast.consultant)
    response = client.post("/time/timer/stop/", follow=True)
    assert "more than 24 hours" in response.content.decode()
    assert "Discard it and log the time by hand" in response.content.decode()
    assert RunningTimer.objects.exists()
    assert not TimeEntry.objects.exists()


def test_timer_stop_respects_the_day_total(client, cast):
    TimeEntryFactory(consultant=cast.consultant, date=TODAY, seconds=23 * 3600 + 50 * 60)
    RunningTimer.objects.create(
        user=cast.consultant, started_at=NOW - dt.timedelta(minutes=20), kind=Kind.INTERNAL
    )
    client.force_login(cast.consultant)
    response = client.post("/time/timer/stop/", follow=True)
    assert "The timer was not stopped: That makes more than 24 hours" in (
        response.content.decode().replace("&#x27;", "'")
    )
    assert RunningTimer.objects.exists()


def test_a_timer_that_no_longer_fits_its_day_is_never_stuck(client, cast):
    # 23:50 logged by hand (the grid) while a timer ran 20 minutes: Stop offers what fits.
    TimeEntryFactory(consultant=cast.consultant, date=TODAY, seconds=23 * 3600 + 50 * 60)
    RunningTimer.objects.create(
        user=cast.consultant, started_at=NOW - dt.timedelta(minutes=20), kind=Kind.INTERNAL,
        note="Calls",
    )
    client.force_login(cast.consultant)
    response = client.post("/time/timer/stop/", {"next": "/?week=2026-W48"})
    page = response.content.decode()
    assert "ran 0:20, 0:10 fits" in page
    assert "Stop and log what fits (0:10)" in page
    by_hand = response.context["form_url"]
    assert "seconds=0%3A20" in by_hand and "note=Calls" in by_hand and "kind=internal" in by_hand
    response = client.post("/time/timer/stop/", {"fit": "1", "next": "/?week=2026-W48"},
                           follow=True)
    assert "Timer stopped: logged 0:10 on Wed 25 Nov, what fit" in response.content.decode()
    assert not RunningTimer.objects.exists()
    assert TimeEntry.objects.filter(note="Calls").get().seconds == 600
    assert sum(TimeEntry.objects.values_list("seconds", flat=True)) == 24 * 3600


def test_timer_discard(client, cast):
    RunningTimer.objects.create(user=cast.consultant, started_at=NOW, kind=Kind.INTERNAL)
    client.force_login(cast.consultant)
    assert "Discard the timer?" in client.get("/time/timer/discard/").content.decode()
    assert RunningTimer.objects.exists()  # the GET only asks
    client.post("/time/timer/discard/")
    assert not RunningTimer.objects.exists()
    assert not TimeEntry.objects.exists()


def test_one_persons_timer_is_theirs_alone(client, cast):
    RunningTimer.objects.create(user=cast.consultant, started_at=NOW, kind=Kind.INTERNAL)
    client.force_login(cast.teammate)
    assert client.get("/time/").context["timer"] is None
    client.post("/time/timer/stop/")
    client.post("/time/timer/discard/")
    assert RunningTimer.objects.filter(user=cast.consultant).exists()
    assert not TimeEntry.objects.exists()


def test_new_user_sees_an_empty_list(client):
    user = UserFactory(username="newbie")
    client.force_login(user)
    response = client.get("/time/")
    assert response.status_code == 200
    assert b"No time logged matches these filters." in response.content


def test_every_broken_rule_is_shown_at_once(client, cast):
    client.force_login(cast.consultant)
    response = client.post(
        "/time/new/", entry_data(cast, date="2026-11-30", seconds="lots", kind="promotion")
    )
    errors = response.context["form"].errors
    assert "Time cannot be logged in the future." in errors["date"]
    assert "is not a duration" in errors["seconds"][0]
    assert errors["engagement"] == ["Only client work is logged on an engagement."]


def test_editing_from_a_filtered_list_returns_to_it(client, cast, world):
    entry = world["alice_client"]
    client.force_login(cast.consultant)
    page = client.get("/time/", {"kind": "client"}).content.decode()
    assert f"/time/{entry.pk}/edit/?next=%2Ftime%2F%3Fkind%3Dclient" in page
    form = client.get(f"/time/{entry.pk}/edit/", {"next": "/time/?kind=client"})
    assert b'name="next" value="/time/?kind=client"' in form.content
    response = client.post(
        f"/time/{entry.pk}/edit/",
        {**entry_data(cast, date="2026-11-23"), "next": "/time/?kind=client"},
    )
    assert response["Location"] == "/time/?kind=client"


def test_timer_split_counts_real_time_on_the_night_clocks_go_forward(client, cast, frozen_time):
    # London springs forward at 01:00 UTC on 29 March 2026: 23:30 GMT to 03:00 BST is 2.5 h.
    RunningTimer.objects.create(
        user=cast.consultant, started_at=dt.datetime(2026, 3, 28, 23, 30, tzinfo=dt.UTC),
        kind=Kind.INTERNAL,
    )
    frozen_time.move_to(dt.datetime(2026, 3, 29, 2, 0, tzinfo=dt.UTC))
    client.force_login(cast.consultant)
    client.post("/time/timer/stop/")
    entries = {entry.date: entry.seconds for entry in TimeEntry.objects.all()}
    assert entries == {dt.date(2026, 3, 28): 30 * 60, dt.date(2026, 3, 29): 2 * 3600}


def test_client_work_is_billable_by_default_and_other_kinds_never(client, cast):
    client.force_login(cast.consultant)
    assert client.get("/time/new/").context["form"]["billable"].value() is True
    assert not client.get("/time/new/", {"kind": "promotion"}).context["form"]["billable"].value()
    timer_form = client.get("/time/").context["timer_form"]
    assert timer_form["billable"].value() is True
    client.post("/time/new/", entry_data(cast, kind="internal", engagement="", billable="on"))
    client.post("/time/new/", entry_data(cast, billable="on", date="2026-11-23"))
    assert set(TimeEntry.objects.values_list("kind", "billable")) == {
        ("internal", False), ("client", True),
    }


@pytest.mark.parametrize("url", ["/time/", "/activities/"])
def test_a_range_that_ends_before_it_starts_says_so(client, cast, world, url):
    client.force_login(cast.consultant)
    response = client.get(url, {"date_from": "2026-11-20", "date_to": "2026-11-01"})
    assert response.status_code == 200
    assert response.context["filter"].form.errors["date_to"] == ["This is before the From date."]
    assert 'value="2026-11-20"' in response.content.decode()  # what was typed stays
    assert not list(response.context["table"].paginated_rows)


@pytest.mark.parametrize("url", ["/time/", "/activities/", "/engagements/", "/outcomes/"])
def test_every_list_exports_its_filtered_rows_not_its_page(client, cast, world, url):
    client.force_login(cast.consultant)
    page = client.get(url, {"date_from": "2026-11-01", "page": "1"}).content.decode()
    links = [part.split('"')[0].replace("&amp;", "&") for part in page.split('href="')[1:]]
    exports = sorted(link for link in links if "_export=" in link)
    assert len(exports) == 2
    for link, fmt in zip(exports, ["csv", "xlsx"], strict=True):
        assert f"_export={fmt}" in link and "page=" not in link
        if url in ("/time/", "/activities/"):
            assert "date_from=2026-11-01" in link


def test_the_exported_hours_add_up_to_the_lists_total(client, cast):
    TimeEntry.objects.bulk_create(
        TimeEntry(consultant=cast.consultant, date=TODAY, seconds=300, kind=Kind.INTERNAL)
        for _ in range(11)
    )
    client.force_login(cast.consultant)
    total = client.get("/time/").context["totals"]["total_hours"]
    exported = client.get("/time/", {"_export": "csv"}).content.decode("utf-8-sig")
    rows = csv.DictReader(io.StringIO(exported))
    assert round(sum(float(row["Hours"]) for row in rows), 2) == float(total) == 0.92


def test_the_people_menu_is_in_the_order_of_the_names_it_shows(client, cast):
    UserFactory(username="aaron", first_name="Zoe", last_name="Zimmer", team=cast.team)
    client.force_login(cast.manager)
    field = client.get("/time/").context["filter"].form.fields["consultant"]
    labels = [label for value, label in field.choices if value]
    assert labels == sorted(labels) and "Zoe Zimmer" == labels[-1]


def test_an_engagement_drilled_to_says_how_much_time_it_does_not_list(client, cast, world):
    """The report's all-time hours count everyone on the engagement; the list shows a manager
    only their people's, and says how much more there is."""
    cast.engagement.members.add(cast.outsider)
    TimeEntryFactory(consultant=cast.outsider, date=dt.date(2026, 11, 20), seconds=2 * 3600 + 900,
                     kind=Kind.CLIENT, engagement=cast.engagement)
    client.force_login(cast.manager)
    page = client.get("/time/", {"engagement": cast.engagement.pk})
    assert page.context["hidden_seconds"] == 8100
    assert "another 2:15 (h:mm) on this engagement by members outside your reach" in (
        page.content.decode())
    client.force_login(cast.admin)
    assert client.get("/time/", {"engagement": cast.engagement.pk}).context["hidden_seconds"] == 0
