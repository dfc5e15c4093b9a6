"""The week lock's database triggers (migration tracker 0012): which there should be, and
whether a database has them. They refuse writes of time entries and activities in an
approved week that bypass the services; the system check (tracker/checks.py) reports them
missing (a SQLite table rebuild drops a table's triggers) instead of reinstalling them.
"""

from .rollup import MISSING, OUTDATED

TRIGGER_MIGRATION = ("tracker", "0012_week_lock_triggers")
TRIGGER_MARKER = "-- clientfirst_week_lock: tracker.0012_week_lock_triggers"
TABLES = ("tracker_timeentry", "tracker_activity")
POSTGRES_TRIGGER = "clientfirst_week_lock"
SQLITE_TRIGGERS = tuple(
    f"clientfirst_week_lock_{table}_{event}"
    for table in TABLES for event in ("insert", "update", "delete")
)


def lock_trigger_problem(conn) -> str | None:
    """MISSING when a lock trigger is not there (or disabled), OUTDATED when one lacks the
    marker of TRIGGER_MIGRATION, else None."""
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(
                "SELECT t.tgenabled, p.prosrc FROM pg_trigger t "
                "JOIN pg_proc p ON p.oid = t.tgfoid "
                "WHERE t.tgname = %s AND t.tgrelid IN "
                "(to_regclass('tracker_timeentry'), to_regclass('tracker_activity'))",
                [POSTGRES_TRIGGER],
            )
            rows = cursor.fetchall()
            if len(rows) < len(TABLES) or any(enabled == "D" for enabled, _ in rows):
                return MISSING
            bodies = [body for _, body in rows]
        else:
            placeholders = ", ".join(["%s"] * len(SQLITE_TRIGGERS))
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                f"AND name IN ({placeholders})",
                SQLITE_TRIGGERS,
            )
            bodies = [sql for (sql,) in cursor.fetchall()]
            if len(bodies) < len(SQLITE_TRIGGERS):
                return MISSING
    return None if all(TRIGGER_MARKER in body for body in bodies) else OUTDATED
