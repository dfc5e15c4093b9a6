"""Capacity counts only people who log time, from their start date.

The data, as the setting would have been chosen: a manager or an admin who never logged time
does not log time; everyone else does. A start date of the day they joined, or of their first
entry when that is earlier (people whose time was imported or seeded before their account).
"""

from django.db import migrations, models
from django.db.models import Exists, Min, OuterRef, Q

import tracker.models


def set_logs_time_and_start_date(apps, schema_editor):
    User = apps.get_model("tracker", "User")
    TimeEntry = apps.get_model("tracker", "TimeEntry")
    Team = apps.get_model("tracker", "Team")
    logged = TimeEntry.objects.filter(consultant=OuterRef("pk"))
    manages = Team.managers.through.objects.filter(user_id=OuterRef("pk"))
    User.objects.annotate(logged=Exists(logged), manages=Exists(manages)).filter(
        Q(is_staff=True) | Q(is_superuser=True) | Q(manages=True), logged=False
    ).update(logs_time=False)
    first_entries = dict(
        TimeEntry.objects.order_by().values_list("consultant_id").annotate(first=Min("date"))
    )
    for user in User.objects.only("pk", "date_joined").iterator():
        joined = user.date_joined.date()
        first = first_entries.get(user.pk)
        User.objects.filter(pk=user.pk).update(started_on=min(joined, first) if first else joined)


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0019_history_contacts_confirmations"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="logs_time",
            field=models.BooleanField(
                default=True,
                help_text="Counts toward the team's capacity. Off for managers and admins who "
                "log no time of their own.",
                verbose_name="logs time",
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="started_on",
            field=models.DateField(
                blank=True,
                default=tracker.models.default_start_date,
                help_text="Capacity counts from this day (someone joining mid-period has "
                "capacity from here). Blank: every period.",
                null=True,
                verbose_name="start date",
            ),
        ),
        migrations.RunPython(set_logs_time_and_start_date, migrations.RunPython.noop),
    ]
