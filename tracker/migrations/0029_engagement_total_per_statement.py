# Each engagement's all-time total (tracker.EngagementTotal) kept once a statement on
# PostgreSQL, no longer once an entry: an import of 20,000 entries on one engagement in one
# transaction updated that engagement's row 20,000 times, and each update of a row the
# transaction has already updated follows its chain of versions, so the import's cost grew
# with the square of its entries on one engagement.
#
# PostgreSQL: 0022's function without its engagement part (under this migration's marker),
# and triggers of their own on the entries, once a statement, with the rows it wrote
# (transition tables), as 0028's running sums have. SQLite updates a row in place, so its
# triggers stay 0022's SQL, reinstalled under this marker: one marker tells the system check
# the rollup's triggers are this version's on either database.

import importlib

from django.db import migrations

# Frozen here, as every migration's SQL is: never today's app code.
MARKER = "-- clientfirst_weekly_total: tracker.0029_engagement_total_per_statement"
PREVIOUS = "tracker.migrations.0022_source_total_kind_entries"
# Where 0022's function starts on the engagement's row (to its end).
ENGAGEMENT_PART = "  -- The engagement's row is shared by everyone on it"

ADDED, REMOVED = ("clientfirst_engagement_added", ""), ("clientfirst_engagement_removed", "-")


def weekly_total_function(previous):
    """0022's function with MARKER, up to its engagement part."""
    whole = previous.postgres_function(MARKER)
    head, _engagement = whole.split(ENGAGEMENT_PART)
    return head + "  RETURN NULL;\nEND\n$$ LANGUAGE plpgsql\n"


def _upsert(*changed):
    """The statement's changes, (transition table, sign) each, summed by engagement (what
    cancels out dropped: an update of a note, a day or a kind writes nothing and locks no
    engagement's row, which everyone on it shares) and added to each engagement's row, in key
    order (two writers lock them in the same order)."""
    changes = " UNION ALL ".join(
        f"SELECT engagement_id, {sign}seconds::bigint AS seconds, {sign}1 AS entries "
        f"FROM {table} WHERE engagement_id IS NOT NULL"
        for table, sign in changed
    )
    return f"""
    INSERT INTO tracker_engagementtotal AS t (engagement_key, seconds, entries)
    SELECT engagement_id, SUM(seconds), SUM(entries)
      FROM ({changes}) AS change
     GROUP BY engagement_id
    HAVING SUM(seconds) <> 0 OR SUM(entries) <> 0
     ORDER BY engagement_id
    ON CONFLICT (engagement_key) DO UPDATE
       SET seconds = t.seconds + EXCLUDED.seconds, entries = t.entries + EXCLUDED.entries"""


ENGAGEMENT_FUNCTION = f"""
CREATE OR REPLACE FUNCTION clientfirst_engagement_total_apply() RETURNS trigger AS $$
BEGIN
  {MARKER}
  IF TG_OP = 'INSERT' THEN{_upsert(ADDED)};
  ELSIF TG_OP = 'DELETE' THEN{_upsert(REMOVED)};
  ELSE{_upsert(REMOVED, ADDED)};
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql
"""

# One trigger an event: a trigger with transition tables takes one event and no column list.
ENGAGEMENT_TRIGGERS = [
    """
CREATE TRIGGER clientfirst_engagement_total_insert AFTER INSERT ON tracker_timeentry
REFERENCING NEW TABLE AS clientfirst_engagement_added
FOR EACH STATEMENT EXECUTE FUNCTION clientfirst_engagement_total_apply()
""",
    """
CREATE TRIGGER clientfirst_engagement_total_update AFTER UPDATE ON tracker_timeentry
REFERENCING OLD TABLE AS clientfirst_engagement_removed
            NEW TABLE AS clientfirst_engagement_added
FOR EACH STATEMENT EXECUTE FUNCTION clientfirst_engagement_total_apply()
""",
    """
CREATE TRIGGER clientfirst_engagement_total_delete AFTER DELETE ON tracker_timeentry
REFERENCING OLD TABLE AS clientfirst_engagement_removed
FOR EACH STATEMENT EXECUTE FUNCTION clientfirst_engagement_total_apply()
""",
]

UNINSTALL_ENGAGEMENT = [
    "DROP TRIGGER IF EXISTS clientfirst_engagement_total_insert ON tracker_timeentry",
    "DROP TRIGGER IF EXISTS clientfirst_engagement_total_update ON tracker_timeentry",
    "DROP TRIGGER IF EXISTS clientfirst_engagement_total_delete ON tracker_timeentry",
    "DROP FUNCTION IF EXISTS clientfirst_engagement_total_apply()",
]


def install(apps, schema_editor):
    """The rollup's triggers of this version, the old ones dropped first. The totals are
    left as they are: exact when migrating (0022's triggers kept them), and just rebuilt
    when `install_triggers` runs this, after 0022's install, in the same transaction."""
    previous = importlib.import_module(PREVIOUS)
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = [
            *UNINSTALL_ENGAGEMENT[:3],
            previous.UNINSTALL[vendor][0],  # 0022's trigger
            weekly_total_function(previous),
            previous.POSTGRES_TRIGGER,
            ENGAGEMENT_FUNCTION,
            *ENGAGEMENT_TRIGGERS,
        ]
    else:
        statements = previous.install_statements(vendor, MARKER)
    for statement in statements:
        schema_editor.execute(statement)


def install_previous(apps, schema_editor):
    """Backwards: these triggers dropped, 0022's put back with their frozen SQL (its install
    also rebuilds the rollups from the entries)."""
    if schema_editor.connection.vendor == "postgresql":
        for statement in UNINSTALL_ENGAGEMENT:
            schema_editor.execute(statement)
    importlib.import_module(PREVIOUS).install(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("tracker", "0028_running_year_totals"),
    ]

    operations = [
        migrations.RunPython(install, install_previous),
    ]
