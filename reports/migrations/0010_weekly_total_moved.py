# The weekly rollup moved to tracker (tracker 0006): reports forgets the model, and the
# table, now tracker's, stays.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0009_single_line_names'),
        ('tracker', '0006_weekly_total'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='WeeklyTotal')],
            database_operations=[],
        ),
    ]
