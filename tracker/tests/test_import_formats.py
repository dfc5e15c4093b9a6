"""Reading Toggl Track, Harvest, Clockify and Kimai exports (tracker/imports/formats.py).

Each fixture under imports/ is written to match the tool's documented export; the totals
below are the file's own, added up by hand from its duration column.
"""

import datetime as dt
import io
import time
from pathlib import Path

import pytest

from tracker.imports.formats import (
    ImportRow,
    NotUTF8,
    RowProblem,
    UnknownFormat,
    detect_format,
    parse_duration,
    read_export,
)

FILES = Path(__file__).parent / "imports"


def parse(name, **kwargs):
    with open(FILES / name, "rb") as stream:
        parsed = read_export(stream, **kwargs)
        return parsed.format, list(parsed.rows)


def test_toggl_detailed_report_with_amount_column():
    chosen, rows = parse("toggl_detailed.csv")
    assert chosen == "toggl"
    assert rows[0] == ImportRow(
        row=2, person_email="alice@example.com", person_name="Alice Example",
        client="Acme GmbH", project="Website relaunch", task="Design", tags=("design", "ux"),
        description="Homepage mockups", date=dt.date(2026, 9, 21), seconds=9030,
        billable=True, external_id="",
    )
    assert [(r.row, r.client, r.project, r.tags, r.billable) for r in rows[1:]] == [
        (3, "", "Conference talk", ("talk",), False),
        (4, "Acme GmbH", "Website relaunch", (), True),
    ]
    assert rows[2].person_email == "bob@example.com"
    # 02:30:30 + 01:00:00 + 00:15:07
    assert sum(r.seconds for r in rows) == (2 * 3600 + 30 * 60 + 30) + 3600 + (15 * 60 + 7)


def test_toggl_with_bom_crlf_and_quoted_fields():
    chosen, rows = parse("toggl_detailed_bom.csv")
    assert chosen == "toggl"
    assert [(r.row, r.description, r.date, r.seconds) for r in rows] == [
        (2, "Review, round 2", dt.date(2026, 9, 23), 40 * 60),
        (3, "", dt.date(2026, 9, 24), 3600 + 5 * 60 + 45),
    ]
    assert rows[0].person_name == "Alice Example"  # the BOM is not part of "User"


def test_harvest_names_no_emails_and_notes_across_lines():
    chosen, rows = parse("harvest_detailed.csv")
    assert chosen == "harvest"
    assert [r.row for r in rows] == [2, 3, 4]  # row 3's note spans three lines: still one row
    assert rows[0].description == 'Fixed the "late rows" bug, then wrote tests'
    assert rows[0].client == "Northwind, Inc."
    assert rows[1].description == "Kick-off:\n- scope\n- dates, owners"
    assert [(r.person_email, r.person_name) for r in rows] == [
        ("", "Dana Okafor"), ("", "Dana Okafor"), ("", "Jean-Luc van der Berg"),
    ]
    assert [(r.task, r.billable) for r in rows] == [
        ("Development", True), ("Meetings", True), ("Admin", False),
    ]
    # Hours 2.5 + 1.25 + 0.33 = 4.08 h
    assert sum(r.seconds for r in rows) == round(4.08 * 3600) == 14688


def test_clockify_us_dates_and_12_hour_times():
    chosen, rows = parse("clockify_detailed.csv")
    assert chosen == "clockify"
    assert [(r.date, r.seconds, r.tags) for r in rows] == [
        (dt.date(2026, 9, 21), 5400, ("client work", "logo")),
        (dt.date(2026, 9, 22), 1200, ()),
        (dt.date(2026, 10, 1), 2730, ("linkedin",)),
    ]
    # "Duration (h)" is exact; "Duration (decimal)" (0.76 for 00:45:30) is not used
    assert sum(r.seconds for r in rows) == 5400 + 1200 + (45 * 60 + 30)
    assert rows[0].person_email == "hugo@example.com"


def test_clockify_european_dates_decided_by_the_file():
    # 03/09/2026 alone could be 9 March; 21/09/2026 later in the file says day first.
    _, rows = parse("clockify_detailed_eu.csv")
    assert [r.date for r in rows] == [dt.date(2026, 9, 3), dt.date(2026, 9, 21)]


def test_kimai_english():
    chosen, rows = parse("kimai_en.csv")
    assert chosen == "kimai"
    assert rows[0] == ImportRow(
        row=2, person_email="eva@example.com", person_name="Eva Weber",
        client="Stadtwerke Nord", project="Portal", task="Development",
        tags=("backend", "sso"), description="Login, SSO", date=dt.date(2026, 9, 21),
        seconds=4 * 3600 + 30 * 60, billable=True, external_id="",
    )
    assert sum(r.seconds for r in rows) == (4 * 3600 + 30 * 60) + 45 * 60


def test_kimai_german_semicolons_and_decimal_commas():
    chosen, rows = parse("kimai_de.csv")
    assert chosen == "kimai"
    assert [(r.date, r.client, r.task, r.description, r.billable) for r in rows] == [
        (dt.date(2026, 9, 21), "Stadtwerke Nord", "Entwicklung", "Abnahme; Protokoll, Teil 1",
         True),
        (dt.date(2026, 9, 22), "Eigene Firma", "Verwaltung", "Urlaubsplanung", False),
    ]
    # Dauer 2:15 + "7,50" hours
    assert sum(r.seconds for r in rows) == (2 * 3600 + 15 * 60) + 7 * 3600 + 30 * 60


def test_bad_dates_name_row_column_and_each_problem():
    _, rows = parse("broken_bad_date.csv")
    assert rows == [
        RowProblem(2, "Datum", "'31.02.2026' is not a date (expected DD.MM.YYYY)"),
        RowProblem(3, "Datum", "'2026-13-01' is not a date (expected YYYY-MM-DD)"),
        RowProblem(3, "Dauer", "'0:00' is no time at all (a duration must be more than zero)"),
    ]


def test_bad_durations_and_billable():
    _, rows = parse("broken_bad_duration.csv")
    assert isinstance(rows[0], ImportRow)
    assert rows[1:] == [
        RowProblem(3, "Duration", "'1h30' is not a duration "
                   "(expected H:MM:SS, H:MM or decimal hours like 1.25)"),
        RowProblem(4, "Duration", "'48:00:00' is longer than a day "
                   "(one entry is at most 24 hours)"),
        RowProblem(4, "Billable", "'Maybe' is neither yes nor no"),
    ]


def test_unknown_headers_are_refused_naming_them():
    with pytest.raises(UnknownFormat) as refused:
        parse("broken_unknown_headers.csv")
    assert refused.value.headers == ["Datum", "Stunden", "Mitarbeiter", "Bemerkung"]
    assert "'Datum', 'Stunden', 'Mitarbeiter', 'Bemerkung'" in str(refused.value)


def test_a_named_format_that_does_not_fit_is_refused():
    with pytest.raises(UnknownFormat, match="Not a harvest export: it lacks 'date', 'hours', "):
        parse("toggl_detailed.csv", format="harvest")


def test_non_utf8_bytes_are_named_at_their_row():
    _, rows = parse("broken_not_utf8.csv")
    assert isinstance(rows[0], ImportRow)
    assert rows[1].row == 3 and rows[1].column == ""
    assert "not UTF-8" in rows[1].message and "0xE9" in rows[1].message


def test_non_utf8_header_says_so():
    with pytest.raises(NotUTF8, match="not UTF-8"):
        read_export(io.BytesIO("Datum;Dauer;Kunde;Tätigkeit\n".encode("latin-1")))


@pytest.mark.parametrize(
    ("headers", "tool"),
    [
        (["User", "Email", "Client", "Project", "Start date", "Duration", "Amount (USD)"],
         "toggl"),
        (["Date", "Client", "Project", "Notes", "Hours", "First Name", "Last Name"],
         "harvest"),
        (["Project", "User", "Email", "Start Date", "Duration (h)", "Duration (decimal)"],
         "clockify"),
        (["Date", "Duration", "User", "Customer", "Project", "Activity"], "kimai"),
        (["Datum", "Dauer", "Benutzer", "Kunde", "Projekt", "Tätigkeit"], "kimai"),
    ],
)
def test_detect_format(headers, tool):
    assert detect_format(headers) == tool


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("01:30:15", 5415), ("1:30", 5400), ("0:45", 2700), ("7,50", 27000), ("1.25", 4500),
        ("0.33", 1188), ("0.0002", 1), ("24:00:00", 86400),
    ],
)
def test_durations_to_the_second(text, seconds):
    assert parse_duration(text) == seconds


def test_100k_toggl_rows_stream(capsys):
    """Not a timed assertion (the bench is bench/): prints how long 100,000 rows take."""
    header = ("User,Email,Client,Project,Task,Description,Billable,Start date,Start time,"
              "End date,End time,Duration,Tags,Amount (EUR)\n")
    line = ("Alice Example,alice@example.com,Acme GmbH,Website relaunch,Design,"
            '"Mockups, round {n}",Yes,2026-09-21,08:15:00,2026-09-21,08:16:01,00:01:01,'
            '"design, ux",1.00\n')
    data = (header + "".join(line.format(n=n) for n in range(100_000))).encode()
    started = time.perf_counter()
    parsed = read_export(io.BytesIO(data))
    count = total = 0
    for item in parsed.rows:
        count += 1
        total += item.seconds
    elapsed = time.perf_counter() - started
    assert (count, total) == (100_000, 100_000 * 61)
    with capsys.disabled():
        print(f"\n100,000 Toggl rows parsed in {elapsed:.2f} s")
