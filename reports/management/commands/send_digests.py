"""send_digests [--week YYYY-Www] [--sync]: the weekly digest for one ISO week.

Safe to run any number of times, at once or one after another: the rows are created once
(one per recipient and week) and each is claimed before it is sent, so nobody gets a second
digest for a week. A run after a crashed worker re-sends what the crash left unsent, once
the rows' lease (DIGEST_SENDING_LEASE_SECONDS) has expired.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reports import digests
from reports.tasks import enqueue_digest_chunks


class Command(BaseCommand):
    help = "Send the weekly digest for an ISO week (default: last week) to every opted-in user."

    def add_arguments(self, parser):
        parser.add_argument("--week", help="ISO week, e.g. 2026-W47 (default: last week)")
        parser.add_argument(
            "--sync", action="store_true", help="send in this process instead of enqueueing"
        )

    def handle(self, *args, week=None, sync=False, **options):
        if week:
            try:
                week_start = digests.parse_iso_week(week)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        else:
            week_start = digests.last_week_start(timezone.localdate())
        delivery_ids = digests.digests_plan(week_start=week_start)
        label = digests.iso_week(week_start)
        if sync:
            result = digests.digests_send_many(delivery_ids=delivery_ids)
            self.stdout.write(
                f"{label}: sent {result.sent} digest(s), {result.skipped} skipped, "
                f"{len(result.retry)} to retry, {result.failed} failed"
            )
            return
        try:
            chunks = enqueue_digest_chunks(delivery_ids)
        except Exception as exc:  # noqa: BLE001 - the broker is away: say so, lose nothing
            raise CommandError(
                f"{label}: could not reach the broker ({exc}); the {len(delivery_ids)} "
                "digest(s) stay pending: run this again when it answers (the hourly planner "
                "also picks up the last two weeks' pending digests)."
            ) from exc
        self.stdout.write(f"{label}: enqueued {len(delivery_ids)} digest(s) in {chunks} task(s)")
