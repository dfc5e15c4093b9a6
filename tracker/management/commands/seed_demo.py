"""Deterministic demo data ending last week.

    python manage.py seed_demo [--consultants 40] [--weeks 26] [--seed 42] [--if-empty]

Teams of about 8 consultants with a manager each, their clients and engagements (with
budgets, outcomes and measurements), promotion activities, and about 5 time entries per
consultant per workday. A few consultants (about 1 in 15) are "all brand and no client":
mostly promotion, little client time, no outcome achieved.

The same seed gives the same data for the same "last week": every choice comes from one
`random.Random(seed)` walked in a fixed order, and nothing depends on database ids. The
whole plan except the time entries is built in memory first; the entries are then generated
a week at a time and streamed into the database (COPY on PostgreSQL, bulk_create elsewhere),
so a million of them need little memory. Everything is written in one transaction.
"""

import bisect
import datetime as dt
import math
import random
import time
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from clients.models import Client, Engagement, Outcome, OutcomeMeasurement
from reports.rollup import rollup_suspended
from tracker.models import Activity, Kind, Team, TimeEntry, User

DEMO_PASSWORD = "demo"
EMAIL_DOMAIN = "demo.clientfirst.test"
LOGIN_CONSULTANT, LOGIN_MANAGER, LOGIN_ADMIN = "consultant", "manager", "admin"
TEAM_SIZE = 8
ALL_BRAND_ONE_IN = 15
WORKDAYS = 5
UNIT_SECONDS = 5 * 60  # durations are whole 5-minute units, as people log them
ENTRY_BATCH_SIZE = 5000

# (team name, client sector, client name suffixes, engagement names)
SECTORS = [
    ("Public Sector", "Public sector",
     ["City Council", "County Council", "Borough Council", "Housing Association",
      "Combined Authority", "Fire and Rescue Service"],
     ["Digital Front Door", "Benefits Service Redesign", "Case Management Replacement",
      "Council Tax Online", "Planning Portal", "Housing Repairs Service"]),
    ("Financial Services", "Financial services",
     ["Bank", "Building Society", "Insurance", "Capital", "Mutual", "Pensions"],
     ["Claims Automation", "Mortgage Origination Platform", "Fraud Analytics",
      "Open Banking APIs", "Core Banking Migration", "Customer Onboarding Journey"]),
    ("Health", "Health",
     ["NHS Trust", "Health Partnership", "Hospital Trust", "Care Group", "Clinics", "Pharma"],
     ["Patient Booking Service", "Waiting List Analytics", "Electronic Prescribing",
      "Community Care App", "Clinical Data Platform", "Discharge Planning"]),
    ("Retail", "Retail",
     ["Stores", "Grocers", "Fashion", "Home and Garden", "Outdoor", "Pharmacy"],
     ["E-commerce Replatform", "Loyalty Programme", "Store Stock Visibility",
      "Click and Collect", "Pricing Engine", "Checkout Optimisation"]),
    ("Energy & Utilities", "Energy and utilities",
     ["Energy", "Water", "Power", "Renewables", "Gas Networks", "Grid"],
     ["Smart Meter Insights", "Field Workforce Scheduling", "Outage Communications",
      "Billing Modernisation", "Leakage Detection", "Net Zero Reporting"]),
    ("Telecoms & Media", "Telecoms and media",
     ["Telecom", "Broadband", "Media Group", "Broadcasting", "Publishing", "Mobile"],
     ["Self-service Fault Tracking", "Streaming Platform", "Churn Prediction",
      "Network Inventory", "Subscription Billing", "Content Recommendation"]),
    ("Manufacturing", "Manufacturing",
     ["Engineering", "Foods", "Aerospace", "Plastics", "Automotive", "Industries"],
     ["Shop Floor Data Capture", "Predictive Maintenance", "Supplier Portal",
      "Quality Analytics", "ERP Integration", "Digital Twin Pilot"]),
    ("Transport & Logistics", "Transport and logistics",
     ["Rail", "Logistics", "Freight", "Airport", "Buses", "Ports"],
     ["Journey Planner", "Fleet Telematics", "Warehouse Slotting", "Delay Repay Service",
      "Route Optimisation", "Passenger Information"]),
    ("Education", "Education",
     ["University", "College", "Academy Trust", "School of Art", "Learning Partnership",
      "Institute"],
     ["Student Records Replacement", "Admissions Journey", "Virtual Learning Platform",
      "Timetabling Service", "Research Data Portal", "Alumni Engagement"]),
    ("Charities", "Charities and non-profit",
     ["Trust", "Foundation", "Community Action", "Hospice", "Wildlife Trust", "Housing Charity"],
     ["Supporter Journey", "Donation Platform", "Volunteer Matching", "Grant Management",
      "Impact Reporting", "Helpline Modernisation"]),
]  # fmt: skip

GENERIC_ENGAGEMENTS = [
    "Discovery", "Data Platform", "Cloud Migration", "Agile Coaching", "Service Design",
    "API Strategy", "Legacy Modernisation", "Product Operating Model", "DevOps Enablement",
    "Analytics Dashboards", "Security Review", "Accessibility Audit", "Delivery Assurance",
    "Architecture Review", "Platform Engineering",
]  # fmt: skip
RETAINER_ENGAGEMENTS = ["Advisory Retainer", "Executive Coaching", "Strategy Sounding Board"]

PLACES = [
    "Northbridge", "Ashcombe", "Kestrel", "Brightwater", "Oakmere", "Harbourside", "Millbrook",
    "Redcliffe", "Thornbury", "Elmstead", "Westmoor", "Greyfriars", "Sandhurst", "Larkspur",
    "Fairhaven", "Stonebridge", "Riverside", "Highgate", "Marlow", "Pennine", "Severn",
    "Cobalt", "Meridian", "Beacon", "Summit", "Northgate", "Linden", "Alder", "Juniper",
    "Hawthorn", "Silverline", "Bluewater", "Castlegate", "Kingsmead", "Foxley", "Wyvern",
    "Calder", "Tamar", "Avonmore", "Glenfield",
]  # fmt: skip

FIRST_NAMES = [
    "Aisha", "Alex", "Amara", "Ana", "Arjun", "Ben", "Bjorn", "Carmen", "Chen", "Chloé",
    "Dana", "Daniel", "Dev", "Eilidh", "Elena", "Emeka", "Emma", "Farah", "Finn", "Gabriel",
    "Grace", "Hamza", "Hannah", "Ines", "Isaac", "Jamal", "Jess", "José", "Kai", "Kemi",
    "Laura", "Leon", "Lucia", "Maya", "Mei", "Mohammed", "Nadia", "Ngozi", "Niamh", "Noah",
    "Oliver", "Omar", "Priya", "Rafael", "Rhys", "Rosa", "Ruth", "Sam", "Sana", "Siobhán",
    "Sofia", "Tariq", "Tom", "Tomasz", "Uma", "Victor", "Wei", "Yara", "Yusuf", "Zoë",
]  # fmt: skip
LAST_NAMES = [
    "Adeyemi", "Ahmed", "Andersson", "Bailey", "Banerjee", "Brennan", "Campbell", "Chen",
    "Clarke", "Costa", "Da Silva", "Davies", "Evans", "Fernández", "Fischer", "Gallagher",
    "García", "Green", "Hall", "Hughes", "Iqbal", "Jones", "Kaur", "Kowalski", "Kumar", "Lee",
    "Lewis", "Lopez", "MacLeod", "Martin", "Mensah", "Morgan", "Müller", "Murphy", "Nguyen",
    "Novak", "O'Brien", "Okafor", "Olsen", "Owen", "Patel", "Price", "Quinn", "Rahman", "Reid",
    "Roberts", "Rossi", "Santos", "Shah", "Singh", "Smith", "Taylor", "Thomas", "Turner",
    "Van Dijk", "Walker", "Wang", "Williams", "Wilson", "Wright",
]  # fmt: skip
CONTACT_ROLES = [
    "Head of Operations", "Chief Information Officer", "Service Owner", "Programme Director",
    "Chief Digital Officer", "Product Director", "Finance Director",
]  # fmt: skip

# (title, metric, unit, baseline range, direction, relative change of the target, decimals)
OUTCOME_TEMPLATES = [
    ("Cut processing time", "average processing time", "days", (8, 30), "decrease",
     (0.3, 0.6), 1),
    ("Raise online conversion", "online conversion rate", "%", (1.5, 4), "increase",
     (0.2, 0.6), 2),
    ("Reduce cloud costs", "monthly cloud spend", "£k", (40, 300), "decrease", (0.15, 0.4), 0),
    ("Improve customer satisfaction", "customer satisfaction score", "points", (55, 72),
     "increase", (0.08, 0.2), 1),
    ("Shorten lead time", "lead time for changes", "days", (10, 45), "decrease", (0.4, 0.7), 1),
    ("Fewer failed deployments", "change failure rate", "%", (12, 30), "decrease",
     (0.3, 0.6), 1),
    ("Grow self-service use", "share of requests handled online", "%", (20, 45), "increase",
     (0.3, 0.8), 1),
    ("Reduce call volumes", "calls per week", "calls", (2000, 9000), "decrease", (0.1, 0.3), 0),
    ("Clear the backlog", "open cases", "cases", (400, 3000), "decrease", (0.3, 0.6), 0),
    ("Faster onboarding", "time to onboard a customer", "days", (5, 20), "decrease",
     (0.3, 0.6), 1),
    ("Increase staff adoption", "weekly active users", "users", (100, 1500), "increase",
     (0.3, 1.0), 0),
    ("Lift first-contact resolution", "first-contact resolution", "%", (45, 65), "increase",
     (0.1, 0.25), 1),
]  # fmt: skip

ACTIVITY_TOPICS = [
    "outcome-based contracts", "service design in the public sector", "AI in claims handling",
    "data mesh in practice", "product thinking for IT teams", "legacy modernisation",
    "measuring what clients gain", "platform teams", "accessibility by default",
    "cloud cost control", "user research on a budget", "delivery without estimates",
    "team topologies", "responsible AI", "continuous delivery in regulated industries",
]  # fmt: skip
# kind: (title pattern, venues, audience range, lead choices)
ACTIVITY_KINDS = {
    Activity.Kind.TALK: ("{Topic}: lessons from the field",
                         ["Delivery Summit", "Product Tank", "DevOps Days", "City Tech Meetup"],
                         (40, 600), (0, 0, 1, 1, 2, 3)),
    Activity.Kind.PANEL: ("Panel: the future of {topic}",
                          ["Industry Forum", "Digital Leaders", "Sector Breakfast"],
                          (60, 400), (0, 0, 0, 1, 2)),
    Activity.Kind.WEBINAR: ("Webinar: getting started with {topic}",
                            ["Company webinar", "Partner webinar"], (30, 400), (0, 0, 1, 2)),
    Activity.Kind.PODCAST: ("Podcast guest: {topic}",
                            ["Delivery Matters podcast", "The Product Show", "Tech Talk Weekly"],
                            (300, 5000), (0, 0, 0, 1)),
    Activity.Kind.BLOG_POST: ("What we learned about {topic}", ["Company blog", "Medium"],
                              (150, 3000), (0, 0, 0, 0, 1)),
    Activity.Kind.SOCIAL_POST: ("Thoughts on {topic}", ["LinkedIn", "Mastodon", "Bluesky"],
                                (500, 20000), (0, 0, 0, 0, 0, 0, 1)),
    Activity.Kind.NEWSLETTER: ("Newsletter: {topic}", ["Monthly newsletter"], (300, 4000),
                               (0, 0, 0, 1)),
    Activity.Kind.AWARD: ("Shortlisted: {topic} award", ["Industry Awards"], (200, 1500),
                          (0, 1)),
}  # fmt: skip
ACTIVITY_KIND_WEIGHTS = {
    # a typical consultant writes and speaks now and then
    "normal": {"talk": 20, "blog_post": 25, "social_post": 20, "webinar": 10, "podcast": 8,
               "panel": 7, "newsletter": 7, "award": 3},
    # the all-brand ones post and podcast a lot
    "all_brand": {"social_post": 40, "blog_post": 20, "podcast": 15, "talk": 10, "panel": 10,
                  "newsletter": 5},
}  # fmt: skip
ACTIVITIES_PER_WEEK = {"normal": (0.1, 0.35), "promoter": (0.5, 1.0), "all_brand": (1.5, 3.0)}
ACTIVITY_WEEKS_BEFORE = 8  # activities start before the period, so early work has a source

# share of (client, promotion) time; internal is the rest
KIND_SHARES = {
    "normal": ((0.70, 0.85), (0.05, 0.15)),
    "promoter": ((0.55, 0.65), (0.22, 0.32)),
    "all_brand": ((0.10, 0.20), (0.60, 0.72)),
}
PROMOTER_SHARE = 0.1
KINDS = (Kind.CLIENT.value, Kind.PROMOTION.value, Kind.INTERNAL.value)
ENTRIES_PER_DAY = (4, 5, 6)
ENTRIES_PER_DAY_CUM = (0.2, 0.8, 1.0)  # mean 5

# No tab, newline or backslash: the COPY writer sends notes as they are.
NOTES = {
    Kind.CLIENT.value: ["Workshop", "Stakeholder interviews", "Delivery", "Sprint review",
                        "Analysis", "Report writing", "Client meeting", "Pairing with client team",
                        "Backlog refinement", "Prototype", ""],
    Kind.PROMOTION.value: ["Preparing talk", "Writing post", "Networking event", "Podcast prep",
                           "LinkedIn", "Slides", ""],
    Kind.INTERNAL.value: ["Team meeting", "Training", "Admin", "Recruiting interviews",
                          "Knowledge sharing", "1:1s", "Bid writing", ""],
}  # fmt: skip


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


def _ascii_slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in text if ch.isalnum() or ch == "-")


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def last_week(today: dt.date) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of the most recent complete ISO week before `today`."""
    monday = _monday(today) - dt.timedelta(weeks=1)
    return monday, monday + dt.timedelta(days=6)


def _uses_copy(db_connection) -> bool:
    return db_connection.vendor == "postgresql"


@contextmanager
def _without_indexes_and_foreign_keys(table: str):
    """Load an empty PostgreSQL table the way pg_restore does: drop its secondary indexes and
    foreign keys, load, then rebuild each index in one sort and check each foreign key in one
    join. Per-row index updates and foreign-key triggers would more than double the time of a
    million rows (see "Populating a Database" in the PostgreSQL manual). Inside the caller's
    transaction, so the schema is never seen without them and any failure restores them.
    """
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # ALTER TABLE and CREATE TRIGGER refuse while deferred foreign-key checks are pending;
        # checked now, and as rows arrive for the rest of the transaction.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {quote(table)})")
        if cursor.fetchone()[0]:
            yield  # rebuilding indexes over existing rows would not pay
            return
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [table],
        )
        foreign_keys = cursor.fetchall()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = current_schema() AND tablename = %s AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass) "
            "ORDER BY indexname",
            [table, table],
        )
        indexes = cursor.fetchall()
        for name, _ in foreign_keys:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)
        for name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")


class _Laps:
    """Where the time went, for --verbosity 2 and the benchmark."""

    def __init__(self):
        self.started = self.last = time.perf_counter()
        self.laps = []

    def lap(self, label):
        now = time.perf_counter()
        self.laps.append((label, now - self.last))
        self.last = now

    @property
    def total(self):
        return self.last - self.started

    def __str__(self):
        return ", ".join(f"{label} {seconds:.1f} s" for label, seconds in self.laps)


class DemoPlan:
    """Everything seed_demo writes, decided up front except the time entries."""

    def __init__(self, *, consultants: int, weeks: int, seed: int, today: dt.date):
        self.rng = random.Random(seed)
        self.weeks = weeks
        last_monday, self.period_end = last_week(today)
        self.period_start = last_monday - dt.timedelta(weeks=weeks - 1)
        self.today = today
        self.people: list[_Person] = []
        self.teams: list[_Team] = []
        self.clients: list[_Client] = []
        self.engagements: list[_Engagement] = []
        self.outcomes: list[dict] = []
        self.activities: list[_Activity] = []
        self._usernames: set[str] = {LOGIN_CONSULTANT, LOGIN_MANAGER, LOGIN_ADMIN}
        self._client_names: set[str] = set()
        self._build_people(consultants)
        self._build_activities()
        for team in self.teams:
            self._build_team_work(team)
        self._set_budgets()
        self._link_sources_and_case_studies()
        for engagement in self.engagements:
            self._build_outcomes(engagement)

    @property
    def consultants(self):
        return [person for person in self.people if person.is_consultant]

    # People ------------------------------------------------------------------------------

    def _new_person(self, profile, team=None, username=None):
        rng = self.rng
        person = _Person(rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES), profile, team)
        if username is None:
            base = f"{_ascii_slug(person.first_name)}.{_ascii_slug(person.last_name)}"
            username, number = base, 1
            while username in self._usernames:
                number += 1
                username = f"{base}{number}"
        self._usernames.add(username)
        person.username = username
        person.digest_opt_in = rng.random() < 0.85
        if person.is_consultant:
            (client_lo, client_hi), (promo_lo, promo_hi) = KIND_SHARES[profile]
            client = rng.uniform(client_lo, client_hi)
            promotion = min(rng.uniform(promo_lo, promo_hi), 0.97 - client)
            person.kind_cum = (client, client + promotion, 1.0)
            person.day_hours = rng.uniform(7.0, 8.2)
            person.capacity = Decimal("37.5") if rng.random() < 0.2 else Decimal("40")
        self.people.append(person)
        return person

    def _build_people(self, count):
        rng = self.rng
        team_count = math.ceil(count / TEAM_SIZE)
        base, extra = divmod(count, team_count)
        sizes = [base + (1 if index < extra else 0) for index in range(team_count)]
        # About 1 in 15 is all brand and no client; one of them in the first team, so the
        # demo manager sees a flag in their own report.
        all_brand_count = max(1, round(count / ALL_BRAND_ONE_IN)) if count >= 2 else 0
        slots = [(t, i) for t, size in enumerate(sizes) for i in range(size)]
        all_brand = set()
        if all_brand_count:
            all_brand.add((0, sizes[0] - 1))  # count >= 2, so the first team has 2 or more
            others = [slot for slot in slots if slot != (0, 0) and slot not in all_brand]
            all_brand.update(rng.sample(others, min(len(others), all_brand_count - 1)))

        for t, size in enumerate(sizes):
            sector = t % len(SECTORS)
            name = SECTORS[sector][0] + (f" {t // len(SECTORS) + 1}" if t >= len(SECTORS) else "")
            team = _Team(name=name, sector=sector)
            self.teams.append(team)
            team.manager = self._new_person(
                "manager", team, username=LOGIN_MANAGER if t == 0 else None
            )
            for i in range(size):
                if (t, i) in all_brand:
                    profile = "all_brand"
                elif (t, i) != (0, 0) and rng.random() < PROMOTER_SHARE:
                    profile = "promoter"
                else:
                    profile = "normal"
                login = LOGIN_CONSULTANT if (t, i) == (0, 0) else None
                team.consultants.append(self._new_person(profile, team, username=login))
        admin = self._new_person("admin", username=LOGIN_ADMIN)
        admin.digest_opt_in = False

    # Activities --------------------------------------------------------------------------

    def _build_activities(self):
        rng = self.rng
        first_monday = self.period_start - dt.timedelta(weeks=ACTIVITY_WEEKS_BEFORE)
        weeks = self.weeks + ACTIVITY_WEEKS_BEFORE
        topics = ACTIVITY_TOPICS
        for person in self.consultants:
            rate = rng.uniform(*ACTIVITIES_PER_WEEK[person.profile])
            weights = ACTIVITY_KIND_WEIGHTS[
                "all_brand" if person.profile == "all_brand" else "normal"
            ]
            kinds, kind_weights = list(weights), list(weights.values())
            for week in range(weeks):
                count = int(rate) + (1 if rng.random() < rate - int(rate) else 0)
                days = sorted(rng.randrange(WORKDAYS) for _ in range(count))
                for day in days:
                    kind = rng.choices(kinds, kind_weights)[0]
                    pattern, venues, (lo, hi), lead_choices = ACTIVITY_KINDS[kind]
                    topic = rng.choice(topics)
                    audience = rng.randint(lo, hi)
                    if person.profile == "all_brand":
                        # lots of reach, hardly any leads
                        audience *= 2
                        leads = 1 if rng.random() < 0.05 else 0
                    else:
                        leads = rng.choice(lead_choices)
                    date = first_monday + dt.timedelta(weeks=week, days=day)
                    activity = _Activity(
                        person=person,
                        kind=kind,
                        title=pattern.format(topic=topic, Topic=topic[0].upper() + topic[1:]),
                        date=date,
                        venue=rng.choice(venues),
                        url=(
                            f"https://www.example.com/{kind.replace('_', '-')}/"
                            f"{person.username}-{date:%Y%m%d}"
                            if rng.random() < 0.7
                            else ""
                        ),
                        audience=audience,
                        interactions=round(audience * rng.uniform(0.01, 0.08)),
                        leads=leads,
                    )
                    person.activities.append(activity)
                    self.activities.append(activity)
            person.activity_dates = [activity.date for activity in person.activities]

    # Clients and engagements -------------------------------------------------------------

    def _new_client(self, team):
        rng = self.rng
        _, sector_label, suffixes, _ = SECTORS[team.sector]
        for _attempt in range(30):
            name = f"{rng.choice(PLACES)} {rng.choice(suffixes)}"
            if name not in self._client_names:
                break
        else:
            number = 2
            while f"{name} {number}" in self._client_names:
                number += 1
            name = f"{name} {number}"
        self._client_names.add(name)
        owner = team.manager if rng.random() < 0.5 else rng.choice(team.consultants)
        client = _Client(name=name, sector=sector_label, owner=owner)
        team.clients.append(client)
        self.clients.append(client)
        return client

    def _engagement_name(self, client, names):
        rng = self.rng
        for _attempt in range(10):
            name = rng.choice(names)
            if name not in client.engagement_names:
                break
        phase = 2
        base = name
        while name in client.engagement_names:
            name = f"{base} Phase {phase}"
            phase += 1
        client.engagement_names.add(name)
        return name

    def _new_engagement(self, *, client, names, starts_on, ends_on, status, members, no_wins):
        # Open-ended retainers often have no budget; the others get one once staffing is known.
        budgeted = ends_on is not None or self.rng.random() < 0.5
        engagement = _Engagement(
            client=client,
            name=self._engagement_name(client, names),
            starts_on=starts_on,
            ends_on=ends_on,
            status=status,
            budget_hours=Decimal(0) if budgeted else None,
            members=list(members),
            no_wins=no_wins,
        )
        self.engagements.append(engagement)
        return engagement

    def _build_track(self, team, members, *, names, no_wins):
        """Back-to-back engagements covering the whole period, for one group of people."""
        rng = self.rng
        track = _Track(engagements=[])
        starts_on = self.period_start - dt.timedelta(weeks=rng.randint(0, 12))
        while starts_on <= self.period_end:
            length = rng.randint(8, 30)
            ends_on = starts_on + dt.timedelta(weeks=length, days=-3)  # a Friday
            next_start = ends_on + dt.timedelta(days=3)
            if ends_on >= self.today and rng.random() < 0.25:
                ends_on = None
            status = (
                Engagement.Status.CLOSED
                if ends_on is not None and ends_on < self.period_start
                else Engagement.Status.ACTIVE
            )
            engagement = self._new_engagement(
                client=rng.choice(team.clients),
                names=names,
                starts_on=starts_on,
                ends_on=ends_on,
                status=status,
                members=members,
                no_wins=no_wins,
            )
            track.engagements.append(engagement)
            track.starts.append(starts_on)
            if ends_on is None:
                break
            starts_on = next_start
        return track

    def _build_team_work(self, team):
        rng = self.rng
        sector_names = SECTORS[team.sector][3] + GENERIC_ENGAGEMENTS
        regulars = [p for p in team.consultants if p.profile != "all_brand"]
        all_brand = [p for p in team.consultants if p.profile == "all_brand"]
        rng.shuffle(regulars)
        stream_count = max(1, round(len(regulars) / 3)) if regulars else 0
        streams = [regulars[index::stream_count] for index in range(stream_count)]
        for _ in range(stream_count + rng.randint(1, 2)):
            self._new_client(team)

        tracks = []
        for members in streams:
            track = self._build_track(team, members, names=sector_names, no_wins=False)
            tracks.append(track)
            for person in members:
                person.tracks.append((track, 1.0))
        # Some also help out on a second stream of the team.
        for person in regulars:
            others = [track for track in tracks if (track, 1.0) not in person.tracks]
            if others and rng.random() < 0.35:
                track = rng.choice(others)
                person.tracks.append((track, 0.3))
                for engagement in track.engagements:
                    engagement.members.append(person)
        for person in all_brand:
            track = self._build_track(
                team, [person], names=RETAINER_ENGAGEMENTS + sector_names, no_wins=True
            )
            person.tracks.append((track, 1.0))
        # Now and then someone from another team joins an engagement.
        other_regulars = [
            p
            for other in self.teams
            if other is not team
            for p in other.consultants
            if p.profile != "all_brand"
        ]
        for track in tracks:
            for engagement in track.engagements:
                if other_regulars and rng.random() < 0.08:
                    guest = rng.choice(other_regulars)
                    if guest not in engagement.members:
                        engagement.members.append(guest)
                        guest.tracks.append((_Track([engagement], [engagement.starts_on]), 0.2))

        # History before the period, and work in the pipeline.
        if streams and rng.random() < 0.6:
            starts_on = self.period_start - dt.timedelta(weeks=rng.randint(30, 50))
            self._new_engagement(
                client=rng.choice(team.clients),
                names=sector_names,
                starts_on=starts_on,
                ends_on=starts_on + dt.timedelta(weeks=rng.randint(10, 20), days=-3),
                status=Engagement.Status.CLOSED,
                members=rng.choice(streams),
                no_wins=False,
            )
        if streams and rng.random() < 0.6:
            starts_on = _monday(self.today) + dt.timedelta(weeks=rng.randint(1, 6))
            self._new_engagement(
                client=rng.choice(team.clients),
                names=sector_names,
                starts_on=starts_on,
                ends_on=starts_on + dt.timedelta(weeks=rng.randint(8, 20), days=-3),
                status=Engagement.Status.PROPOSED,
                members=rng.choice(streams),
                no_wins=False,
            )

    def _set_budgets(self):
        """Budgets near the client hours the staffing implies, so some end under, some over."""
        weekly_hours = {}
        share_of_time = {}
        for person in self.consultants:
            total_weight = sum(weight for _, weight in person.tracks) or 1.0
            person_weekly = WORKDAYS * person.day_hours * person.kind_cum[0]
            for track, weight in person.tracks:
                for engagement in track.engagements:
                    weekly_hours[engagement] = (
                        weekly_hours.get(engagement, 0) + person_weekly * weight / total_weight
                    )
            share_of_time[person] = person_weekly / total_weight
        for engagement in self.engagements:
            if engagement.budget_hours is None:
                continue
            per_week = weekly_hours.get(engagement) or sum(
                share_of_time.get(person, 0) for person in engagement.members
            )
            ends_on = engagement.ends_on or self.period_end + dt.timedelta(weeks=13)
            weeks = ((ends_on - engagement.starts_on).days + 3) / 7
            hours = per_week * weeks * self.rng.uniform(0.8, 1.25)
            engagement.budget_hours = Decimal(max(10, int(round(hours, -1))))

    def _link_sources_and_case_studies(self):
        rng = self.rng
        window = dt.timedelta(days=120)
        for engagement in self.engagements:
            if engagement.no_wins or engagement.status == Engagement.Status.PROPOSED:
                continue
            if rng.random() >= 0.35:
                continue
            candidates = [
                activity
                for person in engagement.members
                for activity in person.activities
                if engagement.starts_on - window <= activity.date < engagement.starts_on
            ]
            if candidates:
                source = rng.choice(candidates)
                source.leads = max(source.leads, 1)
                engagement.source_activity = source
        # Some talks and posts feature an engagement as a case study.
        featuring = {"talk", "blog_post", "webinar", "podcast"}
        for person in self.consultants:
            if person.profile == "all_brand":
                continue
            for activity in person.activities:
                if activity.kind not in featuring or rng.random() >= 0.15:
                    continue
                earlier = [
                    engagement
                    for track, _ in person.tracks
                    for engagement in track.engagements
                    if engagement.starts_on <= activity.date - dt.timedelta(weeks=4)
                ]
                if earlier:
                    activity.engagement = rng.choice(earlier)

    # Outcomes ----------------------------------------------------------------------------

    def _build_outcomes(self, engagement):
        rng = self.rng
        if engagement.no_wins:
            count = rng.choice((0, 1))
        elif engagement.status == Engagement.Status.PROPOSED:
            count = 1
        else:
            count = rng.choice((1, 1, 2, 2, 3))
        templates = rng.sample(OUTCOME_TEMPLATES, count)
        last_day = min(engagement.ends_on or self.period_end, self.period_end)
        ended = engagement.ends_on is not None and engagement.ends_on <= self.period_end
        running_days = (last_day - engagement.starts_on).days
        for title, metric, unit, (lo, hi), direction, (change_lo, change_hi), places in templates:
            quantum = Decimal(1).scaleb(-places)
            baseline = Decimal(str(rng.uniform(lo, hi))).quantize(quantum)
            change = rng.uniform(change_lo, change_hi)
            sign = 1 if direction == "increase" else -1
            target = (baseline * Decimal(str(1 + sign * change))).quantize(quantum)
            if target == baseline:
                target += sign * quantum

            if engagement.status == Engagement.Status.PROPOSED or running_days < 28:
                status = Outcome.Status.PLANNED
            elif engagement.no_wins:
                status = rng.choice([Outcome.Status.IN_PROGRESS, Outcome.Status.MISSED])
            elif ended:
                status = rng.choices(
                    [Outcome.Status.ACHIEVED, Outcome.Status.MISSED, Outcome.Status.IN_PROGRESS],
                    [60, 25, 15],
                )[0]
            else:
                status = rng.choices(
                    [Outcome.Status.ACHIEVED, Outcome.Status.IN_PROGRESS], [30, 70]
                )[0]

            achieved_on = confirmed_on = None
            confirmed_by = evidence_url = evidence_note = ""
            reading_until = last_day
            if status == Outcome.Status.ACHIEVED:
                offset = round(running_days * rng.uniform(0.5, 1.0))
                achieved_on = engagement.starts_on + dt.timedelta(days=max(21, offset))
                achieved_on = min(achieved_on, last_day)
                reading_until = achieved_on
                evidence_note = f"Client report: {metric} moved from {baseline} to target."
                if rng.random() < 0.7:
                    evidence_url = f"https://www.example.com/evidence/{len(self.outcomes) + 1}"
                if rng.random() < 0.65:
                    confirmed_on = min(
                        achieved_on + dt.timedelta(days=rng.randint(0, 14)), self.period_end
                    )
                    confirmed_by = (
                        f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}, "
                        f"{rng.choice(CONTACT_ROLES)}"
                    )

            measurements = []
            if status != Outcome.Status.PLANNED:
                final = {
                    Outcome.Status.ACHIEVED: rng.uniform(1.0, 1.2),
                    Outcome.Status.MISSED: rng.uniform(0.3, 0.85),
                    Outcome.Status.IN_PROGRESS: rng.uniform(0.1, 0.8),
                }[status]
                readings = rng.randint(2, 6)
                span = (reading_until - engagement.starts_on).days
                seen = set()
                for index in range(readings):
                    share = index / (readings - 1)
                    date = engagement.starts_on + dt.timedelta(days=round(span * share))
                    if date in seen:
                        continue
                    seen.add(date)
                    progress = final * share**1.3
                    if 0 < index < readings - 1:
                        progress += rng.uniform(-0.05, 0.05)
                    value = baseline + (target - baseline) * Decimal(str(progress))
                    note = "Baseline" if index == 0 else ""
                    measurements.append((date, value.quantize(quantum), note))
            self.outcomes.append(
                {
                    "engagement": engagement,
                    "title": title,
                    "metric": metric,
                    "unit": unit,
                    "baseline": baseline,
                    "target": target,
                    "direction": direction,
                    "status": status,
                    "achieved_on": achieved_on,
                    "evidence_url": evidence_url,
                    "evidence_note": evidence_note,
                    "confirmed_by": confirmed_by,
                    "confirmed_on": confirmed_on,
                    "recorded_by": engagement.members[0] if engagement.members else None,
                    "measurements": measurements,
                }
            )

    # Time entries ------------------------------------------------------------------------

    def time_entry_weeks(self):
        """Yield each week's entries as (consultant pk, date, seconds, kind, engagement pk,
        activity pk, note, billable) rows, Monday to Friday, oldest week first."""
        rng = self.rng
        consultants = self.consultants
        choices, random_ = rng.choices, rng.random
        client, promotion, internal = KINDS
        notes = {kind: NOTES[kind] for kind in KINDS}
        prep_window = dt.timedelta(days=21)
        follow_up = dt.timedelta(days=3)
        for week in range(self.weeks):
            monday = self.period_start + dt.timedelta(weeks=week)
            rows = []
            for person in consultants:
                pk, kind_cum, tracks = person.pk, person.kind_cum, person.tracks
                dates, activities = person.activity_dates, person.activities
                for offset in range(WORKDAYS):
                    day = monday + dt.timedelta(days=offset)
                    active = []
                    for track, weight in tracks:
                        engagement = track.active_on(day)
                        if engagement is not None:
                            active.append((engagement, weight))
                    count = choices(ENTRIES_PER_DAY, cum_weights=ENTRIES_PER_DAY_CUM)[0]
                    hours = min(9.0, max(6.0, rng.gauss(person.day_hours, 0.6)))
                    units = round(hours * 3600 / UNIT_SECONDS)
                    weights = [0.3 + random_() for _ in range(count)]
                    scale = units / sum(weights)
                    pieces = [max(1, int(weight * scale)) for weight in weights[:-1]]
                    pieces.append(units - sum(pieces))
                    kinds = choices(KINDS, cum_weights=kind_cum, k=count)
                    for kind, piece in zip(kinds, pieces, strict=True):
                        engagement_pk = activity_pk = None
                        billable = False
                        if kind == client:
                            if not active:
                                kind = internal  # between engagements: on the bench
                            elif len(active) == 1:
                                engagement_pk = active[0][0].pk
                            else:
                                shares = [weight for _, weight in active]
                                engagement_pk = choices(active, shares)[0][0].pk
                            billable = kind == client and random_() < 0.92
                        elif kind == promotion and dates:
                            # time spent preparing the next activity, or following up the last
                            index = bisect.bisect_left(dates, day)
                            if index < len(dates) and dates[index] - day <= prep_window:
                                activity_pk = activities[index].pk
                            elif index and day - dates[index - 1] <= follow_up:
                                activity_pk = activities[index - 1].pk
                            if activity_pk is not None and random_() < 0.25:
                                activity_pk = None
                        note_choices = notes[kind]
                        rows.append(
                            (
                                pk,
                                day,
                                piece * UNIT_SECONDS,
                                kind,
                                engagement_pk,
                                activity_pk,
                                note_choices[int(random_() * len(note_choices))],
                                billable,
                            )
                        )
            yield rows


class Command(BaseCommand):
    help = (
        "Seed deterministic demo data ending last week: teams, clients, engagements, outcomes, "
        "activities and about 5 time entries per consultant per workday."
    )

    def add_arguments(self, parser):
        parser.add_argument("--consultants", type=int, default=40, help="default 40")
        parser.add_argument("--weeks", type=int, default=26, help="default 26")
        parser.add_argument("--seed", type=int, default=42, help="default 42")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (but print the log-ins) when the database already has users.",
        )

    def handle(self, *args, consultants, weeks, seed, if_empty, **options):
        if consultants < 1:
            raise CommandError("--consultants must be at least 1.")
        if weeks < 1:
            raise CommandError("--weeks must be at least 1.")
        if User.objects.exists():
            if if_empty:
                self.stdout.write("Demo data already present; not seeding again.")
                self._print_logins()
                return
            raise CommandError(
                "The database already has users; seed_demo fills an empty database. "
                "Empty it first (manage.py flush), or pass --if-empty to skip seeding."
            )

        self.laps = _Laps()
        plan = DemoPlan(consultants=consultants, weeks=weeks, seed=seed, today=timezone.localdate())
        self.laps.lap("plan")
        with transaction.atomic():
            counts = self._write_plan(plan)
            self.laps.lap("other rows")
            counts["time entries"] = self._write_time_entries(plan)
        self.laps.lap("commit")
        if _uses_copy(connection):
            # Fresh statistics, so the first report does not plan against an empty table.
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(TimeEntry._meta.db_table)}")
            self.laps.lap("analyse")
        elapsed = self.laps.total

        if options["verbosity"] >= 2:
            self.stdout.write(f"Timings: {self.laps}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {consultants:,} consultants, {counts['teams']:,} teams "
                f"({counts['managers']:,} managers), {counts['clients']:,} clients, "
                f"{counts['engagements']:,} engagements, {counts['outcomes']:,} outcomes "
                f"({counts['measurements']:,} measurements), {counts['activities']:,} "
                f"activities and {counts['time entries']:,} time entries in {elapsed:.1f} s "
                f"({plan.period_start:%d %b %Y} to {plan.period_end:%d %b %Y})."
            )
        )
        self._print_logins()

    def _write_plan(self, plan: DemoPlan) -> dict:
        now = timezone.now()
        password = make_password(DEMO_PASSWORD)  # hashing is slow: once, shared by all

        teams = Team.objects.bulk_create([Team(name=team.name) for team in plan.teams])
        for team, row in zip(plan.teams, teams, strict=True):
            team.pk = row.pk

        users = [
            User(
                username=person.username,
                email=f"{person.username}@{EMAIL_DOMAIN}",
                first_name=person.first_name,
                last_name=person.last_name,
                password=password,
                team_id=person.team.pk if person.team else None,
                is_staff=person.profile == "admin",
                is_superuser=person.profile == "admin",
                weekly_capacity_hours=person.capacity,
                digest_opt_in=person.digest_opt_in,
                date_joined=now,
            )
            for person in plan.people
        ]
        self._insert(User, users, plan.people)
        Team.managers.through.objects.bulk_create(
            [Team.managers.through(team_id=team.pk, user_id=team.manager.pk) for team in plan.teams]
        )

        clients = [
            Client(name=client.name, sector=client.sector, owner_id=client.owner.pk)
            for client in plan.clients
        ]
        self._insert(Client, clients, plan.clients)
        engagements = [
            Engagement(
                client_id=engagement.client.pk,
                name=engagement.name,
                starts_on=engagement.starts_on,
                ends_on=engagement.ends_on,
                status=engagement.status,
                budget_hours=engagement.budget_hours,
            )
            for engagement in plan.engagements
        ]
        self._insert(Engagement, engagements, plan.engagements)
        Membership = Engagement.members.through
        Membership.objects.bulk_create(
            [
                Membership(engagement_id=engagement.pk, user_id=person.pk)
                for engagement in plan.engagements
                for person in engagement.members
            ],
            batch_size=2000,
        )

        activities = [
            Activity(
                consultant_id=activity.person.pk,
                kind=activity.kind,
                title=activity.title,
                date=activity.date,
                venue=activity.venue,
                url=activity.url,
                audience=activity.audience,
                interactions=activity.interactions,
                leads=activity.leads,
                engagement_id=activity.engagement.pk if activity.engagement else None,
            )
            for activity in plan.activities
        ]
        self._insert(Activity, activities, plan.activities)
        sourced = [engagement for engagement in plan.engagements if engagement.source_activity]
        Engagement.objects.bulk_update(
            [
                Engagement(pk=engagement.pk, source_activity_id=engagement.source_activity.pk)
                for engagement in sourced
            ],
            ["source_activity"],
            batch_size=500,
        )

        outcomes = [
            Outcome(
                engagement_id=outcome["engagement"].pk,
                recorded_by_id=outcome["recorded_by"].pk if outcome["recorded_by"] else None,
                **{
                    key: value
                    for key, value in outcome.items()
                    if key not in {"engagement", "recorded_by", "measurements"}
                },
            )
            for outcome in plan.outcomes
        ]
        Outcome.objects.bulk_create(outcomes, batch_size=1000)
        measurements = [
            OutcomeMeasurement(
                outcome_id=row.pk,
                date=date,
                value=value,
                note=note,
                recorded_by_id=row.recorded_by_id,
            )
            for row, outcome in zip(outcomes, plan.outcomes, strict=True)
            for date, value, note in outcome["measurements"]
        ]
        OutcomeMeasurement.objects.bulk_create(measurements, batch_size=2000)
        return {
            "teams": len(teams),
            "managers": len(teams),
            "clients": len(clients),
            "engagements": len(engagements),
            "outcomes": len(outcomes),
            "measurements": len(measurements),
            "activities": len(activities),
        }

    @staticmethod
    def _insert(model, rows, planned):
        """bulk_create, then hand the new primary keys back to the plan."""
        model.objects.bulk_create(rows, batch_size=1000)
        for row, item in zip(rows, planned, strict=True):
            if row.pk is None:
                raise CommandError(
                    f"The database did not return the new {model._meta.verbose_name} ids; "
                    "seed_demo needs PostgreSQL or SQLite 3.35+."
                )
            item.pk = row.pk

    def _write_time_entries(self, plan: DemoPlan) -> int:
        # The weekly rollup's per-row triggers are suspended and the rollup rebuilt in one
        # pass before the transaction commits.
        with rollup_suspended():
            if _uses_copy(connection):
                with _without_indexes_and_foreign_keys(TimeEntry._meta.db_table):
                    total = self._copy_time_entries(plan)
                    self.laps.lap("time entries (COPY)")
                self.laps.lap("indexes and foreign keys")
            else:
                total = self._bulk_create_time_entries(plan)
                self.laps.lap("time entries (bulk_create)")
        self.laps.lap("weekly rollup")
        return total

    @staticmethod
    def _bulk_create_time_entries(plan: DemoPlan) -> int:
        total = 0
        for rows in plan.time_entry_weeks():
            TimeEntry.objects.bulk_create(
                [
                    TimeEntry(
                        consultant_id=consultant,
                        date=day,
                        seconds=seconds,
                        kind=kind,
                        engagement_id=engagement,
                        activity_id=activity,
                        note=note,
                        billable=billable,
                    )
                    for consultant, day, seconds, kind, engagement, activity, note, billable in rows
                ],
                batch_size=ENTRY_BATCH_SIZE,
            )
            total += len(rows)
        return total

    @staticmethod
    def _copy_time_entries(plan: DemoPlan) -> int:
        """COPY is several times faster than INSERT for a million rows on PostgreSQL."""
        quote = connection.ops.quote_name
        columns = [
            "consultant_id", "date", "seconds", "kind", "engagement_id", "activity_id", "note",
            "billable", "source", "external_id", "created_at", "updated_at",
        ]  # fmt: skip
        sql = (
            f"COPY {quote(TimeEntry._meta.db_table)} ({', '.join(map(quote, columns))}) FROM STDIN"
        )
        stamp = timezone.now().isoformat()
        tail = f"\t\t\t{stamp}\t{stamp}\n"  # source and external_id empty
        NULL = "\\N"
        day_text = {}
        total = 0
        connection.ensure_connection()
        with connection.connection.cursor() as cursor, cursor.copy(sql) as copy:
            for rows in plan.time_entry_weeks():
                lines = []
                for consultant, day, seconds, kind, engagement, activity, note, billable in rows:
                    date = day_text.get(day) or day_text.setdefault(day, day.isoformat())
                    engagement = NULL if engagement is None else engagement
                    activity = NULL if activity is None else activity
                    lines.append(
                        f"{consultant}\t{date}\t{seconds}\t{kind}\t{engagement}\t{activity}\t"
                        f"{note}\t{'t' if billable else 'f'}{tail}"
                    )
                copy.write("".join(lines))
                total += len(rows)
        return total

    def _print_logins(self):
        users = {
            user.username: user
            for user in User.objects.filter(
                username__in=[LOGIN_CONSULTANT, LOGIN_MANAGER, LOGIN_ADMIN]
            ).select_related("team")
        }
        if not users:
            self.stdout.write("No demo log-ins: this database was not seeded by seed_demo.")
            return
        self.stdout.write(f'Demo log-ins (password "{DEMO_PASSWORD}"):')
        if consultant := users.get(LOGIN_CONSULTANT):
            team = f" in {consultant.team}" if consultant.team else ""
            self.stdout.write(f"  {LOGIN_CONSULTANT:<11} — {consultant}, a consultant{team}")
        if manager := users.get(LOGIN_MANAGER):
            teams = ", ".join(team.name for team in manager.managed_teams.all()) or "no team"
            self.stdout.write(f"  {LOGIN_MANAGER:<11} — {manager}, manager of {teams}")
        if LOGIN_ADMIN in users:
            self.stdout.write(f"  {LOGIN_ADMIN:<11} — administrator (Django admin at /admin/)")
