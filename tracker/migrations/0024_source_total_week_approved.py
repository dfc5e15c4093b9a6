# The coarse rollup (tracker.WeeklySourceTotal) knows whether its week is approved: the
# balance report's "not yet approved" marks count and sum its rows that are not, instead of
# matching every person-week of the period against every approved week (an anti-join that
# hashed 400,000 approvals: about 0.5 s of a year's report of 4,000 people at 10M entries).
#
# Triggers on tracker_weekapproval keep the flag: an approval, a return, a reopening, a
# deletion sets it on that person-week's rows. A row the entries' triggers add later starts
# unapproved (the column's database default), which is right: the week lock (migration 0012)
# refuses new time in an approved week. The entries' triggers are 0022's, unchanged: dropped
# and put back around the new column only because SQLite rebuilds the table to add it.

import importlib

from django.db import migrations, models

# Frozen here, as every migration's SQL is: never today's app code.
MARKER = "-- clientfirst_week_approved: tracker.0024_source_total_week_approved"
ENTRY_TRIGGERS = "tracker.migrations.0022_source_total_kind_entries"

POSTGRES = [
    f"""
CREATE OR REPLACE FUNCTION clientfirst_week_approved_apply() RETURNS trigger AS $$
BEGIN
  {MARKER}
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE tracker_weeklysourcetotal SET approved = FALSE
     WHERE consultant_id = OLD.consultant_id AND week_start = OLD.week_start AND approved;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'approved' THEN
    UPDATE tracker_weeklysourcetotal SET approved = TRUE
     WHERE consultant_id = NEW.consultant_id AND week_start = NEW.week_start;
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql
""",
    """
CREATE TRIGGER clientfirst_week_approved
AFTER INSERT OR UPDATE OF consultant_id, week_start, status OR DELETE
ON tracker_weekapproval FOR EACH ROW EXECUTE FUNCTION clientfirst_week_approved_apply()
""",
]

SQLITE_SET_OLD = """
  UPDATE tracker_weeklysourcetotal SET approved = 0
   WHERE consultant_id = OLD.consultant_id AND week_start = OLD.week_start;"""
SQLITE_SET_NEW = """
  UPDATE tracker_weeklysourcetotal SET approved = (NEW.status = 'approved')
   WHERE consultant_id = NEW.consultant_id AND week_start = NEW.week_start;"""
SQLITE = [
    "CREATE TRIGGER clientfirst_week_approved_insert AFTER INSERT ON tracker_weekapproval "
    f"BEGIN\n  {MARKER}{SQLITE_SET_NEW} END",
    "CREATE TRIGGER clientfirst_week_approved_update AFTER UPDATE OF consultant_id, "
    f"week_start, status ON tracker_weekapproval BEGIN\n  {MARKER}{SQLITE_SET_OLD}"
    f"{SQLITE_SET_NEW} END",
    "CREATE TRIGGER clientfirst_week_approved_delete AFTER DELETE ON tracker_weekapproval "
    f"BEGIN\n  {MARKER}{SQLITE_SET_OLD} END",
]

UNINSTALL = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS clientfirst_week_approved ON tracker_weekapproval",
        "DROP FUNCTION IF EXISTS clientfirst_week_approved_apply()",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS clientfirst_week_approved_insert",
        "DROP TRIGGER IF EXISTS clientfirst_week_approved_update",
        "DROP TRIGGER IF EXISTS clientfirst_week_approved_delete",
    ],
}

# The flags of rows written with the default (unapproved): those of approved weeks set.
MARK = """
UPDATE tracker_weeklysourcetotal SET approved = TRUE
 WHERE EXISTS (SELECT 1 FROM tracker_weekapproval a
                WHERE a.consultant_id = tracker_weeklysourcetotal.consultant_id
                  AND a.week_start = tracker_weeklysourcetotal.week_start
                  AND a.status = 'approved')
"""


def install(apps, schema_editor):
    """These triggers, then the flags of the approved weeks set (`install_triggers` runs
    this after 0022's install, which rebuilt the rollups with every flag unset)."""
    vendor = schema_editor.connection.vendor
    for statement in UNINSTALL[vendor] + {"postgresql": POSTGRES, "sqlite": SQLITE}[vendor]:
        schema_editor.execute(statement)
    schema_editor.execute(MARK)


def uninstall(apps, schema_editor):
    for statement in UNINSTALL[schema_editor.connection.vendor]:
        schema_editor.execute(statement)


def _entry_triggers():
    return importlib.import_module(ENTRY_TRIGGERS)


def drop_entry_triggers(apps, schema_editor):
    """0022's triggers dropped while the coarse rollup's table changes: SQLite rebuilds a
    table to add a column, and refuses to while triggers on the entries name it."""
    _entry_triggers().uninstall(apps, schema_editor)


def put_back_entry_triggers(apps, schema_editor):
    """0022's triggers again, from its own frozen SQL; the rollups are intact."""
    module = _entry_triggers()
    for statement in module.install_statements(schema_editor.connection.vendor, module.MARKER):
        schema_editor.execute(statement)


def forwards(apps, schema_editor):
    put_back_entry_triggers(apps, schema_editor)
    install(apps, schema_editor)


def backwards(apps, schema_editor):
    uninstall(apps, schema_editor)
    drop_entry_triggers(apps, schema_editor)


def rebuild_with_entry_triggers(apps, schema_editor):
    """Backwards, once the column is gone: 0022's triggers and rollups, as it installs them."""
    _entry_triggers().install(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("tracker", "0023_weekly_total_pair_statistics"),
    ]

    operations = [
        migrations.RunPython(drop_entry_triggers, rebuild_with_entry_triggers),
        migrations.AddField(
            model_name="weeklysourcetotal",
            name="approved",
            field=models.BooleanField(db_default=False, default=False),
        ),
        migrations.RunPython(forwards, backwards),
    ]
