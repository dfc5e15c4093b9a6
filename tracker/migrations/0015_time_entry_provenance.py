# Every time entry knows its source: "manual" (was ""), "timer", an import's format, "api"
# (with the token that made it). The old blank source is named from each entry's creation
# record in the history (migration 0013): the timer's entries become "timer", the rest
# "manual"; entries the API made keep "api" and get their token back from that record.
#
# The triggers. SQLite rebuilds tracker_timeentry to alter a column or add a constraint, and
# the rebuild drops the table's triggers: the weekly rollup's (0007) and the week lock's
# (0012). On PostgreSQL they stay, and the lock's would refuse naming the source of an entry
# in an approved week. So: the lock's triggers are dropped first, the table is changed and
# its rows named, and both sets are installed again at the end with the SQL their own
# migrations froze (imported from those migrations, never from today's app code), the rollup
# rebuilt from the entries. The source is no column of the rollup: its figures do not move.

import importlib
import re
from collections import defaultdict

import django.db.models.deletion
from django.db import migrations, models

ROLLUP_TRIGGERS = importlib.import_module("tracker.migrations.0007_weekly_total_triggers")
LOCK_TRIGGERS = importlib.import_module("tracker.migrations.0012_week_lock_triggers")

# history.Actor's reference for a request authenticated by a token: 'token 3 “laptop”'.
TOKEN_REF = re.compile(r"token (\d+) ")
CHUNK = 500  # ids per UPDATE: within SQLite's limit of bound parameters


def lock_triggers_off(apps, schema_editor):
    LOCK_TRIGGERS.uninstall(apps, schema_editor)


def triggers_on(apps, schema_editor):
    ROLLUP_TRIGGERS.install(apps, schema_editor)  # and the rollup rebuilt from the entries
    LOCK_TRIGGERS.install(apps, schema_editor)


def created(apps, via):
    Change = apps.get_model("tracker", "Change")
    return Change.objects.filter(object_type="time-entry", action="create", via=via)


def sources_named(apps, schema_editor):
    """"" -> "timer" for the entries the timer made, "api" for the API's (none: the API
    always said "api"), else "manual". update(): no entry's updated_at moves, so no week's
    approval version (approvals.week_version) changes either."""
    TimeEntry = apps.get_model("tracker", "TimeEntry")
    for via in ("timer", "api"):
        TimeEntry.objects.filter(
            source="", pk__in=created(apps, via).values("object_id")
        ).update(source=via)
    TimeEntry.objects.filter(source="").update(source="manual")


def sources_blank(apps, schema_editor):
    TimeEntry = apps.get_model("tracker", "TimeEntry")
    TimeEntry.objects.filter(source__in=["manual", "timer"]).update(source="")


def tokens_named(apps, schema_editor):
    """The API's entries get the token their creation record names, if it still exists."""
    TimeEntry = apps.get_model("tracker", "TimeEntry")
    ApiToken = apps.get_model("tracker", "ApiToken")
    by_token = defaultdict(list)
    records = created(apps, "api").filter(via_ref__startswith="token ")
    for object_id, ref in records.values_list("object_id", "via_ref").iterator():
        if match := TOKEN_REF.match(ref):
            by_token[int(match[1])].append(object_id)
    if schema_editor.connection.vendor == "postgresql":
        # The new foreign key's checks run now, not at commit: a check left pending on the
        # table would stop the triggers' installation that follows.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    tokens = set(ApiToken.objects.filter(pk__in=list(by_token)).values_list("pk", flat=True))
    for token_id in tokens:
        ids = by_token[token_id]
        for start in range(0, len(ids), CHUNK):
            TimeEntry.objects.filter(
                pk__in=ids[start:start + CHUNK], source="api", api_token__isnull=True
            ).update(api_token_id=token_id)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):

    dependencies = [
        ('clients', '0005_input_bounds'),
        ('tracker', '0014_week_reminder_opt_in'),
    ]

    operations = [
        migrations.RunPython(lock_triggers_off, triggers_on),
        migrations.AddField(
            model_name='timeentry',
            name='api_token',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='tracker.apitoken'),
        ),
        migrations.AlterField(
            model_name='timeentry',
            name='source',
            field=models.CharField(choices=[('manual', 'Manual'), ('timer', 'Timer'), ('toggl', 'Toggl'), ('harvest', 'Harvest'), ('clockify', 'Clockify'), ('kimai', 'Kimai'), ('api', 'API')], default='manual', max_length=10),
        ),
        migrations.AddIndex(
            model_name='timeentry',
            index=models.Index(condition=models.Q(('api_token__isnull', False)), fields=['api_token'], name='time_entry_api_token'),
        ),
        migrations.RunPython(sources_named, sources_blank),
        migrations.AddConstraint(
            model_name='timeentry',
            constraint=models.CheckConstraint(condition=models.Q(('source__in', ['manual', 'timer', 'toggl', 'harvest', 'clockify', 'kimai', 'api'])), name='time_entry_source_valid'),
        ),
        migrations.RunPython(tokens_named, migrations.RunPython.noop),
        migrations.RunPython(triggers_on, lock_triggers_off),
    ]
