"""Who is due for which week: Monday 08:00 in each recipient's own timezone (the digest),
Monday 12:00 for the reminder of a week left unsubmitted.

The planner writes one DigestDelivery row per recipient and week (the unique constraint
makes a second planner, or a late one, create nothing twice) and returns the rows to send
now, including those a retry or a dead runner left behind. It plans a week only within
SEND_WINDOW (a day) of its Monday 08:00: older weeks go out only when an operator asks.
"""

import datetime as dt
import logging
import zoneinfo
from collections import defaultdict

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from tracker.approvals import people_with_week_unsubmitted
from tracker.models import User

from ..models import DigestDelivery
from .reminders import REMIND_AT, reminders_enabled
from .sending import claimable, give_up_abandoned
from .weeks import SEND_AT, SEND_WINDOW, due_week, send_moment

Kind = DigestDelivery.Kind

log = logging.getLogger(__name__)

# Rows of older weeks are no longer worth sending: the planner's sweep leaves them alone.
RETRY_HORIZON = dt.timedelta(days=14)


def recipients():
    return User.objects.filter(is_active=True, digest_opt_in=True).exclude(email="")


def _zone(name: str) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        log.warning("unknown timezone %r: using %s", name, settings.TIME_ZONE)
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def due_weeks(*, now: dt.datetime, people=None, at: dt.time = SEND_AT
              ) -> dict[dt.date, list[str]]:
    """{week due: [timezones]}: one query for the timezones in use, not one per person.

    A timezone whose week fell due (the Monday after it, at `at`) more than SEND_WINDOW ago
    is due for nothing: its people got that week's e-mail already, or it is too late to be
    worth sending. `people`: the digest's recipients unless said.
    """
    people = recipients() if people is None else people
    weeks = defaultdict(list)
    for name in people.order_by().values_list("timezone", flat=True).distinct():
        zone = _zone(name)
        week = due_week(now, zone, at)
        if now - send_moment(week, zone, at) <= SEND_WINDOW:
            weeks[week].append(name)
    return dict(weeks)


def due_recipients(*, now: dt.datetime) -> list[tuple[int, dt.date]]:
    """(user id, week due) for every opted-in user whose week is due now."""
    return [
        (pk, week)
        for week, zones in due_weeks(now=now).items()
        for pk in recipients().filter(timezone__in=zones).values_list("pk", flat=True)
    ]


def digests_plan(*, week_start: dt.date | None = None, now: dt.datetime | None = None) -> list[int]:
    """Create the delivery rows that are due (once each) and return those to send now.

    With `week_start`, every opted-in user is due for that week and only that week's rows are
    returned. Without it (the hourly planner), each user is due for their own last week if
    its Monday 08:00 was less than a day ago, and the rows of recent weeks still waiting (a
    retry that is due, a runner that died) are returned too. The ids come ordered by team, so
    a chunk shares its teams' reports.
    """
    now = now or timezone.now()
    if week_start is not None:
        wanted = {week_start: recipients()}
    else:
        wanted = {
            week: recipients().filter(timezone__in=zones)
            for week, zones in due_weeks(now=now).items()
        }
    return deliveries_plan(kind=Kind.DIGEST, wanted=wanted, week_start=week_start, now=now)


def reminder_recipients():
    """Who may get a timesheet reminder: active people of a team, with an e-mail, opted in."""
    return User.objects.filter(
        is_active=True, week_reminder_opt_in=True, team__isnull=False
    ).exclude(email="")


def reminders_due(*, week_start: dt.date):
    """The reminder's recipients whose week is unsubmitted and who have no reminder of it."""
    return people_with_week_unsubmitted(reminder_recipients(), week_start).exclude(
        pk__in=DigestDelivery.objects.filter(week_start=week_start, kind=Kind.REMINDER)
        .values("recipient_id")
    )


def reminders_plan(*, week_start: dt.date | None = None, now: dt.datetime | None = None
                   ) -> list[int]:
    """digests_plan for the timesheet reminder: a row for each opted-in person whose last
    week is still unsubmitted at Monday 12:00 in their timezone (within SEND_WINDOW), or
    whose `week_start` week is; nothing at all while WEEK_REMINDERS is off."""
    if not reminders_enabled():
        return []
    now = now or timezone.now()
    people = reminder_recipients()
    if week_start is not None:
        wanted = {week_start: people_with_week_unsubmitted(people, week_start)}
    else:
        wanted = {
            week: people_with_week_unsubmitted(people.filter(timezone__in=zones), week)
            for week, zones in due_weeks(now=now, people=people, at=REMIND_AT).items()
        }
    return deliveries_plan(kind=Kind.REMINDER, wanted=wanted, week_start=week_start, now=now)


def deliveries_plan(*, kind: str, wanted: dict, week_start: dt.date | None,
                    now: dt.datetime) -> list[int]:
    """Create a `kind` row for each of the `wanted` {week: people} that has none, and return
    the rows of that kind to send now: those of `week_start` only, or of recent weeks."""
    for week, people in wanted.items():
        # Only the people without a row yet: an hourly run writes nothing once all are in.
        missing = people.exclude(
            pk__in=DigestDelivery.objects.filter(week_start=week, kind=kind)
            .values("recipient_id")
        ).values_list("pk", flat=True)
        # ignore_conflicts: a planner running at the same moment may insert some of them.
        DigestDelivery.objects.bulk_create(
            [DigestDelivery(recipient_id=pk, week_start=week, kind=kind) for pk in missing],
            ignore_conflicts=True,
            batch_size=1000,
        )
    return deliveries_to_send(kind=kind, week_start=week_start, now=now)


def deliveries_to_send(*, kind: str | None = None, week_start: dt.date | None = None,
                       now: dt.datetime | None = None) -> list[int]:
    """The rows already planned that are to be sent now (a retry that is due, a runner that
    died, a publish the broker never took): of `kind` (else of any), of `week_start` only
    or of recent weeks. Creates none: a worker that starts sweeps with this."""
    now = now or timezone.now()
    give_up_abandoned(now)
    rows = DigestDelivery.objects.filter(claimable(now))
    if kind is not None:
        rows = rows.filter(kind=kind)
    if week_start is not None:
        rows = rows.filter(week_start=week_start)
    else:
        rows = rows.filter(week_start__gte=now.date() - RETRY_HORIZON)
    # People without a team first: an admin's organisation-wide digest is the slowest one,
    # better started early than left as the week's tail.
    return list(
        rows.order_by(F("recipient__team_id").asc(nulls_first=True), "recipient_id",
                      "week_start")
        .values_list("pk", flat=True)
    )


def delivery_chunks(delivery_ids: list[int], size: int) -> list[list[int]]:
    """The rows in chunks of about `size` that do not split a team where it can be helped:
    a team's report is then computed by one chunk, not two (at most 2 x size a chunk)."""
    team_of = dict(
        DigestDelivery.objects.filter(pk__in=delivery_ids)
        .values_list("pk", "recipient__team_id")
    )
    chunks, chunk = [], []
    for delivery_id in delivery_ids:
        team_changes = not chunk or team_of.get(chunk[-1]) != team_of.get(delivery_id)
        if chunk and (len(chunk) >= 2 * size or (len(chunk) >= size and team_changes)):
            chunks.append(chunk)
            chunk = []
        chunk.append(delivery_id)
    if chunk:
        chunks.append(chunk)
    return chunks
