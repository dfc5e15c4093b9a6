# All-time seconds per engagement (tracker.EngagementTotal), kept by the weekly rollup's
# triggers: the balance report read them by summing the whole rollup through an IN list of
# every engagement worked on (5,851 ids, 321 ms at 10M entries). The triggers are those of
# 0007 plus the engagement's total, with this migration's marker.

from django.db import migrations, models

# Frozen here, as every migration's SQL is: never today's app code.
MARKER = "-- clientfirst_weekly_total: tracker.0017_engagement_totals"
PREVIOUS = "tracker.migrations.0007_weekly_total_triggers"


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
  -- The engagement's row is shared by everyone on it: left alone (unlocked) by an update
  -- that keeps the entry's engagement and seconds (a moved day, a kind, billable).
  IF TG_OP = 'UPDATE' AND OLD.engagement_id IS NOT DISTINCT FROM NEW.engagement_id
     AND OLD.seconds = NEW.seconds THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.engagement_id IS NOT NULL THEN
    UPDATE tracker_engagementtotal
       SET seconds = seconds - OLD.seconds, entries = entries - 1
     WHERE engagement_key = OLD.engagement_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.engagement_id IS NOT NULL THEN
    INSERT INTO tracker_engagementtotal (engagement_key, seconds, entries)
    VALUES (NEW.engagement_id, NEW.seconds, 1)
    ON CONFLICT (engagement_key) DO UPDATE
       SET seconds = tracker_engagementtotal.seconds + EXCLUDED.seconds,
           entries = tracker_engagementtotal.entries + 1;
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
# INSERT ... SELECT ... WHERE: no engagement, no row (the WHERE also lets SQLite parse the
# upsert after a SELECT).
SQLITE_ADD = """
  INSERT INTO reports_weeklytotal
         (consultant_id, week_start, kind, engagement_key, billable, seconds, entries)
  VALUES (NEW.consultant_id, date(NEW.date, 'weekday 0', '-6 days'), NEW.kind,
          COALESCE(NEW.engagement_id, 0), NEW.billable, NEW.seconds, 1)
  ON CONFLICT (consultant_id, week_start, kind, engagement_key, billable) DO UPDATE
     SET seconds = seconds + excluded.seconds, entries = entries + 1;
  INSERT INTO tracker_engagementtotal (engagement_key, seconds, entries)
  SELECT NEW.engagement_id, NEW.seconds, 1 WHERE NEW.engagement_id IS NOT NULL
  ON CONFLICT (engagement_key) DO UPDATE
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
  UPDATE tracker_engagementtotal
     SET seconds = seconds - OLD.seconds, entries = entries - 1
   WHERE engagement_key = OLD.engagement_id;
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
REBUILD = [
    "DELETE FROM reports_weeklytotal",
    """
INSERT INTO reports_weeklytotal
       (consultant_id, week_start, kind, engagement_key, billable, seconds, entries)
SELECT consultant_id, {week_start}, kind, COALESCE(engagement_id, 0), billable, SUM(seconds),
       COUNT(*)
  FROM tracker_timeentry
 GROUP BY consultant_id, {week_start}, kind, COALESCE(engagement_id, 0), billable
""",
    "DELETE FROM tracker_engagementtotal",
    """
INSERT INTO tracker_engagementtotal (engagement_key, seconds, entries)
SELECT engagement_id, SUM(seconds), COUNT(*)
  FROM tracker_timeentry
 WHERE engagement_id IS NOT NULL
 GROUP BY engagement_id
""",
    # Fresh statistics, or the planner guesses a few hundred rows and groups badly.
    "ANALYZE reports_weeklytotal",
    "ANALYZE tracker_engagementtotal",
]


def install(apps, schema_editor):
    """These triggers, then both rollups rebuilt from the entries."""
    vendor = schema_editor.connection.vendor
    for statement in install_statements(vendor, MARKER):
        schema_editor.execute(statement)
    for statement in REBUILD:
        schema_editor.execute(statement.format(week_start=WEEK_START[vendor]))


def install_previous(apps, schema_editor):
    """Backwards: 0007's triggers and rollup, run from that migration's own frozen SQL."""
    import importlib

    importlib.import_module(PREVIOUS).install(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('tracker', '0016_session_epoch'),
    ]

    operations = [
        migrations.CreateModel(
            name='EngagementTotal',
            fields=[
                ('engagement_key', models.BigIntegerField(primary_key=True, serialize=False)),
                ('seconds', models.BigIntegerField(default=0)),
                ('entries', models.IntegerField(default=0)),
            ],
        ),
        # Backwards, 0007's triggers go back before the table goes (they no longer name it).
        migrations.RunPython(install, install_previous),
    ]
