# Everyone's time by ISO week, source and kind (tracker.FirmWeekTotal), for the /time/ list
# of a selection narrowed by nothing but dates and a kind, and for the weekly series and the
# hours by source of a report of everyone: an admin's whole list grouped the coarse rollup's
# 830,000 rows by week on every page at 10M entries (240-360 ms).
#
# Kept as changes, never as one row a week updated in place: that row would be every
# writer's in its week, and an import holding it would stall everyone's saves. Triggers on
# the entries insert each change's difference (a new entry +, a deleted one -, one moved to
# another week or kind both); tracker.rollup.firm_weeks_compact() folds them, run by beat.
# The entries' other triggers (0022's) are untouched.

from django.db import migrations, models

# Frozen here, as every migration's SQL is: never today's app code.
MARKER = "-- clientfirst_firm_week: tracker.0026_firm_week_totals"
COLUMNS = (
    "week_start, source, client_seconds, promotion_seconds, internal_seconds, client_entries, "
    "promotion_entries, internal_entries, entries"
)
WEEK = {
    "postgresql": "date_trunc('week', {row}.date)::date",
    # 'weekday 0' moves to the coming Sunday (or stays on one); six days back is Monday.
    "sqlite": "date({row}.date, 'weekday 0', '-6 days')",
}


def change(vendor, row, sign):
    """The VALUES of one entry's difference: `row` (OLD or NEW) counted with `sign`."""
    by_kind = ", ".join(
        f"{sign}CASE WHEN {row}.kind = '{kind}' THEN {row}.seconds ELSE 0 END"
        for kind in ("client", "promotion", "internal")
    )
    counts = ", ".join(
        f"{sign}CASE WHEN {row}.kind = '{kind}' THEN 1 ELSE 0 END"
        for kind in ("client", "promotion", "internal")
    )
    return f"({WEEK[vendor].format(row=row)}, {row}.source, {by_kind}, {counts}, {sign}1)"


def unchanged(vendor):
    """An update that leaves the entry's week, source, kind and seconds as they were."""
    return (
        f"{WEEK[vendor].format(row='OLD')} = {WEEK[vendor].format(row='NEW')} "
        "AND OLD.source = NEW.source AND OLD.kind = NEW.kind AND OLD.seconds = NEW.seconds"
    )


POSTGRES = [
    f"""
CREATE OR REPLACE FUNCTION clientfirst_firm_week_apply() RETURNS trigger AS $$
BEGIN
  {MARKER}
  IF TG_OP = 'INSERT' THEN
    INSERT INTO tracker_firmweektotal ({COLUMNS}) VALUES {change("postgresql", "NEW", "")};
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO tracker_firmweektotal ({COLUMNS}) VALUES {change("postgresql", "OLD", "-")};
  ELSIF NOT ({unchanged("postgresql")}) THEN
    INSERT INTO tracker_firmweektotal ({COLUMNS})
    VALUES {change("postgresql", "OLD", "-")}, {change("postgresql", "NEW", "")};
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql
""",
    """
CREATE TRIGGER clientfirst_firm_week
AFTER INSERT OR UPDATE OF date, source, kind, seconds OR DELETE
ON tracker_timeentry FOR EACH ROW EXECUTE FUNCTION clientfirst_firm_week_apply()
""",
]

SQLITE = [
    "CREATE TRIGGER clientfirst_firm_week_insert AFTER INSERT ON tracker_timeentry "
    f"BEGIN\n  {MARKER}\n  INSERT INTO tracker_firmweektotal ({COLUMNS}) "
    f"VALUES {change('sqlite', 'NEW', '')}; END",
    "CREATE TRIGGER clientfirst_firm_week_update AFTER UPDATE OF date, source, kind, seconds "
    f"ON tracker_timeentry WHEN NOT ({unchanged('sqlite')}) "
    f"BEGIN\n  {MARKER}\n  INSERT INTO tracker_firmweektotal ({COLUMNS}) "
    f"VALUES {change('sqlite', 'OLD', '-')}, {change('sqlite', 'NEW', '')}; END",
    "CREATE TRIGGER clientfirst_firm_week_delete AFTER DELETE ON tracker_timeentry "
    f"BEGIN\n  {MARKER}\n  INSERT INTO tracker_firmweektotal ({COLUMNS}) "
    f"VALUES {change('sqlite', 'OLD', '-')}; END",
]

UNINSTALL = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS clientfirst_firm_week ON tracker_timeentry",
        "DROP FUNCTION IF EXISTS clientfirst_firm_week_apply()",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS clientfirst_firm_week_insert",
        "DROP TRIGGER IF EXISTS clientfirst_firm_week_update",
        "DROP TRIGGER IF EXISTS clientfirst_firm_week_delete",
    ],
}

# One row a week and source, from the coarse rollup (0022's install, which `install_triggers`
# runs first, has just rebuilt it from the entries).
REBUILD = [
    "DELETE FROM tracker_firmweektotal",
    f"""
INSERT INTO tracker_firmweektotal ({COLUMNS})
SELECT week_start, source, SUM(client_seconds), SUM(promotion_seconds),
       SUM(internal_seconds), SUM(client_entries), SUM(promotion_entries),
       SUM(internal_entries), SUM(entries)
  FROM tracker_weeklysourcetotal
 GROUP BY week_start, source
HAVING SUM(entries) <> 0
""",
]


def install(apps, schema_editor):
    """These triggers, then the firm's weeks and sources summed again from the coarse
    rollup."""
    vendor = schema_editor.connection.vendor
    for statement in UNINSTALL[vendor] + {"postgresql": POSTGRES, "sqlite": SQLITE}[vendor]:
        schema_editor.execute(statement)
    for statement in REBUILD:
        schema_editor.execute(statement)
    if vendor == "postgresql":
        schema_editor.execute("ANALYZE tracker_firmweektotal")


def uninstall(apps, schema_editor):
    for statement in UNINSTALL[schema_editor.connection.vendor]:
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("tracker", "0025_source_total_unapproved_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="FirmWeekTotal",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("week_start", models.DateField()),
                ("source", models.CharField(max_length=10)),
                ("client_seconds", models.BigIntegerField(default=0)),
                ("promotion_seconds", models.BigIntegerField(default=0)),
                ("internal_seconds", models.BigIntegerField(default=0)),
                ("client_entries", models.BigIntegerField(default=0)),
                ("promotion_entries", models.BigIntegerField(default=0)),
                ("internal_entries", models.BigIntegerField(default=0)),
                ("entries", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(install, uninstall),
    ]
