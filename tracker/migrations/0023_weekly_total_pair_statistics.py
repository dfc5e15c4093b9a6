# PostgreSQL's planner told how many (consultant, engagement) pairs the fine rollup holds.
#
# Without it, PostgreSQL multiplies the two columns' distinct counts: at 10M entries it
# guessed 166,000 groups for the 24,000 that a year of 4,000 people holds, judged a parallel
# partial aggregate not worth it, and grouped the year's 833,000 rollup rows in one process
# (1.4 s of the balance report's 3 s on a 2-core machine). Told the pairs' real number (an
# extended ndistinct statistic, filled by ANALYZE), it splits the grouping over its workers:
# about 0.8 s. SQLite has no such statistics: nothing to do there.

from django.db import migrations

NAME = "weekly_total_pair_ndistinct"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE STATISTICS IF NOT EXISTS {NAME} (ndistinct) "
        "ON consultant_id, engagement_key FROM reports_weeklytotal"
    )
    # Filled now, not at autovacuum's next ANALYZE (a sample: seconds at 10M entries).
    schema_editor.execute("ANALYZE reports_weeklytotal")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP STATISTICS IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("tracker", "0022_source_total_kind_entries")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
