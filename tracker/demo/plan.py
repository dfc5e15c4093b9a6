"""DemoPlan: everything the demo writes, decided in memory before anything is written, and
the time entries generated a week at a time from it. Every choice comes from one
`random.Random(seed)` walked in a fixed order and nothing depends on database ids, so the
same seed gives the same data for the same "last week".
"""

import bisect
import datetime as dt
import math
import random
import unicodedata
from decimal import Decimal

from django.utils.text import slugify

from clients.models import ConfirmationRequest, Engagement, Outcome
from tracker.demo.records import (
    _Activity,
    _Client,
    _Confirmation,
    _Contact,
    _Engagement,
    _Person,
    _Team,
    _Track,
)
from tracker.demo.vocabulary import (
    ACTIVITIES_PER_WEEK,
    ACTIVITY_KIND_WEIGHTS,
    ACTIVITY_KINDS,
    ACTIVITY_TOPICS,
    ACTIVITY_WEEKS_BEFORE,
    ALL_BRAND_ONE_IN,
    CARDS,
    CONFIRMED_SHARE,
    CONTACT_EMAIL_TLD,
    CONTACT_ROLES,
    DISPUTE_COMMENTS,
    DISPUTED_SHARE,
    ENTRIES_PER_DAY,
    ENTRIES_PER_DAY_CUM,
    FIRST_NAMES,
    GENERIC_ENGAGEMENTS,
    KIND_SHARES,
    KINDS,
    LAST_NAMES,
    LOGIN_ADMIN,
    LOGIN_CONSULTANT,
    LOGIN_MANAGER,
    NOTES,
    OUTCOME_TEMPLATES,
    PENDING_SHARE,
    PLACES,
    PROMOTER_SHARE,
    RETAINER_ENGAGEMENTS,
    RETURN_COMMENT,
    SECTORS,
    TEAM_SIZE,
    UNIT_SECONDS,
    WORKDAYS,
)


def _ascii_slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in text if ch.isalnum() or ch == "-")


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def last_week(today: dt.date) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of the most recent complete ISO week before `today`."""
    monday = _monday(today) - dt.timedelta(weeks=1)
    return monday, monday + dt.timedelta(days=6)


class DemoPlan:
    """Everything seed_demo writes, decided up front except the time entries."""

    def __init__(self, *, consultants: int, weeks: int, seed: int, today: dt.date):
        self.rng = random.Random(seed)
        self.seed = seed
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

    def _new_engagement(self, *, team, client, names, starts_on, ends_on, status, members, no_wins):
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
            team=team,
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
                team=team,
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
                team=team,
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
                team=team,
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

    # Client confirmations ----------------------------------------------------------------

    def client_confirmations(self) -> tuple[list[_Contact], list[_Confirmation]]:
        """Each client's contacts (one or two, e-mail at <client-slug>.example), and the
        achieved outcomes put to one of them: about half confirmed, a few disputed with a
        comment, a few asked and not answered yet, a couple of the confirmations with consent
        to a public card. The demo team's outcomes come first (those achieved in the last four
        weeks, the report's default period, first of all; then the demo consultant's), so the
        demo log-ins see each kind. (A Random of its own, so the rest of the demo stays
        what the seed gave before confirmations were seeded.)"""
        rng = random.Random(f"{self.seed}-confirmations")
        first_start = {}
        for engagement in self.engagements:
            client = engagement.client
            first_start[client] = min(
                first_start.get(client, engagement.starts_on), engagement.starts_on
            )
        contacts, by_client = [], {}
        for client in self.clients:
            domain = f"{slugify(client.name)}.{CONTACT_EMAIL_TLD}"
            added = first_start.get(client, self.period_start) - dt.timedelta(days=7)
            by_client[client] = []
            for role in rng.sample(CONTACT_ROLES, rng.choice((1, 2))):
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                email = f"{_ascii_slug(first)}.{_ascii_slug(last)}@{domain}"
                if any(other.email == email for other in by_client[client]):
                    email = email.replace("@", "2@")
                contact = _Contact(
                    client, f"{first} {last}", email, role, dt.datetime.combine(added, dt.time(9))
                )
                by_client[client].append(contact)
                contacts.append(contact)

        demo = next(person for person in self.people if person.username == LOGIN_CONSULTANT)
        achieved = [
            outcome for outcome in self.outcomes if outcome["status"] == Outcome.Status.ACHIEVED
        ]
        recent = self.period_end - dt.timedelta(weeks=4)  # the balance report's default
        rng.shuffle(achieved)
        achieved.sort(
            key=lambda outcome: (  # stable: shuffled within each group
                outcome["engagement"].team is not self.teams[0],
                outcome["achieved_on"] <= recent,
                demo not in outcome["engagement"].members,
            )
        )
        total = len(achieved)
        disputed = max(1, round(total * DISPUTED_SHARE)) if total >= 2 else 0
        pending = max(1, round(total * PENDING_SHARE)) if total >= 3 else 0
        confirmed = min(max(1, round(total * CONFIRMED_SHARE)), total - disputed - pending)
        CONFIRMED, DISPUTED = (
            ConfirmationRequest.Decision.CONFIRMED,
            ConfirmationRequest.Decision.DISPUTED,
        )
        kinds = [(CONFIRMED, confirmed), (DISPUTED, disputed), ("", pending)]
        leading = [decision for decision, count in kinds if count]  # one of each, first
        rest = [decision for decision, count in kinds for _ in range(count)]
        for decision in leading:
            rest.remove(decision)
        rest += [None] * (total - len(leading) - len(rest))  # never asked
        rng.shuffle(rest)

        def moment(day: dt.date, hour: int) -> dt.datetime:
            return dt.datetime.combine(day, dt.time(hour, rng.randrange(60)))

        yesterday = self.today - dt.timedelta(days=1)
        confirmations, cards = [], CARDS
        for outcome, decision in zip(achieved, leading + rest, strict=True):
            if decision is None:
                continue
            engagement = outcome["engagement"]
            asker = outcome["recorded_by"]
            if asker is None or rng.random() < 0.3:
                asker = engagement.team.manager
            confirmation = _Confirmation(
                outcome, rng.choice(by_client[engagement.client]), asker, asked_at=None
            )
            if decision:
                asked_on = min(
                    outcome["achieved_on"] + dt.timedelta(days=rng.randint(1, 14)), yesterday
                )
                answered_on = min(asked_on + dt.timedelta(days=rng.randint(0, 6)), self.today)
                confirmation.asked_at = moment(asked_on, rng.randint(8, 11))
                confirmation.answered_at = moment(answered_on, rng.randint(12, 18))
                confirmation.decision = decision
            else:  # asked lately (its link still works); reminded after a week unanswered
                asked_on = max(
                    outcome["achieved_on"] + dt.timedelta(days=1),
                    self.today - dt.timedelta(days=rng.randint(2, 20)),
                )
                confirmation.asked_at = moment(asked_on, rng.randint(8, 11))
                if (self.today - asked_on).days > 7:
                    confirmation.reminded_at = confirmation.asked_at + dt.timedelta(days=7, hours=1)
            if decision == DISPUTED:
                confirmation.comment = rng.choice(DISPUTE_COMMENTS)
            if decision == CONFIRMED and cards:
                confirmation.consent_card = True
                confirmation.consent_name = cards == CARDS  # the first card names them
                cards -= 1
            confirmations.append(confirmation)
        return contacts, confirmations

    # Week approvals ----------------------------------------------------------------------

    def week_approvals(self) -> list[tuple[_Person, dt.date, str, str]]:
        """(consultant, Monday, state, comment) for each week that is not left open, oldest
        first: for most consultants every week but the last two or three approved by their
        team's manager, the recent ones submitted and waiting, last week submitted by about
        six in ten; a few are further behind with approvals; the demo consultant has one
        week returned with a comment. (A Random of its own, so the rest of the demo stays
        what the seed gave before weeks were approved.)"""
        rng = random.Random(f"{self.seed}-weeks")
        last_monday = self.period_end - dt.timedelta(days=6)
        weeks = []
        for person in self.consultants:
            waiting = rng.randint(3, 6) if rng.random() < 0.15 else rng.randint(1, 2)
            returned = 1 if person.username == LOGIN_CONSULTANT else None
            for ago in range(self.weeks - 1, -1, -1):  # oldest first
                monday = last_monday - dt.timedelta(weeks=ago)
                if ago == returned:
                    weeks.append((person, monday, "returned", RETURN_COMMENT))
                elif ago == 0:
                    if rng.random() < 0.6:
                        weeks.append((person, monday, "submitted", ""))
                elif ago <= waiting:
                    weeks.append((person, monday, "submitted", ""))
                else:
                    weeks.append((person, monday, "approved", ""))
        return weeks
