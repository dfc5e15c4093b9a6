"""A selection of time entries (what the /time/ list's filters pick) summed by week and kind.

Whole ISO weeks are read from the rollup (tracker.WeeklyTotal; the coarser
WeeklySourceTotal, half the rows, when only dates, people and a kind narrow it), the partial
weeks at the edges of a date range from the entries themselves: one query, exact for any
dates, and as fast for a million entries as for a hundred. The rollup knows neither an
entry's source nor its week's approval state (only the coarse one's approved flag, which
the report's marks read): narrowed by those, every figure is read from the entries. The
list's totals come from it, and so does its deep paging: knowing how many entries each
week holds, page 30,000 starts from the right week instead of counting past 750,000 rows.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Case, Count, DateField, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce

from .models import (
    KIND_VALUES,
    EngagementTotal,
    FirmWeekTotal,
    TimeEntry,
    WeeklySourceTotal,
    WeeklyTotal,
    entry_week_approved,
)
from .week import week_start_of

WEEK = dt.timedelta(days=7)


def split_weeks(start: dt.date | None, end: dt.date | None):
    """Split [start, end] (None: open) into whole ISO weeks and partial ones.

    Returns (whole, edges): `whole` is (first Monday, last Monday), either None when that
    side is open, or None when no whole week lies inside; `edges` are the (from, to) ranges
    of the partial weeks, each within one ISO week, oldest first.
    """
    if start is not None and end is not None and end < start:
        return None, []
    edges = []
    first = last = None
    if start is not None:
        monday = week_start_of(start)
        first = monday if start == monday else monday + WEEK
        if start != monday:
            sunday = monday + dt.timedelta(days=6)
            edges.append((start, sunday if end is None else min(sunday, end)))
    if end is not None:
        monday = week_start_of(end)
        last = monday if end == monday + dt.timedelta(days=6) else monday - WEEK
        in_first_edge = edges and week_start_of(edges[0][0]) == monday
        if end != monday + dt.timedelta(days=6) and not in_first_edge:
            edges.append((monday if start is None else max(monday, start), end))
    if first is not None and last is not None and first > last:
        return None, edges
    return (first, last), edges


def _in(values) -> str:
    """The lookup for ids given as a list (tracker.lookups.AnyOf) or as a queryset."""
    return "any_of" if isinstance(values, list | tuple) else "in"


def dated_within(edges) -> Q:
    """Entries dated within any of split_weeks()'s partial weeks."""
    in_edges = Q()
    for edge_start, edge_end in edges:
        in_edges |= Q(date__range=(edge_start, edge_end))
    return in_edges


def _edge_week(edges):
    """The Monday of each entry's partial week, `edges` being split_weeks()'s partial weeks."""
    return Case(
        *(When(date__range=edge, then=Value(week_start_of(edge[0]))) for edge in edges),
        output_field=DateField(),
    )


@dataclass(frozen=True)
class WeekKindTotal:
    week: dt.date
    kind: str
    seconds: int
    entries: int


@dataclass(frozen=True)
class Selection:
    """Entries between two dates (either may be open) narrowed by kind, billable, people
    and engagements. `consultants` and `engagements` are id lists or querysets of ids;
    None means any."""

    start: dt.date | None = None
    end: dt.date | None = None
    kind: str | None = None
    billable: bool | None = None
    consultants: object = None
    engagements: object = None
    source: str | None = None
    approved: bool | None = None
    empty: bool = False

    @property
    def from_entries(self) -> bool:
        """Narrowed by what the rollup does not know: every figure from the entries."""
        return self.source is not None or self.approved is not None

    def _entries(self):
        """The selected entries themselves (for from_entries)."""
        rows = TimeEntry.objects.all()
        if self.start is not None:
            rows = rows.filter(date__gte=self.start)
        if self.end is not None:
            rows = rows.filter(date__lte=self.end)
        if self.source is not None:
            rows = rows.filter(source=self.source)
        if self.approved is not None:
            rows = rows.filter(entry_week_approved() if self.approved else ~entry_week_approved())
        return self._narrow(rows, engagement="engagement_id")

    def _narrow(self, rows, *, engagement: str):
        if self.kind is not None:
            rows = rows.filter(kind=self.kind)
        if self.billable is not None:
            rows = rows.filter(billable=self.billable)
        # An id list as one parameter (tracker.lookups); a queryset as a subquery.
        if self.consultants is not None:
            rows = rows.filter(**{f"consultant_id__{_in(self.consultants)}": self.consultants})
        if self.engagements is not None:
            rows = rows.filter(**{f"{engagement}__{_in(self.engagements)}": self.engagements})
        return rows

    def _union(self, group: Callable) -> list[tuple]:
        """The selection's whole weeks (rollup) and partial weeks (entries), grouped by
        what `group(rows, edges)` selects (given the rollup cells, or the edge entries and
        their ranges): rows of (*group, seconds, entries) from one UNION ALL."""
        if self.empty:
            return []
        if self.from_entries:
            # Every entry as an edge of no range: `group` gets them by day (edges empty).
            rows = group(self._entries().order_by(), ())
            return list(rows.annotate(seconds=Sum("seconds"), entries=Count("pk")))
        whole, edges = split_weeks(self.start, self.end)
        parts = []
        if whole is not None:
            first, last = whole
            rollup = self._narrow(WeeklyTotal.objects.all(), engagement="engagement_key")
            if first is not None:
                rollup = rollup.filter(week_start__gte=first)
            if last is not None:
                rollup = rollup.filter(week_start__lte=last)
            parts.append(
                group(rollup.order_by(), None)
                .annotate(seconds=Sum("seconds"), entries=Sum("entries"))
            )
        if edges:
            entries = self._narrow(TimeEntry.objects.filter(dated_within(edges)),
                                   engagement="engagement_id")
            parts.append(
                group(entries.order_by(), edges)
                .annotate(seconds=Sum("seconds"), entries=Count("pk"))
            )
        if not parts:
            return []
        return list(parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0])

    def week_totals(self) -> list[WeekKindTotal]:
        """Seconds and entries by ISO week and kind, newest week first, in one query."""
        if not self.empty and not self.from_entries and (
            self.billable is None and self.engagements is None
        ):
            return self._week_totals_coarse()

        def by_week_and_kind(rows, edges):
            if edges is None:
                return rows.values_list("week_start", "kind")
            if not edges:  # every entry, by day: summed into weeks below
                return rows.values_list("date", "kind")
            return rows.annotate(week=_edge_week(edges)).values_list("week", "kind")

        summed: dict[tuple[dt.date, str], list[int]] = {}
        for day, kind, seconds, entries in self._union(by_week_and_kind):
            cell = summed.setdefault((week_start_of(day), kind), [0, 0])
            cell[0] += seconds or 0
            cell[1] += entries or 0
        totals = [WeekKindTotal(week, kind, *cell) for (week, kind), cell in summed.items()]
        return sorted(totals, key=lambda total: (total.week, total.kind), reverse=True)

    def _week_totals_coarse(self) -> list[WeekKindTotal]:
        """week_totals() of a selection narrowed by nothing but dates, people and a kind, from
        the coarse rollup (WeeklySourceTotal, kinds as columns, about half the fine rollup's
        rows): a firm's whole list at 10M entries grouped 1.7M fine rows by week and kind in
        230-340 ms, against 830k coarse rows by week. Narrowed by no one, from the firm's
        weeks (FirmWeekTotal): a few hundred rows. The partial weeks at the edges, as
        week_totals(), from the entries."""
        kinds = [self.kind] if self.kind is not None else list(KIND_VALUES)
        whole, edges = split_weeks(self.start, self.end)
        parts = []
        if whole is not None:
            first, last = whole
            if self.consultants is None:
                # Everyone: the firm's weeks (changes, summed), about a hundred rows a year.
                rollup = FirmWeekTotal.objects.all()
            else:
                rollup = WeeklySourceTotal.objects.filter(
                    entries__gt=0, **{f"consultant_id__{_in(self.consultants)}": self.consultants})
            if first is not None:
                rollup = rollup.filter(week_start__gte=first)
            if last is not None:
                rollup = rollup.filter(week_start__lte=last)
            parts.append(rollup.order_by().values_list("week_start").annotate(**{
                f"{figure}_{kind}": Sum(f"{kind}_{column}") for kind in kinds
                for figure, column in (("s", "seconds"), ("n", "entries"))
            }))
        if edges:
            entries = self._narrow(TimeEntry.objects.filter(dated_within(edges)),
                                   engagement="engagement_id")
            parts.append(entries.order_by().annotate(week=_edge_week(edges)).values_list(
                "week").annotate(**{
                    f"{figure}_{kind}": aggregate for kind in kinds for figure, aggregate in (
                        ("s", Sum("seconds", filter=Q(kind=kind))),
                        ("n", Count("pk", filter=Q(kind=kind))),
                    )
                }))
        if not parts:
            return []
        summed: dict[tuple[dt.date, str], list[int]] = {}
        for week, *figures in parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]:
            for place, kind in enumerate(kinds):
                seconds, count = figures[2 * place] or 0, figures[2 * place + 1] or 0
                if not count:
                    continue
                cell = summed.setdefault((week, kind), [0, 0])
                cell[0] += seconds
                cell[1] += count
        totals = [WeekKindTotal(week, kind, *cell) for (week, kind), cell in summed.items()]
        return sorted(totals, key=lambda total: (total.week, total.kind), reverse=True)

    def unapproved_by_person(self) -> dict[int, tuple[int, int]]:
        """(weeks, seconds) by consultant id of the selection's weeks that hold time and are
        not approved (a partial week at an edge: its days inside), in one query.

        Counted and summed in the database: fetching every (person, week) and every
        approved week to match them here took 1.4 s of a 4,500-person year report. Whole
        weeks from the coarse rollup (WeeklySourceTotal), so only for a selection narrowed
        by people and dates, by its rows not flagged approved (the approvals' triggers keep
        the flag): matching them against every approved week instead hashed 400,000
        approvals, 0.5 s of that report at 10M entries. The edges' entries are matched
        against their weeks' approvals."""
        assert not self.from_entries and not self.empty
        # Narrowed by nothing the coarse rollup lacks (a kind, billable, engagements).
        assert self.kind is None and self.billable is None and self.engagements is None
        whole, edges = split_weeks(self.start, self.end)
        parts = []
        if whole is not None:
            first, last = whole
            rollup = self._narrow(
                WeeklySourceTotal.objects.filter(entries__gt=0, approved=False),
                engagement="-")
            if first is not None:
                rollup = rollup.filter(week_start__gte=first)
            if last is not None:
                rollup = rollup.filter(week_start__lte=last)
            parts.append(
                rollup.order_by().values_list("consultant_id")
                .annotate(weeks=Count("week_start", distinct=True), seconds=Sum(
                    F("client_seconds") + F("promotion_seconds") + F("internal_seconds")
                ))
            )
        if edges:
            entries = self._narrow(TimeEntry.objects.filter(dated_within(edges)),
                                   engagement="engagement_id")
            parts.append(
                entries.filter(~entry_week_approved()).order_by().values_list("consultant_id")
                .annotate(weeks=Count(_edge_week(edges), distinct=True), seconds=Sum("seconds"))
            )
        if not parts:
            return {}
        result: dict[int, tuple[int, int]] = {}
        for consultant_id, weeks, seconds in (
            parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        ):
            before = result.get(consultant_id, (0, 0))
            result[consultant_id] = (before[0] + weeks, before[1] + seconds)
        return result

    @property
    def everything(self) -> bool:
        """Every entry of everyone, all time (an admin's unfiltered list)."""
        return not self.empty and self == Selection()

    def entries_by(self, column: str, *, total: int | None = None) -> dict:
        """Entries by "engagement" (its id; None for time without one) or by "billable",
        in one query. For every entry (`everything`) by engagement, with their `total`
        known: the engagements' all-time counts (EngagementTotal, one row each) instead of
        the rollup's every row, and the rest is time on none."""
        if column == "engagement" and total is not None and self.everything:
            counts = dict(EngagementTotal.objects.filter(entries__gt=0)
                          .values_list("engagement_key", "entries"))
            rest = total - sum(counts.values())
            return {**counts, None: rest} if rest else counts
        rollup_column, entry_column = {
            "engagement": ("engagement_key", Coalesce("engagement_id", 0)),
            "billable": ("billable", F("billable")),
        }[column]

        def grouped(rows, edges):
            if edges is None:
                return rows.values_list(rollup_column)
            return rows.annotate(group=entry_column).values_list("group")

        counts: dict = {}
        for value, _, entries in self._union(grouped):
            if column == "engagement":
                value = value or None
            counts[value] = counts.get(value, 0) + (entries or 0)
        return counts


def entries_by_week(totals: list[WeekKindTotal]) -> list[tuple[dt.date, int]]:
    """(Monday, entries) per week, newest first, from week_totals()."""
    weeks: dict[dt.date, int] = {}
    for total in totals:
        weeks[total.week] = weeks.get(total.week, 0) + total.entries
    return sorted(weeks.items(), reverse=True)
