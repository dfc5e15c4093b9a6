from django.conf import settings
from django.db import migrations, models


def key(params):
    # report_key as it is today, frozen here: migrations never import the app's code.
    return "{start}/{end}/team={team}/consultant={consultant}/client={client}".format(
        **{name: (params or {}).get(name) or "" for name in
           ("start", "end", "team", "consultant", "client")}
    )


def fill_keys_and_retire_duplicates(apps, schema_editor):
    """Key every run; of identical pending runs (a GET queued one each time) keep the newest
    and mark the others failed, so the constraint can hold."""
    ReportRun = apps.get_model("reports", "ReportRun")
    kept = {}
    for run in ReportRun.objects.order_by("-created_at", "-pk").iterator():
        run.params_key = key(run.params)
        fields = ["params_key"]
        if run.status in ("queued", "running"):
            newest = kept.setdefault((run.requested_by_id, run.params_key), run.pk)
            if newest != run.pk:
                run.status = "failed"
                run.error = f"The same report as #{newest}, asked for again: not built twice."
                fields += ["status", "error"]
        run.save(update_fields=fields)


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0007_weekly_total_billable'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='reportrun',
            name='params_key',
            field=models.CharField(default='', editable=False, help_text='report_key(params): one pending run per requester and key.', max_length=200),
        ),
        migrations.RunPython(fill_keys_and_retire_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='reportrun',
            constraint=models.UniqueConstraint(condition=models.Q(('status__in', ('queued', 'running'))), fields=('requested_by', 'params_key'), name='one_pending_run_per_report'),
        ),
    ]
