"""send_reminders [--week YYYY-Www] [--dry-run] [--sync]: the timesheet reminder for a week.

Every opted-in person of a team whose week (default: last week) is still unsubmitted gets
one reminder, whatever the hour: the hourly planner does the same at Monday 12:00 in each
person's timezone. Safe to run any number of times: one row per person, week and kind, each
claimed before it is sent, so nobody is reminded twice of a week. With --dry-run it lists
who would be reminded and writes nothing.
"""

from django.core.management.base import BaseCommand

from reports import digests

from ._weekly_mail import deliver, week_asked


class Command(BaseCommand):
    help = ("Remind everyone opted in whose timesheet for an ISO week (default: last week) "
            "is not submitted.")

    def add_arguments(self, parser):
        parser.add_argument("--week", help="ISO week, e.g. 2026-W47 (default: last week)")
        parser.add_argument("--dry-run", action="store_true",
                            help="list who would be reminded; send and write nothing")
        parser.add_argument(
            "--sync", action="store_true", help="send in this process instead of enqueueing"
        )

    def handle(self, *args, week=None, dry_run=False, sync=False, **options):
        week_start = week_asked(week)
        label = digests.iso_week(week_start)
        if not digests.reminders_enabled():
            self.stdout.write(f"{label}: reminders are switched off (WEEK_REMINDERS); "
                              "nothing sent")
            return
        if dry_run:
            people = list(digests.reminders_due(week_start=week_start).order_by("username"))
            for person in people:
                self.stdout.write(f"  {person.username} <{person.email}>")
            self.stdout.write(f"{label}: would remind {len(people)} person(s); nothing sent")
            return
        delivery_ids = digests.reminders_plan(week_start=week_start)
        deliver(self.stdout, label=label, delivery_ids=delivery_ids, sync=sync, noun="reminder")
