"""Pages of a list of a million time entries, without COUNT(*) and without deep OFFSETs.

The list's selection is counted from the weekly rollup (tracker/selection.py): entries per
ISO week, and per engagement, kind or billable flag when the list is sorted by one. With
those counts a page knows which weeks or groups precede it, skips them by a condition the
indexes serve, and reads its own rows only; the paginator gets the count for free.
"""

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.core.paginator import EmptyPage, Paginator
from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.query import ModelIterable
from django_tables2.paginators import LazyPaginator

from clients.models import Engagement
from tracker.limits import MAX_LAZY_PAGE, MAX_PER_PAGE
from tracker.selection import WEEK

DATE_ORDER = ("date", "pk")


class BoundedPaginator(Paginator):
    """Every list's paginator: its pages are numbered to the last (a known count), so a page
    past the end (?page=9999999999999999999) shows the last one and no huge OFFSET reaches
    the database; a page below the first (?page=0) is the first; django-tables2's
    ?per_page= is kept from 1 to MAX_PER_PAGE rows."""

    def __init__(self, object_list, per_page, **kwargs):
        super().__init__(object_list, min(max(int(per_page), 1), MAX_PER_PAGE), **kwargs)

    def validate_number(self, number):
        try:
            number = max(int(number), 1)  # django-tables2 would show the last page
        except (TypeError, ValueError):
            pass  # not a number: Django's own error (the first page)
        return super().validate_number(number)


class LazyBoundedPaginator(LazyPaginator):
    """For a list too big to count and with no rollup to count it by (the history of every
    change): no COUNT(*); a page reads its rows and one more, to know whether a next page
    follows. Pages are bounded as BoundedPaginator's are, and by MAX_LAZY_PAGE: past it
    (a huge OFFSET), the first page is shown; the filters narrow a search instead."""

    def __init__(self, object_list, per_page, **kwargs):
        super().__init__(object_list, min(max(int(per_page), 1), MAX_PER_PAGE), **kwargs)

    def validate_number(self, number):
        try:
            number = max(int(number), 1)
        except (TypeError, ValueError):
            pass  # not a number: the first page, as django-tables2 shows it
        number = super().validate_number(number)
        if number > MAX_LAZY_PAGE:
            raise EmptyPage(f"Pages go to {MAX_LAZY_PAGE}: narrow the list with its filters.")
        return number


class CountedPaginator(BoundedPaginator):
    """The paginator given the number of rows (from the rollup, or an aggregate the page
    reads anyway) instead of COUNT(*)."""

    def __init__(self, object_list, per_page, *, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.__dict__["count"] = count  # Paginator.count is a cached_property


@dataclass(frozen=True)
class GroupOrder:
    """A list sorted by a column whose values group the entries (an engagement, a kind):
    the table's ascending order for it, which ends on the date and the id, and the groups
    as (value, entries): `values()` gives those of a value in that ascending order, `nulls`
    is the number of entries whose value is NULL, placed where the database sorts NULLs.

    `values` is called only for a page past the NULL group: the first page of an admin's
    list sorted by engagement, newest client first, is time on no engagement (NULLs sort
    last on PostgreSQL), and reading every engagement in order was 24 ms of it at 10M
    entries."""

    column: str
    order: tuple
    values: Callable[[], list]
    nulls: int | None = None

    def matches(self, order: tuple) -> bool | None:
        """True for the descending order, False for the ascending one, else None."""
        if order == self.order:
            return False
        if order == tuple(f"-{field}" for field in self.order):
            return True
        return None

    def groups(self, *, descending: bool) -> Iterator[tuple]:
        """The groups in the list's order (descending or not), NULLs where the database
        sorts them; the values read only once a page gets past the NULLs."""
        nulls_first = connection.features.nulls_order_largest == descending
        if self.nulls and nulls_first:
            yield None, self.nulls
        values = self.values()
        yield from reversed(values) if descending else values
        if self.nulls and not nulls_first:
            yield None, self.nulls


def engagement_order(counts: dict[int | None, int], order: tuple) -> GroupOrder:
    """Engagements as the list orders them: by client and name as the database collates
    them. No two engagements share both names: a client's name is unique, and so is an
    engagement's within its client (the database's constraints), so the list's order is
    the groups' order."""

    def values():
        ids = [pk for pk in counts if pk is not None]
        engagements = Engagement.objects.order_by("client__name", "name")
        if len(ids) <= 500:
            engagements = engagements.filter(pk__in=ids)
        # Beyond that (an admin's list), every engagement read and kept here: an IN list of
        # thousands of ids cost more to build and plan than the rows (127 ms at 10M entries).
        return [(pk, counts[pk]) for pk in engagements.values_list("pk", flat=True)
                if pk in counts]

    return GroupOrder("engagement_id", order, values, counts.get(None))


def value_order(column: str, counts: dict, order: tuple) -> GroupOrder:
    """Plain values (a kind, a billable flag), which every database orders alike."""
    return GroupOrder(column, order, lambda: sorted(counts.items()))


def _equals(column: str, value) -> Q:
    return Q(**{f"{column}__isnull": True}) if value is None else Q(**{column: value})


class PagedByIdsQuerySet(QuerySet):
    """A list's queryset whose pages are read in two steps: the page's ids first, from the
    filtered and ordered entries alone, then the rows with their joins for those ids only.

    A deep page (OFFSET 20000) otherwise makes PostgreSQL join every preceding row to the
    people, engagements, clients and activities before it can drop them. Unsliced
    iteration (the exports) is a plain query.

    Given the entries per ISO week of the same selection (`with_counts()`), a page in date
    order skips the whole weeks before it by a date bound: page 30,000 of a million entries
    reads one week's rows, not 750,000. Given a GroupOrder, a page in that order reads the
    groups it spans alone, each by date, instead of sorting every entry.
    """

    weeks: list[tuple[dt.date, int]] | None = None  # (Monday, entries), newest first
    group_order: GroupOrder | None = None

    @classmethod
    def of(cls, queryset):
        return cls(model=queryset.model, query=queryset.query.chain(), using=queryset.db)

    def _clone(self):
        clone = super()._clone()
        clone.weeks, clone.group_order = self.weeks, self.group_order
        return clone

    def with_counts(self, weeks: list[tuple[dt.date, int]], group_order=None):
        clone = self._chain()
        clone.weeks, clone.group_order = weeks, group_order
        return clone

    def __getitem__(self, k):
        if not isinstance(k, slice) or self._iterable_class is not ModelIterable:
            return super().__getitem__(k)
        rows, k = self._seek_groups(k) or self._seek_weeks(k)
        ids = list(rows.values_list("pk", flat=True)[k])
        found = self.order_by().in_bulk(ids)  # the order is the ids'
        return [found[pk] for pk in ids]

    def _seek_groups(self, k: slice):
        """The rows and slice of the page from the groups it spans; None in another order."""
        if self.group_order is None:
            return None
        descending = self.group_order.matches(tuple(self.query.order_by))
        if descending is None:
            return None
        start, stop = k.start or 0, k.stop
        skipped, spanned, seen = 0, [], 0
        for value, entries in self.group_order.groups(descending=descending):
            if not spanned and seen + entries <= start:
                seen += entries
                continue
            if not spanned:
                skipped = seen
            spanned.append(value)
            seen += entries
            if stop is not None and seen >= stop:
                break
        if not spanned:
            return self.none(), k
        column = self.group_order.column
        within = Q(**{f"{column}__in": [value for value in spanned if value is not None]})
        if None in spanned:
            within |= _equals(column, None)
        prefix = "-" if descending else ""
        order = [f"{prefix}date", f"{prefix}pk"]
        if len(spanned) > 1:  # a page across groups: theirs in the list's order
            order.insert(0, Case(
                *(When(_equals(column, value), then=Value(place))
                  for place, value in enumerate(spanned)),
                output_field=IntegerField(),
            ))
        rows = self.filter(within).order_by(*order)
        return rows, slice(start - skipped, None if stop is None else stop - skipped)

    def _seek_weeks(self, k: slice):
        """The rows and slice reading the same page with the preceding whole weeks skipped,
        and the weeks after the page's last row: the page's weeks bound its dates on both
        sides. Bound on one side only, a manager's deep page of nine people scanned the
        date index back through everyone's entries (230 ms at 10M entries); the first page
        too, unbound: 22 ms of a manager's last month, reading 60,000 entries for 53."""
        order = tuple(self.query.order_by)
        if self.weeks is None or order not in (("-date", "-pk"), DATE_ORDER):
            return self, k
        newest_first = order[0] == "-date"
        skipped, first, last, seen = 0, None, None, 0
        for week, entries in self.weeks if newest_first else reversed(self.weeks):
            if first is None:
                if skipped + entries <= k.start:
                    skipped += entries
                    continue
                first, seen = week, skipped
            seen += entries
            if k.stop is not None and seen >= k.stop:
                last = week  # the page's last row is in this week
                break
        if first is None:
            return self.none(), k  # past the last entry
        if newest_first:
            bound = Q(date__lt=first + WEEK) if skipped else Q()
            if last is not None:
                bound &= Q(date__gte=last)
        else:
            bound = Q(date__gte=first) if skipped else Q()
            if last is not None:
                bound &= Q(date__lt=last + WEEK)
        stop = None if k.stop is None else k.stop - skipped
        return self.filter(bound), slice(k.start - skipped, stop)
