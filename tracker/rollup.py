"""The weekly rollups of time entries (tracker.WeeklyTotal, and the coarser
tracker.WeeklySourceTotal), each engagement's all-time total (tracker.EngagementTotal),
everyone's weeks (tracker.FirmWeekTotal) and, on PostgreSQL, each person's and engagement's
running sums a year (tracker.RunningYearTotal), maintained by triggers in the database.

Why triggers: a report over a million entries must answer in milliseconds on SQLite, so it
reads pre-summed weeks; and the sums must stay exact whatever writes the entries (forms,
imports, the API, the admin, bulk inserts, deletes), which only the database sees them all.

The triggers' SQL lives in the migration that installs them, frozen there as a migration's
SQL must be (TRIGGER_MIGRATION; a change to the triggers is a new migration, with a new
marker). This module rebuilds the rollup, suspends the triggers for bulk loads, and tells the
system check (tracker/checks.py) whether a database has the triggers that migration installs.
"""

from django.db import connection, transaction

TRIGGER_NAME = "clientfirst_weekly_total"
TRIGGER_MIGRATION = ("tracker", "0029_engagement_total_per_statement")
# Written into the body of every trigger (the function, on PostgreSQL) that migration
# installs; triggers without it are another version's.
TRIGGER_MARKER = "-- clientfirst_weekly_total: tracker.0029_engagement_total_per_statement"
SQLITE_TRIGGERS = tuple(f"{TRIGGER_NAME}_{event}" for event in ("insert", "update", "delete"))
# On PostgreSQL, the engagements' totals (tracker.EngagementTotal) have triggers of their own,
# once a statement and one an event, installed by the same migration under the same marker.
ENGAGEMENT_TRIGGER_NAMES = tuple(
    f"clientfirst_engagement_total_{event}" for event in ("insert", "update", "delete")
)

MISSING, OUTDATED = "missing", "outdated"

# The entries' triggers that add the firm's weekly changes (tracker.FirmWeekTotal).
FIRM_TRIGGER_NAME = "clientfirst_firm_week"
FIRM_TRIGGER_MIGRATION = ("tracker", "0026_firm_week_totals")
FIRM_TRIGGER_MARKER = "-- clientfirst_firm_week: tracker.0026_firm_week_totals"
FIRM_SQLITE_TRIGGERS = tuple(
    f"{FIRM_TRIGGER_NAME}_{event}" for event in ("insert", "update", "delete")
)
FIRM_COLUMNS = (
    "client_seconds", "promotion_seconds", "internal_seconds", "client_entries",
    "promotion_entries", "internal_entries", "entries",
)

# The entries' triggers that keep the running sums a year (tracker.RunningYearTotal), once a
# statement and one an event, on PostgreSQL only: SQLite has neither the sums nor these.
RUNNING_TRIGGER_NAMES = tuple(
    f"clientfirst_running_year_{event}" for event in ("insert", "update", "delete")
)
RUNNING_TRIGGER_MIGRATION = ("tracker", "0028_running_year_totals")
RUNNING_TRIGGER_MARKER = "-- clientfirst_running_year: tracker.0028_running_year_totals"

# The triggers on tracker_weekapproval that keep WeeklySourceTotal.approved.
APPROVAL_TRIGGER_NAME = "clientfirst_week_approved"
APPROVAL_TRIGGER_MIGRATION = ("tracker", "0024_source_total_week_approved")
APPROVAL_TRIGGER_MARKER = "-- clientfirst_week_approved: tracker.0024_source_total_week_approved"
APPROVAL_SQLITE_TRIGGERS = tuple(
    f"{APPROVAL_TRIGGER_NAME}_{event}" for event in ("insert", "update", "delete")
)

REBUILD = """
INSERT INTO reports_weeklytotal
       (consultant_id, week_start, kind, engagement_key, billable, seconds, entries)
SELECT consultant_id, {week_start}, kind, COALESCE(engagement_id, 0), billable, SUM(seconds),
       COUNT(*)
  FROM tracker_timeentry
 GROUP BY consultant_id, {week_start}, kind, COALESCE(engagement_id, 0), billable
"""
REBUILD_SOURCES = """
INSERT INTO tracker_weeklysourcetotal
       (consultant_id, week_start, source, client_seconds, promotion_seconds,
        internal_seconds, client_entries, promotion_entries, internal_entries, entries)
SELECT consultant_id, {week_start}, source,
       SUM(CASE WHEN kind = 'client' THEN seconds ELSE 0 END),
       SUM(CASE WHEN kind = 'promotion' THEN seconds ELSE 0 END),
       SUM(CASE WHEN kind = 'internal' THEN seconds ELSE 0 END),
       SUM(CASE WHEN kind = 'client' THEN 1 ELSE 0 END),
       SUM(CASE WHEN kind = 'promotion' THEN 1 ELSE 0 END),
       SUM(CASE WHEN kind = 'internal' THEN 1 ELSE 0 END), COUNT(*)
  FROM tracker_timeentry
 GROUP BY consultant_id, {week_start}, source
"""
# The coarse rollup's rows of approved weeks flagged (rebuilt rows start unapproved).
MARK_APPROVED = """
UPDATE tracker_weeklysourcetotal SET approved = TRUE
 WHERE EXISTS (SELECT 1 FROM tracker_weekapproval a
                WHERE a.consultant_id = tracker_weeklysourcetotal.consultant_id
                  AND a.week_start = tracker_weeklysourcetotal.week_start
                  AND a.status = 'approved')
"""
REBUILD_FIRM_WEEKS = """
INSERT INTO tracker_firmweektotal (week_start, source, {columns})
SELECT week_start, source, {sums}
  FROM tracker_weeklysourcetotal
 GROUP BY week_start, source
HAVING SUM(entries) <> 0
""".format(columns=", ".join(FIRM_COLUMNS),
           sums=", ".join(f"SUM({column})" for column in FIRM_COLUMNS))
# Each pair's weeks of a year (from the fine rollup, rebuilt first) as running sums over the
# year's 53 weeks; a kind without time in the year has none (NULL). PostgreSQL only.
REBUILD_RUNNING = """
WITH weekly AS (
  SELECT consultant_id, engagement_key, extract(isoyear FROM week_start)::integer AS iso_year,
         extract(week FROM week_start)::integer AS week,
         SUM(seconds) FILTER (WHERE kind = 'client') AS client,
         SUM(seconds) FILTER (WHERE kind = 'promotion') AS promotion,
         SUM(seconds) FILTER (WHERE kind = 'internal') AS internal
    FROM reports_weeklytotal
   GROUP BY 1, 2, 3, 4
), running AS (
  SELECT pair.consultant_id, pair.engagement_key, pair.iso_year, weeks.week,
         SUM(COALESCE(w.client, 0)) OVER year_so_far AS client,
         SUM(COALESCE(w.promotion, 0)) OVER year_so_far AS promotion,
         SUM(COALESCE(w.internal, 0)) OVER year_so_far AS internal,
         w.client IS NOT NULL AS has_client, w.promotion IS NOT NULL AS has_promotion,
         w.internal IS NOT NULL AS has_internal
    FROM (SELECT DISTINCT consultant_id, engagement_key, iso_year FROM weekly) AS pair
   CROSS JOIN generate_series(1, 53) AS weeks(week)
    LEFT JOIN weekly AS w
      ON w.consultant_id = pair.consultant_id AND w.engagement_key = pair.engagement_key
     AND w.iso_year = pair.iso_year AND w.week = weeks.week
  WINDOW year_so_far AS (PARTITION BY pair.consultant_id, pair.engagement_key, pair.iso_year
                         ORDER BY weeks.week)
)
INSERT INTO tracker_runningyeartotal
       (consultant_id, engagement_key, iso_year, client, promotion, internal)
SELECT consultant_id, engagement_key, iso_year,
       CASE WHEN bool_or(has_client) THEN array_agg(client::integer ORDER BY week) END,
       CASE WHEN bool_or(has_promotion) THEN array_agg(promotion::integer ORDER BY week) END,
       CASE WHEN bool_or(has_internal) THEN array_agg(internal::integer ORDER BY week) END
  FROM running
 GROUP BY consultant_id, engagement_key, iso_year
"""
REBUILD_ENGAGEMENTS = """
INSERT INTO tracker_engagementtotal (engagement_key, seconds, entries)
SELECT engagement_id, SUM(seconds), COUNT(*)
  FROM tracker_timeentry
 WHERE engagement_id IS NOT NULL
 GROUP BY engagement_id
"""


def _rebuild(conn) -> None:
    week_start = (
        "date_trunc('week', date)::date"
        if conn.vendor == "postgresql"
        else "date(date, 'weekday 0', '-6 days')"
    )
    with conn.cursor() as cursor:
        cursor.execute("DELETE FROM reports_weeklytotal")
        cursor.execute(REBUILD.format(week_start=week_start))
        cursor.execute("DELETE FROM tracker_engagementtotal")
        cursor.execute(REBUILD_ENGAGEMENTS)
        cursor.execute("DELETE FROM tracker_weeklysourcetotal")
        cursor.execute(REBUILD_SOURCES.format(week_start=week_start))
        cursor.execute(MARK_APPROVED)
        cursor.execute("DELETE FROM tracker_firmweektotal")
        cursor.execute(REBUILD_FIRM_WEEKS)
        if conn.vendor == "postgresql":
            cursor.execute("DELETE FROM tracker_runningyeartotal")
            cursor.execute(REBUILD_RUNNING)
            cursor.execute("ANALYZE tracker_runningyeartotal")
        # Fresh statistics, or the planner guesses a few hundred rows and groups badly.
        cursor.execute("ANALYZE reports_weeklytotal")
        cursor.execute("ANALYZE tracker_engagementtotal")
        cursor.execute("ANALYZE tracker_weeklysourcetotal")
        cursor.execute("ANALYZE tracker_firmweektotal")


def rollup_rebuild() -> None:
    """Recompute the whole rollup and the engagements' totals from the entries (after bulk
    loads that bypassed them)."""
    with transaction.atomic():
        _rebuild(connection)


def firm_weeks_compact() -> int:
    """Fold the firm's weekly changes (FirmWeekTotal) into one row a week and source;
    returns how many rows were folded. Run by beat every few minutes (tracker.tasks).

    Only the weeks and sources holding more than one row are touched: an idle firm's table
    is left as it is, not rewritten every few minutes. Exact beside concurrent writers on
    both databases: DELETE ... RETURNING removes the rows this transaction sees and hands
    them back, and their sums are inserted in the same transaction. A change not yet
    committed is not seen, so not deleted: it stays, to be folded next time. Weeks whose
    changes cancel out leave no row."""
    with transaction.atomic(), connection.cursor() as cursor:
        columns = f"week_start, source, {', '.join(FIRM_COLUMNS)}"
        cursor.execute(
            "DELETE FROM tracker_firmweektotal WHERE (week_start, source) IN ("
            "SELECT week_start, source FROM tracker_firmweektotal "
            f"GROUP BY week_start, source HAVING COUNT(*) > 1) RETURNING {columns}"
        )
        folded = cursor.fetchall()
        cells: dict = {}
        for week, source, *figures in folded:
            sums = cells.setdefault((week, source), [0] * len(FIRM_COLUMNS))
            for place, figure in enumerate(figures):
                sums[place] += figure
        rows = [(*cell, *sums) for cell, sums in sorted(cells.items()) if any(sums)]
        if rows:
            placeholders = ", ".join(["%s"] * (len(FIRM_COLUMNS) + 2))
            cursor.executemany(
                f"INSERT INTO tracker_firmweektotal ({columns}) VALUES ({placeholders})", rows
            )
    return len(folded)


# The triggers on the entries that bulk loads suspend: the rollups', the firm's weeks' and,
# on PostgreSQL, the engagements' totals' and the running sums'.
ENTRY_TRIGGER_NAMES = (
    TRIGGER_NAME, FIRM_TRIGGER_NAME, *ENGAGEMENT_TRIGGER_NAMES, *RUNNING_TRIGGER_NAMES
)


def _sqlite_triggers(cursor) -> dict[str, str]:
    """The rollups' SQLite triggers on the entries' table, by name, with their SQL."""
    names = SQLITE_TRIGGERS + FIRM_SQLITE_TRIGGERS
    cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
        f"AND tbl_name = 'tracker_timeentry' AND name IN ({', '.join(['%s'] * len(names))})",
        names,
    )
    return dict(cursor.fetchall())


class rollup_suspended:
    """Bulk loads skip the per-row triggers, then rebuild the rollup once, atomically.

    Use inside a transaction: the rebuild happens before it commits, so no reader ever sees
    entries without their weekly totals. The triggers are dropped and created again from
    their own definitions, exactly as they were (none, if there were none: that is for the
    system check to report, not for a bulk load to repair with SQL of its own). Not ALTER
    TABLE ... DISABLE TRIGGER: PostgreSQL refuses it once the load has left deferred
    foreign-key checks pending on the table.
    """

    def __enter__(self):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
                    "WHERE tgrelid = 'tracker_timeentry'::regclass AND tgname = ANY(%s)",
                    [list(ENTRY_TRIGGER_NAMES)],
                )
                self._triggers = dict(cursor.fetchall())
                drop = "DROP TRIGGER {} ON tracker_timeentry"
            else:
                self._triggers = _sqlite_triggers(cursor)
                drop = "DROP TRIGGER {}"
            for name in self._triggers:
                cursor.execute(drop.format(name))
        return self

    def __exit__(self, exc_type, exc, tb):
        with connection.cursor() as cursor:
            for definition in self._triggers.values():
                cursor.execute(definition)
        if exc_type is None:
            rollup_rebuild()
        return False


def trigger_problem(conn) -> str | None:
    """MISSING when the rollup's triggers (or one of them: on PostgreSQL, the engagements'
    totals' too) are not on tracker_timeentry or are disabled, OUTDATED when they lack
    TRIGGER_MIGRATION's marker, else None."""
    names = (TRIGGER_NAME,)
    if conn.vendor == "postgresql":
        names += ENGAGEMENT_TRIGGER_NAMES
    return _worst(
        _problem(conn, table="tracker_timeentry", name=name, sqlite_names=SQLITE_TRIGGERS,
                 marker=TRIGGER_MARKER)
        for name in names
    )


def _worst(problems) -> str | None:
    """MISSING before OUTDATED before None."""
    found = set(problems)
    return MISSING if MISSING in found else OUTDATED if OUTDATED in found else None


def _problem(conn, *, table, name, sqlite_names, marker) -> str | None:
    """MISSING when trigger `name` (its `sqlite_names` on SQLite) is not on `table` or is
    disabled, OUTDATED when one lacks `marker`, else None."""
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(
                "SELECT t.tgenabled, p.prosrc FROM pg_trigger t "
                "JOIN pg_proc p ON p.oid = t.tgfoid "
                "WHERE t.tgname = %s AND t.tgrelid = to_regclass(%s)",
                [name, table],
            )
            row = cursor.fetchone()
            if row is None or row[0] == "D":
                return MISSING
            bodies = [row[1]]
        else:
            placeholders = ", ".join(["%s"] * len(sqlite_names))
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s "
                f"AND name IN ({placeholders})",
                [table, *sqlite_names],
            )
            bodies = [sql for (sql,) in cursor.fetchall()]
            if len(bodies) < len(sqlite_names):
                return MISSING
    return None if all(marker in body for body in bodies) else OUTDATED


def approval_trigger_problem(conn) -> str | None:
    """As trigger_problem, for the approvals' triggers that keep the coarse rollup's
    `approved` flags (APPROVAL_TRIGGER_MIGRATION)."""
    return _problem(conn, table="tracker_weekapproval", name=APPROVAL_TRIGGER_NAME,
                    sqlite_names=APPROVAL_SQLITE_TRIGGERS, marker=APPROVAL_TRIGGER_MARKER)


def firm_trigger_problem(conn) -> str | None:
    """As trigger_problem, for the entries' triggers that add the firm's weekly changes
    (FIRM_TRIGGER_MIGRATION)."""
    return _problem(conn, table="tracker_timeentry", name=FIRM_TRIGGER_NAME,
                    sqlite_names=FIRM_SQLITE_TRIGGERS, marker=FIRM_TRIGGER_MARKER)


def running_trigger_problem(conn) -> str | None:
    """As trigger_problem, for the entries' triggers that keep the running sums a year
    (RUNNING_TRIGGER_MIGRATION), on PostgreSQL: SQLite has none to miss."""
    if conn.vendor != "postgresql":
        return None
    return _worst(
        _problem(conn, table="tracker_timeentry", name=name, sqlite_names=(),
                 marker=RUNNING_TRIGGER_MARKER)
        for name in RUNNING_TRIGGER_NAMES
    )
