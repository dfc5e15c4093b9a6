"""Celery tasks: thin wrappers that fetch by id, call a service and decide retries."""

import datetime as dt
import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from tracker.queueing import task_publish

from . import digests

log = logging.getLogger(__name__)

# A retry further away than this is left to the hourly planner: long waits belong in the
# database (DigestDelivery.next_attempt_at), not in ETAs held under Redis's visibility timeout.
LONGEST_COUNTDOWN = 15 * 60


def digest_chunk_size() -> int:
    return getattr(settings, "DIGEST_CHUNK_SIZE", 50)


def enqueue_digest_chunks(delivery_ids: list[int]) -> int:
    """Publish the rows in chunks: one task, one SMTP connection, per chunk.

    Called after the rows are committed (the planner writes them in autocommit). A publish
    that fails leaves them pending, and the next hourly planner (or a worker as it starts)
    publishes them again: ConnectionError says so to the caller.
    """
    chunks = digests.delivery_chunks(delivery_ids, digest_chunk_size())
    for chunk in chunks:
        if not task_publish(send_digest_chunk_task, chunk):
            raise ConnectionError("the broker did not answer; the rows stay pending")
    return len(chunks)


@shared_task
def plan_digests_task(week_start: str | None = None) -> int:
    """Run by beat every hour: create the deliveries that are due and fan them out."""
    week = dt.date.fromisoformat(week_start) if week_start else None
    return enqueue_digest_chunks(digests.digests_plan(week_start=week))


@shared_task
def plan_reminders_task(week_start: str | None = None) -> int:
    """Run by beat every hour: the timesheet reminders that are due (Monday 12:00 in each
    person's timezone, last week unsubmitted), sent by the digest's chunk task."""
    week = dt.date.fromisoformat(week_start) if week_start else None
    return enqueue_digest_chunks(digests.reminders_plan(week_start=week))


@shared_task
def sweep_digests_task() -> int:
    """Run by a worker as it starts: the digests and reminders planned and still to send
    (the broker was away, a worker died) are published; planning is beat's, hourly."""
    return enqueue_digest_chunks(digests.deliveries_to_send())


@shared_task(
    # Only the database can fail the whole chunk: SMTP errors are kept on each row.
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=10,
    retry_backoff_max=300,
    max_retries=5,
)
def send_digest_chunk_task(delivery_ids: list[int]) -> int:
    result = digests.digests_send_many(delivery_ids=delivery_ids)
    log.info(
        "digest chunk: %s sent, %s skipped, %s to retry, %s failed; "
        "render %.3fs, smtp %.3fs",
        result.sent, result.skipped, len(result.retry), result.failed,
        result.render_seconds, result.smtp_seconds,
    )
    retry_at = result.retry_at()
    if retry_at is not None:
        countdown = max((retry_at - timezone.now()).total_seconds(), 1)
        if countdown <= LONGEST_COUNTDOWN:
            # Not taken: the rows keep their next attempt, for the hourly planner.
            task_publish(send_digest_chunk_task, result.retry, countdown=countdown)
    return result.sent


@shared_task
def build_report_task(run_id: int) -> bool:
    from .services import report_build

    return report_build(run_id=run_id)


@shared_task
def sweep_report_runs_task(grace_seconds: float | None = None) -> int:
    """Run by beat every minute, and by a worker as it starts (with no grace): nothing
    requested is lost while the broker or the workers were away."""
    from .services import PUBLISH_GRACE, report_runs_sweep

    grace = PUBLISH_GRACE if grace_seconds is None else dt.timedelta(seconds=grace_seconds)
    return report_runs_sweep(grace=grace)


@shared_task(
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    max_retries=5,
)
def send_saved_report_task(saved_report_id: int) -> int:
    """Run by django-celery-beat on a saved report's schedule."""
    from .saved import saved_report_send

    return saved_report_send(saved_report_id=saved_report_id)


@shared_task(
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    max_retries=5,
)
def send_saved_report_now_task(saved_report_id: int, start: str, end: str) -> int:
    """A saved report's "send now": its period, to its recipients, once."""
    from .saved import saved_report_send_period

    return saved_report_send_period(
        saved_report_id=saved_report_id,
        start=dt.date.fromisoformat(start),
        end=dt.date.fromisoformat(end),
    )


@shared_task(
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError, OSError),
    retry_backoff=30,
    max_retries=4,
)
def send_confirmation_task(request_id: int) -> bool:
    """A client contact's confirmation request (reports/confirmations.py): sent once."""
    from .confirmations import confirmation_mail_send

    return confirmation_mail_send(request_id=request_id)


@shared_task
def sweep_confirmations_task() -> int:
    """Run by beat every hour: the reminders due (7 days unanswered) and any request whose
    e-mail was lost on the way, each sent exactly once."""
    from .confirmations import confirmations_sweep

    return confirmations_sweep()
