"""/team/: a manager's people (an admin's: everyone's) at a glance, this week and last.

The figures of each week are the balance report's rows for that ISO week (balance_compute:
hours by kind from the weekly rollup, capacity, promotion share, outcomes credited as the
report credits them), so the page and the report never disagree. Beside them, each person's
last entry date and last week's timesheet status. A constant number of queries whatever
the number of people: two reports, the teams, the people with their last entries, and last
week's approval records.
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from tracker import figures
from tracker.models import Team, TimeEntry, User, WeekApproval, WeekStatus
from tracker.week import iso_week, week_dates, week_start_of

from ..balance import KindHours, Period, Row, balance_compute
from ..tables import Drill


@dataclass(frozen=True)
class PersonWeek(KindHours):
    """One person's ISO week on the page: the report's row (None: nothing to report)."""

    row: Row | None
    time_url: str
    outcomes_url: str
    capacity_hours: float  # the report's figure: 0 for someone who logs no time

    @property
    def seconds(self) -> figures.KindSeconds:  # KindHours' hours are rounded from these
        return self.row.seconds if self.row else figures.KindSeconds()

    @property
    def share(self) -> float | None:
        return self.row.promotion_share if self.row else None

    @property
    def outcomes_achieved(self) -> int:
        return self.row.outcomes_achieved if self.row else 0


@dataclass(frozen=True)
class Person:
    user: User
    weeks: tuple[PersonWeek, PersonWeek]  # this week, last week
    last_entry: dt.date | None
    last_week_status: WeekApproval
    last_week_url: str

    @property
    def last_week_complete(self) -> bool:
        return self.last_week_status.status in (WeekStatus.SUBMITTED, WeekStatus.APPROVED)


def _week_url(person: User, monday: dt.date, viewer: User) -> str:
    """The week's page; one's own week (nobody decides on it) is on My week."""
    if person.pk == viewer.pk:
        return f"{reverse('tracker:my_week')}?week={iso_week(monday)}"
    return reverse("tracker:week_detail", args=[person.username, iso_week(monday)])


@login_required
def team_page(request):
    viewer = request.user
    if not (viewer.is_admin or viewer.is_manager):
        raise Http404
    teams = list(Team.objects.visible_to(viewer))
    people = User.objects.visible_to(viewer).filter(is_active=True, team__in=teams)
    this_monday = week_start_of(viewer.today())
    last_monday = this_monday - dt.timedelta(days=7)
    mondays = (this_monday, last_monday)
    periods = [Period(monday, monday + dt.timedelta(days=6)) for monday in mondays]
    reports = [balance_compute(people=people, start=period.start, end=period.end)
               for period in periods]
    rows = [{row.consultant_id: row for row in report.rows} for report in reports]
    # Each team's line of the report (its consultants: those who log time; its capacity).
    team_rows = [{team.team_id: team for team in report.teams} for report in reports]
    # The links of the balance report's figures: each week's entries and outcomes credited.
    drills = [Drill(period, None) for period in periods]
    approvals = {
        approval.consultant_id: approval
        for approval in WeekApproval.objects.filter(consultant__in=people, week_start=last_monday)
    }
    by_team = {team.pk: [] for team in teams}
    # Each person's newest entry, one index probe each on (consultant, date): a MAX grouped
    # over everyone's entries read all of them (273 ms for an admin on a million).
    newest = TimeEntry.objects.filter(consultant=OuterRef("pk")).order_by("-date")
    for person in people.by_name().annotate(last_entry=Subquery(newest.values("date")[:1])):
        if not person.logs_time and not any(
            (row := week_rows.get(person.pk)) and (row.seconds.total or row.activities)
            for week_rows in rows
        ):
            continue  # a manager who logs no time is not one of the team's consultants
        by_team[person.team_id].append(Person(
            user=person,
            weeks=tuple(
                PersonWeek(row=week_rows.get(person.pk),
                           time_url=drill.time(consultant=person.pk),
                           outcomes_url=drill.outcomes(credited_to=person.pk),
                           # A person with no row (nothing to report) has it all the same.
                           capacity_hours=figures.capacity_hours(
                               figures.capacity_of(person, period.start, period.end)))
                for week_rows, drill, period in zip(rows, drills, periods, strict=True)
            ),
            last_entry=person.last_entry,
            last_week_status=approvals.get(
                person.pk, WeekApproval(consultant=person, week_start=last_monday)
            ),
            last_week_url=_week_url(person, last_monday, viewer),
        ))
    return render(request, "reports/team.html", {
        "teams": [(team, by_team[team.pk], [weeks.get(team.pk) for weeks in team_rows])
                  for team in teams],
        "this_week": iso_week(this_monday),
        "this_week_dates": week_dates(this_monday),
        "last_week": iso_week(last_monday),
        "last_week_dates": week_dates(last_monday),
    })
