"""The balance report: where people's time went and what it produced for clients.

One computation for the page, the Celery task, the `balance_report` command, the digests and
the API. It reads the weekly rollup (reports.WeeklyTotal) for whole ISO weeks inside the
period and the raw entries for the partial weeks at its edges, so it is exact for any dates.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    BigIntegerField,
    Case,
    DateField,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from clients.models import Client, Engagement, Outcome, outcome_progress
from tracker.durations import decimal_hours
from tracker.models import Activity, Kind, Team, TimeEntry, User, subquery_total
from tracker.week import week_start_of

from .models import WeeklyTotal
from .selection import split_weeks

DEFAULT_THRESHOLD = Decimal("0.30")
FLAG = "brand_over_client"
KINDS = [kind.value for kind in Kind]


# Decimal hours rounded half-up to 2 places; a total is rounded once, from its seconds.
hours = decimal_hours


def share(client_seconds: int, promotion_seconds: int) -> float | None:
    if client_seconds + promotion_seconds == 0:
        return None
    return promotion_seconds / (client_seconds + promotion_seconds)


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
        """(first whole-week Monday, last whole-week Monday) or None, and the partial weeks
        at the edges, each within one ISO week."""
        return split_weeks(self.start, self.end)


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

    def sees_any(self) -> bool:
        """Whether the viewer could see anything of this scope on the report's page: someone
        of the team or the consultant, and the client. A saved report is e-mailed only to
        such people, each getting the report as they would see it (their rows only)."""
        people = User.objects.visible_to(self.viewer)
        if self.team is not None:
            people = people.filter(team=self.team)
        if self.consultant is not None:
            people = people.filter(pk=self.consultant.pk)
        if self.client is not None and not Client.objects.visible_to(self.viewer).filter(
            pk=self.client.pk
        ).exists():
            return False
        return people.exists()

    @property
    def is_everyone(self) -> bool:
        return (
            self.viewer.is_admin and self.team is None and self.consultant is None
            and self.client is None
        )


def _time_cells(period: Period, people, everyone: bool) -> list[tuple]:
    """Rows of (consultant, kind, engagement or 0, week, seconds) for the period, in one query.

    Three grouped parts, one UNION ALL: whole weeks from the rollup by consultant, kind and
    engagement (week None); the same weeks by week and kind (consultant None), for the
    weekly series; and the partial weeks at the edges from the entries, by all four.
    """
    whole, edges = period.split()
    parts = []
    if whole:
        rollup = WeeklyTotal.objects.filter(week_start__range=whole, entries__gt=0)
        if not everyone:
            rollup = rollup.filter(consultant__in=people)
        parts.append(
            rollup.order_by()
            .values_list("consultant_id", "kind", "engagement_key")
            .annotate(week=Value(None, output_field=DateField()), total=Sum("seconds"))
        )
        parts.append(
            rollup.order_by()
            .annotate(
                nobody=Value(None, output_field=BigIntegerField()),
                no_engagement=Value(0, output_field=BigIntegerField()),
            )
            .values_list("nobody", "kind", "no_engagement", "week_start")
            .annotate(total=Sum("seconds"))
        )
    if edges:
        in_edges = Q()
        for start, end in edges:
            in_edges |= Q(date__range=(start, end))
        entries = TimeEntry.objects.filter(in_edges)
        if not everyone:
            entries = entries.filter(consultant__in=people)
        # Each edge lies within one ISO week: label its rows with that week's Monday.
        last_start = edges[-1][0]
        edge_week = Case(
            When(date__gte=last_start, then=Value(week_start_of(last_start))),
            default=Value(week_start_of(edges[0][0])),
            output_field=DateField(),
        )
        parts.append(
            entries.order_by()
            .annotate(engagement_key=Coalesce("engagement_id", 0), week=edge_week)
            .values_list("consultant_id", "kind", "engagement_key", "week")
            .annotate(total=Sum("seconds"))
        )
    return list(parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0])


def _people_with_activity(people, start: dt.date, end: dt.date):
    """The people in scope with their activities, reach, leads and engagements sourced.

    Correlated subqueries rather than joins: a join would sum an activity's audience once per
    engagement it brought in, and a subquery beside a GROUP BY runs once per joined row.
    """
    mine = Activity.objects.filter(consultant=OuterRef("pk"), date__range=(start, end))
    sourced = Engagement.objects.filter(
        source_activity__consultant=OuterRef("pk"), starts_on__range=(start, end)
    )

    return people.select_related("team").only(
        "pk", "username", "is_active", "weekly_capacity_hours", "team__name",
        "team__promotion_threshold",
    ).annotate(
        activity_count=subquery_total(mine, "consultant"),
        activity_reach=subquery_total(mine, "consultant", Sum("audience")),
        activity_leads=subquery_total(mine, "consultant", Sum("leads")),
        sourced_count=subquery_total(sourced, "source_activity__consultant"),
    )


def balance_compute(
    *, viewer, start: dt.date, end: dt.date, team=None, consultant=None, client=None
) -> dict:
    """The balance report as CONTRACT.md's JSON, plus teams, engagements and weeks sections.

    Six queries at most whatever the data size: time (the period, and its weeks), people
    with their activities, the engagements worked on and their outcomes.
    """
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
        if monday is not None:  # a row of the weekly series, or of an edge week
            weeks[monday][kind] += total
        if consultant_id is None:
            continue  # the weekly series only
        seconds[consultant_id][kind] += total
        if engagement_id:
            worked[consultant_id].add(engagement_id)
            engagement_seconds[engagement_id] += total

    engagements = _engagements_worked(engagement_seconds)
    if client is not None:
        engagement_seconds = {
            pk: total for pk, total in engagement_seconds.items()
            if engagements[pk]["client_id"] == client.pk
        }
    outcomes_by_engagement = defaultdict(list)
    for pk, engagement in engagements.items():
        for outcome in engagement["outcomes"]:
            if outcome["status"] == Outcome.Status.ACHIEVED and (
                start <= outcome["achieved_on"] <= end
            ):
                outcomes_by_engagement[pk].append(
                    (outcome["pk"], outcome["confirmed_on"] is not None)
                )

    rows, credited = [], defaultdict(set)
    for user in sorted(_people_with_activity(people_qs, start, end), key=lambda u: u.username):
        kinds = seconds.get(user.pk)
        if kinds is None and not user.activity_count and (
            user.team_id is None or not user.is_active
        ):
            continue  # nobody to report on: no team, no time, no activity
        kinds = kinds or dict.fromkeys(KINDS, 0)
        outcomes = [o for e in worked.get(user.pk, ()) for o in outcomes_by_engagement.get(e, ())]
        team_name = user.team.name if user.team else None
        credited[team_name].update(outcomes)
        promotion_share = share(kinds["client"], kinds["promotion"])
        threshold = user.team.promotion_threshold if user.team else DEFAULT_THRESHOLD
        flagged = (
            promotion_share is not None and promotion_share > threshold and not outcomes
        )
        rows.append({
            "consultant": user.username,
            "consultant_id": user.pk,
            "team": team_name,
            "team_id": user.team_id,
            "client_hours": hours(kinds["client"]),
            "promotion_hours": hours(kinds["promotion"]),
            "internal_hours": hours(kinds["internal"]),
            "total_hours": hours(sum(kinds.values())),
            "capacity_hours": round(float(user.weekly_capacity_hours) * period.days / 7, 2),
            "promotion_share": None if promotion_share is None else round(promotion_share, 3),
            "outcomes_achieved": len(outcomes),
            "outcomes_verified": sum(1 for _, verified in outcomes if verified),
            "activities": user.activity_count,
            "reach": user.activity_reach,
            "leads": user.activity_leads,
            "engagements_sourced": user.sourced_count,
            "flag": FLAG if flagged else None,
            "_seconds": kinds,
        })

    report = {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "rows": rows,
        "totals": _totals(rows, set().union(*credited.values()) if credited else set()),
        "teams": _teams(rows, credited),
        "engagements": _engagement_rows(engagements, engagement_seconds, start, end),
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
    by_team, team_ids = defaultdict(list), {}
    for row in rows:
        by_team[row["team"]].append(row)
        team_ids[row["team"]] = row["team_id"]
    teams = []
    for name in sorted(by_team, key=lambda n: (n is None, n or "")):
        members = by_team[name]
        kinds = _sum_seconds(members)
        team_share = share(kinds["client"], kinds["promotion"])
        outcomes = credited.get(name, set())
        teams.append({
            "team": name,
            "team_id": team_ids[name],
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


OUTCOME_FIELDS = (
    "pk", "engagement_id", "status", "achieved_on", "confirmed_on", "baseline", "target",
    "actual_value",
)


def _progress(outcome: dict) -> float | None:
    return outcome_progress(outcome["actual_value"], outcome["baseline"], outcome["target"])


def _engagements_worked(engagement_seconds: dict) -> dict:
    """The engagements worked on, with their all-time logged seconds and their outcomes.

    Plain values, not model instances: an everyone-report touches a thousand engagements.
    """
    if not engagement_seconds:
        return {}
    ids = list(engagement_seconds)
    logged = dict(
        WeeklyTotal.objects.filter(engagement_key__in=ids)
        .order_by()
        .values_list("engagement_key")
        .annotate(total=Sum("seconds"))
    )
    engagements = {
        row["pk"]: {**row, "logged_seconds": logged.get(row["pk"], 0), "outcomes": []}
        for row in Engagement.objects.filter(pk__in=ids)
        .order_by("client__name", "name")
        .values("pk", "name", "status", "budget_hours", "client_id", "client__name")
    }
    for outcome in (
        Outcome.objects.filter(engagement_id__in=list(engagements)).with_actual()
        .order_by().values(*OUTCOME_FIELDS)
    ):
        engagements[outcome["engagement_id"]]["outcomes"].append(outcome)
    return engagements


def _engagement_rows(engagements: dict, engagement_seconds: dict, start, end) -> list[dict]:
    result = []
    for pk, engagement in engagements.items():
        if pk not in engagement_seconds:
            continue
        budget = engagement["budget_hours"]
        budget = float(budget) if budget is not None else None
        logged_hours = hours(engagement["logged_seconds"])
        outcomes = engagement["outcomes"]
        progress = [p for p in map(_progress, outcomes) if p is not None]
        achieved = [
            o for o in outcomes
            if o["status"] == Outcome.Status.ACHIEVED and start <= o["achieved_on"] <= end
        ]
        result.append({
            "engagement_id": pk,
            "client": engagement["client__name"],
            "engagement": engagement["name"],
            "status": engagement["status"],
            "hours": hours(engagement_seconds[pk]),
            "logged_hours": logged_hours,
            "budget_hours": budget,
            # Ratios stay exact: rounded once, where they are shown or exported (rounded here
            # too, 11.46% became 11.5% and then "12%" on the page, "11%" on the engagement's).
            "burn": engagement["logged_seconds"] / 3600 / budget if budget else None,
            "outcomes": len(outcomes),
            "outcomes_achieved": len(achieved),
            "progress": sum(progress) / len(progress) if progress else None,
        })
    return result
