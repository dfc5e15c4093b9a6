"""Durations as people type them: 1:30, 1.5, 1,5, 90m, 1h30, 1h 30m, 2h, 45 min."""

import re
from decimal import ROUND_HALF_EVEN, Decimal

from .limits import MAX_DURATION_CHARS, MAX_ENTRY_SECONDS

_HOURS_MINUTES = re.compile(r"^(?P<h>\d+):(?P<m>[0-5]?\d)(?::(?P<s>[0-5]?\d))?$")
_DECIMAL_HOURS = re.compile(r"^(?P<h>\d*[.,]?\d+)\s*(?:h|hr|hrs|hours?)?$")
_UNITS = re.compile(
    r"^(?:(?P<h>\d+(?:[.,]\d+)?)\s*(?:h|hr|hrs|hours?))?\s*"
    r"(?:(?P<m>\d+)\s*(?:m|min|mins|minutes?)?)?$"
)


class DurationError(ValueError):
    pass


def _number(digits: str) -> Decimal:
    # Decimal, not float or int: 400 typed digits overflow a float, and 5,000 exceed int()'s
    # digit limit; a Decimal holds them exactly until the bound below refuses them.
    return Decimal(digits.replace(",", "."))


def parse_duration(text: str) -> int:
    """Seconds in `text`, at most a day's; DurationError explains what is accepted."""
    value = (text or "").strip().lower()
    if not value:
        raise DurationError("Enter a duration, e.g. 1:30, 1.5, 90m or 1h 30m.")
    if len(value) > MAX_DURATION_CHARS:
        raise DurationError("That is not a duration. Use e.g. 1:30, 1.5, 90m, 1h30 or 1h 30m.")
    if match := _HOURS_MINUTES.match(value):
        seconds = _number(match["h"]) * 3600 + int(match["m"]) * 60 + int(match["s"] or 0)
    elif match := _DECIMAL_HOURS.match(value):
        seconds = _number(match["h"]) * 3600
    elif (match := _UNITS.match(value)) and (match["h"] or match["m"]):
        seconds = _number(match["h"] or "0") * 3600 + _number(match["m"] or "0") * 60
    else:
        raise DurationError(
            f"“{text}” is not a duration. Use e.g. 1:30, 1.5, 90m, 1h30 or 1h 30m."
        )
    if seconds > MAX_ENTRY_SECONDS:
        raise DurationError("A time entry cannot be longer than 24 hours.")
    seconds = int(seconds.to_integral_value(rounding=ROUND_HALF_EVEN))  # as round() did
    if seconds <= 0:
        raise DurationError("A duration must be more than zero.")
    return seconds


def format_duration(seconds: int | None) -> str:
    """3600 -> '1:00', 5430 -> '1:30' (rounded to the minute), None -> ''."""
    if not seconds:
        return ""
    minutes = round(seconds / 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def decimal_hours(seconds: int | None) -> float:
    """Decimal hours rounded half-up to 2 places: 5415 -> 1.5; how reports show time.

    In whole hundredths of an hour (36 s), half up (away from zero), in integers: the same
    value as Decimal's ROUND_HALF_UP quantize, at a tenth of its cost (a year's report of
    4,000 people shows about 40,000 figures)."""
    seconds = seconds or 0
    hundredths = (abs(seconds) + 18) // 36
    return (hundredths if seconds >= 0 else -hundredths) / 100
