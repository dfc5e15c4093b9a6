"""The rules for logging time, shared by the time form, the week grid and the API."""

import datetime as dt

from django.db.models import Sum

from .models import SECONDS_PER_DAY, Kind, TimeEntry


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
        errors["date"] = "Time cannot be logged in the future."
    if kind == Kind.CLIENT:
        if engagement is None:
            errors["engagement"] = "Client work needs an engagement."
        elif not engagement.members.filter(pk=consultant.pk).exists():
            errors["engagement"] = "You are not a member of this engagement."
        elif not engagement.is_active_on(date):
            errors["engagement"] = f"{engagement} is not active on {date:%-d %b %Y}."
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
