"""Reading other trackers' exports: Toggl Track, Harvest, Clockify and Kimai CSV files.

Parsing only: each data row becomes an ImportRow, or one RowProblem per thing wrong with it,
streamed in file order. People, kinds, engagements and writing are the importer's
(tracker/imports/importer.py); the shared interface is /work/notes/import-api.md.

Where each format's columns come from (looked up, not guessed):
- Toggl Track, Reports > Detailed > Export > Download as CSV: "User", "Email", "Client",
  "Project", "Task", "Description", "Billable", "Start date", "Start time", "End date",
  "End time", "Duration" (HH:MM:SS), "Tags", then "Amount (EUR)" when rates are on: Toggl's
  help (support.toggl.com, Reports) and public parsers of the file (usebilly/toggl-track-plugin
  README "CSV Format"; a Go importer's test of a Toggl detailed CSV, "Duration","Tags").
  No id column: external_id is "".
- Harvest, Reports > Detailed time > Export > CSV: "Date", "Client", "Project", "Project Code",
  "Task", "Notes", "Hours", "Hours Rounded", "Billable?", "Invoiced?", "Approved?",
  "First Name", "Last Name", "Roles", "Employee?", "Billable Rate", "Billable Amount",
  "Cost Rate", "Cost Amount", "Currency", "External Reference URL": Harvest's help
  "Importing and exporting data" (support.getharvest.com; dates YYYY-MM-DD or M/D/YYYY,
  decimal hours, the detailed report export re-importable) and a public parser's TimeEntry
  (date, client, project, projectCode, task, notes, hours, billable, invoiced, firstName,
  lastName, employee, externalReferenceUrl). Names, no e-mails, no id column.
- Clockify, Reports > Detailed > Export > Save as CSV: "Project", "Client", "Description",
  "Task", "User", "Group", "Email", "Tags", "Type", "Billable", "Invoiced", "Invoice ID",
  "Start Date", "Start Time", "End Date", "End Time", "Duration (h)" (HH:MM:SS),
  "Duration (decimal)", "Billable Rate (USD)", "Billable Amount (USD)", "Date of creation":
  clockify.me/help/reports/detailed-report and public parsers of the file (a Python test's
  SAMPLE_CSV with "19/02/2026"; cudba/clockify-to-eurotime: dates and times follow each
  user's settings, MM/DD/YYYY or DD/MM/YYYY, 12- or 24-hour). No id column.
- Kimai, Export > CSV (kimai/kimai src/Export/Base/AbstractSpreadsheetRenderer.php for 1.x:
  label.date, label.begin, label.end, label.duration, label.rate, label.user, label.customer,
  label.project, label.activity, label.description, label.exported, label.tags,
  label.hourlyRate, label.fixedRate; src/Export/DefaultTemplate.php + ColumnConverter.php for
  2.x: date, begin, end, duration, currency, rate, ..., alias, username, email, customer,
  project, activity, description, billable, tags, ...; an "id" column only in custom
  templates), headers translated by translations/messages.{en,de}.xlf: Date/Datum,
  Begin/Von, End/Bis, Duration/Dauer, User/Benutzer, Name, Email/E-Mail, Customer/Kunde,
  Project/Projekt, Activity/Tätigkeit, Description/Beschreibung, Billable/Abrechenbar,
  Tags/Schlagworte. German exports use ';' and decimal commas; durations h:mm or decimal.
"""

import codecs
import csv
import datetime
import itertools
import re
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from tracker.limits import MAX_ENTRY_SECONDS, date_in_range


@dataclass(frozen=True)
class ImportRow:
    row: int  # as a spreadsheet shows it: header = 1, first data row = 2
    person_email: str
    person_name: str
    client: str
    project: str
    task: str
    tags: tuple[str, ...]
    description: str
    date: datetime.date
    seconds: int
    billable: bool | None
    external_id: str


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str  # the header as written in the file, or "" for the whole row
    message: str


class UnknownFormat(ValueError):
    def __init__(self, headers: list[str], message: str = ""):
        self.headers = headers
        shown = ", ".join(repr(h) for h in headers) or "no header row at all"
        super().__init__(
            message
            or f"Not a Toggl Track, Harvest, Clockify or Kimai export; its headers are: {shown}"
        )


class NotUTF8(ValueError):
    """The header row itself is not UTF-8 (later rows say so as a RowProblem)."""


FORMATS = ("toggl", "harvest", "clockify", "kimai")


@dataclass
class ParsedExport:
    format: str
    headers: list[str]
    rows: Iterator[ImportRow | RowProblem]


# Each field of ImportRow and the headers that carry it, per tool, lower case. A tuple lists
# alternatives, the first present wins (Kimai 2.x has both "Name" and "Username"/"Benutzer";
# the display name is the person's full name).
_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "toggl": {
        "email": ("email",),
        "name": ("user", "member"),
        "client": ("client",),
        "project": ("project",),
        "task": ("task",),
        "tags": ("tags",),
        "description": ("description",),
        "date": ("start date",),
        "duration": ("duration",),
        "billable": ("billable",),
        "id": ("id",),
    },
    "harvest": {
        "first_name": ("first name",),
        "last_name": ("last name",),
        "client": ("client",),
        "project": ("project",),
        "task": ("task",),
        "description": ("notes",),
        "date": ("date",),
        "duration": ("hours",),
        "billable": ("billable?",),
        "id": ("id",),
    },
    "clockify": {
        "email": ("email",),
        "name": ("user",),
        "client": ("client",),
        "project": ("project",),
        "task": ("task",),
        "tags": ("tags",),
        "description": ("description",),
        "date": ("start date",),
        # HH:MM:SS is exact to the second; the decimal column is rounded to 2 places.
        "duration": ("duration (h)", "duration (decimal)"),
        "billable": ("billable",),
        "id": ("id",),
    },
    "kimai": {
        "email": ("email", "e-mail"),
        "name": ("name", "user", "benutzer", "username"),
        "client": ("customer", "kunde"),
        "project": ("project", "projekt"),
        "task": ("activity", "tätigkeit"),
        "tags": ("tags", "schlagworte"),
        "description": ("description", "beschreibung"),
        "date": ("date", "datum"),
        "duration": ("duration", "dauer"),
        "billable": ("billable", "abrechenbar"),
        "id": ("id",),
    },
}

# What a header row must hold to be each tool's, checked in this order (Toggl's "Start date"
# and Clockify's "Start Date" differ only in case, so "Duration" vs "Duration (h)" decides).
_SIGNATURES: dict[str, tuple[tuple[str, ...], ...]] = {
    "toggl": (("user", "member"), ("email",), ("start date",), ("duration",)),
    "clockify": (("user",), ("start date",), ("duration (h)", "duration (decimal)")),
    "harvest": (("date",), ("hours",), ("first name",), ("last name",)),
    "kimai": (("date", "datum"), ("duration", "dauer"), ("customer", "kunde"),
              ("activity", "tätigkeit")),
}

_YES = {"yes", "ja", "true", "1", "billable"}
_NO = {"no", "nein", "false", "0", "non-billable", ""}


def _key(header: str) -> str:
    return header.strip().lower()


def detect_format(headers: list[str]) -> str:
    present = {_key(h) for h in headers}
    for name, groups in _SIGNATURES.items():
        if all(any(alias in present for alias in group) for group in groups):
            return name
    raise UnknownFormat(list(headers))


# Durations -------------------------------------------------------------------------------

_CLOCK = re.compile(r"^(\d{1,6}):([0-5]\d)(?::([0-5]\d))?$")
_DECIMAL = re.compile(r"^\d{1,6}(?:[.,]\d{1,9})?$")


def parse_duration(text: str) -> int:
    """Whole seconds in an export's duration: '1:30:15', '7:30', '1.25', '1,25' (hours).

    ValueError names what was expected. Decimal hours are rounded to the nearest second,
    half up, so '0.0001' (0.36 s) is 0 and refused like any empty duration.
    """
    value = text.strip()
    if match := _CLOCK.match(value):
        seconds = int(match[1]) * 3600 + int(match[2]) * 60 + int(match[3] or 0)
    elif _DECIMAL.match(value):
        hours = Decimal(value.replace(",", "."))
        seconds = int((hours * 3600).to_integral_value(rounding=ROUND_HALF_UP))
    else:
        raise ValueError(
            f"'{text}' is not a duration (expected H:MM:SS, H:MM or decimal hours like 1.25)"
        )
    if seconds <= 0:
        raise ValueError(f"'{text}' is no time at all (a duration must be more than zero)")
    if seconds > MAX_ENTRY_SECONDS:
        raise ValueError(f"'{text}' is longer than a day (one entry is at most 24 hours)")
    return seconds


# Dates -----------------------------------------------------------------------------------

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_DASHED = re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$")

_EXPECTED = {
    "iso": "YYYY-MM-DD",
    "us": "MM/DD/YYYY",
    "eu_slash": "DD/MM/YYYY",
    "eu_dot": "DD.MM.YYYY",
}


def _date(year: str, month: str, day: str) -> datetime.date | None:
    try:
        value = datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None
    return value if date_in_range(value) else None


def parse_date(text: str, *, slashes: str = "us") -> datetime.date:
    """A date as the tools write it: 2026-09-21, 21.09.2026, and 09/21/2026 or 21/09/2026
    (`slashes`: "us" or "eu_slash", the file's own order). A time after it is ignored."""
    value = text.strip()
    # "2026-09-21 08:15" or "09/21/2026 08:15 AM": the day is what counts here.
    value = value.split(" ", 1)[0].split("T", 1)[0] if len(value) > 10 else value
    expected = _EXPECTED[slashes]
    if match := _ISO.match(value):
        expected = _EXPECTED["iso"]
        day = _date(match[1], match[2], match[3])
    elif match := _DOTTED.match(value):
        expected = _EXPECTED["eu_dot"]
        day = _date(match[3], match[2], match[1])
    elif match := _SLASHED.match(value):
        first, second, year = match[1], match[2], match[3]
        day = _date(year, first, second) if slashes == "us" else _date(year, second, first)
    elif match := _DASHED.match(value):  # Clockify's DD-MM-YYYY / MM-DD-YYYY settings
        first, second, year = match[1], match[2], match[3]
        day = _date(year, first, second) if slashes == "us" else _date(year, second, first)
        expected = expected.replace("/", "-")
    else:
        day = None
    if day is None:
        raise ValueError(f"'{text}' is not a date (expected {expected})")
    return day


def _slash_order(values: Iterable[str]) -> str:
    """'us' or 'eu_slash' for a file's slashed dates: a first part above 12 can only be a day.

    Clockify writes dates in each user's chosen order; without a telling date the US order,
    Clockify's default, is assumed.
    """
    for value in values:
        if match := _SLASHED.match(value.strip().split(" ", 1)[0]):
            if int(match[1]) > 12:
                return "eu_slash"
            if int(match[2]) > 12:
                return "us"
    return "us"


def _billable(text: str) -> bool | None:
    value = text.strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return None if value == "" else False
    raise ValueError(f"'{text}' is neither yes nor no")


# Reading the file ------------------------------------------------------------------------


class _DecodeError(Exception):
    def __init__(self, error: UnicodeDecodeError):
        self.error = error


def _lines(stream: typing.BinaryIO) -> Iterator[str]:
    """The file's lines as text, one at a time: UTF-8 with or without a BOM.

    Line by line rather than through a TextIOWrapper so that a non-UTF-8 byte is reported at
    the row that holds it, not at whichever 8 KB chunk happened to be decoded.
    """
    first = True
    for raw in stream:
        if first:
            raw = raw.removeprefix(codecs.BOM_UTF8)
            first = False
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise _DecodeError(error) from error


def _not_utf8(error: UnicodeDecodeError) -> str:
    byte = error.object[error.start : error.start + 1].hex().upper()
    return (
        f"the file is not UTF-8 text (byte 0x{byte} cannot be read); export it again or "
        "save it as 'CSV UTF-8' and import that"
    )


def _separator(header_line: str) -> str:
    # Kimai's German export (and Excel in most European locales) uses ';'. A header row
    # holds names, not notes, so counting outside quotes is not needed.
    return ";" if header_line.count(";") > header_line.count(",") else ","


def read_export(stream: typing.BinaryIO, *, format: str = "auto") -> ParsedExport:
    lines = _lines(stream)
    try:
        header_line = next(lines, "")
    except _DecodeError as exc:
        raise NotUTF8("The header row: " + _not_utf8(exc.error)) from None
    delimiter = _separator(header_line)
    records = csv.reader(itertools.chain([header_line], lines), delimiter=delimiter)
    try:
        headers = next(records, [])
    except _DecodeError as exc:  # a header with a quoted line break that is not UTF-8
        raise NotUTF8("The header row: " + _not_utf8(exc.error)) from None
    headers = [h.strip() for h in headers]
    if format == "auto":
        chosen = detect_format(headers)
    elif format in FORMATS:
        chosen = format
        missing = [
            " or ".join(f"'{alias}'" for alias in group)
            for group in _SIGNATURES[chosen]
            if not any(alias in {_key(h) for h in headers} for alias in group)
        ]
        if missing:
            raise UnknownFormat(
                headers,
                f"Not a {chosen} export: it lacks {', '.join(missing)}; its headers are: "
                + (", ".join(repr(h) for h in headers) or "no header row at all"),
            )
    else:
        raise ValueError(f"Unknown format '{format}': use auto or one of {', '.join(FORMATS)}")
    return ParsedExport(
        format=chosen, headers=headers, rows=_rows(chosen, headers, records)
    )


def _rows(
    chosen: str, headers: list[str], records: Iterator[list[str]]
) -> Iterator[ImportRow | RowProblem]:
    # field -> (index, header as written), the first alias present winning
    positions = {_key(h): i for i, h in reversed(list(enumerate(headers)))}
    columns: dict[str, tuple[int, str]] = {}
    for field, aliases in _COLUMNS[chosen].items():
        for alias in aliases:
            if alias in positions:
                columns[field] = (positions[alias], headers[positions[alias]])
                break

    slashes = "us"
    if chosen == "clockify" and "date" in columns:
        # Clockify's slashed dates are in each user's order: look ahead (a bounded sample,
        # so the file is still streamed) for a date only one order can read.
        sample = []
        for _ in range(1000):
            try:
                sample.append(next(records))
            except StopIteration:
                break
            except _DecodeError:
                break  # reported when the rows get there
        index = columns["date"][0]
        slashes = _slash_order(r[index] for r in sample if len(r) > index)
        records = itertools.chain(sample, records)

    row = 1
    while True:
        try:
            record = next(records)
        except StopIteration:
            return
        except _DecodeError as exc:
            message = _not_utf8(exc.error)
            yield RowProblem(row + 1, "", message[0].upper() + message[1:])
            return
        row += 1
        if not any(cell.strip() for cell in record):
            continue  # a blank line (Excel leaves some at the end) is no entry
        yield from _row(row, record, columns, slashes)


def _row(
    row: int, record: list[str], columns: dict[str, tuple[int, str]], slashes: str
) -> Iterator[ImportRow | RowProblem]:
    """The row's ImportRow, or each of its problems."""
    problems: list[RowProblem] = []

    def cell(field: str) -> str:
        if field not in columns:
            return ""
        index = columns[field][0]
        return record[index].strip() if index < len(record) else ""

    day = seconds = None
    billable = None
    for field, parse in (
        ("date", lambda text: parse_date(text, slashes=slashes)),
        ("duration", parse_duration),
        ("billable", _billable),
    ):
        if field not in columns:
            continue
        header = columns[field][1]
        text = cell(field)
        if field != "billable" and not text:
            problems.append(RowProblem(row, header, f"no {field} on this row"))
            continue
        try:
            value = parse(text)
        except ValueError as error:
            problems.append(RowProblem(row, header, str(error)))
            continue
        if field == "date":
            day = value
        elif field == "duration":
            seconds = value
        else:
            billable = value
    if problems:
        yield from problems
        return

    if "first_name" in columns:
        name = " ".join(part for part in (cell("first_name"), cell("last_name")) if part)
    else:
        name = cell("name")
    tags = tuple(tag.strip() for tag in cell("tags").split(",") if tag.strip())
    yield ImportRow(
        row=row,
        person_email=cell("email"),
        person_name=name,
        client=cell("client"),
        project=cell("project"),
        task=cell("task"),
        tags=tags,
        description=cell("description"),
        date=day,
        seconds=seconds,
        billable=billable,
        external_id=cell("id"),
    )
