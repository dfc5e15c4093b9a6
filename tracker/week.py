"""ISO weeks and the period presets: the dates every list, report and the week grid share.

Dates only: no model, form or service is imported here.
"""

import datetime as dt

from .limits import date_in_range

DAYS = range(7)


def week_start_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def parse_iso_week(value: str) -> dt.date:
    """'2026-W47' -> the Monday of that ISO week, a whole week within the dates anyone may type
    (1900 to 2199); ValueError with a clear message otherwise."""
    try:
        year, week = value.strip().upper().split("-W")
        monday = dt.date.fromisocalendar(int(year), int(week), 1)
    except ValueError as exc:
        shown = value if len(value) <= 20 else f"{value[:20]}…"
        raise ValueError(f"{shown!r} is not an ISO week like 2026-W47.") from exc
    # A week at the edge of the calendar (9999-W52) has no next week, nor the four weeks
    # before it that My week and the digest read.
    if not (date_in_range(monday) and date_in_range(monday + dt.timedelta(days=6))):
        year, week, _ = monday.isocalendar()
        raise ValueError(f"Choose a week from 1900 to 2199, not {year:04d}-W{week:02d}.")
    return monday


def parse_week(value: str | None, today: dt.date) -> dt.date:
    """'2026-W48' -> its Monday; nothing -> this week's Monday; ValueError for anything else."""
    if value:
        return parse_iso_week(value)
    return week_start_of(today)


def iso_week(monday: dt.date) -> str:
    return f"{monday:%G-W%V}"


def week_dates(monday: dt.date, *, weekdays: bool = False) -> str:
    """The days of a week as people read them: the one way every page, e-mail and message
    writes a week. Beside its ISO name: '16–22 Nov 2026', '30 Nov – 6 Dec 2026',
    '28 Dec 2026 – 3 Jan 2027'. As a title (`weekdays`): 'Mon 16 Nov – Sun 22 Nov 2026',
    'Mon 28 Dec 2026 – Sun 3 Jan 2027'. A week across New Year names both years."""
    sunday = monday + dt.timedelta(days=6)

    def day(date: dt.date, *, year: bool) -> str:
        text = f"{date.day} {date:%b}" + (f" {date.year}" if year else "")
        return f"{date:%a} {text}" if weekdays else text

    first, last = day(monday, year=False), day(sunday, year=True)
    if monday.year != sunday.year:
        return f"{day(monday, year=True)} – {last}"
    if monday.month != sunday.month or weekdays:
        return f"{first} – {last}"
    return f"{monday.day}–{last}"  # 16–22 Nov 2026


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def period_dates(period: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day (inclusive) of a preset period as seen on `today`.

    The one definition of the presets that lists and reports offer (each offers a few).
    """
    monday = week_start_of(today)
    first_of_month = today.replace(day=1)
    if period == "this_week":
        return monday, monday + dt.timedelta(days=6)
    if period == "last_week":
        return monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)
    if period == "last_4_weeks":
        return monday - dt.timedelta(days=28), monday - dt.timedelta(days=1)
    if period == "this_month":
        next_month = (first_of_month + dt.timedelta(days=32)).replace(day=1)
        return first_of_month, next_month - dt.timedelta(days=1)
    if period == "last_month":
        last_day = first_of_month - dt.timedelta(days=1)
        return last_day.replace(day=1), last_day
    if period == "this_quarter":
        return _quarter_start(today), today
    if period == "last_quarter":
        end = _quarter_start(today) - dt.timedelta(days=1)
        return _quarter_start(end), end
    if period == "year_to_date":
        return dt.date(today.year, 1, 1), today
    raise ValueError(period)


def day_label(day: dt.date, today: dt.date) -> str:
    """A day in a confirmation: 'Mon 3 Nov', with its year when that is not this year's
    ('Mon 29 Dec 2025'), so a date typed in the wrong year is noticed."""
    text = f"{day:%a} {day.day} {day:%b}"
    return text if day.year == today.year else f"{text} {day.year}"
