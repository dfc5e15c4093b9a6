"""What a digest says, built from the balance report, and the message that carries it.

A recipient's row is their row of their team's report for the week (a row does not depend
on who else is in the scope, and a chunk computes each team's report once), the median share
is the team's, the engagements near budget are the team report's that the recipient worked
on, and the four-week look-back behind the observation comes from the team's four-week
report. Someone without a team gets a report of their own. Nothing here adds up hours.
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core import signing
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from clients.models import ConfirmationRequest, Engagement, Outcome
from tracker import figures, formatting
from tracker.approvals import UNSUBMITTED, week_states_by_team
from tracker.models import Activity, Kind, TimeEntry, User, WeekStatus

from ..balance import Report, Row, balance_compute
from ..emails import make_message
from .weeks import iso_week, parse_iso_week

NEAR_BUDGET = 0.9  # burn from which an engagement is "near or over budget"
# ".v2": the first links signed the user id alone and never expired; under a new salt they
# fail like any bad signature (the friendly page), instead of parsing as something else.
UNSUBSCRIBE_SALT = "reports.digests.unsubscribe.v2"
# Each kind of e-mail signs its links under its own salt: a reminder's link turns off the
# reminder, never the digest, and the other way round.
UNSUBSCRIBE_SALTS = {"digest": UNSUBSCRIBE_SALT, "reminder": "reports.reminders.unsubscribe"}
UNSUBSCRIBE_MAX_AGE = dt.timedelta(days=60)
# What a preview shows in place of the recipient's own link: a manager previewing a team
# member's digest must not get a link that turns that person's digest off.
UNSUBSCRIBE_PLACEHOLDER = "preview"
# Why a planned e-mail did not go out after all (kept on its row).
UNSUBSCRIBED = "Not sent: the recipient unsubscribed or left before it went out."
KIND_COLOURS = {Kind.CLIENT: "#1f6feb", Kind.PROMOTION: "#d97706", Kind.INTERNAL: "#6b7280"}
UNUSED_COLOUR = "#e5e7eb"


@dataclass
class WeekReports:
    """What the digests of one chunk share: a team's balance report for a period is computed
    once however many of its members are in the chunk (chunks are ordered by team), and the
    team's activities and who worked on which engagement are read in one query each."""

    teams: dict = field(default_factory=dict)
    worked: dict = field(default_factory=dict)
    activities: dict = field(default_factory=dict)
    week_states: dict = field(default_factory=dict)

    def timesheets(self, week_start: dt.date) -> dict[int, dict[int, str]]:
        """{team id: {person id: status}} of the week: every team's, read once a chunk."""
        if week_start not in self.week_states:
            self.week_states[week_start] = week_states_by_team(week_start)
        return self.week_states[week_start]

    def team(self, team, week_start: dt.date, *, weeks: int = 1) -> Report:
        start = week_start - dt.timedelta(days=7 * (weeks - 1))
        key = (team.pk, start, week_start)
        if key not in self.teams:
            # The whole team, whoever reads it: a consultant's digest only shows them the
            # team's median share from it, never a teammate's row. `team=` is the scope;
            # everyone as `people` adds no reach filter to each query (the team's members
            # filtered twice made 5,000 digests some 5% slower).
            self.teams[key] = balance_compute(
                people=User.objects.all(),
                start=start,
                end=week_start + dt.timedelta(days=6),
                team=team,
            )
        return self.teams[key]

    def row(self, user, week_start: dt.date, *, weeks: int) -> Row | None:
        """`user`'s row of the balance report over `weeks` weeks ending with this one.

        A row depends on nobody else in the report's scope (CONTRACT.md: hours, outcomes
        credited to the consultant, their activities), so a team member's row is read from
        the team's report, which the chunk shares, rather than computed for them alone.
        test_digests checks the two are equal.
        """
        if user.team_id:
            report = self.team(user.team, week_start, weeks=weeks)
        else:
            report = _own_report(user, week_start - dt.timedelta(days=7 * (weeks - 1)),
                                 week_start + dt.timedelta(days=6))
        return report.row_of(user.pk)

    def worked_on(self, user, start: dt.date, end: dt.date) -> set[int]:
        """The engagements `user` logged client time on: which of their team report's
        engagements are theirs (a lookup, one query per team; no figure comes from it)."""
        key = (user.team_id, start, end)
        if key not in self.worked:
            by_person = defaultdict(set)
            for consultant_id, engagement_id in (
                TimeEntry.objects.filter(consultant__team_id=user.team_id, kind=Kind.CLIENT,
                                         date__range=(start, end))
                .order_by().values_list("consultant_id", "engagement_id").distinct()
            ):
                by_person[consultant_id].add(engagement_id)
            self.worked[key] = by_person
        return self.worked[key].get(user.pk, set())

    def activities_of(self, user, start: dt.date, end: dt.date) -> list[dict]:
        """`user`'s promotion activities from start to end (for their titles and kinds)."""
        key = (user.team_id or f"user {user.pk}", start, end)
        if key not in self.activities:
            people = Q(consultant__team_id=user.team_id) if user.team_id else Q(consultant=user)
            labels = dict(Activity.Kind.choices)
            by_person = defaultdict(list)
            for activity in (
                Activity.objects.filter(people, date__range=(start, end))
                .order_by("date", "pk")
                .values("consultant_id", "kind", "title", "date", "audience", "leads")
            ):
                activity["kind_label"] = labels.get(activity["kind"], activity["kind"])
                by_person[activity["consultant_id"]].append(activity)
            self.activities[key] = by_person
        return self.activities[key].get(user.pk, [])


def _own_report(user, start: dt.date, end: dt.date) -> Report:
    """The report of someone without a team: their own row, as they would see it."""
    return balance_compute(people=User.objects.visible_to(user), start=start, end=end,
                           consultant=user)


def absolute(path: str, **query) -> str:
    return settings.SITE_URL + path + (f"?{urlencode(query)}" if query else "")


# A share, a burn or a use of capacity as whole percent, rounded half up: as every page and
# export rounds a percentage (tracker.formatting).
_percent = formatting.whole_percent


def _bar(parts: list[tuple[str, str, float]], scale: float) -> list[dict]:
    """Cells of a bar chart: each (key, label, hours) as a whole-percent width of `scale`.

    Widths are rounded on the running total, so they add up to the rounded whole; cells
    that round to nothing are dropped (mail clients draw a 0% cell anyway).
    """
    cells, running, drawn = [], 0.0, 0
    for key, label, value in parts:
        running += value
        upto = min(100, round(running * 100 / scale)) if scale else 0
        if upto > drawn:
            colour = KIND_COLOURS.get(key, UNUSED_COLOUR)
            cells.append({"key": key, "label": label, "hours": value, "width": upto - drawn,
                          "colour": colour})
            drawn = upto
    return cells


def _kind_parts(row) -> list[tuple[str, str, float]]:
    return [(kind.value, kind.label, getattr(row, f"{kind.value}_hours")) for kind in Kind]


def _time_url(consultant_id: int, week_start: dt.date) -> str:
    return absolute(
        reverse("tracker:time_list"),
        consultant=consultant_id,
        date_from=week_start.isoformat(),
        date_to=(week_start + dt.timedelta(days=6)).isoformat(),
    )


def _report_url(week_start: dt.date, **scope) -> str:
    return absolute(
        reverse("reports:balance"),
        period="custom",
        start=week_start.isoformat(),
        end=(week_start + dt.timedelta(days=6)).isoformat(),
        **scope,
    )


def _near_budget(report: Report) -> list[dict]:
    engagements = [
        {**e.to_json(), "burn_pct": _percent(e.burn), "over": e.burn >= 1}
        for e in report.engagements
        if e.burn is not None and e.burn >= NEAR_BUDGET
    ]
    return sorted(engagements, key=lambda e: -e["burn"])


def _median_share(report: Report) -> float | None:
    return figures.team_median_share(row.promotion_share for row in report.rows)


def consultant_section(*, user, week_start: dt.date, reports: WeekReports) -> dict | None:
    """The recipient's own week, from the balance report; None if they have no row."""
    week_end = week_start + dt.timedelta(days=6)
    team_report = reports.team(user.team, week_start) if user.team_id else None
    if team_report is not None:
        row = reports.row(user, week_start, weeks=1)
        # The team's engagements near budget that they worked on: the same list, figures
        # included, as their own report's (burn is the engagement's, whoever looks).
        mine = reports.worked_on(user, week_start, week_end)
        near_budget = [e for e in _near_budget(team_report) if e["engagement_id"] in mine]
    else:
        own = _own_report(user, week_start, week_end)
        row = own.row_of(user.pk)
        near_budget = _near_budget(own)
    if row is None:
        return None
    team_median = _median_share(team_report) if team_report else None
    capacity = row.capacity_hours
    scale = max(row.total_hours, capacity) or 1
    unused = max(capacity - row.total_hours, 0)
    # The observation looks back four weeks.
    activities = reports.activities_of(user, week_start - dt.timedelta(days=21), week_end)
    section = {
        "row": row,
        "bar": _bar([*_kind_parts(row), ("unused", "Unused capacity", unused)], scale),
        "kinds": [
            {"key": key, "label": label, "hours": value, "colour": KIND_COLOURS[key],
             "text_bar": "#" * round(value * 24 / scale)}
            for key, label, value in _kind_parts(row)
        ],
        "capacity_pct": _percent(row.total_hours / capacity) if capacity else None,
        "share_pct": _percent(row.promotion_share),
        "team_name": user.team.name if user.team_id else None,
        "team_median_pct": _percent(team_median),
        "activities": [a for a in activities if a["date"] >= week_start],
        "near_budget": near_budget,
        "time_url": _time_url(user.pk, week_start),
        "report_url": _report_url(week_start, consultant=user.pk),
    }
    section["observation"] = observation(
        user=user, week_start=week_start, row=row, team_median=team_median,
        activities=activities, reports=reports,
    )
    return section


def _count_phrase(counter: Counter) -> str:
    """Counter({"Talk": 3, "Blog post": 1}) -> "3 talks and 1 blog post"."""
    parts = [
        f"{n} {label.lower()}{'' if n == 1 else 's'}" if label != "Other"
        else f"{n} other activit{'y' if n == 1 else 'ies'}"
        for label, n in counter.most_common()
    ]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


# Hours for a sentence or the subject, as every page writes them: 1,228.42 (the subject once
# rounded to one place and read 317.2 h above a body's 317.25 h).
_hours_text = formatting.hours_number


def observation(*, user, week_start: dt.date, row: Row, team_median: float | None,
                activities: list[dict], reports: WeekReports) -> str | None:
    """One plain-language remark, only where the figures support it; else None."""
    if row.flag:
        # Flagged this week (brand over client): is it a pattern? Flagged over four weeks too.
        month = reports.row(user, week_start, weeks=4)
        if month is not None and month.flag:
            kinds = Counter(a["kind_label"] for a in activities)
            done = f"{_count_phrase(kinds)} and " if kinds else ""
            remark = (
                f"{done}{_hours_text(month.promotion_hours)} hours of promotion, "
                "no client outcome recorded in 4 weeks."
            )
            return remark[0].upper() + remark[1:]
    if row.outcomes_achieved:
        n, verified = row.outcomes_achieved, row.outcomes_verified
        return (
            f"{n} client outcome{'s' if n != 1 else ''} achieved on your engagements, "
            f"{verified} confirmed by the client."
        )
    capacity, total = row.capacity_hours, row.total_hours
    if capacity and total < capacity / 2:
        return (
            f"You logged {_hours_text(total)} h against {_hours_text(capacity)} h of capacity: "
            "is last week's timesheet complete?"
        )
    if capacity and total > capacity * 1.1:
        return (
            f"You logged {_hours_text(total)} h, {_hours_text(total - capacity)} h "
            f"over your {_hours_text(capacity)} h capacity."
        )
    share = row.promotion_share
    if share is not None and team_median is not None and share - team_median >= 0.15:
        return (
            f"Your promotion share ({_percent(share)}%) is "
            f"{_percent(share - team_median)} points above your team's median "
            f"({_percent(team_median)}%)."
        )
    return None


def timesheets_section(*, viewer, week_start: dt.date, reports: WeekReports,
                       team=None) -> dict:
    """Where the week's timesheets stand, of `team`'s active people (of every team's without
    one): how many are unsubmitted (no record, open or returned) and how many wait for
    approval, with links to the Approvals page. The reader's own week is left out: it goes
    to someone else, and the Approvals page does not list it for them."""
    by_team = reports.timesheets(week_start)
    groups = [by_team.get(team.pk, {})] if team is not None else list(by_team.values())
    counts = Counter(
        status for group in groups for person_id, status in group.items()
        if person_id != viewer.pk
    )
    people = sum(counts.values())
    week = iso_week(week_start)
    approvals = reverse("tracker:week_list")
    return {
        "people": people,
        "unsubmitted": sum(counts[status] for status in UNSUBMITTED),
        "waiting": counts[WeekStatus.SUBMITTED],
        "all_approved": people > 0 and counts[WeekStatus.APPROVED] == people,
        "unsubmitted_url": absolute(approvals, week=week, status="unsubmitted"),
        "waiting_url": absolute(approvals, week=week, status=WeekStatus.SUBMITTED),
    }


def team_section(*, team, week_start: dt.date, reports: WeekReports, viewer) -> dict:
    """A managed team's week: the balance table, flags, budgets and outcomes."""
    report = reports.team(team, week_start)
    rows = report.rows
    scale = max([max(r.total_hours, r.capacity_hours) for r in rows] or [1]) or 1
    table = [
        {**row.to_json(ids=True), "share_pct": _percent(row.promotion_share),
         "bar": _bar(_kind_parts(row), scale),
         "time_url": _time_url(row.consultant_id, week_start)}
        for row in rows
    ]
    summary = report.teams[0] if report.teams else None
    achieved_on = [e.engagement_id for e in report.engagements if e.outcomes_achieved]
    outcomes = list(
        Outcome.objects.filter(
            engagement_id__in=achieved_on,
            status=Outcome.Status.ACHIEVED,
            achieved_on__range=(week_start, week_start + dt.timedelta(days=6)),
        ).select_related("engagement__client", "client_answer__contact")
        .order_by("achieved_on", "pk")
    )
    return {
        "team": team,
        "name": team.name,
        "rows": table,
        "totals": report.totals,
        "capacity_hours": summary.capacity_hours if summary else 0,
        "share_pct": _percent(summary.promotion_share if summary else None),
        "median_pct": _percent(_median_share(report)),
        "flagged": [row for row in table if row["flag"]],
        "near_budget": _near_budget(report),
        "outcomes": outcomes,
        "report_url": _report_url(week_start, team=team.pk),
        "timesheets": timesheets_section(viewer=viewer, week_start=week_start,
                                         reports=reports, team=team),
    }


class UnsubscribeLinkExpired(Exception):
    """A genuine unsubscribe link, older than UNSUBSCRIBE_MAX_AGE."""


def _signer(kind: str) -> signing.Signer:
    return signing.Signer(salt=UNSUBSCRIBE_SALTS[kind])


def unsubscribe_token(user, week_start: dt.date, kind: str = "digest") -> str:
    """The link of one message: its recipient and week, signed (for its kind of e-mail).

    The same on every attempt at the same digest (a retry sends the very same message). It
    stops working UNSUBSCRIBE_MAX_AGE after the digest was due, the Monday after its week,
    so a link that leaks (a forwarded digest, a mailbox read years later) dies; the
    preferences page still turns the digest off.
    """
    return _signer(kind).sign_object({"user": user.pk, "week": iso_week(week_start)})


def unsubscribe_link_expires(week_start: dt.date) -> dt.date:
    """The last day a link of that week's digest works."""
    return week_start + dt.timedelta(days=7) + UNSUBSCRIBE_MAX_AGE


def user_from_unsubscribe_token(token: str, kind: str = "digest") -> User | None:
    """The recipient of a current link; None for a forged, mangled or old-style one, or
    one of another kind of e-mail.

    Raises UnsubscribeLinkExpired for a genuine link past its age.
    """
    try:
        data = _signer(kind).unsign_object(token)
        week_start = parse_iso_week(data["week"])
        user_id = data["user"]
    except (signing.BadSignature, ValueError, TypeError, KeyError):
        return None
    if not isinstance(user_id, int):
        return None
    if timezone.localdate() > unsubscribe_link_expires(week_start):
        raise UnsubscribeLinkExpired
    return User.objects.filter(pk=user_id).first()


def message_id(*, recipient_id: int, week_start: dt.date, kind: str = "digest") -> str:
    """The same for every attempt: a mail system that sees a copy twice can tell."""
    host = urlsplit(settings.SITE_URL).hostname or "clientfirst"
    return f"<{kind}-{recipient_id}-{iso_week(week_start)}@{host}>"


def mail_headers(*, message_id: str, unsubscribe_url: str) -> dict:
    """The headers of every weekly e-mail: its Message-ID and a one-click unsubscribe."""
    return {
        "Message-ID": message_id,
        # RFC 8058 one-click: the mail client POSTs to the link, no log-in, no form.
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }


ORGANISATION_TEAMS = 25  # an admin's overview lists this many teams, flagged ones first


def organisation_section(*, viewer, week_start: dt.date, reports: WeekReports) -> dict:
    """For admins: every team's line of the week's report, and the totals."""
    report = balance_compute(people=User.objects.visible_to(viewer), start=week_start,
                             end=week_start + dt.timedelta(days=6))
    teams = sorted(
        (team for team in report.teams if team.team is not None),
        key=lambda team: (-team.flagged, team.team),
    )
    return {
        "teams": [{**team.to_json(), "share_pct": _percent(team.promotion_share)}
                  for team in teams[:ORGANISATION_TEAMS]],
        "more": max(len(teams) - ORGANISATION_TEAMS, 0),
        "totals": report.totals,
        "share_pct": _percent(report.totals.seconds.promotion_share),
        "flagged": sum(team.flagged for team in report.teams),
        "report_url": _report_url(week_start),
        "timesheets": timesheets_section(viewer=viewer, week_start=week_start,
                                         reports=reports),
    }


CLIENT_ANSWERS = 20  # the digest lists this many of the week's answers, newest first


def client_answers(*, viewer, week_start: dt.date) -> list:
    """The answers client contacts gave this week (docs/confirmations.md) on the outcomes the
    reader works on or manages: which contact, the decision, their comment."""
    outcomes = Outcome.objects.filter(engagement__in=Engagement.objects.recordable_by(viewer))
    return list(
        ConfirmationRequest.objects.filter(
            outcome__in=outcomes,
            answered_at__date__range=(week_start, week_start + dt.timedelta(days=6)),
        ).select_related("contact", "outcome__engagement__client")
        .order_by("-answered_at")[:CLIENT_ANSWERS]
    )


def _headline(week: str, me: dict | None, teams: list[dict], organisation: dict | None) -> str:
    """The subject: the week and its headline figure, for the widest view the reader has."""
    if teams or organisation:
        if teams:
            # From the seconds summed, as a report's total is: never a sum of rounded hours.
            hours = figures.hours(sum(t["totals"].seconds.total for t in teams))
            flagged = sum(len(t["flagged"]) for t in teams)
            who = teams[0]["name"] if len(teams) == 1 else f"Your {len(teams)} teams"
            share = teams[0]["share_pct"] if len(teams) == 1 else None
        else:
            hours, flagged = organisation["totals"].total_hours, organisation["flagged"]
            who, share = "All teams", organisation["share_pct"]
        headline = f"{who}, week {week}: {_hours_text(hours)} h logged"
        if share is not None:
            headline += f", {share}% promotion"
        return headline + (f", {flagged} flagged" if flagged else ", nobody flagged")
    if me is None:
        return f"Your week {week}: no time logged"
    headline = f"Your week {week}: {_hours_text(me['row'].total_hours)} h logged"
    if me["share_pct"] is not None:
        headline += f", {me['share_pct']}% promotion"
        if me["team_median_pct"] is not None:
            headline += f" (team median {me['team_median_pct']}%)"
    return headline


def digest_context(*, user, week_start: dt.date, reports: WeekReports | None = None,
                   preview: bool = False) -> dict:
    """What the templates show; with `preview`, a placeholder for the unsubscribe link."""
    reports = reports or WeekReports()
    me = consultant_section(user=user, week_start=week_start, reports=reports)
    teams = [
        team_section(team=team, week_start=week_start, reports=reports, viewer=user)
        for team in user.managed_team_list
    ]
    organisation = organisation_section(viewer=user, week_start=week_start,
                                        reports=reports) if user.is_admin else None
    if (teams or organisation) and me and not (me["row"].total_hours or me["activities"]):
        me = None  # a manager who logs no time of their own reads about their teams
    week = iso_week(week_start)
    return {
        "answers": client_answers(viewer=user, week_start=week_start),
        "user": user,
        "week_start": week_start,
        "week_end": week_start + dt.timedelta(days=6),
        "iso_week": week,
        "headline": _headline(week, me, teams, organisation),
        "me": me,
        "teams": teams,
        "organisation": organisation,
        "kinds": [{"label": kind.label, "colour": KIND_COLOURS[kind.value]} for kind in Kind],
        "site_url": settings.SITE_URL,
        "preview_url": absolute(reverse("digests:preview"), week=week),
        "preferences_url": absolute(reverse("digests:preferences")),
        "unsubscribe_url": absolute(reverse("digests:unsubscribe", kwargs={
            "token": UNSUBSCRIBE_PLACEHOLDER if preview else unsubscribe_token(user, week_start)
        })),
    }


def digest_message(*, user, week_start: dt.date, reports: WeekReports | None = None,
                   connection=None, preview: bool = False):
    """The digest exactly as it is sent; the preview page shows this same message, with
    `preview` (a placeholder in place of the recipient's unsubscribe link)."""
    context = digest_context(user=user, week_start=week_start, reports=reports,
                             preview=preview)
    return make_message(
        "digest",
        to=user.email,
        context=context,
        headers=mail_headers(
            message_id=message_id(recipient_id=user.pk, week_start=week_start),
            unsubscribe_url=context["unsubscribe_url"],
        ),
        connection=connection,
    )
