"""The rules for logging time, shared by the time form, the week grid and the API."""

import datetime as dt

from django.db.models import Sum

from clients.models import Engagement

from .models import SECONDS_PER_DAY, Kind, TimeEntry

FUTURE = "Time cannot be logged in the future."  # also the grid's title on such a day


def _not_active_message(engagement, date: dt.date) -> str:
    """Why `engagement` takes no time on `date`, in the words its page uses."""
    said = f"{engagement} is not active on {date:%-d %b %Y}"
    if engagement.status != Engagement.Status.ACTIVE:
        return f"{said}: it is {engagement.get_status_display().lower()}."
    if date < engagement.starts_on:
        return f"{said}: it starts on {engagement.starts_on:%-d %b %Y}."
    return f"{said}: it ended on {engagement.ends_on:%-d %b %Y}."


def time_entry_errors(
    *,
    consultant,
    date: dt.date,
    seconds: int,
    kind: str,
    engagement=None,
    activity=None,
    exclude_pk: int | None = None,
    other_seconds_that_day: int | None = None,
) -> dict[str, str]:
    """Field -> message for every rule the entry breaks; empty when it may be saved.

    `other_seconds_that_day` lets a caller that saves several entries at once (the week grid)
    supply the day's other time itself instead of reading it from the database.
    """
    errors: dict[str, str] = {}
    if date > consultant.today():
        errors["date"] = FUTURE
    if kind == Kind.CLIENT:
        if engagement is None:
            errors["engagement"] = "Client work needs an engagement."
        # The menus offer Engagement.objects.loggable_by(); the rule is the same query, so
        # a form never offers what it then refuses.
        elif not Engagement.objects.loggable_by(consultant, date).filter(
            pk=engagement.pk
        ).exists():
            if not engagement.members.filter(pk=consultant.pk).exists():
                errors["engagement"] = "You are not a member of this engagement."
            else:
                errors["engagement"] = _not_active_message(engagement, date)
    elif engagement is not None:
        errors["engagement"] = "Only client work is logged on an engagement."
    if activity is not None:
        if kind != Kind.PROMOTION:
            errors["activity"] = "Only promotion time can link to an activity."
        elif activity.consultant_id != consultant.pk:
            errors["activity"] = "This activity is someone else's."
    if other_seconds_that_day is None:
        others = TimeEntry.objects.filter(consultant=consultant, date=date)
        if exclude_pk:
            others = others.exclude(pk=exclude_pk)
        other_seconds_that_day = others.aggregate(total=Sum("seconds"))["total"] or 0
    if seconds and other_seconds_that_day + seconds > SECONDS_PER_DAY:
        left = max(SECONDS_PER_DAY - other_seconds_that_day, 0)
        errors["seconds"] = (
            f"That makes more than 24 hours on {date:%-d %b}; {left // 3600}:"
            f"{left % 3600 // 60:02d} left that day."
        )
    return errors


def day_full_error(*, consultant, date: dt.date) -> str:
    """Why a timer cannot start on `date`: the day already holds 24 hours, so whatever it
    ran would be refused when stopped. Empty when it may start."""
    day = TimeEntry.objects.filter(consultant=consultant, date=date)
    logged = day.aggregate(total=Sum("seconds"))["total"] or 0
    if logged < SECONDS_PER_DAY:
        return ""
    return (
        f"You have already logged 24 hours on {date:%a %-d %b}, so a timer started now could "
        "log nothing. Change that day's time first."
    )
