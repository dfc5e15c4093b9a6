"""The weekly rollup of time entries, maintained by triggers in the database.

Why triggers: a report over a million entries must answer in milliseconds on SQLite, so it
reads pre-summed weeks; and the sums must stay exact whatever writes the entries (forms,
imports, the API, the admin, bulk inserts, deletes), which only the database sees them all.
"""

from django.db import connection, transaction

TRIGGER_NAME = "clientfirst_weekly_total"

POSTGRES_INSTALL = f"""
CREATE OR REPLACE FUNCTION {TRIGGER_NAME}_apply() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE reports_weeklytotal
       SET seconds = seconds - OLD.seconds, entries = entries - 1
     WHERE consultant_id = OLD.consultant_id
       AND week_start = date_trunc('week', OLD.date)::date
       AND kind = OLD.kind
       AND engagement_key = COALESCE(OLD.engagement_id, 0)
       AND billable = OLD.billable;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO reports_weeklytotal
           (consultant_id, week_start, kind, engagement_key, billable, seconds, entries)
    VALUES (NEW.consultant_id, date_trunc('week', NEW.date)::date, NEW.kind,
            COALESCE(NEW.engagement_id, 0), NEW.billable, NEW.seconds, 1)
    ON CONFLICT (consultant_id, week_start, kind, engagement_key, billable) DO UPDATE
       SET seconds = reports_weeklytotal.seconds + EXCLUDED.seconds,
           entries = reports_weeklytotal.entries + 1;
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS {TRIGGER_NAME} ON tracker_timeentry;
CREATE TRIGGER {TRIGGER_NAME}
AFTER INSERT OR UPDATE OF consultant_id, date, kind, engagement_id, seconds, billable OR DELETE
ON tracker_timeentry FOR EACH ROW EXECUTE FUNCTION {TRIGGER_NAME}_apply();
"""

POSTGRES_UNINSTALL = f"""
DROP TRIGGER IF EXISTS {TRIGGER_NAME} ON tracker_timeentry;
DROP FUNCTION IF EXISTS {TRIGGER_NAME}_apply();
"""

# SQLite's 'weekday 0' moves to the coming Sunday (or stays on one); six days back is Monday.
_SQLITE_ADD = """
  INSERT INTO reports_weeklytotal
         (consultant_id, week_start, kind, engagement_key, billable, seconds, entries)
  VALUES (NEW.consultant_id, date(NEW.date, 'weekday 0', '-6 days'), NEW.kind,
          COALESCE(NEW.engagement_id, 0), NEW.billable, NEW.seconds, 1)
  ON CONFLICT (consultant_id, week_start, kind, engagement_key, billable) DO UPDATE
     SET seconds = seconds + excluded.seconds, entries = entries + 1;
"""
_SQLITE_REMOVE = """
  UPDATE reports_weeklytotal
     SET seconds = seconds - OLD.seconds, entries = entries - 1
   WHERE consultant_id = OLD.consultant_id
     AND week_start = date(OLD.date, 'weekday 0', '-6 days')
     AND kind = OLD.kind
     AND engagement_key = COALESCE(OLD.engagement_id, 0)
     AND billable = OLD.billable;
"""
SQLITE_INSTALL = [
    f"DROP TRIGGER IF EXISTS {TRIGGER_NAME}_insert",
    f"DROP TRIGGER IF EXISTS {TRIGGER_NAME}_update",
    f"DROP TRIGGER IF EXISTS {TRIGGER_NAME}_delete",
    f"CREATE TRIGGER {TRIGGER_NAME}_insert AFTER INSERT ON tracker_timeentry BEGIN"
    f"{_SQLITE_ADD} END",
    f"CREATE TRIGGER {TRIGGER_NAME}_update AFTER UPDATE OF consultant_id, date, kind, "
    f"engagement_id, seconds, billable ON tracker_timeentry "
    f"BEGIN{_SQLITE_REMOVE}{_SQLITE_ADD} END",
    f"CREATE TRIGGER {TRIGGER_NAME}_delete AFTER DELETE ON tracker_timeentry BEGIN"
    f"{_SQLITE_REMOVE} END",
]
SQLITE_UNINSTALL = SQLITE_INSTALL[:3]

REBUILD = """
INSERT INTO reports_weeklytotal
       (consultant_id, week_start, kind, engagement_key, billable, seconds, entries)
SELECT consultant_id, {week_start}, kind, COALESCE(engagement_id, 0), billable, SUM(seconds),
       COUNT(*)
  FROM tracker_timeentry
 GROUP BY consultant_id, {week_start}, kind, COALESCE(engagement_id, 0), billable
"""


def _statements(vendor: str, install: bool) -> list[str]:
    if vendor == "postgresql":
        return [POSTGRES_INSTALL if install else POSTGRES_UNINSTALL]
    if vendor == "sqlite":
        return SQLITE_INSTALL if install else SQLITE_UNINSTALL
    raise NotImplementedError(f"no weekly-total triggers for {vendor}")


def install_triggers(schema_editor=None) -> None:
    install_triggers_on(schema_editor.connection if schema_editor else connection)


def uninstall_triggers(schema_editor=None) -> None:
    conn = schema_editor.connection if schema_editor else connection
    with conn.cursor() as cursor:
        for statement in _statements(conn.vendor, install=False):
            cursor.execute(statement)


def _rebuild(conn) -> None:
    week_start = (
        "date_trunc('week', date)::date"
        if conn.vendor == "postgresql"
        else "date(date, 'weekday 0', '-6 days')"
    )
    with conn.cursor() as cursor:
        cursor.execute("DELETE FROM reports_weeklytotal")
        cursor.execute(REBUILD.format(week_start=week_start))
        # Fresh statistics, or the planner guesses a few hundred rows and groups badly.
        cursor.execute("ANALYZE reports_weeklytotal")


def rollup_rebuild() -> None:
    """Recompute the whole rollup from the entries (after bulk loads that bypassed it)."""
    with transaction.atomic():
        _rebuild(connection)


class rollup_suspended:
    """Bulk loads skip the per-row triggers, then rebuild the rollup once, atomically.

    Use inside a transaction: the rebuild happens before it commits, so no reader ever sees
    entries without their weekly totals.
    """

    def __enter__(self):
        uninstall_triggers()
        return self

    def __exit__(self, exc_type, exc, tb):
        install_triggers()
        if exc_type is None:
            rollup_rebuild()
        return False


def triggers_installed(conn=None) -> bool:
    conn = conn or connection
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("SELECT 1 FROM pg_trigger WHERE tgname = %s", [TRIGGER_NAME])
        else:
            cursor.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = %s",
                [f"{TRIGGER_NAME}_insert"],
            )
        return cursor.fetchone() is not None


def ensure_triggers(sender=None, using="default", **kwargs) -> None:
    """After every migrate: put the triggers back if a migration dropped them.

    SQLite rebuilds a table to alter a column, and the rebuild drops the table's triggers; a
    rollup that stopped following the entries would make every report wrong, silently.
    """
    from django.db import connections

    conn = connections[using]
    tables = conn.introspection.table_names()
    if "reports_weeklytotal" not in tables or "tracker_timeentry" not in tables:
        return
    if not triggers_installed(conn):
        install_triggers_on(conn)
        with transaction.atomic(using=using):
            _rebuild(conn)


def install_triggers_on(conn) -> None:
    with conn.cursor() as cursor:
        for statement in _statements(conn.vendor, install=True):
            cursor.execute(statement)
