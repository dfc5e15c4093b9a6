# The coarse rollup's rows of weeks not yet approved, indexed on their own: the report's "not
# yet approved" marks read them alone, a few weeks a person once the older weeks are
# approved, instead of the period's every row (at 1M entries, 56 ms of a year's report of 400
# people). Then fresh statistics: 0024 flagged the approved weeks after PostgreSQL last
# sampled the table, so it believed no week approved and scanned for a tenth of the table.

from django.db import migrations, models


def analyze(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ANALYZE tracker_weeklysourcetotal")


class Migration(migrations.Migration):

    dependencies = [
        ("tracker", "0024_source_total_week_approved"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="weeklysourcetotal",
            index=models.Index(
                condition=models.Q(("approved", False)),
                fields=["week_start", "consultant"],
                name="weekly_source_unapproved",
            ),
        ),
        migrations.RunPython(analyze, migrations.RunPython.noop, elidable=False),
    ]
