# Running sums a year (tracker.RunningYearTotal), on PostgreSQL: a report reads the time of a
# run of whole weeks per person and engagement from one or two rows a pair instead of one a
# week. A year's report of everyone grouped 850,000 rows of the fine rollup at 10M entries
# (300-550 ms of it); these are 56,000 (about 80-130 ms).
#
# Each statement's changes of the entries add their difference to the sums of every week from
# theirs to the end of their ISO year, in the pair's row for that year: triggers of their own
# on the entries, once a statement, beside 0022's and 0026's (untouched). SQLite has no arrays: its table stays empty and the
# report reads the fine rollup there.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import tracker.models

# Frozen here, as every migration's SQL is: never today's app code.
MARKER = "-- clientfirst_running_year: tracker.0028_running_year_totals"

def _upsert(*changed):
    """The statement's changes, (transition table, sign) each, added to their pairs' years:
    summed by pair, year, week and kind (what cancels out dropped), turned into running sums
    a year and kind, and added to each pair's row in one statement, rows in key order (two
    writers lock them in the same order)."""
    changes = " UNION ALL ".join(
        "SELECT consultant_id, COALESCE(engagement_id, 0) AS engagement_key, "
        "extract(isoyear FROM date)::integer AS iso_year, "
        f"extract(week FROM date)::integer AS week, kind, {sign}seconds::bigint AS delta "
        f"FROM {table}"
        for table, sign in changed
    )
    by_kind = ",\n         ".join(
        f"clientfirst_week_sums_of(array_agg(week) FILTER (WHERE kind = '{kind}'), "
        f"array_agg(delta) FILTER (WHERE kind = '{kind}'))"
        for kind in KINDS
    )
    added = ",\n         ".join(
        f"{kind} = clientfirst_week_sums_plus(t.{kind}, EXCLUDED.{kind})" for kind in KINDS
    )
    return f"""
    INSERT INTO tracker_runningyeartotal AS t
           (consultant_id, engagement_key, iso_year, client, promotion, internal)
    SELECT consultant_id, engagement_key, iso_year,
         {by_kind}
      FROM (SELECT consultant_id, engagement_key, iso_year, week, kind,
                   SUM(delta)::bigint AS delta
              FROM ({changes}) AS change
             GROUP BY consultant_id, engagement_key, iso_year, week, kind
            HAVING SUM(delta) <> 0) AS cell
     GROUP BY consultant_id, engagement_key, iso_year
     ORDER BY consultant_id, iso_year, engagement_key
    ON CONFLICT (consultant_id, iso_year, engagement_key) DO UPDATE
       SET {added}"""


KINDS = ("client", "promotion", "internal")
ADDED, REMOVED = ("clientfirst_added", ""), ("clientfirst_removed", "-")

POSTGRES = [
    # Running sums over a year's 53 weeks of the deltas at `weeks` (NULL: no change).
    f"""
CREATE OR REPLACE FUNCTION clientfirst_week_sums_of(weeks integer[], deltas bigint[])
RETURNS integer[] AS $$
DECLARE
  sums integer[];
BEGIN
  {MARKER}
  IF weeks IS NULL THEN
    RETURN NULL;
  END IF;
  sums := array_fill(0, ARRAY[53]);
  FOR k IN 1..array_length(weeks, 1) LOOP
    FOR i IN weeks[k]..53 LOOP
      sums[i] := sums[i] + deltas[k];
    END LOOP;
  END LOOP;
  RETURN sums;
END
$$ LANGUAGE plpgsql IMMUTABLE
""",
    # Two running sums added (NULL: none).
    f"""
CREATE OR REPLACE FUNCTION clientfirst_week_sums_plus(sums integer[], more integer[])
RETURNS integer[] AS $$
BEGIN
  {MARKER}
  IF more IS NULL THEN
    RETURN sums;
  END IF;
  IF sums IS NULL THEN
    RETURN more;
  END IF;
  FOR i IN 1..53 LOOP
    sums[i] := sums[i] + more[i];
  END LOOP;
  RETURN sums;
END
$$ LANGUAGE plpgsql IMMUTABLE
""",
    # Once a statement, with the rows it wrote (transition tables): a bulk insert of 100,000
    # entries adds to each pair's year once, not once an entry (each update of a row a
    # transaction has already updated follows its chain of versions: a row updated once an
    # entry made a big import's cost grow with its square).
    f"""
CREATE OR REPLACE FUNCTION clientfirst_running_year_apply() RETURNS trigger AS $$
BEGIN
  {MARKER}
  IF TG_OP = 'INSERT' THEN{_upsert(ADDED)};
  ELSIF TG_OP = 'DELETE' THEN{_upsert(REMOVED)};
  ELSE{_upsert(REMOVED, ADDED)};
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql
""",
    # One trigger an event: a trigger with transition tables takes one event and no column
    # list (an update of notes alone cancels out in the sums: nothing is written).
    """
CREATE TRIGGER clientfirst_running_year_insert AFTER INSERT ON tracker_timeentry
REFERENCING NEW TABLE AS clientfirst_added
FOR EACH STATEMENT EXECUTE FUNCTION clientfirst_running_year_apply()
""",
    """
CREATE TRIGGER clientfirst_running_year_update AFTER UPDATE ON tracker_timeentry
REFERENCING OLD TABLE AS clientfirst_removed NEW TABLE AS clientfirst_added
FOR EACH STATEMENT EXECUTE FUNCTION clientfirst_running_year_apply()
""",
    """
CREATE TRIGGER clientfirst_running_year_delete AFTER DELETE ON tracker_timeentry
REFERENCING OLD TABLE AS clientfirst_removed
FOR EACH STATEMENT EXECUTE FUNCTION clientfirst_running_year_apply()
""",
]

UNINSTALL = [
    "DROP TRIGGER IF EXISTS clientfirst_running_year_insert ON tracker_timeentry",
    "DROP TRIGGER IF EXISTS clientfirst_running_year_update ON tracker_timeentry",
    "DROP TRIGGER IF EXISTS clientfirst_running_year_delete ON tracker_timeentry",
    "DROP FUNCTION IF EXISTS clientfirst_running_year_apply()",
    "DROP FUNCTION IF EXISTS clientfirst_week_sums_of(integer[], bigint[])",
    "DROP FUNCTION IF EXISTS clientfirst_week_sums_plus(integer[], integer[])",
]

# The sums from the fine rollup (0022's install, which `install_triggers` runs first, has
# just rebuilt it from the entries): each pair's weeks of a year summed into running sums
# over the year's 53 weeks; a kind without time in the year has none (NULL).
REBUILD = [
    "DELETE FROM tracker_runningyeartotal",
    """
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
""",
    "ANALYZE tracker_runningyeartotal",
]


def install(apps, schema_editor):
    """The trigger and its functions, then the sums rebuilt from the fine rollup; on
    PostgreSQL only."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in UNINSTALL[:3] + POSTGRES + REBUILD:
        schema_editor.execute(statement)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in UNINSTALL:
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("tracker", "0027_time_entry_date_order"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="RunningYearTotal",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("engagement_key", models.BigIntegerField(default=0)),
                ("iso_year", models.IntegerField()),
                ("client", tracker.models.WeekSums(null=True)),
                ("promotion", tracker.models.WeekSums(null=True)),
                ("internal", tracker.models.WeekSums(null=True)),
                ("consultant", models.ForeignKey(
                    db_constraint=False, db_index=False,
                    on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                    to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "constraints": [models.UniqueConstraint(
                    fields=("consultant", "iso_year", "engagement_key"),
                    name="running_year_total_unique_cell")],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
