"""The weekly rollup always equals the entries, whatever path wrote them."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Count, Sum

from clients.tests.factories import EngagementFactory
from tracker.models import Kind, TimeEntry, WeeklyTotal
from tracker.rollup import rollup_rebuild, rollup_suspended
from tracker.tests.factories import TimeEntryFactory, UserFactory

pytestmark = pytest.mark.django_db


def from_entries():
    totals = {}
    for entry in TimeEntry.objects.all():
        week = entry.date - dt.timedelta(days=entry.date.weekday())
        key = (entry.consultant_id, week, entry.kind, entry.engagement_id or 0, entry.billable)
        seconds, count = totals.get(key, (0, 0))
        totals[key] = (seconds + entry.seconds, count + 1)
    return totals


def from_rollup():
    return {
        (row.consultant_id, row.week_start, row.kind, row.engagement_key, row.billable): (
            row.seconds, row.entries
        )
        for row in WeeklyTotal.objects.exclude(entries=0)
    }


@pytest.fixture
def people():
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    return alice, bob, EngagementFactory(members=[alice, bob])


def test_every_write_path_keeps_the_rollup_exact(people):
    alice, bob, engagement = people
    sunday, monday = dt.date(2026, 11, 22), dt.date(2026, 11, 23)
    first = TimeEntryFactory(consultant=alice, date=sunday, seconds=3600, kind=Kind.CLIENT,
                             engagement=engagement)
    TimeEntryFactory(consultant=alice, date=monday, seconds=1800, kind=Kind.CLIENT,
                     engagement=engagement)
    assert from_rollup() == from_entries()
    assert len(from_rollup()) == 2  # Sunday closes one ISO week, Monday opens the next

    TimeEntry.objects.bulk_create([
        TimeEntry(consultant=bob, date=monday + dt.timedelta(days=i), seconds=600 + i,
                  kind=Kind.INTERNAL) for i in range(10)
    ])
    assert from_rollup() == from_entries()

    first.date, first.seconds = monday, 7200  # moved across a week boundary (save())
    first.save()
    assert from_rollup() == from_entries()

    TimeEntry.objects.filter(consultant=bob).update(kind=Kind.PROMOTION)  # queryset update
    assert from_rollup() == from_entries()

    TimeEntry.objects.filter(consultant=alice).update(billable=True)  # billable moves cells
    assert from_rollup() == from_entries()

    TimeEntry.objects.filter(consultant=alice, kind=Kind.CLIENT).update(
        kind=Kind.INTERNAL, engagement=None
    )
    assert from_rollup() == from_entries()

    with connection.cursor() as cursor:  # raw SQL, as an operator might
        cursor.execute("DELETE FROM tracker_timeentry WHERE seconds < 605")
    assert from_rollup() == from_entries()

    TimeEntry.objects.filter(consultant=bob).delete()
    alice.delete()  # cascades to her entries
    assert from_rollup() == from_entries() == {}


def test_bulk_loads_can_suspend_the_triggers_and_rebuild(people):
    alice, bob, engagement = people
    TimeEntryFactory(consultant=alice, date=dt.date(2026, 11, 2), seconds=60)
    with rollup_suspended():
        TimeEntry.objects.bulk_create([
            TimeEntry(consultant=bob, date=dt.date(2026, 11, 2) + dt.timedelta(days=i),
                      seconds=3600, kind=Kind.CLIENT, engagement=engagement)
            for i in range(20)
        ])
    assert from_rollup() == from_entries()
    TimeEntryFactory(consultant=alice, date=dt.date(2026, 11, 3), seconds=60)  # triggers back
    assert from_rollup() == from_entries()


def test_rebuild_gives_the_same_totals(people):
    alice, _, _ = people
    for i in range(15):
        TimeEntryFactory(consultant=alice, date=dt.date(2026, 1, 1) + dt.timedelta(days=i * 3),
                         seconds=100 + i)
    before = from_rollup()
    rollup_rebuild()
    assert from_rollup() == before == from_entries()
    assert WeeklyTotal.objects.aggregate(s=Sum("seconds"), n=Sum("entries")) == \
        TimeEntry.objects.aggregate(s=Sum("seconds"), n=Count("id"))


def test_migrate_puts_back_triggers_a_table_rebuild_dropped(people):
    from tracker.rollup import ensure_triggers, triggers_installed, uninstall_triggers

    alice, _, _ = people
    uninstall_triggers()  # as SQLite's table rebuild in an AlterField does
    TimeEntryFactory(consultant=alice, date=dt.date(2026, 3, 2), seconds=600)
    assert not triggers_installed() and from_rollup() != from_entries()
    ensure_triggers(using="default")  # what post_migrate runs
    assert triggers_installed() and from_rollup() == from_entries()
    TimeEntryFactory(consultant=alice, date=dt.date(2026, 3, 3), seconds=60)
    assert from_rollup() == from_entries()
