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
        label = f"{week_start:%G-W%V}"
        if sync:
            sent = digests.digests_send_many(delivery_ids=delivery_ids)
            self.stdout.write(f"{label}: sent {sent} digest(s), {len(delivery_ids) - sent} skipped")
        else:
            chunks = enqueue_digest_chunks(delivery_ids)
            self.stdout.write(
                f"{label}: enqueued {len(delivery_ids)} digest(s) in {chunks} task(s)"
            )
