"""Weekly digests: who is due, and sending each one exactly once."""

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import get_connection
from django.db.models import F, Q, Sum
from django.utils import timezone

from tracker.models import Kind, TimeEntry

from .emails import make_message
from .models import DigestDelivery

log = logging.getLogger(__name__)

# A delivery stuck in "sending" longer than this was held by a worker that died.
SENDING_LEASE = dt.timedelta(minutes=2)
SEND_HOUR = 8  # Monday 08:00 in the recipient's own timezone


def parse_iso_week(value: str) -> dt.date:
    """'2026-W47' -> the Monday of that ISO week; ValueError with a clear message otherwise."""
    try:
        year, week = value.upper().split("-W")
        return dt.date.fromisocalendar(int(year), int(week), 1)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not an ISO week like 2026-W47") from exc


def last_week_start(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=today.weekday() + 7)


def due_recipients(*, now: dt.datetime):
    """Opted-in users for whom Monday 08:00 local has passed since their last week ended."""
    User = get_user_model()
    due = []
    for user in User.objects.filter(is_active=True, digest_opt_in=True).exclude(email=""):
        local = now.astimezone(user.tzinfo)
        monday = local.date() - dt.timedelta(days=local.weekday())
        send_from = dt.datetime.combine(monday, dt.time(SEND_HOUR), tzinfo=user.tzinfo)
        week_start = monday - dt.timedelta(days=7)
        if local < send_from:
            week_start -= dt.timedelta(days=7)
        due.append((user.pk, week_start))
    return due


def digests_plan(*, week_start: dt.date | None = None, now: dt.datetime | None = None) -> list[int]:
    """Create the delivery rows that are due (once each) and return those still to send.

    With `week_start`, every opted-in user is due for that week; without it, each user is due
    for the last week that has reached Monday 08:00 in their own timezone.
    """
    now = now or timezone.now()
    if week_start is not None:
        User = get_user_model()
        recipients = User.objects.filter(is_active=True, digest_opt_in=True).exclude(email="")
        wanted = [(pk, week_start) for pk in recipients.values_list("pk", flat=True)]
    else:
        wanted = due_recipients(now=now)
    # The unique constraint makes a second planner a no-op: rows are created once.
    DigestDelivery.objects.bulk_create(
        [DigestDelivery(recipient_id=pk, week_start=week) for pk, week in wanted],
        ignore_conflicts=True,
        batch_size=1000,
    )
    weeks = {week for _, week in wanted}
    return list(
        DigestDelivery.objects.filter(week_start__in=weeks)
        .filter(
            Q(status=DigestDelivery.Status.PENDING)
            | Q(status=DigestDelivery.Status.SENDING, claimed_at__lt=now - SENDING_LEASE)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _claim(delivery_id: int, now: dt.datetime) -> bool:
    # A sort of optimistic lock: of two runners claiming one row, one update wins.
    return bool(
        DigestDelivery.objects.filter(pk=delivery_id)
        .filter(
            Q(status=DigestDelivery.Status.PENDING)
            | Q(status=DigestDelivery.Status.SENDING, claimed_at__lt=now - SENDING_LEASE)
        )
        .update(
            status=DigestDelivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    )


def digest_context(*, user, week_start: dt.date) -> dict:
    week_end = week_start + dt.timedelta(days=6)
    totals = dict(
        TimeEntry.objects.filter(consultant=user)
        .in_period(week_start, week_end)
        .order_by()
        .values_list("kind")
        .annotate(total=Sum("seconds"))
    )
    hours = {kind.value: round(totals.get(kind.value, 0) / 3600, 2) for kind in Kind}
    client_and_promotion = hours["client"] + hours["promotion"]
    return {
        "user": user,
        "week_start": week_start,
        "week_end": week_end,
        "iso_week": f"{week_start:%G-W%V}",
        "hours": hours,
        "rows": [(kind.label, hours[kind.value]) for kind in Kind],
        "total_hours": round(sum(totals.values()) / 3600, 2),
        "capacity_hours": float(user.weekly_capacity_hours),
        "promotion_share": (
            round(hours["promotion"] / client_and_promotion, 3) if client_and_promotion else None
        ),
        "site_url": settings.SITE_URL,
    }


def digest_send(*, delivery_id: int, connection=None) -> bool:
    """Send one claimed digest; False when another runner has it or it was sent already."""
    now = timezone.now()
    if not _claim(delivery_id, now):
        return False
    delivery = DigestDelivery.objects.select_related("recipient").get(pk=delivery_id)
    message_id = f"<digest-{delivery.recipient_id}-{delivery.week_start:%G-W%V}@clientfirst>"
    message = make_message(
        "digest",
        to=delivery.recipient.email,
        context=digest_context(user=delivery.recipient, week_start=delivery.week_start),
        headers={"Message-ID": message_id},
        connection=connection,
    )
    try:
        message.send()
    except Exception as exc:
        DigestDelivery.objects.filter(pk=delivery_id).update(
            status=DigestDelivery.Status.PENDING, last_error=f"{exc.__class__.__name__}: {exc}"
        )
        raise
    DigestDelivery.objects.filter(pk=delivery_id).update(
        status=DigestDelivery.Status.SENT,
        sent_at=timezone.now(),
        message_id=message_id,
        last_error="",
    )
    return True


def digests_send_many(*, delivery_ids: list[int]) -> int:
    """Send a chunk over one SMTP connection; returns how many were sent by this call."""
    sent = 0
    with get_connection() as connection:
        for delivery_id in delivery_ids:
            if digest_send(delivery_id=delivery_id, connection=connection):
                sent += 1
    return sent
