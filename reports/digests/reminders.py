"""The timesheet reminder: what it says, and whether a planned one is still worth sending.

A person whose last ISO week is still unsubmitted (no record, open, or returned) at Monday
12:00 in their own timezone gets one e-mail: the week's hours by kind and a link to My week
for it. It rides on the digest's machinery: a DigestDelivery row of kind "reminder", unique
per (recipient, week, kind), planned by planning.reminders_plan and claimed, sent and
retried by sending.digests_send_many, exactly once. WEEK_REMINDERS (on by default) turns the
whole feature off; each person turns theirs off on their profile page or with the e-mail's
one-click link.
"""

import datetime as dt

from django.conf import settings
from django.urls import reverse

from tracker import figures
from tracker.approvals import UNSUBMITTED, week_status
from tracker.models import Kind, TimeEntry

from ..emails import make_message
from ..models import DigestDelivery
from .content import UNSUBSCRIBED, absolute, mail_headers, message_id, unsubscribe_token
from .weeks import iso_week

REMIND_AT = dt.time(12)  # Monday noon in the person's own timezone
KIND = DigestDelivery.Kind.REMINDER


def reminders_enabled() -> bool:
    return getattr(settings, "WEEK_REMINDERS", True)


def reminder_unwanted(user, week_start: dt.date) -> tuple[str, str] | None:
    """Why a planned reminder is not to be sent any more, as (status, reason); None: send
    it. Checked when it is about to go: a week submitted since it was planned is not
    reminded."""
    Status = DigestDelivery.Status
    if not reminders_enabled():
        return Status.SKIPPED, "Not sent: reminders are switched off (WEEK_REMINDERS)."
    if not (user.is_active and user.week_reminder_opt_in and user.email and user.team_id):
        return Status.FAILED, UNSUBSCRIBED
    if week_status(consultant=user, week_start=week_start).status not in UNSUBMITTED:
        return Status.SKIPPED, "Not sent: the week was submitted before the reminder went out."
    return None


def reminder_context(*, user, week_start: dt.date) -> dict:
    week_end = week_start + dt.timedelta(days=6)
    approval = week_status(consultant=user, week_start=week_start)
    seconds = figures.kind_seconds(
        TimeEntry.objects.filter(consultant=user).in_period(week_start, week_end)
    )
    week = iso_week(week_start)
    token = unsubscribe_token(user, week_start, KIND)
    return {
        "user": user,
        "headline": f"Your timesheet for {week} is not submitted",
        "iso_week": week,
        "week_start": week_start,
        "week_end": week_end,
        "approval": approval,
        "returned": approval.status == approval.Status.RETURNED,
        "kinds": [{"label": kind.label, "hours": figures.hours(seconds.of_kind(kind))}
                  for kind in Kind],
        "total_hours": figures.hours(seconds.total),
        "capacity_hours": figures.capacity_hours(figures.capacity_of(user, week_start, week_end)),
        "my_week_url": absolute(reverse("tracker:my_week"), week=week),
        "preferences_url": absolute(reverse("profile")),
        "unsubscribe_url": absolute(
            reverse("digests:reminder_unsubscribe", kwargs={"token": token})
        ),
    }


def reminder_message(*, user, week_start: dt.date, connection=None):
    """The reminder of `user`'s unsubmitted week, exactly as it is sent."""
    context = reminder_context(user=user, week_start=week_start)
    return make_message(
        "week-reminder",
        to=user.email,
        context=context,
        headers=mail_headers(
            message_id=message_id(recipient_id=user.pk, week_start=week_start, kind=KIND),
            unsubscribe_url=context["unsubscribe_url"],
        ),
        connection=connection,
    )
