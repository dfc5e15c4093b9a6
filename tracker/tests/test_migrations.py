"""Migrations of the weekly rollup, tried on a database with rows as it was before them."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count, Sum

from tracker.checks import triggers_check
from tracker.lock_triggers import lock_trigger_problem
from tracker.models import TimeEntry, WeeklyTotal
from tracker.rollup import trigger_problem
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


BEFORE_PROVENANCE = [("tracker", "0014_week_reminder_opt_in")]


def test_provenance_names_every_source_and_keeps_the_triggers(cast):
    """0015: a blank source becomes "timer" where the entry's creation record says the timer
    made it, else "manual"; the API's entries get their token back. The entries of an
    approved week are named too (the week lock's triggers stand aside for it), and the
    rollup's and the lock's triggers are there afterwards, on SQLite (whose table rebuild
    drops them) as on PostgreSQL."""
    monday = dt.date(2026, 11, 9)
    try:
        apps = migrate(BEFORE_PROVENANCE)
        OldTimeEntry = apps.get_model("tracker", "TimeEntry")
        Change = apps.get_model("tracker", "Change")
        token = apps.get_model("tracker", "ApiToken").objects.create(
            user_id=cast.consultant.pk, name="laptop", token_hash="0" * 64, prefix="cf_0")

        def entry(day, seconds, source="", via=None, ref=""):
            made = OldTimeEntry.objects.create(consultant_id=cast.consultant.pk, date=day,
                                               seconds=seconds, kind="internal", source=source)
            if via:
                Change.objects.create(object_type="time-entry", object_id=made.pk,
                                      action="create", via=via, via_ref=ref)
            return made.pk

        ids = {
            "form": entry(monday, 3600, via="page"),
            "grid": entry(monday + dt.timedelta(days=1), 1800, via="grid"),
            "timer": entry(monday + dt.timedelta(days=2), 900, via="timer", ref="page"),
            "seed": entry(monday + dt.timedelta(days=3), 600),  # no record: a bulk load
            "api": entry(monday + dt.timedelta(days=7), 300, source="api", via="api",
                         ref=f"token {token.pk} “laptop”"),
            "toggl": entry(monday + dt.timedelta(days=8), 60, source="toggl"),
        }
        # Approved after its entries were logged: from now on the triggers refuse to change them.
        apps.get_model("tracker", "WeekApproval").objects.create(
            consultant_id=cast.consultant.pk, week_start=monday, status="approved")
        assert lock_trigger_problem(connection) is None  # as 0013 left them
    finally:
        migrate()
    sources = dict(TimeEntry.objects.values_list("pk", "source"))
    assert {name: sources[pk] for name, pk in ids.items()} == {
        "form": "manual", "grid": "manual", "timer": "timer", "seed": "manual", "api": "api",
        "toggl": "toggl",
    }
    assert TimeEntry.objects.get(pk=ids["api"]).api_token_id == token.pk
    assert not TimeEntry.objects.exclude(pk=ids["api"]).filter(api_token__isnull=False).exists()

    assert trigger_problem(connection) is None and lock_trigger_problem(connection) is None
    assert triggers_check(databases=["default"]) == []
    # The rollup is exact, and keeps following the entries.
    assert list(totals(WeeklyTotal.objects.all(), Sum("entries"))) == \
        list(totals(TimeEntry.objects.all(), Count("pk"))) == [(cast.consultant.pk, 7260, 6)]
    TimeEntryFactory(consultant=cast.consultant, date=dt.date(2026, 11, 18), seconds=60)
    assert WeeklyTotal.objects.filter(week_start=dt.date(2026, 11, 16)).aggregate(
        s=Sum("seconds"))["s"] == 420
    # The approved week is locked again, even against a bulk update.
    with pytest.raises(IntegrityError, match="clientfirst_week_locked"):
        TimeEntry.objects.filter(pk=ids["form"]).update(seconds=60)


BEFORE_LOGS_TIME = [("tracker", "0019_history_contacts_confirmations")]


def test_logs_time_is_off_for_managers_and_admins_who_never_logged_time(cast):
    """0020: a manager or an admin with no time of their own does not log time (not part of
    any capacity); a manager who logs time, and every consultant, does. The start date is
    the day they joined, or their first entry where that is earlier."""
    from tracker.models import User

    joined = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
    User.objects.update(date_joined=joined)
    TimeEntryFactory(consultant=cast.consultant, date=dt.date(2026, 10, 5), seconds=3600)
    TimeEntryFactory(consultant=cast.other_manager, date=dt.date(2026, 11, 10), seconds=3600)
    try:
        migrate(BEFORE_LOGS_TIME)
    finally:
        migrate()
    people = {user.username: user for user in User.objects.all()}
    assert {name for name, user in people.items() if not user.logs_time} == {"maria", "root"}
    assert people["alice"].started_on == dt.date(2026, 10, 5)  # her first entry, before
    assert people["omar"].started_on == dt.date(2026, 11, 2)  # joined before his first entry
    assert people["bob"].started_on == dt.date(2026, 11, 2)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner statistics")
def test_the_planner_knows_how_many_consultant_engagement_pairs_the_rollup_holds(cast):
    """Without it, PostgreSQL guessed 7x the pairs a year's report groups and did not split
    the grouping over its workers (tracker 0023)."""

    def statistics():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT s.stxname, array_agg(a.attname ORDER BY a.attname) "
                "FROM pg_statistic_ext s JOIN pg_class c ON c.oid = s.stxrelid "
                "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(s.stxkeys) "
                "WHERE c.relname = 'reports_weeklytotal' GROUP BY s.stxname"
            )
            return cursor.fetchall()

    pair = [("weekly_total_pair_ndistinct", ["consultant_id", "engagement_key"])]
    assert statistics() == pair
    try:
        migrate([("tracker", "0022_source_total_kind_entries")])
        assert statistics() == []
    finally:
        migrate()
    assert statistics() == pair
