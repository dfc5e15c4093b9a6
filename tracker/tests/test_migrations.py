"""Migrations of the weekly rollup, tried on a database with rows as it was before them."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count, Sum

from tracker.models import TimeEntry, WeeklyTotal
from tracker.tests.factories import TimeEntryFactory

pytestmark = pytest.mark.django_db(transaction=True)

# The rollup under reports/, as every database was before it moved to tracker.
BEFORE_THE_MOVE = [("reports", "0009_single_line_names"), ("tracker", "0005_input_bounds")]


def migrate(targets=None):
    """Migrate to the targets (None: to the latest), returning the apps of that state."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def totals(rows, count):
    return rows.values_list("consultant_id").annotate(s=Sum("seconds"), n=count).order_by(
        "consultant_id")


def test_the_rollup_moves_to_tracker_with_its_rows_and_triggers(cast):
    TimeEntryFactory(consultant=cast.consultant, date=dt.date(2026, 3, 2), seconds=3600)
    ContentType.objects.get_or_create(app_label="tracker", model="weeklytotal")  # post_migrate's
    try:
        apps = migrate(BEFORE_THE_MOVE)
        OldWeeklyTotal = apps.get_model("reports", "WeeklyTotal")
        assert OldWeeklyTotal.objects.filter(consultant_id=cast.consultant.pk).exists()
        assert ContentType.objects.filter(app_label="reports", model="weeklytotal").exists()
        # Written at the old state: the triggers installed then keep following the entries.
        OldTimeEntry = apps.get_model("tracker", "TimeEntry")
        OldTimeEntry.objects.create(consultant_id=cast.teammate.pk, date=dt.date(2026, 3, 3),
                                    seconds=1800, kind="internal")
    finally:
        migrate()
    assert list(totals(WeeklyTotal.objects.all(), Sum("entries"))) == \
        list(totals(TimeEntry.objects.all(), Count("pk"))) == \
        [(cast.consultant.pk, 3600, 1), (cast.teammate.pk, 1800, 1)]
    # Its permissions follow it: one content type, now tracker's.
    assert list(ContentType.objects.filter(model="weeklytotal").values_list("app_label")) == \
        [("tracker",)]
    TimeEntryFactory(consultant=cast.consultant, date=dt.date(2026, 3, 4), seconds=60)
    assert WeeklyTotal.objects.get(consultant=cast.consultant).seconds == 3660
