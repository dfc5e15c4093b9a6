# The weekly rollup's triggers, installed by tracker now that the rollup is tracker's, each
# carrying a marker naming this migration: the system check (tracker/checks.py) compares the
# database's triggers with it, instead of a post_migrate hook reinstalling them unseen.

from django.db import migrations

# Frozen here, as every migration's SQL is: never today's app code. The same logic as
# reports 0007 installed, plus the marker.
MARKER = "-- clientfirst_weekly_total: tracker.0007_weekly_total_triggers"


def postgres_function(marker):
    return f"""
CREATE OR REPLACE FUNCTION clientfirst_weekly_total_apply() RETURNS trigger AS $$
BEGIN
  {marker}
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
$$ LANGUAGE plpgsql
"""


POSTGRES_TRIGGER = """
CREATE TRIGGER clientfirst_weekly_total
AFTER INSERT OR UPDATE OF consultant_id, date, kind, engagement_id, seconds, billable OR DELETE
ON tracker_timeentry FOR EACH ROW EXECUTE FUNCTION clientfirst_weekly_total_apply()
"""

# SQLite's 'weekday 0' moves to the coming Sunday (or stays on one); six days back is Monday.
SQLITE_ADD = """
  INSERT INTO reports_weeklytotal
         (consultant_id, week_start, kind, engagement_key, billable, seconds, entries)
  VALUES (NEW.consultant_id, date(NEW.date, 'weekday 0', '-6 days'), NEW.kind,
          COALESCE(NEW.engagement_id, 0), NEW.billable, NEW.seconds, 1)
  ON CONFLICT (consultant_id, week_start, kind, engagement_key, billable) DO UPDATE
     SET seconds = seconds + excluded.seconds, entries = entries + 1;
"""
SQLITE_REMOVE = """
  UPDATE reports_weeklytotal
     SET seconds = seconds - OLD.seconds, entries = entries - 1
   WHERE consultant_id = OLD.consultant_id
     AND week_start = date(OLD.date, 'weekday 0', '-6 days')
     AND kind = OLD.kind
     AND engagement_key = COALESCE(OLD.engagement_id, 0)
     AND billable = OLD.billable;
"""

UNINSTALL = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS clientfirst_weekly_total ON tracker_timeentry",
        "DROP FUNCTION IF EXISTS clientfirst_weekly_total_apply()",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS clientfirst_weekly_total_insert",
        "DROP TRIGGER IF EXISTS clientfirst_weekly_total_update",
        "DROP TRIGGER IF EXISTS clientfirst_weekly_total_delete",
    ],
}


def install_statements(vendor, marker):
    if vendor == "postgresql":
        return UNINSTALL[vendor][:1] + [postgres_function(marker), POSTGRES_TRIGGER]
    return UNINSTALL[vendor] + [
        "CREATE TRIGGER clientfirst_weekly_total_insert AFTER INSERT ON tracker_timeentry "
        f"BEGIN\n  {marker}{SQLITE_ADD} END",
        "CREATE TRIGGER clientfirst_weekly_total_update AFTER UPDATE OF consultant_id, date, "
        "kind, engagement_id, seconds, billable ON tracker_timeentry "
        f"BEGIN\n  {marker}{SQLITE_REMOVE}{SQLITE_ADD} END",
        "CREATE TRIGGER clientfirst_weekly_total_delete AFTER DELETE ON tracker_timeentry "
        f"BEGIN\n  {marker}{SQLITE_REMOVE} END",
    ]


WEEK_START = {
    "postgresql": "date_trunc('week', date)::date",
    "sqlite": "date(date, 'weekday 0', '-6 days')",
}
REBUILD = """
INSERT INTO reports_weeklytotal
       (consultant_id, week_start, kind, engagement_key, billable, seconds, entries)
SELECT consultant_id, {week_start}, kind, COALESCE(engagement_id, 0), billable, SUM(seconds),
       COUNT(*)
  FROM tracker_timeentry
 GROUP BY consultant_id, {week_start}, kind, COALESCE(engagement_id, 0), billable
"""


def install(apps, schema_editor):
    """These triggers, then the rollup rebuilt from the entries: exact whatever happened
    before (a SQLite table rebuild, say, that had dropped the old triggers)."""
    vendor = schema_editor.connection.vendor
    for statement in install_statements(vendor, MARKER):
        schema_editor.execute(statement)
    schema_editor.execute("DELETE FROM reports_weeklytotal")
    schema_editor.execute(REBUILD.format(week_start=WEEK_START[vendor]))
    # Fresh statistics, or the planner guesses a few hundred rows and groups badly.
    schema_editor.execute("ANALYZE reports_weeklytotal")


def install_previous(apps, schema_editor):
    """Backwards: the triggers as reports 0007 installed them (the same SQL, no marker)."""
    for statement in install_statements(schema_editor.connection.vendor, marker=""):
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('tracker', '0006_weekly_total'),
    ]

    operations = [
        migrations.RunPython(install, install_previous),
    ]
