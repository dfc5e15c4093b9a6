"""Asking a client contact to confirm an outcome: the signed link, its e-mail and reminder.

The records are clients.models.ConfirmationRequest, written by clients/services.py; this
module adds what has side effects: the e-mail (through the digests' exactly-once path,
reports.emails.message_send_once), the reminder after CONFIRMATION_REMINDER_AFTER, and the
link's token.

The link is /confirm/<token>/, the token a signature (SECRET_KEY, its own salt) of the
request, its outcome, its contact and the digest of the figures asked about. It works while
the request is unanswered, younger than CONFIRMATION_LINK_AGE, and the outcome's figures
still have that digest. Nothing else is reachable with it.

Exactly once: `sent_at` (then `reminded_at`) is set by a conditional update at the moment the
server is about to take the message (message_send_once's commit), so two runners, a retry or
a sweep never send it twice; a runner killed before that leaves it unsent for the sweep.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from clients import services as clients_services
from clients.models import (
    CONFIRMATION_LINK_AGE,
    CONFIRMATION_REMINDER_AFTER,
    ClientContact,
    ConfirmationRequest,
    Outcome,
)
from tracker.models import User
from tracker.queueing import task_publish

from .emails import DeliveryUnconfirmed, SendAborted, make_message, message_send_once

log = logging.getLogger(__name__)

SALT = "clientfirst.confirmation-link"
# An e-mail asked for and not sent after this long was lost on the way (the broker was away,
# a worker died): the sweep sends it.
SEND_GRACE = dt.timedelta(minutes=5)
MAX_SEND_ATTEMPTS = 5


# --- the link -----------------------------------------------------------------------------


def confirmation_token(request: ConfirmationRequest) -> str:
    return signing.Signer(salt=SALT).sign_object(
        {
            "r": request.pk,
            "o": request.outcome_id,
            "c": request.contact_id,
            "h": request.figures_hash[:32],
        }
    )


def confirmation_url(request: ConfirmationRequest) -> str:
    return settings.SITE_URL + reverse("confirmations:confirm", args=[confirmation_token(request)])


class LinkState:
    INVALID = "invalid"  # forged, mangled, or naming what it was not signed for
    EXPIRED = "expired"
    USED = "used"
    STALE = "stale"  # the outcome's figures changed since it was asked
    OPEN = "open"


@dataclass(frozen=True)
class Link:
    state: str
    request: ConfirmationRequest | None = None


def link_open(token: str, *, now: dt.datetime | None = None) -> Link:
    """What the link `token` may do now; the request only when it is OPEN (or its page may
    say it was already answered or went stale, with no detail of the outcome)."""
    try:
        data = signing.Signer(salt=SALT).unsign_object(token)
        pk, outcome_pk, contact_pk, digest = data["r"], data["o"], data["c"], data["h"]
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return Link(LinkState.INVALID)
    request = (
        ConfirmationRequest.objects.select_related("contact", "outcome__engagement__client")
        .filter(pk=pk, outcome_id=outcome_pk, contact_id=contact_pk)
        .first()
    )
    if request is None or not request.figures_hash.startswith(str(digest)):
        return Link(LinkState.INVALID)
    if request.contact.client_id != request.outcome.engagement.client_id:
        return Link(LinkState.INVALID)
    if request.answered_at is not None:
        return Link(LinkState.USED)
    if request.is_expired(now or timezone.now()):
        return Link(LinkState.EXPIRED)
    if request.outcome.figures_digest() != request.figures_hash:
        return Link(LinkState.STALE)
    return Link(LinkState.OPEN, request)


# --- asking ---------------------------------------------------------------------------------


def confirmation_request_send(
    *, outcome: Outcome, contact: ClientContact, asked_by: User | None
) -> ConfirmationRequest:
    """Ask `contact` to confirm `outcome`: the record, then (once it is committed) the e-mail
    by a Celery task. A publish that fails leaves the row unsent for the sweep."""
    from .tasks import send_confirmation_task

    with transaction.atomic():
        request = clients_services.confirmation_request_create(
            outcome=outcome, contact=contact, asked_by=asked_by
        )
        transaction.on_commit(lambda: task_publish(send_confirmation_task, request.pk))
    return request


# --- the e-mails ----------------------------------------------------------------------------


def _message_id(request: ConfirmationRequest, kind: str) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "clientfirst"
    return f"<confirmation-{kind}-{request.pk}@{host}>"


def _message(request: ConfirmationRequest, *, reminder: bool, connection):
    outcome = request.outcome
    measurements = request.figures["measurements"]
    context = {
        "request": request,
        "outcome": outcome,
        "contact": request.contact,
        "engagement": outcome.engagement,
        "client": outcome.engagement.client,
        "figures": request.figures,
        "latest": measurements[-1] if measurements else None,
        "asked_by": request.asked_by,
        "url": confirmation_url(request),
        "expires_on": request.expires_at.date(),
        "reminder": reminder,
    }
    return make_message(
        "confirmation-request",
        to=request.contact.email,
        context=context,
        headers={
            "Message-ID": _message_id(request, "reminder" if reminder else "request"),
            "Auto-Submitted": "auto-generated",
        },
        connection=connection,
    )


def confirmation_mail_send(*, request_id: int, reminder: bool = False, connection=None) -> bool:
    """Send the request's e-mail (or its reminder) unless it has gone already; True once it
    went out in this call. An SMTP refusal leaves it unsent and is raised (the task retries)."""
    field = "reminded_at" if reminder else "sent_at"
    request = (
        ConfirmationRequest.objects.select_related(
            "contact", "asked_by", "outcome__engagement__client"
        )
        .filter(pk=request_id, **{f"{field}__isnull": True})
        .first()
    )
    if request is None or (reminder and (request.answered_at or request.sent_at is None)):
        return False
    connection = connection or get_connection()
    unsent = ConfirmationRequest.objects.filter(pk=request_id, **{f"{field}__isnull": True})
    if reminder:
        unsent = unsent.filter(answered_at__isnull=True)
    committed = False

    def commit() -> bool:
        # A sort of optimistic lock: of two runners, one sets the time, the other gives up.
        nonlocal committed
        committed = bool(
            unsent.update(
                **{field: timezone.now()}, send_attempts=F("send_attempts") + 1, last_error=""
            )
        )
        return committed

    message = _message(request, reminder=reminder, connection=connection)
    try:
        message_send_once(message, connection=connection, commit=commit)
    except SendAborted:
        return False
    except DeliveryUnconfirmed as exc:
        ConfirmationRequest.objects.filter(pk=request_id).update(
            last_error=f"Sent, but the server did not confirm: {exc}"[:2000]
        )
        return True
    except Exception as exc:
        # Refused after the commit: not delivered, so it is unsent again, for a retry.
        undo = {field: None} if committed else {}
        ConfirmationRequest.objects.filter(pk=request_id).update(
            **undo,
            send_attempts=F("send_attempts") + (0 if committed else 1),
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        raise
    return True


def confirmations_due(*, now: dt.datetime | None = None) -> list[tuple[int, bool]]:
    """(request id, reminder?) of every e-mail due: requests not sent after SEND_GRACE (the
    task was lost), and reminders of requests unanswered CONFIRMATION_REMINDER_AFTER after
    they were asked, while their link still works."""
    now = now or timezone.now()
    live = ConfirmationRequest.objects.filter(
        answered_at__isnull=True,
        asked_at__gt=now - CONFIRMATION_LINK_AGE,
        send_attempts__lt=MAX_SEND_ATTEMPTS,
    )
    unsent = live.filter(sent_at__isnull=True, asked_at__lte=now - SEND_GRACE)
    reminders = live.filter(
        sent_at__isnull=False,
        reminded_at__isnull=True,
        asked_at__lte=now - CONFIRMATION_REMINDER_AFTER,
    )
    return [(pk, False) for pk in unsent.values_list("pk", flat=True)] + [
        (pk, True) for pk in reminders.values_list("pk", flat=True)
    ]


def confirmations_sweep(*, now: dt.datetime | None = None) -> int:
    """Send what is due (confirmations_due), each once; returns how many went out."""
    sent = 0
    connection = get_connection()
    for pk, reminder in confirmations_due(now=now):
        try:
            sent += confirmation_mail_send(request_id=pk, reminder=reminder, connection=connection)
        except Exception as exc:  # noqa: BLE001 - kept on the row, tried again next sweep
            log.warning("confirmation %s e-mail not sent: %r", pk, exc)
    return sent
