# The week lock's backstop: triggers refusing any insert, update or delete of a time entry or
# an activity in an approved week (tracker_weekapproval.status = 'approved'), whatever wrote
# it: a queryset.update(), a bulk delete, raw SQL. The write services refuse first, with a
# message naming the week and its approver (tracker/approvals.py); these only catch what
# bypasses them. Each carries a marker naming this migration: the system check
# (tracker/checks.py) compares the database's triggers with it.

from django.db import migrations

# Frozen here, as every migration's SQL is: never today's app code.
MARKER = "-- clientfirst_week_lock: tracker.0012_week_lock_triggers"
TABLES = ("tracker_timeentry", "tracker_activity")
MESSAGE = "clientfirst_week_locked: this week is approved; ask an admin to reopen it"


def _approved(row, week_start):
    return (
        "EXISTS (SELECT 1 FROM tracker_weekapproval w "
        f"WHERE w.consultant_id = {row}.consultant_id AND w.week_start = {week_start} "
        "AND w.status = 'approved')"
    )


# IntegrityError in Django on both databases: SQLite's RAISE(ABORT) is a constraint error,
# and PostgreSQL's errcode 23000 is integrity_constraint_violation.
POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION clientfirst_week_lock_refuse() RETURNS trigger AS $$
BEGIN
  {MARKER}
  IF TG_OP IN ('UPDATE', 'DELETE') AND {_approved("OLD", "date_trunc('week', OLD.date)::date")} THEN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND {_approved("NEW", "date_trunc('week', NEW.date)::date")} THEN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END
$$ LANGUAGE plpgsql
"""


def _sqlite_week(row):
    # 'weekday 0' moves to the coming Sunday (or stays on one); six days back is Monday.
    return f"date({row}.date, 'weekday 0', '-6 days')"


def install_statements(vendor):
    if vendor == "postgresql":
        return [POSTGRES_FUNCTION] + [
            f"CREATE TRIGGER clientfirst_week_lock BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION clientfirst_week_lock_refuse()"
            for table in TABLES
        ]
    statements = []
    for table in TABLES:
        for event, when in (
            ("insert", _approved("NEW", _sqlite_week("NEW"))),
            ("update", f"{_approved('OLD', _sqlite_week('OLD'))} "
                       f"OR {_approved('NEW', _sqlite_week('NEW'))}"),
            ("delete", _approved("OLD", _sqlite_week("OLD"))),
        ):
            statements.append(
                f"CREATE TRIGGER clientfirst_week_lock_{table}_{event} "
                f"BEFORE {event.upper()} ON {table} FOR EACH ROW WHEN {when} "
                f"BEGIN\n  {MARKER}\n  SELECT RAISE(ABORT, '{MESSAGE}');\nEND"
            )
    return statements


def uninstall_statements(vendor):
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS clientfirst_week_lock ON {table}" for table in TABLES] + [
            "DROP FUNCTION IF EXISTS clientfirst_week_lock_refuse()"
        ]
    return [
        f"DROP TRIGGER IF EXISTS clientfirst_week_lock_{table}_{event}"
        for table in TABLES for event in ("insert", "update", "delete")
    ]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    # Dropped first: running this migration again (the system check's hint) replaces them.
    for statement in uninstall_statements(vendor) + install_statements(vendor):
        schema_editor.execute(statement)


def uninstall(apps, schema_editor):
    for statement in uninstall_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('tracker', '0011_week_approval'),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
