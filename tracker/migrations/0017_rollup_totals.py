# Two more rollups kept by the weekly rollup's triggers, for the balance report at 10M entries:
# - tracker.EngagementTotal, all-time seconds per engagement: the report summed the whole
#   rollup through an IN list of every engagement worked on (5,851 ids, 321 ms);
# - tracker.WeeklySourceTotal, seconds by kind per consultant, ISO week and source: a
#   coarser rollup (about 1.5 rows per person-week against 4) for the report's totals, its
#   weekly series, its unapproved marks and its hours by source (which read every entry:
#   the fine rollup does not keep the source).
# The triggers are those of 0007 plus these two, with this migration's marker; the UPDATE
# trigger also fires on a changed source. The kinds are columns: a new kind needs a migration.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Frozen here, as every migration's SQL is: never today's app code.
MARKER = "-- clientfirst_weekly_total: tracker.0017_rollup_totals"
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
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE tracker_weeklysourcetotal
       SET client_seconds = client_seconds
             - CASE WHEN OLD.kind = 'client' THEN OLD.seconds ELSE 0 END,
           promotion_seconds = promotion_seconds
             - CASE WHEN OLD.kind = 'promotion' THEN OLD.seconds ELSE 0 END,
           internal_seconds = internal_seconds
             - CASE WHEN OLD.kind = 'internal' THEN OLD.seconds ELSE 0 END,
           entries = entries - 1
     WHERE consultant_id = OLD.consultant_id
       AND week_start = date_trunc('week', OLD.date)::date
       AND source = OLD.source;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO tracker_weeklysourcetotal
           (consultant_id, week_start, source, client_seconds, promotion_seconds,
            internal_seconds, entries)
    VALUES (NEW.consultant_id, date_trunc('week', NEW.date)::date, NEW.source,
            CASE WHEN NEW.kind = 'client' THEN NEW.seconds ELSE 0 END,
            CASE WHEN NEW.kind = 'promotion' THEN NEW.seconds ELSE 0 END,
            CASE WHEN NEW.kind = 'internal' THEN NEW.seconds ELSE 0 END, 1)
    ON CONFLICT (consultant_id, week_start, source) DO UPDATE
       SET client_seconds = tracker_weeklysourcetotal.client_seconds
             + EXCLUDED.client_seconds,
           promotion_seconds = tracker_weeklysourcetotal.promotion_seconds
             + EXCLUDED.promotion_seconds,
           internal_seconds = tracker_weeklysourcetotal.internal_seconds
             + EXCLUDED.internal_seconds,
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
          internal_seconds, entries)
  VALUES (NEW.consultant_id, date(NEW.date, 'weekday 0', '-6 days'), NEW.source,
          CASE WHEN NEW.kind = 'client' THEN NEW.seconds ELSE 0 END,
          CASE WHEN NEW.kind = 'promotion' THEN NEW.seconds ELSE 0 END,
          CASE WHEN NEW.kind = 'internal' THEN NEW.seconds ELSE 0 END, 1)
  ON CONFLICT (consultant_id, week_start, source) DO UPDATE
     SET client_seconds = client_seconds + excluded.client_seconds,
         promotion_seconds = promotion_seconds + excluded.promotion_seconds,
         internal_seconds = internal_seconds + excluded.internal_seconds,
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
        internal_seconds, entries)
SELECT consultant_id, {week_start}, source,
       SUM(CASE WHEN kind = 'client' THEN seconds ELSE 0 END),
       SUM(CASE WHEN kind = 'promotion' THEN seconds ELSE 0 END),
       SUM(CASE WHEN kind = 'internal' THEN seconds ELSE 0 END), COUNT(*)
  FROM tracker_timeentry
 GROUP BY consultant_id, {week_start}, source
""",
    # Fresh statistics, or the planner guesses a few hundred rows and groups badly.
    "ANALYZE reports_weeklytotal",
    "ANALYZE tracker_engagementtotal",
    "ANALYZE tracker_weeklysourcetotal",
]


def install(apps, schema_editor):
    """These triggers, then the three rollups rebuilt from the entries."""
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
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
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
        migrations.CreateModel(
            name='WeeklySourceTotal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('week_start', models.DateField()),
                ('source', models.CharField(max_length=10)),
                ('client_seconds', models.BigIntegerField(default=0)),
                ('promotion_seconds', models.BigIntegerField(default=0)),
                ('internal_seconds', models.BigIntegerField(default=0)),
                ('entries', models.IntegerField(default=0)),
                ('consultant', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'indexes': [models.Index(fields=['week_start', 'consultant'], name='tracker_wee_week_st_src_idx')],
                'constraints': [models.UniqueConstraint(fields=('consultant', 'week_start', 'source'), name='weekly_source_total_unique_cell')],
            },
        ),
        # Backwards, 0007's triggers go back before the tables go (they no longer name them).
        migrations.RunPython(install, install_previous),
    ]
