"""The weekly rollup always equals the entries, whatever path wrote them."""

import ast
import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.checks import Tags, run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection, models
from django.db.models import Count, Sum

from clients.tests.factories import EngagementFactory
from conftest import need_service, wait_for
from tracker.approvals import week_approve, week_reopen, week_return, week_submit
from tracker.models import (
    EngagementTotal,
    FirmWeekTotal,
    Kind,
    TimeEntry,
    WeekApproval,
    WeeklySourceTotal,
    WeeklyTotal,
)
from tracker.rollup import (
    APPROVAL_SQLITE_TRIGGERS,
    APPROVAL_TRIGGER_NAME,
    ENGAGEMENT_TRIGGER_NAMES,
    FIRM_SQLITE_TRIGGERS,
    FIRM_TRIGGER_NAME,
    MISSING,
    OUTDATED,
    RUNNING_TRIGGER_NAMES,
    SQLITE_TRIGGERS,
    TRIGGER_MARKER,
    TRIGGER_NAME,
    approval_trigger_problem,
    firm_trigger_problem,
    firm_weeks_compact,
    rollup_rebuild,
    rollup_suspended,
    running_trigger_problem,
    trigger_problem,
)
from tracker.tests.factories import TimeEntryFactory, UserFactory

pytestmark = pytest.mark.django_db


RUNNING = ("client", "promotion", "internal")


def from_entries():
    """What the five rollups should hold: by consultant, week, kind, engagement and
    billable; by engagement; by consultant, week and source (kinds as columns); by week and
    source (everyone's, kinds as columns); on PostgreSQL, by consultant, week and engagement
    (kinds as columns: the running sums a year, week by week; seconds only)."""
    totals, by_engagement, by_source, by_week, running = {}, {}, {}, {}, {}
    for entry in TimeEntry.objects.all():
        week = entry.date - dt.timedelta(days=entry.date.weekday())
        key = (entry.consultant_id, week, entry.kind, entry.engagement_id or 0, entry.billable)
        seconds, count = totals.get(key, (0, 0))
        totals[key] = (seconds + entry.seconds, count + 1)
        if entry.engagement_id:
            seconds, count = by_engagement.get(entry.engagement_id, (0, 0))
            by_engagement[entry.engagement_id] = (seconds + entry.seconds, count + 1)
        cell = by_source.setdefault((entry.consultant_id, week, entry.source), {
            "client": 0, "promotion": 0, "internal": 0, "n": 0,
            "client_n": 0, "promotion_n": 0, "internal_n": 0,
        })
        cell[entry.kind] += entry.seconds
        cell[f"{entry.kind}_n"] += 1
        cell["n"] += 1
        week_cell = by_week.setdefault((week, entry.source), dict.fromkeys(cell, 0))
        week_cell[entry.kind] += entry.seconds
        week_cell[f"{entry.kind}_n"] += 1
        week_cell["n"] += 1
        if connection.vendor == "postgresql":
            pair = running.setdefault((entry.consultant_id, week, entry.engagement_id or 0),
                                      dict.fromkeys(RUNNING, 0))
            pair[entry.kind] += entry.seconds
    return totals, by_engagement, by_source, by_week, running


def firm_weeks():
    """The firm's weeks and sources (FirmWeekTotal's changes summed), shaped as
    from_entries()'s."""
    by_week = {}
    for row in FirmWeekTotal.objects.all():
        cell = by_week.setdefault((row.week_start, row.source), {
            "client": 0, "promotion": 0, "internal": 0, "n": 0,
            "client_n": 0, "promotion_n": 0, "internal_n": 0,
        })
        for key, value in (
            ("client", row.client_seconds), ("promotion", row.promotion_seconds),
            ("internal", row.internal_seconds), ("n", row.entries),
            ("client_n", row.client_entries), ("promotion_n", row.promotion_entries),
            ("internal_n", row.internal_entries),
        ):
            cell[key] += value
    return {week: cell for week, cell in by_week.items() if any(cell.values())}


def running_weeks():
    """The running sums a year (RunningYearTotal, PostgreSQL), back as each week's own
    figures (a week's sums less the week before's), shaped as from_entries()'s."""
    weeks = {}
    if connection.vendor != "postgresql":
        return weeks
    with connection.cursor() as cursor:
        cursor.execute("SELECT consultant_id, engagement_key, iso_year, client, promotion, "
                       "internal FROM tracker_runningyeartotal")
        for consultant_id, engagement_key, year, *sums in cursor.fetchall():
            assert all(len(column) == 53 for column in sums if column is not None)
            for week in range(1, 54):
                figures = {
                    name: column[week - 1] - (column[week - 2] if week > 1 else 0)
                    for name, column in zip(RUNNING, sums, strict=True) if column is not None
                }
                if any(figures.values()):
                    monday = dt.date.fromisocalendar(year, week, 1)
                    weeks[(consultant_id, monday, engagement_key)] = {
                        **dict.fromkeys(RUNNING, 0), **figures}
    return weeks


def from_rollup():
    """The five rollups' rows that hold entries, shaped as from_entries()."""
    totals = {
        (row.consultant_id, row.week_start, row.kind, row.engagement_key, row.billable): (
            row.seconds, row.entries
        )
        for row in WeeklyTotal.objects.exclude(entries=0)
    }
    by_engagement = {row.engagement_key: (row.seconds, row.entries)
                     for row in EngagementTotal.objects.exclude(entries=0)}
    by_source = {
        (row.consultant_id, row.week_start, row.source): {
            "client": row.client_seconds, "promotion": row.promotion_seconds,
            "internal": row.internal_seconds, "n": row.entries,
            "client_n": row.client_entries, "promotion_n": row.promotion_entries,
            "internal_n": row.internal_entries,
        }
        for row in WeeklySourceTotal.objects.exclude(entries=0)
    }
    return totals, by_engagement, by_source, firm_weeks(), running_weeks()


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
    assert len(from_rollup()[0]) == 2  # Sunday closes one ISO week, Monday opens the next

    TimeEntry.objects.bulk_create([
        TimeEntry(consultant=bob, date=monday + dt.timedelta(days=i), seconds=600 + i,
                  kind=Kind.INTERNAL) for i in range(10)
    ])
    assert from_rollup() == from_entries()

    first.date, first.seconds = monday, 7200  # moved across a week boundary (save())
    first.save()
    assert from_rollup() == from_entries()
    # Across ISO years: 31 Dec 2026 is in week 53 of 2026, 29 Dec 2025 in week 1 of 2026,
    # 4 Jan 2027 in week 1 of 2027.
    for day in (dt.date(2026, 12, 31), dt.date(2025, 12, 29), dt.date(2027, 1, 4), monday):
        TimeEntry.objects.filter(pk=first.pk).update(date=day)
        assert from_rollup() == from_entries()
    TimeEntry.objects.filter(pk=first.pk).update(consultant=bob)  # to another person
    assert from_rollup() == from_entries()
    TimeEntry.objects.filter(pk=first.pk).update(consultant=alice)
    assert from_rollup() == from_entries()

    other = EngagementFactory(members=[alice, bob])
    TimeEntry.objects.filter(pk=first.pk).update(engagement=other)  # to another engagement
    assert from_rollup() == from_entries()
    TimeEntry.objects.filter(pk=first.pk).update(date=sunday)  # same engagement and seconds
    assert from_rollup() == from_entries()
    TimeEntry.objects.filter(pk=first.pk).update(seconds=60)  # same engagement, less time
    assert from_rollup() == from_entries()
    TimeEntry.objects.filter(pk=first.pk).update(source=TimeEntry.Source.TIMER)  # the source
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
    assert from_rollup() == from_entries() == ({}, {}, {}, {}, {})


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
    assert trigger_problem(connection) is None  # the very triggers the migration installed


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


def flags():
    """The coarse rollup's approved flags, by (consultant, week), as the rows hold them."""
    found = {}
    for consultant_id, week, approved in WeeklySourceTotal.objects.values_list(
            "consultant_id", "week_start", "approved"):
        found.setdefault((consultant_id, week), set()).add(approved)
    return found


def approved_weeks():
    """What flags() should be: True for the weeks whose approval says approved."""
    approved = set(WeekApproval.objects.filter(status="approved")
                   .values_list("consultant_id", "week_start"))
    return {key: {key in approved} for key in flags()}


def test_the_coarse_rollup_knows_which_weeks_are_approved(people, admin_user):
    alice, bob, _ = people
    mondays = [dt.date(2026, 10, 5) + dt.timedelta(weeks=i) for i in range(3)]
    for person in (alice, bob):
        for monday in mondays:  # two sources a week: two rows to flag
            TimeEntryFactory(consultant=person, date=monday, seconds=600)
            TimeEntryFactory(consultant=person, date=monday + dt.timedelta(days=1),
                             seconds=60, source=TimeEntry.Source.TIMER)
    assert {approved for cell in flags().values() for approved in cell} == {False}

    for monday in mondays[:2]:
        week_submit(consultant=alice, week_start=monday)
        week_approve(consultant=alice, week_start=monday, by=admin_user)
    week_submit(consultant=bob, week_start=mondays[0])
    assert flags() == approved_weeks()
    assert flags()[(alice.pk, mondays[0])] == {True}
    assert flags()[(bob.pk, mondays[0])] == {False}  # submitted, not approved

    week_reopen(consultant=alice, week_start=mondays[1], by=admin_user, reason="Typo")
    week_return(consultant=bob, week_start=mondays[0], by=admin_user, comment="Fix it")
    assert flags() == approved_weeks()
    assert flags()[(alice.pk, mondays[1])] == {False}

    # Written around the services: a raw status change, a week moved, a row deleted.
    WeekApproval.objects.filter(consultant=bob).update(status="approved")
    assert flags()[(bob.pk, mondays[0])] == {True}
    WeekApproval.objects.filter(consultant=bob).update(week_start=mondays[2])
    assert flags() == approved_weeks()
    assert flags()[(bob.pk, mondays[0])] == {False} and flags()[(bob.pk, mondays[2])] == {True}
    WeekApproval.objects.filter(consultant=alice, week_start=mondays[0]).delete()
    assert flags() == approved_weeks()
    assert flags()[(alice.pk, mondays[0])] == {False}

    rollup_rebuild()  # rebuilt rows start unapproved; the approved weeks' are flagged again
    assert flags() == approved_weeks()
    assert flags()[(bob.pk, mondays[2])] == {True}


def check_messages():
    """What `manage.py check --database default` reports, as (id, message, hint)."""
    return [(error.id, error.msg, error.hint)
            for error in run_checks(databases=["default"], tags=[Tags.database])]


def test_a_migrated_database_has_the_triggers_its_migration_installs():
    # A migration that drops them (an AlterField on tracker_timeentry, on SQLite) fails here.
    assert trigger_problem(connection) is None
    call_command("check", databases=["default"], stdout=StringIO())  # no SystemCheckError


def drop_triggers(conn=connection, *, name=TRIGGER_NAME, table="tracker_timeentry",
                  sqlite_names=SQLITE_TRIGGERS):
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER {name} ON {table}")
        else:
            for sqlite_name in sqlite_names:
                cursor.execute(f"DROP TRIGGER {sqlite_name}")


@pytest.mark.django_db(transaction=True)
def test_missing_triggers_are_reported_not_reinstalled_and_the_hint_puts_them_back(people):
    alice, _, _ = people
    TimeEntryFactory(consultant=alice, date=dt.date(2026, 3, 2), seconds=600)
    drop_triggers()
    TimeEntryFactory(consultant=alice, date=dt.date(2026, 3, 3), seconds=60)
    assert from_rollup() != from_entries()  # what a report would show, silently

    call_command("migrate", verbosity=0)  # nothing to apply: no hook puts them back unseen
    [(error_id, message, hint)] = check_messages()
    assert error_id == "tracker.E001"
    assert "triggers are missing from tracker_timeentry" in message
    assert hint.endswith("python manage.py install_triggers --database default")
    with pytest.raises(SystemCheckError, match="tracker.E001"):
        call_command("check", databases=["default"], stdout=StringIO())
    with pytest.raises(SystemCheckError, match="tracker.E001"):
        call_command("check", stdout=StringIO())  # plain `manage.py check` says so too
    with pytest.raises(SystemCheckError, match="tracker.E001"):
        call_command("migrate", verbosity=0, skip_checks=False)  # as an operator runs it

    # The hint, followed: the triggers are put back and the rollup rebuilt, and no table of a
    # later migration is dropped on the way (rolling back to run 0007 again dropped them all).
    approvals = WeekApproval.objects.count()
    out = StringIO()
    call_command("install_triggers", stdout=out)
    assert "0022_source_total_kind_entries" in out.getvalue()
    assert WeekApproval.objects.count() == approvals
    assert trigger_problem(connection) is None and check_messages() == []
    assert from_rollup() == from_entries()
    TimeEntryFactory(consultant=alice, date=dt.date(2026, 3, 4), seconds=6)
    assert from_rollup() == from_entries()


@pytest.mark.django_db(transaction=True)
def test_sqlite_table_rebuild_drops_the_triggers_and_the_check_says_so(people):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL alters a column in place, keeping the triggers")
    note = TimeEntry._meta.get_field("note")
    nullable_note = models.TextField(blank=True, null=True)
    nullable_note.set_attributes_from_name("note")
    nullable_note.model = TimeEntry
    # What an AlterField migration on tracker_timeentry does on SQLite: copy the table to a
    # new one, drop the old, rename the new; the old table's triggers go with it.
    with connection.schema_editor() as editor:
        editor.alter_field(TimeEntry, note, nullable_note)
    try:
        assert trigger_problem(connection) == MISSING
        # The week lock's triggers on that table went too (tracker/lock_triggers.py).
        assert [error_id for error_id, _, _ in check_messages()] == [
            "tracker.E001", "tracker.E003", "tracker.E007",
        ]
    finally:
        with connection.schema_editor() as editor:
            editor.alter_field(TimeEntry, nullable_note, note)
        call_command("migrate", "tracker", "0006_weekly_total", verbosity=0)
        call_command("migrate", verbosity=0)  # the hint: the other tests need the triggers
    assert check_messages() == []


def test_triggers_of_another_version_are_reported(people):
    """Triggers without the marker of the migration that installs today's (an older
    version, or hand-made) are reported too."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_functiondef(%s::regprocedure)",
                           [f"{TRIGGER_NAME}_apply()"])
            cursor.execute(cursor.fetchone()[0].replace(TRIGGER_MARKER, ""))
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s",
                           [SQLITE_TRIGGERS[0]])
            (sql,) = cursor.fetchone()
            cursor.execute(f"DROP TRIGGER {SQLITE_TRIGGERS[0]}")
            cursor.execute(sql.replace(TRIGGER_MARKER, ""))
    assert trigger_problem(connection) == OUTDATED
    [(error_id, message, hint)] = check_messages()
    assert error_id == "tracker.E002"
    assert ("are not the ones migration tracker.0029_engagement_total_per_statement "
            "installs") in message
    assert hint.endswith("python manage.py install_triggers --database default")


def test_migrations_run_no_rollup_code():
    """Each migration carries its trigger SQL: none imports the app's rollup module, whose
    SQL would be today's, not that migration's."""
    offenders = []
    for path in sorted(Path(settings.BASE_DIR).glob("*/migrations/0*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                modules = [module] + [f"{module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            offenders += [f"{path.name}: {module}" for module in modules
                          if module.endswith("rollup")]
    assert offenders == []


def reported_then_put_back(expected_id: str, text: str, migration: str):
    """The check reports one set of missing triggers (`expected_id`, its message holding
    `text`), and its hint, followed, puts them back with `migration`'s SQL: a clean check."""
    [(error_id, message, hint)] = check_messages()
    assert error_id == expected_id
    assert text in message
    assert hint.endswith("python manage.py install_triggers --database default")
    out = StringIO()
    call_command("install_triggers", stdout=out)
    assert migration in out.getvalue()
    assert check_messages() == []


@pytest.mark.django_db(transaction=True)
def test_missing_approval_triggers_are_reported_and_the_hint_puts_them_back(people,
                                                                            admin_user):
    alice, _, _ = people
    monday = dt.date(2026, 3, 2)
    TimeEntryFactory(consultant=alice, date=monday, seconds=600)
    drop_triggers(name=APPROVAL_TRIGGER_NAME, table="tracker_weekapproval",
                  sqlite_names=APPROVAL_SQLITE_TRIGGERS)
    week_submit(consultant=alice, week_start=monday)
    week_approve(consultant=alice, week_start=monday, by=admin_user)
    assert flags() == {(alice.pk, monday): {False}}  # the report would call it unapproved

    assert approval_trigger_problem(connection) == MISSING
    reported_then_put_back("tracker.E005", "week approvals' triggers are missing from "
                           "tracker_weekapproval", "0024_source_total_week_approved")
    assert flags() == {(alice.pk, monday): {True}}
    week_reopen(consultant=alice, week_start=monday, by=admin_user, reason="Typo")
    assert flags() == {(alice.pk, monday): {False}}


def test_compacting_the_firm_weeks_folds_their_changes_and_keeps_the_figures(people):
    alice, bob, engagement = people
    monday = dt.date(2026, 6, 1)
    entries = [
        TimeEntryFactory(consultant=person, date=monday + dt.timedelta(days=day),
                         seconds=600 + day, kind=kind,
                         engagement=engagement if kind == Kind.CLIENT else None)
        for person in (alice, bob) for day in range(10)
        for kind in (Kind.CLIENT, Kind.INTERNAL)
    ]
    entries[0].seconds = 7200  # a change: two rows (the old figures out, the new in)
    entries[0].save()
    gone = monday + dt.timedelta(weeks=5)
    TimeEntryFactory(consultant=alice, date=gone, seconds=60).delete()  # a week that cancels
    rows_before = FirmWeekTotal.objects.count()
    assert rows_before == 40 + 2 + 2

    assert firm_weeks_compact() == rows_before
    assert FirmWeekTotal.objects.count() == 2  # one a week; the cancelled week left none
    assert firm_weeks() == from_entries()[3]
    assert sorted(firm_weeks()) == [(monday, "manual"), (monday + dt.timedelta(weeks=1), "manual")]
    assert firm_weeks_compact() == 0  # again: nothing to fold, so nothing rewritten
    assert firm_weeks() == from_entries()[3]

    TimeEntry.objects.filter(consultant=bob, kind=Kind.INTERNAL).update(kind=Kind.PROMOTION)
    assert firm_weeks() == from_entries()[3]
    TimeEntry.objects.filter(pk=entries[1].pk).update(source=TimeEntry.Source.TIMER)
    assert firm_weeks() == from_entries()[3]


@pytest.mark.django_db(transaction=True)
def test_a_long_import_stalls_no_save_in_its_week_and_compaction_loses_none_of_it(people):
    """The reason the firm's weeks are changes, not one row a week updated in place: an
    import holding its transaction open must not stall everyone else's saves in its week;
    and compacting while it is open must neither wait for it nor lose it."""
    import threading

    from django.db import transaction

    if connection.vendor != "postgresql":
        need_service("the race is played on PostgreSQL (DATABASE_URL)")
    alice, bob, _ = people
    monday = dt.date(2026, 6, 1)
    TimeEntryFactory(consultant=bob, date=monday, seconds=60)
    inserted, may_commit = threading.Event(), threading.Event()

    def long_import():
        try:
            with transaction.atomic():
                TimeEntry.objects.bulk_create([
                    TimeEntry(consultant=alice, date=monday + dt.timedelta(days=i % 7),
                              seconds=900, kind=Kind.INTERNAL) for i in range(50)
                ])
                inserted.set()
                may_commit.wait(30)
        finally:
            connection.close()

    importer = threading.Thread(target=long_import)
    importer.start()
    try:
        assert inserted.wait(30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")  # a stalled save fails, not hangs
        TimeEntryFactory(consultant=bob, date=monday + dt.timedelta(days=1), seconds=120)
        assert firm_weeks_compact() == 2  # bob's two; the import's are not seen yet
        assert firm_weeks()[monday, "manual"]["n"] == 2
    finally:
        may_commit.set()
        importer.join(30)
    assert firm_weeks() == from_entries()[3]
    assert firm_weeks()[monday, "manual"]["n"] == 52
    firm_weeks_compact()
    assert FirmWeekTotal.objects.count() == 1 and firm_weeks() == from_entries()[3]


@pytest.mark.django_db(transaction=True)
def test_missing_running_sums_triggers_are_reported_and_the_hint_puts_them_back(people):
    if connection.vendor != "postgresql":
        assert running_trigger_problem(connection) is None  # SQLite keeps no running sums
        pytest.skip("the running sums are PostgreSQL's")
    alice, _, engagement = people
    TimeEntryFactory(consultant=alice, date=dt.date(2026, 3, 2), seconds=600,
                     kind=Kind.CLIENT, engagement=engagement)
    drop_triggers(name=RUNNING_TRIGGER_NAMES[0])  # the inserts'; the others stay
    TimeEntryFactory(consultant=alice, date=dt.date(2026, 3, 3), seconds=60)
    assert running_weeks() != from_entries()[4]  # a report would miss the minute

    assert running_trigger_problem(connection) == MISSING
    reported_then_put_back("tracker.E009", "running sums' triggers are missing from "
                           "tracker_timeentry", "0028_running_year_totals")
    assert running_weeks() == from_entries()[4]
    TimeEntryFactory(consultant=alice, date=dt.date(2026, 12, 30), seconds=6)  # week 53
    assert running_weeks() == from_entries()[4]


@pytest.mark.django_db(transaction=True)
def test_missing_engagement_total_triggers_are_reported_and_the_hint_puts_them_back(people):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps the engagements' totals in the rollup's own triggers")
    alice, _, engagement = people
    TimeEntryFactory(consultant=alice, date=dt.date(2026, 3, 2), seconds=600,
                     kind=Kind.CLIENT, engagement=engagement)
    drop_triggers(name=ENGAGEMENT_TRIGGER_NAMES[2])  # the deletes'; the others stay
    TimeEntry.objects.filter(consultant=alice).delete()
    assert from_rollup()[1] != from_entries()[1]  # the budget would still burn the hour

    assert trigger_problem(connection) == MISSING
    reported_then_put_back("tracker.E001", "weekly rollup's triggers are missing from "
                           "tracker_timeentry", "0029_engagement_total_per_statement")
    assert from_rollup()[1] == from_entries()[1] == {}
    TimeEntryFactory(consultant=alice, date=dt.date(2026, 3, 3), seconds=60,
                     kind=Kind.CLIENT, engagement=engagement)
    assert from_rollup()[1] == from_entries()[1] == {engagement.pk: (60, 1)}


def test_an_edit_that_keeps_engagement_and_time_leaves_the_engagement_row_alone(people):
    """Everyone on an engagement shares its total's row: an edit of a day, a person,
    billable or a note, which changes none of it, must not write (and so lock) that row."""
    if connection.vendor != "postgresql":
        pytest.skip("row versions (ctid) are PostgreSQL's")
    alice, bob, engagement = people
    entry = TimeEntryFactory(consultant=alice, date=dt.date(2026, 3, 2), seconds=600,
                             kind=Kind.CLIENT, engagement=engagement)

    def version():
        with connection.cursor() as cursor:
            cursor.execute("SELECT ctid::text FROM tracker_engagementtotal "
                           "WHERE engagement_key = %s", [engagement.pk])
            return cursor.fetchone()[0]

    before = version()
    TimeEntry.objects.filter(pk=entry.pk).update(date=dt.date(2026, 3, 9), billable=False,
                                                 note="moved")
    TimeEntry.objects.filter(pk=entry.pk).update(consultant=bob)
    assert version() == before
    TimeEntry.objects.filter(pk=entry.pk).update(seconds=900)
    assert version() != before
    assert from_rollup() == from_entries()


@pytest.mark.django_db(transaction=True)
def test_missing_firm_week_triggers_are_reported_and_the_hint_puts_them_back(people):
    alice, _, _ = people
    TimeEntryFactory(consultant=alice, date=dt.date(2026, 3, 2), seconds=600)
    drop_triggers(name=FIRM_TRIGGER_NAME, sqlite_names=FIRM_SQLITE_TRIGGERS)
    TimeEntryFactory(consultant=alice, date=dt.date(2026, 3, 3), seconds=60)
    assert firm_weeks() != from_entries()[3]  # an admin's list would miss the minute

    assert firm_trigger_problem(connection) == MISSING
    reported_then_put_back("tracker.E007", "firm's weekly totals' triggers are missing from "
                           "tracker_timeentry", "0026_firm_week_totals")
    assert firm_weeks() == from_entries()[3]
    TimeEntryFactory(consultant=alice, date=dt.date(2026, 3, 4), seconds=6)
    assert firm_weeks() == from_entries()[3]


def test_beat_folds_the_firm_weeks_through_a_real_worker(people, celery_worker_process):
    """What beat runs every five minutes, published by name as beat does and run by a real
    worker: the changes folded, one row a week, the figures the same."""
    from config import celery_app

    alice, bob, _ = people
    for day in range(6):
        TimeEntryFactory(consultant=alice if day % 2 else bob,
                         date=dt.date(2026, 6, 1) + dt.timedelta(days=day * 3), seconds=900)
    expected = from_entries()[3]
    schedule = {entry["task"]: entry["schedule"]
                for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["tracker.tasks.firm_weeks_compact_task"] == 300.0

    celery_worker_process()
    celery_app.send_task("tracker.tasks.firm_weeks_compact_task")
    assert wait_for(lambda: FirmWeekTotal.objects.count() == 3)  # six changes, three weeks
    assert firm_weeks() == expected
