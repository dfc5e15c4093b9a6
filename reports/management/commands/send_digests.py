"""send_digests [--week YYYY-Www] [--sync]: the weekly digest for one ISO week.

Safe to run any number of times, at once or one after another: the rows are created once
(one per recipient and week) and each is claimed before it is sent, so nobody gets a second
digest for a week. A run after a crashed worker re-sends what the crash left unsent, once
the rows' lease (DIGEST_SENDING_LEASE_SECONDS) has expired.
"""

from django.core.management.base import BaseCommand

from reports import digests

from ._weekly_mail import deliver, week_asked


class Command(BaseCommand):
    help = "Send the weekly digest for an ISO week (default: last week) to every opted-in user."

    def add_arguments(self, parser):
        parser.add_argument("--week", help="ISO week, e.g. 2026-W47 (default: last week)")
        parser.add_argument(
            "--sync", action="store_true", help="send in this process instead of enqueueing"
        )

    def handle(self, *args, week=None, sync=False, **options):
        week_start = week_asked(week)
        delivery_ids = digests.digests_plan(week_start=week_start)
        deliver(self.stdout, label=digests.iso_week(week_start), delivery_ids=delivery_ids,
                sync=sync, noun="digest")
