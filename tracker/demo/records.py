"""The in-memory records a DemoPlan is made of: people, teams, clients, engagements, the
tracks of back-to-back engagements a group of consultants works through, and promotion
activities. Those that become rows get their primary key (`pk`) from tracker.demo.load
once written, so the time entries can refer to them; nothing else depends on ids.
"""

import bisect
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(eq=False)
class _Person:
    first_name: str
    last_name: str
    profile: str  # normal, promoter, all_brand, manager, admin
    team: "_Team | None" = None
    username: str = ""
    kind_cum: tuple = ()
    day_hours: float = 7.5
    capacity: Decimal = Decimal("40")
    digest_opt_in: bool = True
    tracks: list = field(default_factory=list)  # [(_Track, weight)]
    activities: list = field(default_factory=list)  # [_Activity], by date
    activity_dates: list = field(default_factory=list)
    pk: int | None = None

    @property
    def is_consultant(self):
        return self.profile in {"normal", "promoter", "all_brand"}


@dataclass(eq=False)
class _Team:
    name: str
    sector: int
    manager: _Person | None = None
    consultants: list = field(default_factory=list)
    clients: list = field(default_factory=list)
    pk: int | None = None


@dataclass(eq=False)
class _Client:
    name: str
    sector: str
    owner: _Person
    engagement_names: set = field(default_factory=set)
    pk: int | None = None


@dataclass(eq=False)
class _Engagement:
    client: _Client
    name: str
    starts_on: dt.date
    ends_on: dt.date | None
    status: str
    budget_hours: Decimal | None
    members: list
    no_wins: bool = False  # all-brand engagements never achieve an outcome
    source_activity: "_Activity | None" = None
    team: "_Team | None" = None  # the team that runs it
    pk: int | None = None


@dataclass(eq=False)
class _Track:
    """The engagements a group of consultants works through, back to back."""

    engagements: list
    starts: list = field(default_factory=list)

    def active_on(self, day):
        index = bisect.bisect_right(self.starts, day) - 1
        if index < 0:
            return None
        engagement = self.engagements[index]
        if engagement.ends_on is not None and engagement.ends_on < day:
            return None
        return engagement


@dataclass(eq=False)
class _Activity:
    person: _Person
    kind: str
    title: str
    date: dt.date
    venue: str
    url: str
    audience: int
    interactions: int
    leads: int
    engagement: _Engagement | None = None
    pk: int | None = None


@dataclass(eq=False)
class _Contact:
    """A person at a client who may be asked to confirm an outcome."""

    client: _Client
    name: str
    email: str
    role: str
    added_at: dt.datetime  # naive, local: a week before the client's first engagement
    pk: int | None = None


@dataclass(eq=False)
class _Confirmation:
    """An achieved outcome put to a client contact, and their answer if they gave one.

    `decision` is "confirmed", "disputed" or "" (asked, not answered yet); the moments are
    naive local date-times, at most the plan's today (tracker.demo.load makes them aware and
    keeps them in the past)."""

    outcome: dict  # one of DemoPlan.outcomes
    contact: _Contact
    asked_by: _Person
    asked_at: dt.datetime | None
    decision: str = ""
    answered_at: dt.datetime | None = None
    reminded_at: dt.datetime | None = None
    comment: str = ""
    consent_card: bool = False
    consent_name: bool = False
