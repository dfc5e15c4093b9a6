# The coarse rollup (tracker.WeeklySourceTotal) also counts its entries by kind: /time/'s
# totals and deep pages for a selection narrowed by nothing but people, dates and a kind read
# it instead of the fine rollup (half the rows): an admin's whole list grouped the fine rollup
# of 10M entries by week and kind, 230-340 ms of every page.
# The triggers are 0017's with the coarse rollup's statements counting by kind too, under
# this migration's marker. The kinds are columns: a new kind needs a migration.

from django.db import migrations, models

# Frozen here, as every migration's SQL is: never today's app code.
MARKER = "-- clientfirst_weekly_total: tracker.0022_source_total_kind_entries"
PREVIOUS = "tracker.migrations.0017_rollup_totals"


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
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE tracker_weeklysourcetotal
       SET client_seconds = client_seconds
             - CASE WHEN OLD.kind = 'client' THEN OLD.seconds ELSE 0 END,
           promotion_seconds = promotion_seconds
             - CASE WHEN OLD.kind = 'promotion' THEN OLD.seconds ELSE 0 END,
           internal_seconds = internal_seconds
             - CASE WHEN OLD.kind = 'internal' THEN OLD.seconds ELSE 0 END,
           client_entries = client_entries - CASE WHEN OLD.kind = 'client' THEN 1 ELSE 0 END,
           promotion_entries = promotion_entries
             - CASE WHEN OLD.kind = 'promotion' THEN 1 ELSE 0 END,
           internal_entries = internal_entries
             - CASE WHEN OLD.kind = 'internal' THEN 1 ELSE 0 END,
           entries = entries - 1
     WHERE consultant_id = OLD.consultant_id
       AND week_start = date_trunc('week', OLD.date)::date
       AND source = OLD.source;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO tracker_weeklysourcetotal
           (consultant_id, week_start, source, client_seconds, promotion_seconds,
            internal_seconds, client_entries, promotion_entries, internal_entries, entries)
    VALUES (NEW.consultant_id, date_trunc('week', NEW.date)::date, NEW.source,
            CASE WHEN NEW.kind = 'client' THEN NEW.seconds ELSE 0 END,
            CASE WHEN NEW.kind = 'promotion' THEN NEW.seconds ELSE 0 END,
            CASE WHEN NEW.kind = 'internal' THEN NEW.seconds ELSE 0 END,
            CASE WHEN NEW.kind = 'client' THEN 1 ELSE 0 END,
            CASE WHEN NEW.kind = 'promotion' THEN 1 ELSE 0 END,
            CASE WHEN NEW.kind = 'internal' THEN 1 ELSE 0 END, 1)
    ON CONFLICT (consultant_id, week_start, source) DO UPDATE
       SET client_seconds = tracker_weeklysourcetotal.client_seconds
             + EXCLUDED.client_seconds,
           promotion_seconds = tracker_weeklysourcetotal.promotion_seconds
             + EXCLUDED.promotion_seconds,
           internal_seconds = tracker_weeklysourcetotal.internal_seconds
             + EXCLUDED.internal_seconds,
           client_entries = tracker_weeklysourcetotal.client_entries
             + EXCLUDED.client_entries,
           promotion_entries = tracker_weeklysourcetotal.promotion_entries
             + EXCLUDED.promotion_entries,
           internal_entries = tracker_weeklysourcetotal.internal_entries
             + EXCLUDED.internal_entries,
           entries = tracker_weeklysourcetotal.entries + 1;
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
AFTER INSERT OR UPDATE OF consultant_id, date, kind, engagement_id, seconds, billable, source
   OR DELETE
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
  INSERT INTO tracker_weeklysourcetotal
         (consultant_id, week_start, source, client_seconds, promotion_seconds,
          internal_seconds, client_entries, promotion_entries, internal_entries, entries)
  VALUES (NEW.consultant_id, date(NEW.date, 'weekday 0', '-6 days'), NEW.source,
          CASE WHEN NEW.kind = 'client' THEN NEW.seconds ELSE 0 END,
          CASE WHEN NEW.kind = 'promotion' THEN NEW.seconds ELSE 0 END,
          CASE WHEN NEW.kind = 'internal' THEN NEW.seconds ELSE 0 END,
          CASE WHEN NEW.kind = 'client' THEN 1 ELSE 0 END,
          CASE WHEN NEW.kind = 'promotion' THEN 1 ELSE 0 END,
          CASE WHEN NEW.kind = 'internal' THEN 1 ELSE 0 END, 1)
  ON CONFLICT (consultant_id, week_start, source) DO UPDATE
     SET client_seconds = client_seconds + excluded.client_seconds,
         promotion_seconds = promotion_seconds + excluded.promotion_seconds,
         internal_seconds = internal_seconds + excluded.internal_seconds,
         client_entries = client_entries + excluded.client_entries,
         promotion_entries = promotion_entries + excluded.promotion_entries,
         internal_entries = internal_entries + excluded.internal_entries,
         entries = entries + 1;
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
  UPDATE tracker_weeklysourcetotal
     SET client_seconds = client_seconds
           - CASE WHEN OLD.kind = 'client' THEN OLD.seconds ELSE 0 END,
         promotion_seconds = promotion_seconds
           - CASE WHEN OLD.kind = 'promotion' THEN OLD.seconds ELSE 0 END,
         internal_seconds = internal_seconds
           - CASE WHEN OLD.kind = 'internal' THEN OLD.seconds ELSE 0 END,
         client_entries = client_entries - CASE WHEN OLD.kind = 'client' THEN 1 ELSE 0 END,
         promotion_entries = promotion_entries
           - CASE WHEN OLD.kind = 'promotion' THEN 1 ELSE 0 END,
         internal_entries = internal_entries
           - CASE WHEN OLD.kind = 'internal' THEN 1 ELSE 0 END,
         entries = entries - 1
   WHERE consultant_id = OLD.consultant_id
     AND week_start = date(OLD.date, 'weekday 0', '-6 days')
     AND source = OLD.source;
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
        "kind, engagement_id, seconds, billable, source ON tracker_timeentry "
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
    "DELETE FROM tracker_weeklysourcetotal",
    """
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
""",
    # Fresh statistics, or the planner guesses a few hundred rows and groups badly.
    "ANALYZE reports_weeklytotal",
    "ANALYZE tracker_engagementtotal",
    "ANALYZE tracker_weeklysourcetotal",
]


def install(apps, schema_editor):
    """These triggers, then the three rollups rebuilt from the entries (as 0017's install
    does: `install_triggers` runs this after the triggers were missing)."""
    vendor = schema_editor.connection.vendor
    for statement in install_statements(vendor, MARKER):
        schema_editor.execute(statement)
    for statement in REBUILD:
        schema_editor.execute(statement.format(week_start=WEEK_START[vendor]))


def uninstall(apps, schema_editor):
    """The triggers dropped while the coarse rollup's table changes: SQLite rebuilds a table
    to add a column, and refuses to while triggers on the entries name it."""
    for statement in UNINSTALL[schema_editor.connection.vendor]:
        schema_editor.execute(statement)


def install_previous(apps, schema_editor):
    """Backwards: 0017's triggers and rollups, from that migration's own frozen SQL, once
    the columns are gone."""
    import importlib

    importlib.import_module(PREVIOUS).install(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("tracker", "0021_weekly_total_worked_on_index"),
    ]

    operations = [
        migrations.RunPython(uninstall, install_previous),
        migrations.AddField(
            model_name="weeklysourcetotal",
            name="client_entries",
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name="weeklysourcetotal",
            name="promotion_entries",
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name="weeklysourcetotal",
            name="internal_entries",
            field=models.IntegerField(default=0),
        ),
        migrations.RunPython(install, uninstall),
    ]
