"""ISO weeks, and which one a timezone is due for."""

import datetime as dt

SEND_AT = dt.time(8)  # Monday 08:00 in the recipient's own timezone


def parse_iso_week(value: str) -> dt.date:
    """'2026-W47' -> the Monday of that ISO week; ValueError with a clear message otherwise."""
    try:
        year, week = value.strip().upper().split("-W")
        return dt.date.fromisocalendar(int(year), int(week), 1)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not an ISO week like 2026-W47") from exc


def iso_week(week_start: dt.date) -> str:
    return f"{week_start:%G-W%V}"


def last_week_start(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=today.weekday() + 7)


def due_week(now: dt.datetime, tz: dt.tzinfo) -> dt.date:
    """The last week whose following Monday 08:00 has passed in timezone `tz`."""
    local = now.astimezone(tz)
    monday = local.date() - dt.timedelta(days=local.weekday())
    if local < dt.datetime.combine(monday, SEND_AT, tzinfo=tz):
        monday -= dt.timedelta(days=7)
    return monday - dt.timedelta(days=7)
