"""The balance report: where people's time went and what it produced for clients.

One computation for the page, the Celery task, the `balance_report` command, the digests and
the API. It reads the weekly rollup (tracker.WeeklyTotal) for whole ISO weeks inside the
period and the raw entries for the partial weeks at its edges, so it is exact for any dates.

It returns a `Report`: frozen dataclasses holding time as integer seconds and shares exact;
every figure comes from tracker.figures. `Report.to_json()` is CONTRACT.md's JSON (hours
rounded there, once); `to_stored()` / `from_stored()` are what a ReportRun keeps.

Beside the figures, marks that never change them: how many of the weeks behind each row,
team and the totals are not yet approved (figures.unapproved_time), and the hours by source
(manual, timer, an import, the API) of the same people and period. A run stored before these
existed reads back with the marks unknown (None) and no sources.
"""

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce

from clients.models import VERIFIED, Client, Engagement, Outcome, outcome_progress
from tracker import figures
from tracker.figures import KindSeconds, Unapproved, hours, unapproved_time
from tracker.formatting import person_name
from tracker.models import (
    KIND_VALUES,
    Activity,
    EngagementTotal,
    FirmWeekTotal,
    Kind,
    Team,
    TimeEntry,
    User,
    WeeklySourceTotal,
    WeeklyTotal,
)
from tracker.selection import dated_within, split_weeks
from tracker.week import week_start_of

KIND_LABELS = dict(Kind.choices)


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


@dataclass(frozen=True)
class Scope:
    """What a viewer asks a report of: a team, a consultant or a client within their reach."""

    viewer: User
    team: Team | None = None
    consultant: User | None = None
    client: Client | None = None

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


# Capacity as the JSON writes it: decimal hours, 2 places, rounded half up once.
_capacity_hours = figures.capacity_hours


def _seconds_of(row: dict) -> KindSeconds:
    """The seconds behind a stored row's hours: stored beside them since runs kept them
    (to_stored); for a run stored before, rebuilt from the hours, which were rounded to 36 s,
    so a sum of them read back can be 0.01 h off the one built."""
    if "seconds" in row:
        return KindSeconds(**row["seconds"])
    return KindSeconds(**{
        kind: int(Decimal(str(row[f"{kind}_hours"])) * 3600)
        for kind in ("client", "promotion", "internal")
    })


def _unapproved_of(item: dict) -> Unapproved | None:
    """The stored mark of a row, team or the totals; None for a run stored before marks."""
    if item.get("unapproved_weeks") is None:
        return None
    seconds = item.get("unapproved_seconds")
    if seconds is None:
        seconds = int(Decimal(str(item["unapproved_hours"])) * 3600)
    return Unapproved(weeks=item["unapproved_weeks"], seconds=seconds)


class _Marked:
    """The unapproved-weeks mark of a row, a team or the totals (None: not known, a run
    stored before marks were counted)."""

    unapproved: Unapproved | None

    @property
    def unapproved_weeks(self) -> int | None:
        return None if self.unapproved is None else self.unapproved.weeks

    @property
    def unapproved_hours(self) -> float | None:
        return None if self.unapproved is None else self.unapproved.hours

    def _marks_json(self) -> dict:
        return {"unapproved_weeks": self.unapproved_weeks,
                "unapproved_hours": self.unapproved_hours}


class KindHours:
    """The hours a row shows, each rounded once from its seconds."""

    seconds: KindSeconds

    @property
    def client_hours(self) -> float:
        return hours(self.seconds.client)

    @property
    def promotion_hours(self) -> float:
        return hours(self.seconds.promotion)

    @property
    def internal_hours(self) -> float:
        return hours(self.seconds.internal)

    @property
    def total_hours(self) -> float:
        return hours(self.seconds.total)


@dataclass(frozen=True)
class Row(_Marked, KindHours):
    """A consultant's line: CONTRACT.md's row, plus their id and their team's, and the name
    they are shown by (the username stays `consultant`, for scripts)."""

    consultant: str
    name: str  # the full name, else the username (tracker.formatting.person_name)
    consultant_id: int
    team: str | None
    team_id: int | None
    seconds: KindSeconds
    capacity: Decimal  # hours, exact
    promotion_share: float | None  # exact; rounded to 3 places in the JSON
    outcomes_achieved: int
    outcomes_verified: int
    activities: int
    reach: int
    leads: int
    engagements_sourced: int
    flag: str | None
    unapproved: Unapproved | None
    # One of the team's consultants (tracker.figures.logs_time): its "Consultants" counts them.
    logs_time: bool = True

    @property
    def capacity_hours(self) -> float:
        return _capacity_hours(self.capacity)

    def to_json(self, *, ids: bool = False) -> dict:
        data = {
            "consultant": self.consultant,
            "name": self.name,
            "team": self.team,
            "client_hours": self.client_hours,
            "promotion_hours": self.promotion_hours,
            "internal_hours": self.internal_hours,
            "total_hours": self.total_hours,
            "capacity_hours": self.capacity_hours,
            "promotion_share": figures.rounded_share(self.promotion_share),
            "outcomes_achieved": self.outcomes_achieved,
            "outcomes_verified": self.outcomes_verified,
            "activities": self.activities,
            "reach": self.reach,
            "leads": self.leads,
            "engagements_sourced": self.engagements_sourced,
            "flag": self.flag,
            **self._marks_json(),
        }
        if ids:
            data.update(consultant_id=self.consultant_id, team_id=self.team_id)
        return data

    @classmethod
    def from_stored(cls, row: dict) -> "Row":
        return cls(
            consultant=row["consultant"], consultant_id=row["consultant_id"],
            # A run stored before names were kept shows the username.
            name=row.get("name") or row["consultant"],
            team=row["team"], team_id=row["team_id"], seconds=_seconds_of(row),
            capacity=Decimal(str(row["capacity_hours"])),
            promotion_share=row["promotion_share"], unapproved=_unapproved_of(row),
            **{name: row[name] for name in (
                "outcomes_achieved", "outcomes_verified", "activities", "reach", "leads",
                "engagements_sourced", "flag",
            )},
        )


@dataclass(frozen=True)
class Totals(_Marked, KindHours):
    """The report's totals: hours from the seconds summed; an outcome credited to several
    people counted once."""

    seconds: KindSeconds
    outcomes_achieved: int
    outcomes_verified: int
    activities: int
    reach: int
    leads: int
    engagements_sourced: int
    unapproved: Unapproved | None

    COUNTS = ("outcomes_achieved", "outcomes_verified", "activities", "reach", "leads",
              "engagements_sourced")

    def to_json(self) -> dict:
        return {
            "client_hours": self.client_hours,
            "promotion_hours": self.promotion_hours,
            "internal_hours": self.internal_hours,
            "total_hours": self.total_hours,
            **{name: getattr(self, name) for name in self.COUNTS},
            **self._marks_json(),
        }

    @classmethod
    def from_stored(cls, totals: dict) -> "Totals":
        return cls(seconds=_seconds_of(totals), unapproved=_unapproved_of(totals),
                   **{name: totals[name] for name in cls.COUNTS})


@dataclass(frozen=True)
class TeamRow(_Marked, KindHours):
    team: str | None
    team_id: int | None
    consultants: int
    seconds: KindSeconds
    capacity: Decimal  # hours, exact: the members' capacities summed, rounded once
    promotion_share: float | None
    outcomes_achieved: int
    outcomes_verified: int
    flagged: int
    activities: int
    reach: int
    unapproved: Unapproved | None

    @property
    def capacity_hours(self) -> float:
        return _capacity_hours(self.capacity)

    def to_json(self) -> dict:
        return {
            "team": self.team,
            "team_id": self.team_id,
            "consultants": self.consultants,
            "client_hours": self.client_hours,
            "promotion_hours": self.promotion_hours,
            "internal_hours": self.internal_hours,
            "total_hours": self.total_hours,
            "capacity_hours": self.capacity_hours,
            "promotion_share": figures.rounded_share(self.promotion_share),
            "outcomes_achieved": self.outcomes_achieved,
            "outcomes_verified": self.outcomes_verified,
            "flagged": self.flagged,
            "activities": self.activities,
            "reach": self.reach,
            **self._marks_json(),
        }

    @classmethod
    def from_stored(cls, team: dict) -> "TeamRow":
        return cls(
            seconds=_seconds_of(team), capacity=Decimal(str(team["capacity_hours"])),
            unapproved=_unapproved_of(team),
            **{name: team[name] for name in (
                "team", "team_id", "consultants", "promotion_share", "outcomes_achieved",
                "outcomes_verified", "flagged", "activities", "reach",
            )},
        )


@dataclass(frozen=True)
class EngagementRow:
    engagement_id: int
    client: str
    engagement: str
    status: str
    seconds: int  # client time in the period, by the people in scope
    # All time, by everyone: the budget's figures. None (with the burn) for a viewer who may
    # not open the engagement's page, which shows them (see engagement_figures_seen_by).
    logged_seconds: int | None
    budget_hours: Decimal | None
    burn: float | None  # exact; rounded where it is shown
    outcomes: int
    outcomes_achieved: int
    progress: float | None

    @property
    def hours(self) -> float:
        return hours(self.seconds)

    @property
    def logged_hours(self) -> float | None:
        return None if self.logged_seconds is None else hours(self.logged_seconds)

    def to_json(self) -> dict:
        return {
            "engagement_id": self.engagement_id,
            "client": self.client,
            "engagement": self.engagement,
            "status": self.status,
            "hours": self.hours,
            "logged_hours": self.logged_hours,
            "budget_hours": None if self.budget_hours is None else float(self.budget_hours),
            "burn": self.burn,
            "outcomes": self.outcomes,
            "outcomes_achieved": self.outcomes_achieved,
            "progress": self.progress,
        }

    @classmethod
    def from_stored(cls, engagement: dict) -> "EngagementRow":
        budget = engagement["budget_hours"]
        return cls(
            seconds=int(Decimal(str(engagement["hours"])) * 3600),
            logged_seconds=None if engagement["logged_hours"] is None
            else int(Decimal(str(engagement["logged_hours"])) * 3600),
            budget_hours=None if budget is None else Decimal(str(budget)),
            **{name: engagement[name] for name in (
                "engagement_id", "client", "engagement", "status", "burn", "outcomes",
                "outcomes_achieved", "progress",
            )},
        )


@dataclass(frozen=True)
class Week(KindHours):
    week_start: dt.date
    seconds: KindSeconds

    def to_json(self) -> dict:
        return {"week_start": self.week_start.isoformat(), "client_hours": self.client_hours,
                "promotion_hours": self.promotion_hours,
                "internal_hours": self.internal_hours}

    @classmethod
    def from_stored(cls, week: dict) -> "Week":
        return cls(week_start=dt.date.fromisoformat(week["week_start"]),
                   seconds=_seconds_of(week))


def source_label(source: str) -> str:
    """A source as people read it ("Toggl", "Manual"); a value no longer among the choices
    (a run stored before they changed) as itself."""
    return dict(TimeEntry.Source.choices).get(source, source)


def _source_order(source: str) -> tuple:
    """The Source choices' order; values not among them after, alphabetically."""
    values = list(TimeEntry.Source.values)
    return (values.index(source), "") if source in values else (len(values), source)


@dataclass(frozen=True)
class SourceRow(KindHours):
    """The hours of the report's people and period that came in one way: by hand, the timer,
    an import of a tool's export, the API."""

    source: str  # the TimeEntry.Source value
    seconds: KindSeconds
    share: float | None  # of all the section's hours, exact

    @property
    def label(self) -> str:
        return source_label(self.source)

    def to_json(self) -> dict:
        return {"source": self.source, "label": self.label,
                "client_hours": self.client_hours, "promotion_hours": self.promotion_hours,
                "internal_hours": self.internal_hours, "total_hours": self.total_hours,
                "share": figures.rounded_share(self.share)}

    @classmethod
    def from_stored(cls, row: dict) -> "SourceRow":
        return cls(source=row["source"], seconds=_seconds_of(row), share=row["share"])


def _source_rows(by_source: dict) -> tuple[SourceRow, ...]:
    """SourceRows from [client, promotion, internal] seconds by source, in the Source
    choices' order."""
    seconds = {source: KindSeconds(*cell) for source, cell in by_source.items()}
    whole = sum(value.total for value in seconds.values())
    return tuple(
        SourceRow(source=source, seconds=seconds[source],
                  share=figures.share_of(seconds[source].total, whole))
        for source in sorted(seconds, key=_source_order)
    )


# Harvest's grouped summary: the report's hours summed by one of these (the page's "group
# by"), in this order on the page. "consultant" is a person's row.
GROUP_BY = {"client": "Client", "engagement": "Engagement", "consultant": "Person",
            "kind": "Kind"}
NO_GROUP = {"client": "No client", "engagement": "No engagement"}


@dataclass(frozen=True)
class GroupRow(KindHours):
    """The hours of the report's people and period on one client, one engagement, by one
    person or of one kind. `key` is the client's, engagement's or person's id, or the kind;
    None for time on no engagement (so no client)."""

    by: str  # a GROUP_BY key
    key: int | str | None
    label: str
    client: str | None  # an engagement's client
    seconds: KindSeconds
    share: float | None  # of all the report's hours, exact

    def filters(self) -> dict | None:
        """The /time/ filters that select this group's entries; None where none does (time
        on no engagement)."""
        if self.key is None:
            return None
        return {self.by: self.key}

    def to_json(self) -> dict:
        return {"key": self.key, "label": self.label, "client": self.client,
                "client_hours": self.client_hours, "promotion_hours": self.promotion_hours,
                "internal_hours": self.internal_hours, "total_hours": self.total_hours,
                "share": figures.rounded_share(self.share)}

    @classmethod
    def from_stored(cls, by: str, row: dict) -> "GroupRow":
        return cls(by=by, key=row["key"], label=row["label"], client=row["client"],
                   seconds=_seconds_of(row), share=row["share"])


def _groups(by_person: dict, by_engagement: dict, names: dict,
            engagements: dict) -> dict[str, tuple[GroupRow, ...]]:
    """The report's hours by client, engagement, person and kind, from [client, promotion,
    internal] seconds by person and by engagement (0: none): each group's figures are its
    seconds by kind, as a row's are, and every grouping sums to the report's totals.

    Summed per person and per engagement as the time is read, not per (person, engagement):
    a year of 4,000 people holds 24,000 of those, which took 420 ms to group here."""
    whole = [0, 0, 0]
    for cell in by_person.values():
        whole[0] += cell[0]
        whole[1] += cell[1]
        whole[2] += cell[2]
    by_client: dict = {}
    for engagement_id, cell in by_engagement.items():
        client_id = engagements[engagement_id]["client_id"] if engagement_id else None
        summed = by_client.setdefault(client_id, [0, 0, 0])
        summed[0] += cell[0]
        summed[1] += cell[1]
        summed[2] += cell[2]
    total = sum(whole)

    clients = {e["client_id"]: e["client__name"] for e in engagements.values()}
    built = {by: [] for by in GROUP_BY}  # by -> [(sort key, GroupRow)]

    def add(by, key, label, client, cell, order) -> None:
        seconds = KindSeconds(*cell)
        built[by].append((order, GroupRow(by=by, key=key, label=label, client=client,
                                          seconds=seconds,
                                          share=figures.share_of(seconds.total, total))))

    def by_name(key, label, client) -> tuple:  # time on none last, then client and name
        return (key is None, (client or "").casefold(), label.casefold())

    for key, cell in by_client.items():
        label = NO_GROUP["client"] if key is None else clients[key]
        add("client", key, label, None, cell, by_name(key, label, None))
    for key, cell in by_engagement.items():
        engagement = engagements.get(key)
        label = engagement["name"] if engagement else NO_GROUP["engagement"]
        client = engagement["client__name"] if engagement else None
        add("engagement", key or None, label, client, cell, by_name(key or None, label, client))
    for key, cell in by_person.items():
        add("consultant", key, names[key], None, cell, (names[key],))  # as the rows
    if by_person:
        for place, kind in enumerate(KIND_VALUES):
            add("kind", kind, KIND_LABELS[kind], None,
                [value if i == place else 0 for i, value in enumerate(whole)], (place,))
    return {by: tuple(row for _, row in sorted(rows, key=lambda pair: pair[0]))
            for by, rows in built.items()}


class _Later(Mapping):
    """A mapping built the first time it is read: the report's groups, which only the page
    and the exports show (the command, the API and the digests never read them: 100 ms of a
    year's report of 4,000 people at 10M entries)."""

    def __init__(self, build: Callable[[], dict]):
        self._build, self._built = build, None

    def _mapping(self) -> dict:
        if self._built is None:
            self._built, self._build = self._build(), None
        return self._built

    def __getitem__(self, key):
        return self._mapping()[key]

    def __iter__(self):
        return iter(self._mapping())

    def __len__(self) -> int:
        return len(self._mapping())


@dataclass(frozen=True)
class Report:
    period: Period
    rows: tuple[Row, ...]
    totals: Totals
    teams: tuple[TeamRow, ...]
    engagements: tuple[EngagementRow, ...]
    weeks: tuple[Week, ...]
    sources: tuple[SourceRow, ...] = ()
    # Page and exports only (not in to_json): {GROUP_BY key: rows}, built when first read;
    # {} in a run stored before.
    groups: Mapping = dataclasses.field(default_factory=dict)

    def row_of(self, consultant_id: int) -> Row | None:
        return next((row for row in self.rows if row.consultant_id == consultant_id), None)

    @property
    def flagged(self) -> list[Row]:
        return [row for row in self.rows if row.flag]

    @property
    def people_unapproved(self) -> int | None:
        """How many people's rows include weeks not yet approved (None: not known)."""
        if self.totals.unapproved is None:
            return None
        return sum(1 for row in self.rows if row.unapproved_weeks)

    def _period_json(self) -> dict:
        return {"start": self.period.start.isoformat(), "end": self.period.end.isoformat()}

    def to_json(self, *, ids: bool = False) -> dict:
        """CONTRACT.md's "Balance report JSON" (period, rows sorted by username, totals),
        followed by the teams, engagements, weeks and sources sections, as `balance_report`
        prints it. With `ids`, each row also has its consultant_id and team_id:
        what a ReportRun keeps (from_stored reads every run stored so far)."""
        return {
            "period": {"start": self.period.start.isoformat(),
                       "end": self.period.end.isoformat()},
            "rows": [row.to_json(ids=ids) for row in self.rows],
            "totals": self.totals.to_json(),
            "teams": [team.to_json() for team in self.teams],
            "engagements": [engagement.to_json() for engagement in self.engagements],
            "weeks": [week.to_json() for week in self.weeks],
            "sources": [source.to_json() for source in self.sources],
        }

    def to_stored(self) -> dict:
        """to_json(ids=True), each row, team, week, source and the totals with the seconds by
        kind behind its hours (and the unapproved seconds behind its mark), so that a run read
        back (from_stored) shows the figures it was built with, its total hours included.
        (An engagement shows no sum of rounded hours.)"""
        stored = self.to_json(ids=True)
        for key in ("rows", "teams", "weeks", "sources"):
            for item, built in zip(stored[key], getattr(self, key), strict=True):
                item["seconds"] = dataclasses.asdict(built.seconds)
        stored["totals"]["seconds"] = dataclasses.asdict(self.totals.seconds)
        for item, built in (*zip(stored["rows"], self.rows, strict=True),
                            *zip(stored["teams"], self.teams, strict=True),
                            (stored["totals"], self.totals)):
            if built.unapproved is not None:
                item["unapproved_seconds"] = built.unapproved.seconds
        stored["groups"] = {
            by: [{**row.to_json(), "seconds": dataclasses.asdict(row.seconds)} for row in rows]
            for by, rows in self.groups.items()
        }
        return stored

    @staticmethod
    def json_of_stored(stored: dict) -> dict:
        """A stored report as to_json() gave it when it was built: the stored figures
        themselves, without the ids and seconds kept for from_stored(). A run stored before
        the marks and sources has them as unknown: null marks, no sources."""
        unknown = {"unapproved_weeks": None, "unapproved_hours": None}

        def shown(item: dict, hidden=("seconds", "unapproved_seconds"), marks=None) -> dict:
            return {**{name: value for name, value in item.items() if name not in hidden},
                    **{name: value for name, value in (marks or {}).items() if name not in item}}

        stored = {name: value for name, value in stored.items() if name != "groups"}
        return {
            **stored, "totals": shown(stored["totals"], marks=unknown),
            "rows": [shown(row, ("seconds", "unapproved_seconds", "consultant_id", "team_id"),
                           marks=unknown)
                     for row in stored["rows"]],
            "teams": [shown(team, marks=unknown) for team in stored["teams"]],
            "weeks": list(map(shown, stored["weeks"])),
            "sources": list(map(shown, stored.get("sources", []))),
        }

    @classmethod
    def from_stored(cls, data: dict) -> "Report":
        return cls(
            period=Period(dt.date.fromisoformat(data["period"]["start"]),
                          dt.date.fromisoformat(data["period"]["end"])),
            rows=tuple(map(Row.from_stored, data["rows"])),
            totals=Totals.from_stored(data["totals"]),
            teams=tuple(map(TeamRow.from_stored, data["teams"])),
            engagements=tuple(map(EngagementRow.from_stored, data["engagements"])),
            weeks=tuple(map(Week.from_stored, data["weeks"])),
            sources=tuple(map(SourceRow.from_stored, data.get("sources", []))),
            groups={by: tuple(GroupRow.from_stored(by, row) for row in rows)
                    for by, rows in data.get("groups", {}).items()},
        )


def _by_kind(prefix: str = "") -> dict:
    """Sum() of each kind's seconds: the coarse rollup's columns (prefix "") or the seconds
    of the entries' or the fine rollup's rows of that kind (prefix None)."""
    # Cast: PostgreSQL sums bigints into numeric (a Decimal in Python).
    if prefix is None:
        return {kind: Cast(Sum("seconds", filter=Q(kind=kind)), BigIntegerField())
                for kind in Kind.values}
    return {kind: Cast(Sum(f"{kind}_seconds"), BigIntegerField()) for kind in Kind.values}


def engagement_figures_seen_by(report: Report, viewer, seen: set | None = None) -> Report:
    """`report` as `viewer` may read it. An engagement's all-time logged hours and burn are
    its budget's figures, everyone's time: shown where the viewer may open the engagement's
    page (a member, a manager of one, an admin), which shows them too. On one they have
    left, their own time in the period stays; the whole engagement's hours do not.

    `seen`: the ids of the report's engagements the viewer may open, when already read
    (balance_compute(viewer=) reads them with the engagements); else one query."""
    if viewer.is_admin or not report.engagements:
        return report
    if seen is None:
        seen = set(
            Engagement.objects.visible_to(viewer)
            .filter(pk__in=[row.engagement_id for row in report.engagements])
            .values_list("pk", flat=True)
        )
    return dataclasses.replace(report, engagements=tuple(
        row if row.engagement_id in seen
        else dataclasses.replace(row, logged_seconds=None, burn=None)
        for row in report.engagements
    ))


class _TypedNull(Cast):
    """A NULL of a type, as a constant column: not grouped by (Django groups by a Cast), which
    PostgreSQL would hash with every row (about 10% of the rollup's grouping)."""

    def get_group_by_cols(self):
        return []


def _running_pairs(whole: tuple[dt.date, dt.date], people) -> tuple[str, list]:
    """SQL and parameters of _time_cells' rows by consultant and engagement for the whole
    weeks from Monday whole[0] to Monday whole[1], from the running sums a year
    (RunningYearTotal, PostgreSQL): one or two rows a pair where the fine rollup holds one a
    week. In a row's year, the weeks a..b are element b of its sums less element a - 1
    (nothing before week 1: an element out of bounds is NULL); a year inside the period
    counts whole (b = 53: a year of 52 weeks keeps its total in element 53 too). A pair
    worked on in the period is one with seconds in it: every entry holds some."""
    (first_year, first_week, _), (last_year, last_week, _) = (
        whole[0].isocalendar(), whole[1].isocalendar())
    weeks = {kind: f"SUM({kind}[b] - COALESCE({kind}[a - 1], 0))" for kind in KIND_VALUES}
    narrowed = "" if people is None else " AND consultant_id = ANY(%s)"
    sql = (
        "SELECT consultant_id, engagement_key, NULL::date, NULL::varchar, "
        + ", ".join(f"{total}::bigint" for total in weeks.values())
        + " FROM (SELECT *, CASE WHEN iso_year = %s THEN %s ELSE 1 END AS a,"
        " CASE WHEN iso_year = %s THEN %s ELSE 53 END AS b FROM tracker_runningyeartotal"
        f" WHERE iso_year BETWEEN %s AND %s{narrowed}) AS pair"
        " GROUP BY consultant_id, engagement_key HAVING "
        + " + ".join(f"COALESCE({total}, 0)" for total in weeks.values()) + " > 0"
    )
    params = [first_year, first_week, last_year, last_week, first_year, last_year]
    return sql, params if people is None else [*params, list(people)]


def _time_cells(period: Period, people, everyone: bool) -> list[tuple]:
    """Rows of (consultant, engagement or 0, week, source, client, promotion, internal
    seconds) for the period, in one query of three grouped parts, one UNION ALL:

    - whole weeks by consultant and engagement (week and source None): on PostgreSQL from
      the running sums a year (_running_pairs), elsewhere from the fine rollup (WeeklyTotal,
      billable summed away);
    - whole weeks by week and source (consultant and engagement None), for the weekly series
      and the hours by source, from the coarse rollup (WeeklySourceTotal: about half the
      rows); for everyone, from the firm's weeks (FirmWeekTotal: a few hundred rows where the
      coarse rollup's year held 420,000 at 10M entries);
    - the partial weeks at the edges from the entries, by consultant, engagement, week and
      source.

    The rows with a source hold every hour of the period once: the hours by source are
    theirs (one query fewer than reading them apart).
    """
    postgresql = connection.vendor == "postgresql"
    whole, edges = period.split()
    # Typed NULLs: PostgreSQL takes an untyped one for text, which a UNION cannot match.
    nothing = {name: _TypedNull(Value(None), output_field=field) for name, field in (
        ("nobody", BigIntegerField()), ("no_engagement", BigIntegerField()),
        ("no_week", DateField()), ("no_source", CharField()),
    )}
    parts, pairs = [], None
    if whole:
        if postgresql:
            pairs = _running_pairs(whole, None if everyone else people)
        else:
            fine = WeeklyTotal.objects.filter(week_start__range=whole, entries__gt=0)
            if not everyone:
                fine = fine.filter(consultant_id__any_of=people)
            parts.append(
                fine.order_by().annotate(**nothing)
                .values_list("consultant_id", "engagement_key", "no_week", "no_source")
                .annotate(**_by_kind(None))
            )
        if everyone:
            coarse = FirmWeekTotal.objects.filter(week_start__range=whole)
        else:
            coarse = WeeklySourceTotal.objects.filter(
                week_start__range=whole, entries__gt=0, consultant_id__any_of=people)
        weekly = (
            coarse.order_by().annotate(**nothing)
            .values_list("nobody", "no_engagement", "week_start", "source")
            .annotate(**_by_kind())
        )
        if everyone:  # changes to sum: a week and source they cancel out in holds no time
            weekly = weekly.alias(held=Sum("entries")).filter(held__gt=0)
        parts.append(weekly)
    if edges:
        entries = TimeEntry.objects.filter(dated_within(edges))
        if not everyone:
            entries = entries.filter(consultant_id__any_of=people)
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
            .values_list("consultant_id", "engagement_key", "week", "source")
            .annotate(**_by_kind(None))
        )
    query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    if not postgresql:
        return list(query)
    # On PostgreSQL, the rows as psycopg types them (the sums cast to bigint above): Django's
    # converters on 28,000 rows took 100 ms of a year's report at 10M entries.
    try:
        sql, params = query.query.sql_with_params()
    except EmptyResultSet:  # nobody in scope
        return []
    if pairs is not None:
        sql, params = f"({pairs[0]}) UNION ALL {sql}", (*pairs[1], *params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@dataclass(frozen=True)
class ActivityCounts:
    activities: int = 0
    reach: int = 0
    leads: int = 0
    engagements_sourced: int = 0


def _activity_by_person(people, start: dt.date, end: dt.date, everyone: bool) -> dict:
    """ActivityCounts by consultant id over start..end, in one query: the activities grouped
    by their consultant, and the engagements they sourced grouped by the source activity's
    consultant, one UNION ALL.

    Grouped rather than correlated per person: at 4,500 people the "sourced" subquery
    scanned the whole source-activity index once per person (1.05 s at 10M entries).
    Grouped separately rather than joined: a join would sum an activity's audience once per
    engagement it brought in.
    """
    activities = Activity.objects.filter(date__range=(start, end))
    sourced = Engagement.objects.filter(
        starts_on__range=(start, end), source_activity__isnull=False
    )
    if not everyone:
        activities = activities.filter(consultant_id__any_of=people)
        sourced = sourced.filter(source_activity__consultant_id__any_of=people)
    zero = Value(0, output_field=BigIntegerField())
    counted = activities.order_by().values_list("consultant_id").annotate(
        activities=Count("pk"), reach=Sum("audience"), leads=Sum("leads"), sourced=zero,
    )
    brought = sourced.order_by().values_list("source_activity__consultant_id").annotate(
        activities=zero, reach=zero, leads=zero, sourced=Count("pk"),
    )
    summed = {}
    for consultant_id, *figures_ in counted.union(brought, all=True):
        before = summed.get(consultant_id, (0, 0, 0, 0))
        summed[consultant_id] = [a + (b or 0) for a, b in zip(before, figures_, strict=True)]
    return {consultant_id: ActivityCounts(*values) for consultant_id, values in summed.items()}


@dataclass(frozen=True)
class _Team:
    name: str
    promotion_threshold: Decimal


@dataclass(frozen=True)
class _Person:
    """What a row shows of a person, under the User's own names (the figures read them as
    they read a User's): a year's report reads 4,500 people, whose model instances (and their
    teams') took 145 ms to build at 10M entries."""

    pk: int
    username: str
    first_name: str
    last_name: str
    is_active: bool
    weekly_capacity_hours: Decimal
    logs_time: bool
    started_on: dt.date | None
    team_id: int | None
    team: _Team | None


def _people(people) -> list[_Person]:
    """The people in scope, with their teams: only what the rows show, one query."""
    teams: dict[int, _Team] = {}
    result = []
    for *fields, team_id, team_name, threshold in people.order_by().values_list(
        "pk", "username", "first_name", "last_name", "is_active", "weekly_capacity_hours",
        "logs_time", "started_on", "team_id", "team__name", "team__promotion_threshold",
    ):
        team = None
        if team_id is not None:
            team = teams.get(team_id) or teams.setdefault(team_id, _Team(team_name, threshold))
        result.append(_Person(*fields, team_id=team_id, team=team))
    return result


def _in_scope(people, period: Period, *, team, consultant, client):
    """`people` (from the access layer) narrowed to a team, a consultant, or those who
    logged time for a client in the period."""
    if team is not None:
        people = people.filter(team=team)
    if consultant is not None:
        people = people.filter(pk=consultant.pk)
    if client is not None:
        worked = TimeEntry.objects.in_period(period.start, period.end).filter(
            engagement__client=client
        )
        people = people.filter(pk__in=worked.values("consultant_id"))
    return people


# For a big report's own transaction on PostgreSQL: a year of a big firm's rollup sorted on
# disk with the default 4 MB, and its plans' cost crossed the JIT threshold, whose compiling
# took longer than the queries (1.4 s of 2.6 s at 10M entries). A team's report reads a few
# thousand rollup rows by index: it needs neither, nor the query that sets them.
REPORT_SESSION = {"work_mem": "64MB", "jit": "off"}
BIG_REPORT_PEOPLE = 200  # from this many people in scope (or everyone), REPORT_SESSION


@contextmanager
def _report_session():
    """A transaction: one consistent read of the figures (nothing on SQLite)."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        yield


def _tune_for_a_big_report() -> None:
    """REPORT_SESSION's settings for the rest of the report's transaction (SET LOCAL ends
    with it), on PostgreSQL."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in REPORT_SESSION),
            [value for pair in REPORT_SESSION.items() for value in pair],
        )


def balance_compute(
    *, people, start: dt.date, end: dt.date, team=None, consultant=None, client=None,
    viewer=None,
) -> Report:
    """The balance report of `people` over start..end (inclusive), narrowed to a team, a
    consultant or a client.

    `people` is whom the caller may report on, from the access layer:
    `User.objects.visible_to(viewer)` for a person, `User.objects.all()` for an operator or
    the digests. Six queries at most whatever the data size: time (the period, its weeks
    and its hours by source), people, their activities with the engagements those sourced,
    the engagements worked on and their outcomes, the unapproved weeks (the marks); on
    PostgreSQL, one more for a big report's settings (_tune_for_a_big_report).

    `viewer`: the report as they may read it (engagement_figures_seen_by), which of its
    engagements they may open read with the engagements, not in a query of its own.
    """
    with _report_session():
        return _balance(people=people, start=start, end=end, team=team,
                        consultant=consultant, client=client, viewer=viewer)


def _balance(*, people, start, end, team, consultant, client, viewer=None) -> Report:
    period = Period(start, end)
    # An unfiltered set of people (an admin's or an operator's) reads the rollup unfiltered.
    everyone = (
        team is None and consultant is None and client is None
        and not people.query.has_filters()
    )
    people_qs = _in_scope(people, period, team=team, consultant=consultant, client=client)
    # The people read first, and their ids handed to every other query as a list: the
    # access layer's OR across teams hides the consultant indexes from PostgreSQL, which
    # then guesses hundreds of people for nine and plans (parallel) scans to match.
    people_rows = _people(people_qs)
    in_scope = None if everyone else [user.pk for user in people_rows]
    if in_scope is None or len(in_scope) >= BIG_REPORT_PEOPLE:
        _tune_for_a_big_report()

    # [client, promotion, internal] seconds, summed in lists as the rows are read (a year of
    # 4,000 people reads 24,000): by consultant, by engagement (0: none), by week, by source.
    cells, by_engagement, week_cells, by_source = {}, {}, {}, {}
    worked = defaultdict(set)  # consultant -> engagements with time in the period

    def add(into: dict, key, client_, promotion, internal) -> None:
        cell = into.get(key)
        if cell is None:
            into[key] = [client_, promotion, internal]
        else:
            cell[0] += client_
            cell[1] += promotion
            cell[2] += internal

    for consultant_id, engagement_id, monday, source, client_, promotion, internal in (
            _time_cells(period, in_scope, everyone)):
        client_, promotion, internal = client_ or 0, promotion or 0, internal or 0
        if source is not None:
            add(by_source, source, client_, promotion, internal)
        if monday is not None:  # a row of the weekly series, or of an edge week
            add(week_cells, monday, client_, promotion, internal)
        if consultant_id is None:
            continue  # the weekly series only
        add(cells, consultant_id, client_, promotion, internal)
        add(by_engagement, engagement_id, client_, promotion, internal)
        if engagement_id:
            worked[consultant_id].add(engagement_id)
    engagement_seconds = {pk: sum(cell) for pk, cell in by_engagement.items() if pk}

    unapproved = unapproved_time(start=start, end=end, consultants=in_scope)
    engagements = _engagements_worked(engagement_seconds, viewer)
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
                    (outcome["pk"], outcome["verified"])
                )

    activity = _activity_by_person(in_scope, start, end, everyone)
    rows, credited = [], defaultdict(set)
    for user in sorted(people_rows, key=lambda u: u.username):
        counts = activity.get(user.pk, ActivityCounts())
        if user.pk not in cells and not counts.activities and (
            user.team_id is None or not user.is_active
        ):
            continue  # nobody to report on: no team, no time, no activity
        seconds = KindSeconds(*cells[user.pk]) if user.pk in cells else KindSeconds()
        outcomes = [o for e in worked.get(user.pk, ()) for o in outcomes_by_engagement.get(e, ())]
        team_name = user.team.name if user.team else None
        credited[team_name].update(outcomes)
        share = figures.promotion_share(seconds)
        rows.append(Row(
            consultant=user.username,
            name=person_name(user),
            consultant_id=user.pk,
            team=team_name,
            team_id=user.team_id,
            seconds=seconds,
            capacity=figures.capacity_of(user, period.start, period.end),
            promotion_share=share,
            outcomes_achieved=len(outcomes),
            outcomes_verified=sum(1 for _, verified in outcomes if verified),
            activities=counts.activities,
            reach=counts.reach,
            leads=counts.leads,
            engagements_sourced=counts.engagements_sourced,
            flag=figures.flag(share=share, threshold=figures.threshold_of(user.team),
                              outcomes_achieved=len(outcomes)),
            unapproved=unapproved.get(user.pk, Unapproved()),
            logs_time=figures.logs_time(user),
        ))

    report = Report(
        period=period,
        rows=tuple(rows),
        totals=_totals(rows, set().union(*credited.values()) if credited else set()),
        teams=_teams(rows, credited),
        engagements=_engagement_rows(engagements, engagement_seconds, start, end),
        weeks=tuple(
            Week(week_start=monday, seconds=KindSeconds(*week_cells[monday]))
            for monday in sorted(week_cells)
        ),
        sources=_source_rows(by_source),
        groups=_Later(lambda: _groups(
            cells, by_engagement, {row.consultant_id: row.name for row in rows}, engagements)),
    )
    if viewer is None:
        return report
    return engagement_figures_seen_by(report, viewer, seen={
        pk for pk, engagement in engagements.items() if engagement.get("seen", True)
    })


def _sum_seconds(rows) -> KindSeconds:
    return sum((row.seconds for row in rows), KindSeconds())


def _sum_unapproved(rows) -> Unapproved:
    """The rows' marks summed: weeks counted per person, hours from the seconds summed."""
    return sum((row.unapproved for row in rows), Unapproved())


def _totals(rows, outcomes) -> Totals:
    return Totals(
        seconds=_sum_seconds(rows),
        # An outcome credited to several people is one outcome for the group.
        outcomes_achieved=len(outcomes),
        outcomes_verified=sum(1 for _, verified in outcomes if verified),
        activities=sum(row.activities for row in rows),
        reach=sum(row.reach for row in rows),
        leads=sum(row.leads for row in rows),
        engagements_sourced=sum(row.engagements_sourced for row in rows),
        unapproved=_sum_unapproved(rows),
    )


def _teams(rows, credited) -> tuple[TeamRow, ...]:
    by_team, team_ids = defaultdict(list), {}
    for row in rows:
        by_team[row.team].append(row)
        team_ids[row.team] = row.team_id
    teams = []
    for name in sorted(by_team, key=lambda n: (n is None, n or "")):
        members = by_team[name]
        seconds = _sum_seconds(members)
        outcomes = credited.get(name, set())
        teams.append(TeamRow(
            team=name,
            team_id=team_ids[name],
            # Those who log time, as the capacity beside it counts them (not their manager).
            consultants=sum(1 for row in members if row.logs_time),
            seconds=seconds,
            capacity=sum((row.capacity for row in members), Decimal(0)),
            promotion_share=figures.promotion_share(seconds),
            outcomes_achieved=len(outcomes),
            outcomes_verified=sum(1 for _, verified in outcomes if verified),
            flagged=sum(1 for row in members if row.flag),
            activities=sum(row.activities for row in members),
            reach=sum(row.reach for row in members),
            unapproved=_sum_unapproved(members),
        ))
    return tuple(teams)


OUTCOME_FIELDS = (
    "pk", "engagement_id", "status", "achieved_on", "verified", "baseline", "target",
    "actual_value",
)


def _progress(outcome: dict) -> float | None:
    return outcome_progress(outcome["actual_value"], outcome["baseline"], outcome["target"])


def _engagements_worked(engagement_seconds: dict, viewer=None) -> dict:
    """The engagements worked on, with their all-time logged seconds and their outcomes;
    with a `viewer` who is not an admin, whether they may open each (`seen`).

    Plain values, not model instances: an everyone-report touches a thousand engagements.
    """
    if not engagement_seconds:
        return {}
    ids = list(engagement_seconds)
    # The all-time total the rollup's triggers keep per engagement, beside its row: summing
    # the weekly rollup of every engagement worked on took 321 ms at 10M entries.
    logged = EngagementTotal.objects.filter(engagement_key=OuterRef("pk")).values("seconds")
    rows = Engagement.objects.filter(pk__any_of=ids).annotate(
        logged_seconds=Coalesce(Subquery(logged), 0))
    columns = ["pk", "name", "status", "budget_hours", "client_id", "client__name",
               "logged_seconds"]
    if viewer is not None and not viewer.is_admin:
        rows = rows.annotate(seen=Exists(
            Engagement.objects.visible_to(viewer).filter(pk=OuterRef("pk"))))
        columns.append("seen")
    engagements = {
        row["pk"]: {**row, "outcomes": []}
        for row in rows.order_by("client__name", "name").values(*columns)
    }
    for outcome in (
        Outcome.objects.filter(engagement_id__any_of=list(engagements)).with_actual()
        .annotate(verified=ExpressionWrapper(VERIFIED, output_field=BooleanField()))
        .order_by().values(*OUTCOME_FIELDS)
    ):
        engagements[outcome["engagement_id"]]["outcomes"].append(outcome)
    return engagements


def _engagement_rows(engagements: dict, engagement_seconds: dict, start, end) -> tuple:
    result = []
    for pk, engagement in engagements.items():
        if pk not in engagement_seconds:
            continue
        outcomes = engagement["outcomes"]
        progress = [p for p in map(_progress, outcomes) if p is not None]
        achieved = [
            o for o in outcomes
            if o["status"] == Outcome.Status.ACHIEVED and start <= o["achieved_on"] <= end
        ]
        result.append(EngagementRow(
            engagement_id=pk,
            client=engagement["client__name"],
            engagement=engagement["name"],
            status=engagement["status"],
            seconds=engagement_seconds[pk],
            logged_seconds=engagement["logged_seconds"],
            budget_hours=engagement["budget_hours"],
            burn=figures.budget_burn(engagement["logged_seconds"], engagement["budget_hours"]),
            outcomes=len(outcomes),
            outcomes_achieved=len(achieved),
            progress=sum(progress) / len(progress) if progress else None,
        ))
    return tuple(result)
