"""The figures ClientFirst shows, each defined once.

Hours by kind, the promotion share, the team's median share, the "brand over client" flag,
capacity (only of people who log time, from their start date), hours per outcome (yield),
budget burn, a part's share of a whole and the time in weeks not
yet approved. My week, the balance report (its page, exports,
command and task), the digests and the engagement pages call these definitions; none of them
divides or compares figures of its own.

Time is integer seconds until it is shown: `hours()` turns seconds into the decimal hours
people read (rounded half up to 2 places, once, from the seconds), so a total is its seconds
summed and then rounded, never a sum of rounded hours. Ratios stay exact (a float from exact
integers) and are rounded only where they are shown or written out.

This module sits with the time records and imports nothing above them, so the clients and
the reports can both use it.
"""

import datetime as dt
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum

from . import formatting
from .durations import decimal_hours
from .models import KIND_VALUES, Kind
from .selection import Selection

DEFAULT_THRESHOLD = Decimal("0.30")  # the promotion share above which a team flags someone
BRAND_OVER_CLIENT = "brand_over_client"  # the flag's code, as CONTRACT.md's JSON writes it
SHARE_PLACES = 3  # how the JSON writes a share: 0.116

# Decimal hours rounded half-up to 2 places: 5415 s -> 1.5; how every report shows time.
hours = decimal_hours


@dataclass(frozen=True)
class KindSeconds:
    """Seconds logged by kind: what every hours figure and share is computed from."""

    client: int = 0
    promotion: int = 0
    internal: int = 0

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, int]]) -> "KindSeconds":
        """From (kind, seconds) pairs, e.g. a grouped query; a kind may come more than once."""
        totals = dict.fromkeys(KIND_VALUES, 0)
        for kind, seconds in pairs:
            totals[kind] += seconds or 0
        return cls(**totals)

    def __add__(self, other: "KindSeconds") -> "KindSeconds":
        return KindSeconds(self.client + other.client, self.promotion + other.promotion,
                           self.internal + other.internal)

    def of_kind(self, kind: str) -> int:
        return getattr(self, Kind(kind).value)

    @property
    def total(self) -> int:
        return self.client + self.promotion + self.internal

    @property
    def promotion_share(self) -> float | None:
        return promotion_share(self)


def kind_seconds(entries) -> KindSeconds:
    """Hours by kind of a TimeEntry queryset, summed in the database."""
    return KindSeconds.of(
        entries.order_by().values_list("kind").annotate(total=Sum("seconds"))
    )


def kind_seconds_by_consultant(entries) -> dict[int, KindSeconds]:
    """Hours by kind of each consultant in a TimeEntry queryset, in one grouped query."""
    pairs: dict[int, list] = {}
    for consultant_id, kind, seconds in (
        entries.order_by().values_list("consultant_id", "kind").annotate(total=Sum("seconds"))
    ):
        pairs.setdefault(consultant_id, []).append((kind, seconds))
    return {consultant_id: KindSeconds.of(kinds) for consultant_id, kinds in pairs.items()}


def kind_seconds_of_whole_weeks(weekly_source_totals) -> dict[int, KindSeconds]:
    """Hours by kind of each consultant in a WeeklySourceTotal queryset (the coarse rollup of
    whole weeks, kinds as columns), in one grouped query: for periods made of whole weeks,
    without reading their entries."""
    return {
        consultant_id: KindSeconds(client or 0, promotion or 0, internal or 0)
        for consultant_id, client, promotion, internal in (
            weekly_source_totals.order_by().values_list("consultant_id").annotate(
                Sum("client_seconds"), Sum("promotion_seconds"), Sum("internal_seconds"))
        )
    }


def kind_seconds_by_week(weekly_totals) -> dict[tuple[int, object], KindSeconds]:
    """Hours by kind of each (consultant id, Monday) in a WeeklyTotal queryset (the rollup of
    whole weeks), in one grouped query: the Approvals page's figures of each week."""
    pairs: dict[tuple, list] = {}
    for consultant_id, week_start, kind, seconds in (
        weekly_totals.order_by().values_list("consultant_id", "week_start", "kind")
        .annotate(total=Sum("seconds"))
    ):
        pairs.setdefault((consultant_id, week_start), []).append((kind, seconds))
    return {key: KindSeconds.of(kinds) for key, kinds in pairs.items()}


def promotion_share(seconds: KindSeconds) -> float | None:
    """Promotion / (client + promotion); None when both are 0 (internal time does not count)."""
    both = seconds.client + seconds.promotion
    if both == 0:
        return None
    return seconds.promotion / both


def rounded_share(share: float | None) -> float | None:
    """A share as CONTRACT.md's JSON writes it (3 places)."""
    return None if share is None else round(share, SHARE_PLACES)


# A share (or any ratio) as whole percent, rounded half up (tracker.formatting, the one rule):
# how My week, the report, the team page, the digest and the exports show it, so 0.12496 is 12%
# everywhere (rounding the JSON's 0.125 again would say 13%).
whole_percent = formatting.whole_percent


def team_median_share(shares: Iterable[float | None]) -> float | None:
    """The median of the team members' shares, over those who have one (client or promotion
    time in the period); None when nobody has."""
    values = [share for share in shares if share is not None]
    return statistics.median(values) if values else None


def threshold_of(team) -> Decimal:
    """The share above which `team` (None: no team) flags a consultant."""
    return team.promotion_threshold if team is not None else DEFAULT_THRESHOLD


def flag(*, share: float | None, threshold: Decimal, outcomes_achieved: int) -> str | None:
    """"brand_over_client" when the promotion share is above the team's threshold and no
    client outcome was achieved in the period; else None."""
    if share is not None and share > threshold and not outcomes_achieved:
        return BRAND_OVER_CLIENT
    return None


def hours_per_outcome(client_seconds: int, outcomes_achieved: int) -> Decimal | None:
    """Yield: client hours spent per outcome achieved (2 places); None without an outcome."""
    if not outcomes_achieved:
        return None
    return (Decimal(client_seconds) / 3600 / outcomes_achieved).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def budget_burn(logged_seconds: int, budget_hours) -> float | None:
    """Share of the budget used: all-time logged hours / budget hours (1.0 = all of it);
    None without a budget (or a zero one). Exact: rounded where it is shown."""
    if not budget_hours:
        return None
    return logged_seconds / 3600 / float(budget_hours)


def capacity(*, weekly_hours, logs_time: bool, started_on: dt.date | None, start: dt.date,
             end: dt.date) -> Decimal:
    """The hours a person is expected to log between start and end (inclusive), exact: their
    weekly capacity over the days of the period from their start date on (someone who
    joined mid-period has capacity from that day); 0 for someone who does not log time (a
    manager who logs none is not a zero-hour consultant in the team's capacity)."""
    if not logs_time:
        return Decimal(0)
    first = max(start, started_on) if started_on else start
    days = (end - first).days + 1
    if days <= 0:
        return Decimal(0)
    return Decimal(weekly_hours) * days / 7


def logs_time(person) -> bool:
    """Whether a person is one of their team's consultants: counted in its "Consultants" (the
    report's teams, the team page, the digest) and given capacity (capacity_of). A manager who
    logs no time of their own is neither."""
    return bool(person.logs_time)


def capacity_of(person, start: dt.date, end: dt.date) -> Decimal:
    """`capacity` of a User between start and end (inclusive)."""
    return capacity(weekly_hours=person.weekly_capacity_hours, logs_time=logs_time(person),
                    started_on=person.started_on, start=start, end=end)


def capacity_hours(capacity_exact: Decimal) -> float:
    """Capacity as it is shown and written out: decimal hours, 2 places, rounded half up once."""
    return float(Decimal(capacity_exact).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def share_of(part: int, whole: int) -> float | None:
    """`part` / `whole` (e.g. one source's seconds of all seconds); None when whole is 0."""
    return part / whole if whole else None


@dataclass(frozen=True)
class Unapproved:
    """What a figure holds of weeks not yet approved: the ISO weeks (one per person and week)
    with time in the period whose week is open, submitted or returned, and the seconds of the
    period in them. A mark beside the figures: their hours are never changed by it."""

    weeks: int = 0
    seconds: int = 0

    def __add__(self, other: "Unapproved") -> "Unapproved":
        return Unapproved(self.weeks + other.weeks, self.seconds + other.seconds)

    @property
    def hours(self) -> float:
        return hours(self.seconds)


def unapproved_time(*, start: dt.date, end: dt.date, consultants=None) -> dict[int, Unapproved]:
    """Each consultant's Unapproved between start and end (inclusive), for those who have
    any; `consultants` is ids or a queryset of people (None: everyone).

    A week counts when the days of it inside the period hold time (a partial week at an edge
    counts for its days inside) and it has no approved WeekApproval: open (no row),
    submitted and returned weeks all count. One query, counted and summed in the database
    (the rollup for whole weeks, the entries for the edges).
    """
    return {
        consultant_id: Unapproved(weeks, seconds)
        for consultant_id, (weeks, seconds) in Selection(
            start=start, end=end, consultants=consultants
        ).unapproved_by_person().items()
    }
