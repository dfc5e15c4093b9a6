"""What send_digests and send_reminders share: the week asked for, and the run itself."""

import datetime as dt

from django.core.management.base import CommandError
from django.utils import timezone

from reports import digests
from reports.tasks import enqueue_digest_chunks


def week_asked(week: str | None) -> dt.date:
    """The Monday of `--week` (an ISO week), or of last week."""
    if not week:
        return digests.last_week_start(timezone.localdate())
    try:
        return digests.parse_iso_week(week)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc


def deliver(stdout, *, label: str, delivery_ids: list[int], sync: bool, noun: str) -> None:
    """Send the rows in this process (`sync`) or enqueue them in chunks, and say so."""
    if sync:
        result = digests.digests_send_many(delivery_ids=delivery_ids)
        stdout.write(
            f"{label}: sent {result.sent} {noun}(s), {result.skipped} skipped, "
            f"{len(result.retry)} to retry, {result.failed} failed"
        )
        return
    try:
        chunks = enqueue_digest_chunks(delivery_ids)
    except Exception as exc:  # noqa: BLE001 - the broker is away: say so, lose nothing
        raise CommandError(
            f"{label}: could not reach the broker ({exc}); the {len(delivery_ids)} "
            f"{noun}(s) stay pending: run this again when it answers (the hourly planner "
            "also picks up the last two weeks' pending ones)."
        ) from exc
    stdout.write(f"{label}: enqueued {len(delivery_ids)} {noun}(s) in {chunks} task(s)")
