# The weekly rollup moves from reports to tracker: it sums tracker's own rows.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor, old="reports", new="tracker"):
    """Its content type (and so its permissions) follows the model instead of being left
    stale under reports and created again under tracker."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.using(schema_editor.connection.alias).filter(
        app_label=old, model="weeklytotal"
    ).update(app_label=new)


def move_content_type_back(apps, schema_editor):
    move_content_type(apps, schema_editor, old="tracker", new="reports")


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('reports', '0009_single_line_names'),
        ('tracker', '0005_input_bounds'),
    ]

    operations = [
        # Only the state moves: the table, its rows and the triggers filling it stay as they
        # are (the model keeps the table's name, reports_weeklytotal).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='WeeklyTotal',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('week_start', models.DateField()),
                        ('kind', models.CharField(max_length=10)),
                        ('engagement_key', models.BigIntegerField(default=0)),
                        ('billable', models.BooleanField(default=False)),
                        ('seconds', models.BigIntegerField(default=0)),
                        ('entries', models.IntegerField(default=0)),
                        ('consultant', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'reports_weeklytotal',
                        'indexes': [models.Index(fields=['week_start', 'consultant'], name='reports_wee_week_st_8c85be_idx'), models.Index(fields=['engagement_key'], name='reports_wee_engagem_6d152b_idx')],
                        'constraints': [models.UniqueConstraint(fields=('consultant', 'week_start', 'kind', 'engagement_key', 'billable'), name='weekly_total_unique_cell')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
