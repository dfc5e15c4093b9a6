"""ISO weeks, and which one a timezone is due for."""

import datetime as dt

from tracker.week import iso_week, parse_iso_week  # noqa: F401 - the digests' week names

SEND_AT = dt.time(8)  # Monday 08:00 in the recipient's own timezone
# The planner sends a week's digest only this long after its Monday 08:00: a beat down for
# a few hours catches up, but a first run on a fresh install, or a beat back after days,
# does not mail a stale week (an operator can still send one with send_digests --week).
SEND_WINDOW = dt.timedelta(days=1)


def last_week_start(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=today.weekday() + 7)


def due_week(now: dt.datetime, tz: dt.tzinfo, at: dt.time = SEND_AT) -> dt.date:
    """The last week whose following Monday `at` (08:00) has passed in timezone `tz`."""
    local = now.astimezone(tz)
    monday = local.date() - dt.timedelta(days=local.weekday())
    if local < dt.datetime.combine(monday, at, tzinfo=tz):
        monday -= dt.timedelta(days=7)
    return monday - dt.timedelta(days=7)


def send_moment(week_start: dt.date, tz: dt.tzinfo, at: dt.time = SEND_AT) -> dt.datetime:
    """When the e-mail of the week starting `week_start` is due: the next Monday, `at`."""
    return dt.datetime.combine(week_start + dt.timedelta(days=7), at, tzinfo=tz)
