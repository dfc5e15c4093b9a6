"""How ClientFirst writes people, hours, percentages and dates: one way, everywhere.

Pages use these through the template filters of `tracker/templatetags/formatting.py`
(`{% load formatting %}`: `|hours_h`, `|hours_num`, `|percent`, `|count`, `|day`, `|person`),
e-mails call them in their context builders and templates, and exports keep plain values
(`export_percent`, `export_hours`) that are the very numbers the pages write. So a figure
reads the same on the report page, the team page, the digest's subject and body and in a
spreadsheet: 1,228.42 h on a page is 1228.42 in a CSV; a burn of 108.5% is 109% on every
page and 109 in the export, never 108 somewhere.

Rules:
- Hours: two places, rounded half up once from the seconds (tracker.durations.decimal_hours,
  which the figures already did), thousands separated by a comma: `1,228.42 h`.
- Percentages: whole percent, rounded half up from the exact ratio (never a rounded ratio
  rounded again): 0.12496 is 12%, 1.085 is 109%.
- Counts: whole, thousands separated: `12,400`.
- Dates: `3 Nov 2026` (with the weekday where a list needs it: `Tue 3 Nov 2026`); exports
  write real dates.
- People: their full name, the username only where there is none; exports add the username
  in a column of its own for scripts.

There are no money figures in ClientFirst (no rates or amounts): when some come, they belong
here too.

It sits with the time records and imports nothing above them.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.utils.dateformat import format as date_format

NONE = "—"  # what a page writes for a figure that does not exist (no share without time)
HOURS_PLACES = 2


def full_name(first_name: str, last_name: str, username: str) -> str:
    """The name a person is shown by, from its parts (a `values()` row of an export): the
    full name as Django's get_full_name() writes it, else the username."""
    return f"{first_name} {last_name}".strip() or username


def person_name(user) -> str:
    """A person as pages, e-mails and exports name them: the full name, else the username."""
    if user is None:
        return ""
    return full_name(user.first_name, user.last_name, user.username)


def _decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def export_hours(value) -> float | None:
    """Hours as an export's number: two places, the number the page writes (1228.42)."""
    if value is None:
        return None
    return float(_decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def hours_number(value) -> str:
    """Hours as a table cell writes them: `1,228.42`; NONE for none."""
    if value is None:
        return NONE
    return f"{_decimal(value).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"


def hours_text(value) -> str:
    """Hours in a sentence, a headline or a subject: `1,228.42 h`."""
    number = hours_number(value)
    return number if value is None else f"{number} h"


def whole_percent(ratio) -> int | None:
    """A ratio (a share, a burn, a use of capacity) as whole percent, rounded half up from the
    exact ratio: 0.12496 -> 12, 1.085 -> 109; None for none."""
    if ratio is None:
        return None
    return int((_decimal(ratio) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def percent_text(ratio) -> str:
    """A ratio as people read it: `109%`; NONE for none."""
    percent = whole_percent(ratio)
    return NONE if percent is None else f"{percent:,}%"


def percent_points(difference) -> int | None:
    """A difference of two ratios in percentage points, rounded as percentages are."""
    return whole_percent(difference)


# An export's "… %" column holds the number the page writes before its "%": 109.
export_percent = whole_percent


def count_text(value) -> str:
    """A count (outcomes, reach, leads): `12,400`; NONE for none."""
    if value is None:
        return NONE
    return f"{int(value):,}"


def counted(value: int, noun: str) -> str:
    """A count with its noun, singular for one: `1 cell`, `1,204 changes`."""
    return f"{count_text(value)} {noun}{'' if value == 1 else 's'}"


def number_text(value) -> str:
    """Any figure as a table writes it: hours (a float or Decimal) with two places, counts
    whole, both with thousands separators; text as it is."""
    if value is None:
        return NONE
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float | Decimal):
        return hours_number(value)
    if isinstance(value, int):
        return count_text(value)
    return str(value)


def date_text(day: dt.date | None, *, weekday: bool = False) -> str:
    """`3 Nov 2026`, or with `weekday` `Tue 3 Nov 2026`; empty for none."""
    if day is None:
        return ""
    return date_format(day, "D j M Y" if weekday else "j M Y")
