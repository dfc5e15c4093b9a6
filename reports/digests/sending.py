"""Sending each digest (or reminder) exactly once: claim, send, record; retry with backoff;
give up.

A runner claims a row with a conditional update before it builds the message; the row is
marked sent at the moment the SMTP server takes the message (reports.emails.
message_send_once), so a runner killed at any point leaves either a sent row or a row that
is sent again, once, after its lease. Failures keep their error and a retry time until the
last attempt marks the row failed.
"""

import datetime as dt
import logging
import smtplib
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ..emails import DeliveryUnconfirmed, SendAborted, message_send_once
from ..models import DigestDelivery
from . import reminders
from .content import UNSUBSCRIBED, WeekReports, digest_message, message_id

log = logging.getLogger(__name__)

Status = DigestDelivery.Status
Kind = DigestDelivery.Kind


def sending_lease() -> dt.timedelta:
    """How long a claimed row may stay "sending" before it counts as held by a dead runner."""
    return dt.timedelta(seconds=getattr(settings, "DIGEST_SENDING_LEASE_SECONDS", 120))


def max_attempts() -> int:
    return getattr(settings, "DIGEST_MAX_ATTEMPTS", 5)


def retry_delay(attempts: int) -> dt.timedelta:
    """Backoff after the `attempts`-th failure: 1, 4, 16 minutes..., at most an hour."""
    base = getattr(settings, "DIGEST_RETRY_BACKOFF_SECONDS", 60)
    return dt.timedelta(seconds=min(base * 4 ** (attempts - 1), 3600))


def claimable(now: dt.datetime) -> Q:
    waiting = Q(status=Status.PENDING) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    abandoned = Q(status=Status.SENDING, claimed_at__lt=now - sending_lease())
    return (waiting | abandoned) & Q(attempts__lt=max_attempts())


def give_up_abandoned(now: dt.datetime) -> int:
    """Rows whose runner died on their last allowed attempt end as failed, not stuck."""
    return DigestDelivery.objects.filter(
        status=Status.SENDING,
        claimed_at__lt=now - sending_lease(),
        attempts__gte=max_attempts(),
    ).update(
        status=Status.FAILED,
        last_error="Gave up: the runner sending it stopped without finishing, "
        "on the last allowed attempt.",
    )


def _claim(delivery_id: int, now: dt.datetime) -> bool:
    # A sort of optimistic lock: of two runners claiming one row, one update wins. Its
    # claimed_at is the winner's token: every later write checks it is still theirs.
    return bool(
        DigestDelivery.objects.filter(claimable(now), pk=delivery_id).update(
            status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    )


def _ours(delivery_id: int, claimed_at: dt.datetime, status=Status.SENDING):
    return DigestDelivery.objects.filter(pk=delivery_id, status=status, claimed_at=claimed_at)


def _is_permanent(exc: Exception) -> bool:
    """A 5xx answer (unknown mailbox, refused sender or content): retrying will not help."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def _record_failure(delivery_id: int, claimed_at: dt.datetime, exc: Exception, *,
                    status=Status.SENDING) -> str:
    """Back to pending with a retry time, or failed after the last attempt; the error kept."""
    row = _ours(delivery_id, claimed_at, status)
    attempts = row.values_list("attempts", flat=True).first()
    if attempts is None:
        return "lost"  # another runner has it now
    error = f"{exc.__class__.__name__}: {exc}"[:2000]
    if _is_permanent(exc) or attempts >= max_attempts():
        row.update(status=Status.FAILED, last_error=error, next_attempt_at=None, sent_at=None)
        log.warning("digest %s failed after %s attempt(s): %s", delivery_id, attempts, error)
        return "failed"
    row.update(status=Status.PENDING, last_error=error, sent_at=None,
               next_attempt_at=timezone.now() + retry_delay(attempts))
    return "retry"


@dataclass
class ChunkResult:
    """What one run over a chunk did, for the task's retry decision and its log line."""

    sent: int = 0
    skipped: int = 0  # claimed by another runner, sent already, or not due
    retry: list[int] = field(default_factory=list)
    failed: int = 0
    render_seconds: float = 0.0
    smtp_seconds: float = 0.0

    def retry_at(self) -> dt.datetime | None:
        return (
            DigestDelivery.objects.filter(pk__in=self.retry, status=Status.PENDING)
            .order_by("next_attempt_at")
            .values_list("next_attempt_at", flat=True)
            .first()
        ) if self.retry else None


def digests_send_many(*, delivery_ids: list[int], connection=None) -> ChunkResult:
    """Send a chunk over one SMTP connection, each row claimed and recorded on its own.

    Each row is marked sent as its message is taken (not at the end of the chunk), so a
    runner killed mid-chunk leaves only the row it was on in "sending", which is sent
    again once its lease expires; see emails.message_send_once for why that resend cannot
    be a second copy. Run it outside a transaction, as the task and the command do: each
    row's update must be committed before its message's last line goes out.
    """
    result = ChunkResult()
    reports = WeekReports()
    deliveries = (
        DigestDelivery.objects.filter(pk__in=delivery_ids)
        .select_related("recipient__team")
        .prefetch_related("recipient__managed_teams")
        .order_by(F("recipient__team_id").asc(nulls_first=True), "recipient_id")
    )
    own_connection = connection is None
    connection = connection or get_connection()
    unreachable = None  # the SMTP server cannot be reached: the rest of the chunk waits
    try:
        for delivery in deliveries:
            claimed_at = timezone.now()
            if not _claim(delivery.pk, claimed_at):
                result.skipped += 1
                continue
            unwanted = _unwanted(delivery)
            if unwanted is not None:
                status, reason = unwanted
                _ours(delivery.pk, claimed_at).update(status=status, last_error=reason)
                result.skipped += 1
                continue
            if unreachable is None:
                try:
                    connection.open()  # a no-op while the connection is up
                except Exception as exc:  # noqa: BLE001 - kept on the rows, retried later
                    unreachable = exc
            if unreachable is not None:
                outcome = _record_failure(delivery.pk, claimed_at, unreachable)
            else:
                outcome = _send_claimed(delivery, claimed_at, connection, reports, result)
            if outcome == "sent":
                result.sent += 1
            elif outcome == "retry":
                result.retry.append(delivery.pk)
            elif outcome == "failed":
                result.failed += 1
            else:
                result.skipped += 1
    finally:
        if own_connection:
            try:
                connection.close()
            except Exception:  # noqa: BLE001 - closing a broken connection is best effort
                log.debug("closing the SMTP connection failed", exc_info=True)
    return result


def _commit_without_waiting_for_disk() -> None:
    """Between the "sent" commit and the message's last line, a runner killed loses the
    digest (emails.message_send_once): keep that gap to a round trip, not a disk flush.

    With synchronous_commit off for this one transaction, PostgreSQL answers the COMMIT
    before its WAL reaches the disk (the row is committed and visible at once). A database
    crash in the next fraction of a second could forget the row, and the digest would then
    go out again after its lease: the same trade the module already makes for such crashes.
    """
    if db_connection.vendor == "postgresql":
        with db_connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _wants_digest(user) -> bool:
    return user.is_active and user.digest_opt_in and bool(user.email)


def _unwanted(delivery) -> tuple[str, str] | None:
    """Why a claimed row is no longer to be sent, as (status, reason); None: send it."""
    if delivery.kind == Kind.REMINDER:
        return reminders.reminder_unwanted(delivery.recipient, delivery.week_start)
    if not _wants_digest(delivery.recipient):
        return Status.FAILED, UNSUBSCRIBED
    return None


def _message(delivery, reports: WeekReports):
    if delivery.kind == Kind.REMINDER:
        return reminders.reminder_message(user=delivery.recipient, week_start=delivery.week_start)
    return digest_message(user=delivery.recipient, week_start=delivery.week_start,
                          reports=reports)


def _send_claimed(delivery, claimed_at, connection, reports, result) -> str:
    """Build and send one claimed row: "sent", "retry", "failed" or "lost" (not ours)."""
    started = time.perf_counter()
    committed = False
    reference = message_id(recipient_id=delivery.recipient_id, week_start=delivery.week_start,
                           kind=delivery.kind)

    def commit() -> bool:
        nonlocal committed
        with transaction.atomic():
            committed = bool(
                _ours(delivery.pk, claimed_at).update(
                    status=Status.SENT, sent_at=timezone.now(), message_id=reference,
                    last_error="", next_attempt_at=None,
                )
            )
            _commit_without_waiting_for_disk()
        return committed

    try:
        message = _message(delivery, reports)
        rendered = time.perf_counter()
        result.render_seconds += rendered - started
        try:
            message_send_once(message, connection=connection, commit=commit)
        finally:
            result.smtp_seconds += time.perf_counter() - rendered
    except SendAborted:
        return "lost"
    except DeliveryUnconfirmed as exc:
        # The whole message went out; its row stays sent rather than risk a second copy.
        _ours(delivery.pk, claimed_at, Status.SENT).update(
            last_error=f"Sent, but the server did not confirm: {exc}"[:2000]
        )
        return "sent"
    except Exception as exc:  # noqa: BLE001 - every failure is kept on the row
        log.info("digest %s not sent: %r", delivery.pk, exc)
        # Committed means the server refused the message after its last line (or the line
        # could not be written): it was not delivered, so the row is undone.
        return _record_failure(
            delivery.pk, claimed_at, exc, status=Status.SENT if committed else Status.SENDING
        )
    return "sent"


def digest_send(*, delivery_id: int, connection=None) -> bool:
    """Send one digest; False when another runner has it, it was sent, or it failed."""
    return digests_send_many(delivery_ids=[delivery_id], connection=connection).sent == 1
