"""The balance report: where people's time went and what it produced for clients.

One computation for the page, the Celery task, the `balance_report` command, the digests and
the API. It reads the weekly rollup (reports.WeeklyTotal) for whole ISO weeks inside the
period and the raw entries for the partial weeks at its edges, so it is exact for any dates.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Sum

from clients.models import Client, Engagement, Outcome
from tracker.models import Activity, Kind, Team, TimeEntry, User

from .models import WeeklyTotal

DEFAULT_THRESHOLD = Decimal("0.30")
FLAG = "brand_over_client"
KINDS = [kind.value for kind in Kind]


def hours(seconds: int) -> float:
    """Decimal hours rounded half-up to 2 places (a total is rounded once, from seconds)."""
    return float((Decimal(seconds) / 3600).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def share(client_seconds: int, promotion_seconds: int) -> float | None:
    if client_seconds + promotion_seconds == 0:
        return None
    return promotion_seconds / (client_seconds + promotion_seconds)


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError("The period ends before it starts.")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def split(self):
        """(first whole-week Monday, last whole-week Monday) or None, and the edge ranges."""
        first = self.start + dt.timedelta(days=(7 - self.start.weekday()) % 7)
        last = self.end - dt.timedelta(days=(self.end.weekday() + 1) % 7) - dt.timedelta(days=6)
        if first > last:
            return None, [(self.start, self.end)]
        edges = []
        if self.start < first:
            edges.append((self.start, first - dt.timedelta(days=1)))
        last_sunday = last + dt.timedelta(days=6)
        if last_sunday < self.end:
            edges.append((last_sunday + dt.timedelta(days=1), self.end))
        return (first, last), edges


@dataclass
class Scope:
    """Whose rows: everyone the viewer may see, narrowed to a team, a consultant or a client."""

    viewer: User
    team: Team | None = None
    consultant: User | None = None
    client: Client | None = None

    def people(self, period: Period):
        people = User.objects.visible_to(self.viewer)
        if self.team is not None:
            people = people.filter(team=self.team)
        if self.consultant is not None:
            people = people.filter(pk=self.consultant.pk)
        if self.client is not None:
            worked = TimeEntry.objects.in_period(period.start, period.end).filter(
                engagement__client=self.client
            )
            people = people.filter(pk__in=worked.values("consultant_id"))
        return people

    @property
    def is_everyone(self) -> bool:
        return (
            self.viewer.is_admin and self.team is None and self.consultant is None
            and self.client is None
        )


def _time_cells(period: Period, people, everyone: bool):
    """Yield (consultant_id, kind, engagement_id or 0, week_start, seconds) for the period.

    Two grouped queries at most per part: whole weeks from the rollup, edges from entries.
    """
    whole, edges = period.split()
    if whole:
        rollup = WeeklyTotal.objects.filter(week_start__range=whole, entries__gt=0)
        if not everyone:
            rollup = rollup.filter(consultant__in=people)
        yield from rollup.order_by().values_list(
            "consultant_id", "kind", "engagement_key", "week_start"
        ).annotate(total=Sum("seconds"))
    for start, end in edges:
        entries = TimeEntry.objects.in_period(start, end)
        if not everyone:
            entries = entries.filter(consultant__in=people)
        monday = week_start(start)  # an edge never spans two ISO weeks
        for consultant_id, kind, engagement_id, total in (
            entries.order_by().values_list("consultant_id", "kind", "engagement_id")
            .annotate(total=Sum("seconds"))
        ):
            yield consultant_id, kind, engagement_id or 0, monday, total


def balance_compute(
    *, viewer, start: dt.date, end: dt.date, team=None, consultant=None, client=None
) -> dict:
    """The balance report as CONTRACT.md's JSON, plus teams, engagements and weeks sections."""
    period = Period(start, end)
    scope = Scope(viewer=viewer, team=team, consultant=consultant, client=client)
    people_qs = scope.people(period)

    seconds = defaultdict(lambda: dict.fromkeys(KINDS, 0))  # consultant -> kind -> seconds
    worked = defaultdict(set)  # consultant -> engagements with client time in the period
    engagement_seconds = defaultdict(int)
    weeks = defaultdict(lambda: dict.fromkeys(KINDS, 0))
    for consultant_id, kind, engagement_id, monday, total in _time_cells(
        period, people_qs, scope.is_everyone
    ):
        seconds[consultant_id][kind] += total
        weeks[monday][kind] += total
        if engagement_id:
            worked[consultant_id].add(engagement_id)
            engagement_seconds[engagement_id] += total

    people = {
        user.pk: user
        for user in people_qs.select_related("team").only(
            "pk", "username", "is_active", "weekly_capacity_hours", "team__name",
            "team__promotion_threshold",
        )
    }
    if client is not None:
        client_engagements = set(
            Engagement.objects.filter(client=client).values_list("pk", flat=True)
        )
        engagement_seconds = {
            pk: total for pk, total in engagement_seconds.items() if pk in client_engagements
        }

    engagement_ids = set().union(*worked.values()) if worked else set()
    achieved = list(
        Outcome.objects.filter(
            engagement_id__in=engagement_ids,
            status=Outcome.Status.ACHIEVED,
            achieved_on__range=(start, end),
        ).values_list("pk", "engagement_id", "confirmed_on")
    )
    outcomes_by_engagement = defaultdict(list)
    for pk, engagement_id, confirmed_on in achieved:
        outcomes_by_engagement[engagement_id].append((pk, confirmed_on is not None))

    activities = {
        row["consultant_id"]: row
        for row in Activity.objects.in_period(start, end)
        .filter(consultant_id__in=people.keys())
        .order_by()
        .values("consultant_id")
        .annotate(count=Count("pk"), reach=Sum("audience"), leads=Sum("leads"))
    }
    sourced = dict(
        Engagement.objects.filter(
            starts_on__range=(start, end), source_activity__consultant_id__in=people.keys()
        )
        .order_by()
        .values_list("source_activity__consultant_id")
        .annotate(count=Count("pk"))
    )

    rows, credited = [], defaultdict(set)
    for user in sorted(people.values(), key=lambda u: u.username):
        kinds = seconds.get(user.pk)
        activity = activities.get(user.pk)
        if kinds is None and activity is None and (user.team_id is None or not user.is_active):
            continue  # nobody to report on: no team, no time, no activity
        kinds = kinds or dict.fromkeys(KINDS, 0)
        outcomes = [o for e in worked.get(user.pk, ()) for o in outcomes_by_engagement.get(e, ())]
        credited[user.team.name if user.team else None].update(outcomes)
        promotion_share = share(kinds["client"], kinds["promotion"])
        threshold = user.team.promotion_threshold if user.team else DEFAULT_THRESHOLD
        flagged = (
            promotion_share is not None and promotion_share > threshold and not outcomes
        )
        rows.append({
            "consultant": user.username,
            "consultant_id": user.pk,
            "team": user.team.name if user.team else None,
            "client_hours": hours(kinds["client"]),
            "promotion_hours": hours(kinds["promotion"]),
            "internal_hours": hours(kinds["internal"]),
            "total_hours": hours(sum(kinds.values())),
            "capacity_hours": round(float(user.weekly_capacity_hours) * period.days / 7, 2),
            "promotion_share": None if promotion_share is None else round(promotion_share, 3),
            "outcomes_achieved": len(outcomes),
            "outcomes_verified": sum(1 for _, verified in outcomes if verified),
            "activities": activity["count"] if activity else 0,
            "reach": (activity["reach"] or 0) if activity else 0,
            "leads": (activity["leads"] or 0) if activity else 0,
            "engagements_sourced": sourced.get(user.pk, 0),
            "flag": FLAG if flagged else None,
            "_seconds": kinds,
        })

    report = {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "rows": rows,
        "totals": _totals(rows, set().union(*credited.values()) if credited else set()),
        "teams": _teams(rows, credited),
        "engagements": _engagements(engagement_seconds, start, end),
        "weeks": [
            {"week_start": monday.isoformat(),
             **{f"{kind}_hours": hours(weeks[monday][kind]) for kind in KINDS}}
            for monday in sorted(weeks)
        ],
    }
    for row in rows:
        del row["_seconds"]
    return report


def _sum_seconds(rows) -> dict:
    totals = dict.fromkeys(KINDS, 0)
    for row in rows:
        for kind in KINDS:
            totals[kind] += row["_seconds"][kind]
    return totals


def _totals(rows, outcomes) -> dict:
    kinds = _sum_seconds(rows)
    return {
        "client_hours": hours(kinds["client"]),
        "promotion_hours": hours(kinds["promotion"]),
        "internal_hours": hours(kinds["internal"]),
        "total_hours": hours(sum(kinds.values())),
        # An outcome credited to several people is one outcome for the group.
        "outcomes_achieved": len(outcomes),
        "outcomes_verified": sum(1 for _, verified in outcomes if verified),
        "activities": sum(row["activities"] for row in rows),
        "reach": sum(row["reach"] for row in rows),
        "leads": sum(row["leads"] for row in rows),
        "engagements_sourced": sum(row["engagements_sourced"] for row in rows),
    }


def _teams(rows, credited) -> list[dict]:
    by_team = defaultdict(list)
    for row in rows:
        by_team[row["team"]].append(row)
    teams = []
    for name in sorted(by_team, key=lambda n: (n is None, n or "")):
        members = by_team[name]
        kinds = _sum_seconds(members)
        team_share = share(kinds["client"], kinds["promotion"])
        outcomes = credited.get(name, set())
        teams.append({
            "team": name,
            "consultants": len(members),
            "client_hours": hours(kinds["client"]),
            "promotion_hours": hours(kinds["promotion"]),
            "internal_hours": hours(kinds["internal"]),
            "total_hours": hours(sum(kinds.values())),
            "capacity_hours": round(sum(row["capacity_hours"] for row in members), 2),
            "promotion_share": None if team_share is None else round(team_share, 3),
            "outcomes_achieved": len(outcomes),
            "outcomes_verified": sum(1 for _, verified in outcomes if verified),
            "flagged": sum(1 for row in members if row["flag"]),
            "activities": sum(row["activities"] for row in members),
            "reach": sum(row["reach"] for row in members),
        })
    return teams


def _engagements(engagement_seconds: dict, start: dt.date, end: dt.date) -> list[dict]:
    if not engagement_seconds:
        return []
    ids = list(engagement_seconds)
    logged = dict(
        WeeklyTotal.objects.filter(engagement_key__in=ids)
        .order_by()
        .values_list("engagement_key")
        .annotate(total=Sum("seconds"))
    )
    outcomes = defaultdict(list)
    for outcome in Outcome.objects.filter(engagement_id__in=ids).with_actual():
        outcomes[outcome.engagement_id].append(outcome)
    result = []
    for engagement in (
        Engagement.objects.filter(pk__in=ids).select_related("client")
        .order_by("client__name", "name")
    ):
        budget = float(engagement.budget_hours) if engagement.budget_hours is not None else None
        logged_hours = hours(logged.get(engagement.pk, 0))
        progress = [
            p for p in (o.progress(o.actual_value) for o in outcomes[engagement.pk])
            if p is not None
        ]
        achieved = [
            o for o in outcomes[engagement.pk]
            if o.status == Outcome.Status.ACHIEVED and start <= o.achieved_on <= end
        ]
        result.append({
            "engagement_id": engagement.pk,
            "client": engagement.client.name,
            "engagement": engagement.name,
            "status": engagement.status,
            "hours": hours(engagement_seconds[engagement.pk]),
            "logged_hours": logged_hours,
            "budget_hours": budget,
            "burn": round(logged_hours / budget, 3) if budget else None,
            "outcomes": len(outcomes[engagement.pk]),
            "outcomes_achieved": len(achieved),
            "progress": round(sum(progress) / len(progress), 3) if progress else None,
        })
    return result

