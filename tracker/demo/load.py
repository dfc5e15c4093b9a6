"""Writing a DemoPlan to the database, in one transaction: the teams, people, clients,
engagements, activities and outcomes with bulk_create, handing each new primary key back to
the plan; the clients' contacts, and the outcomes put to them and answered (through the
services); then the time entries a week at a time, by COPY on PostgreSQL (with the table's
secondary indexes and foreign keys dropped and rebuilt around it, as pg_restore does) and
bulk_create elsewhere, with the weekly rollup's triggers suspended; then ANALYZE on
PostgreSQL. Laps records where the time went, for --verbosity 2 and the benchmark.
"""

import datetime as dt
import time
from contextlib import contextmanager

from django.contrib.auth.hashers import make_password
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from clients import services as clients_services
from clients.models import (
    Client,
    ClientContact,
    ConfirmationRequest,
    Engagement,
    Outcome,
    OutcomeMeasurement,
)
from tracker import history
from tracker.demo.plan import DemoPlan
from tracker.demo.vocabulary import DEMO_PASSWORD, EMAIL_DOMAIN
from tracker.models import (
    Activity,
    Change,
    Team,
    TimeEntry,
    User,
    WeekApproval,
    WeekStatus,
)
from tracker.rollup import rollup_suspended

ENTRY_BATCH_SIZE = 5000


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


class Laps:
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


def plan_write(*, plan: DemoPlan, laps: Laps) -> dict:
    """Write the whole plan in one transaction; the number of rows of each kind written."""
    with transaction.atomic():
        counts = _write_other_rows(plan)
        laps.lap("other rows")
        counts.update(_write_confirmations(plan))
        laps.lap("client confirmations")
        counts["time entries"] = _write_time_entries(plan, laps)
        counts["weeks"] = _write_week_approvals(plan)
        laps.lap("week approvals")
    laps.lap("commit")
    if _uses_copy(connection):
        # Fresh statistics, so the first report does not plan against an empty table.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(TimeEntry._meta.db_table)}")
        laps.lap("analyse")
    return counts


def _write_other_rows(plan: DemoPlan) -> dict:
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
            # Managers and the admin of the demo log no time: not part of any capacity.
            logs_time=person.is_consultant,
            started_on=None,  # their history predates the demo's accounts
            digest_opt_in=person.digest_opt_in,
            date_joined=now,
        )
        for person in plan.people
    ]
    _insert(User, users, plan.people)
    Team.managers.through.objects.bulk_create(
        [Team.managers.through(team_id=team.pk, user_id=team.manager.pk) for team in plan.teams]
    )

    clients = [
        Client(name=client.name, sector=client.sector, owner_id=client.owner.pk)
        for client in plan.clients
    ]
    _insert(Client, clients, plan.clients)
    engagements = [
        Engagement(
            client_id=engagement.client.pk,
            name=engagement.name,
            starts_on=engagement.starts_on,
            ends_on=engagement.ends_on,
            status=engagement.status,
            budget_hours=engagement.budget_hours,
            team_id=engagement.team.pk if engagement.team else None,
        )
        for engagement in plan.engagements
    ]
    _insert(Engagement, engagements, plan.engagements)
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
    _insert(Activity, activities, plan.activities)
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
    for row, outcome in zip(outcomes, plan.outcomes, strict=True):
        outcome["pk"] = row.pk
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


def _write_confirmations(plan: DemoPlan) -> dict:
    """The clients' contacts, and the outcomes put to them and answered.

    The requests and answers go through the services a person's writes take
    (clients/services.py: validation, the figures the contact is shown, the answer in force
    and its history), asked by their asker and answered through the contact's link; not
    through reports.confirmations, which would e-mail the contacts: the demo's requests are
    as if sent. Some 25 queries an answered request, a few seconds for the largest demo's
    500. The contacts, valid by construction and with nothing for a service to decide, are
    written in bulk with the history their service leaves ("command seed_demo").

    The services stamp each row and record now; a loader's fix-up then dates them, and their
    history, when the plan says they happened (asked after the outcome was achieved, answered
    within days), as _write_week_approvals does."""
    contacts, confirmations = plan.client_confirmations()
    clients = Client.objects.in_bulk([contact.client.pk for contact in contacts])
    outcomes = Outcome.objects.select_related("engagement__client").in_bulk(
        [confirmation.outcome["pk"] for confirmation in confirmations]
    )
    people = User.objects.in_bulk({confirmation.asked_by.pk for confirmation in confirmations})
    contact_rows = {
        contact: ClientContact(client=clients[contact.client.pk], name=contact.name,
                               email=contact.email, role=contact.role)
        for contact in contacts
    }
    _insert(ClientContact, list(contact_rows.values()), contacts)
    requests = []
    with history.acting(via=Change.Via.COMMAND, ref="seed_demo", user=None):
        history.record_many(contact_rows.values(), Change.Action.CREATE)
        for confirmation in confirmations:
            asker = people[confirmation.asked_by.pk]
            with history.acting(via=Change.Via.COMMAND, ref="seed_demo", user=asker):
                request = clients_services.confirmation_request_create(
                    outcome=outcomes[confirmation.outcome["pk"]],
                    contact=contact_rows[confirmation.contact], asked_by=asker,
                )
            if confirmation.decision:
                contact = confirmation.contact
                with history.acting(via=Change.Via.LINK, user=None,
                                    ref=f"{contact.name} <{contact.email}>"):
                    clients_services.confirmation_answer(
                        request=request, decision=confirmation.decision,
                        comment=confirmation.comment, consent_card=confirmation.consent_card,
                        consent_name=confirmation.consent_name,
                    )
            requests.append((confirmation, request))
    _date_confirmations(contact_rows, requests)
    return {"contacts": len(contacts), "confirmations": len(confirmations),
            "confirmed": sum(c.decision == ConfirmationRequest.Decision.CONFIRMED
                             for c in confirmations)}


def _date_confirmations(contact_rows: dict, requests: list) -> None:
    """Date the contacts, the requests (sent a minute after they were asked) and their
    history records when the plan says they happened, never later than now."""
    now = timezone.now()

    def moment(naive: dt.datetime | None) -> dt.datetime | None:
        return None if naive is None else min(now, timezone.make_aware(naive))

    at = {}  # (object type, id, action or via) -> when
    for contact, row in contact_rows.items():
        row.created_at = at[Change.ObjectType.CONTACT, row.pk, Change.Action.CREATE] = \
            moment(contact.added_at)
    ClientContact.objects.bulk_update(list(contact_rows.values()), ["created_at"],
                                      batch_size=1000)
    for confirmation, request in requests:
        request.asked_at = moment(confirmation.asked_at)
        request.sent_at = min(now, request.asked_at + dt.timedelta(minutes=1))
        request.reminded_at = moment(confirmation.reminded_at)
        at[Change.ObjectType.CONFIRMATION, request.pk, Change.Action.CREATE] = request.asked_at
        if confirmation.decision:
            request.answered_at = max(moment(confirmation.answered_at), request.sent_at)
            at[Change.ObjectType.CONFIRMATION, request.pk, Change.Action.UPDATE] = \
                at[Change.ObjectType.OUTCOME, request.outcome_id, Change.Action.UPDATE] = \
                request.answered_at
    ConfirmationRequest.objects.bulk_update(
        [request for _, request in requests],
        ["asked_at", "sent_at", "reminded_at", "answered_at"], batch_size=1000,
    )
    changes = list(Change.objects.filter(
        object_type__in=[Change.ObjectType.CONTACT, Change.ObjectType.CONFIRMATION,
                         Change.ObjectType.OUTCOME],
        via__in=[Change.Via.COMMAND, Change.Via.LINK],
    ).only("object_type", "object_id", "action", "at"))
    for change in changes:
        change.at = at.get((change.object_type, change.object_id, change.action), change.at)
    Change.objects.bulk_update(changes, ["at"], batch_size=1000)


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


def _write_time_entries(plan: DemoPlan, laps: Laps) -> int:
    # The weekly rollup's per-row triggers are suspended and the rollup rebuilt in one
    # pass before the transaction commits.
    with rollup_suspended():
        if _uses_copy(connection):
            with _without_indexes_and_foreign_keys(TimeEntry._meta.db_table):
                total = _copy_time_entries(plan)
                laps.lap("time entries (COPY)")
            laps.lap("indexes and foreign keys")
        else:
            total = _bulk_create_time_entries(plan)
            laps.lap("time entries (bulk_create)")
    laps.lap("weekly rollup")
    return total


def _source_of(consultant: int, day) -> str:
    """How a demo entry was logged: a day in four by the timer, the rest by hand. (The
    balance report's hours by source and the time list's Source column then have something
    to show.)"""
    return TimeEntry.Source.TIMER if (consultant + day.toordinal()) % 4 == 0 else \
        TimeEntry.Source.MANUAL


# A loader, not a person's write: it bypasses tracker/services.py (full_clean and the logging
# rules per row would take hours on a million entries) and writes a plan already valid by
# construction, billable flags included.
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
                    source=_source_of(consultant, day),
                )
                for consultant, day, seconds, kind, engagement, activity, note, billable in rows
            ],
            batch_size=ENTRY_BATCH_SIZE,
        )
        total += len(rows)
    return total


def _copy_time_entries(plan: DemoPlan) -> int:
    """COPY is several times faster than INSERT for a million rows on PostgreSQL."""
    quote = connection.ops.quote_name
    columns = [
        "consultant_id", "date", "seconds", "kind", "engagement_id", "activity_id", "note",
        "billable", "source", "external_id", "created_at", "updated_at",
    ]  # fmt: skip
    sql = f"COPY {quote(TimeEntry._meta.db_table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    stamp = timezone.now().isoformat()
    # No external id: logged by hand or by the timer (_source_of).
    tails = {source: f"\t{source}\t\t{stamp}\t{stamp}\n"
             for source in (TimeEntry.Source.MANUAL, TimeEntry.Source.TIMER)}
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
                    f"{note}\t{'t' if billable else 'f'}{tails[_source_of(consultant, day)]}"
                )
            copy.write("".join(lines))
            total += len(rows)
    return total


def _write_week_approvals(plan: DemoPlan) -> int:
    """The weeks' sign-off as people would have done it, each in its own time: submitted by
    the consultant on the Monday after the week, approved or returned by their team's
    manager the next day, each step with the history record its service leaves
    (tracker/approvals.py, via "command seed_demo"). Written in bulk, as the time is: the
    services take a lock and a few queries per step, a quarter of an hour for a million
    entries' 40,000 weeks; the plan holds only steps they allow. An approved week is locked
    from then on by the database's triggers, whatever wrote it."""
    weeks = [(person, monday, state, comment) for person, monday, state, comment
             in plan.week_approvals() if person.team and person.team.manager]
    people = User.objects.select_related("team").in_bulk(
        {person.pk for person, *_ in weeks} | {person.team.manager.pk for person, *_ in weeks}
    )
    now = timezone.now()

    def moment(day: dt.date, hour: int) -> dt.datetime:
        return min(now, timezone.make_aware(dt.datetime.combine(day, dt.time(hour))))

    rows, steps = [], []  # steps: (approval, action, before, after, by, at)
    for person, monday, state, comment in weeks:
        consultant, manager = people[person.pk], people[person.team.manager.pk]
        submitted_at = moment(monday + dt.timedelta(days=7), 9)
        approval = WeekApproval(consultant=consultant, week_start=monday,
                                status=WeekStatus.SUBMITTED, submitted_at=submitted_at)
        opened = history.snapshot(WeekApproval(consultant=consultant, week_start=monday))
        submitted = history.snapshot(approval)
        steps.append((approval, Change.Action.SUBMIT, opened, submitted, consultant,
                      submitted_at))
        if state in ("approved", "returned"):
            approval.status = WeekStatus(state)
            approval.decided_by = manager
            approval.decided_at = moment(monday + dt.timedelta(days=8), 10)
            approval.comment = comment
            action = Change.Action.APPROVE if state == "approved" else Change.Action.RETURN
            steps.append((approval, action, submitted, history.snapshot(approval), manager,
                          approval.decided_at))
        rows.append(approval)
    WeekApproval.objects.bulk_create(rows, batch_size=ENTRY_BATCH_SIZE)
    with history.acting(via=Change.Via.COMMAND, ref="seed_demo"):
        history.record_steps(steps)
    return len(weeks)
