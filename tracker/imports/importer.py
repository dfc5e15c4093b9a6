"""Turn the rows of a time tracker's export into people's time, all or nothing.

The parsers (formats.py) give ImportRow objects (or RowProblem for a row they could not
read); this module decides who each row belongs to, its kind and engagement, skips rows an
earlier import brought in, checks everything first and only then writes, through the write
services, in one transaction. CONTRACT.md "Imports" is the specification.
"""

import datetime as dt
import hashlib
import re
import tomllib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from clients.models import Client, Engagement
from clients.services import client_create, engagement_create, engagement_update
from tracker import history
from tracker.limits import SECONDS_PER_DAY, date_in_range
from tracker.models import ImportBatch, Kind, TimeEntry, User, validate_single_line
from tracker.services import (
    lock_message,
    locked_weeks,
    person_save,
    time_entries_import,
)
from tracker.week import week_start_of

from .formats import ImportRow, RowProblem

PROMOTION_KEYWORDS = (
    "talk", "conference", "speaking", "webinar", "podcast", "blog", "linkedin", "social",
    "newsletter", "marketing", "promotion",
)
INTERNAL_KEYWORDS = ("internal", "admin", "own company", "holiday")
# Client work with no project in the file still needs an engagement to sit on.
NO_PROJECT = "General"
NAME_MAX = 200  # Client.name and Engagement.name
EXTERNAL_ID_MAX = 100  # TimeEntry.external_id
LOOKUP_CHUNK = 900  # ids per IN (...) query: under SQLite's older 999-variable limit
# Addresses for people created from a file without e-mails (Harvest): a reserved domain
# that never delivers, as the User model needs a unique address.
NO_EMAIL_DOMAIN = "imported.invalid"


@dataclass(frozen=True)
class ImportMapping:
    """What --map MAP.toml says: keyword lists (None: the defaults) and people by name or
    e-mail (lower case) -> username."""

    promotion: tuple[str, ...] = PROMOTION_KEYWORDS
    internal: tuple[str, ...] = INTERNAL_KEYWORDS
    people: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_toml(cls, text: str) -> "ImportMapping":
        """Read a MAP.toml; ValueError with a plain message when it is not one."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"The map is not valid TOML: {exc}") from None
        kinds, people = data.get("kinds", {}), data.get("people", {})
        if not isinstance(kinds, dict) or not isinstance(people, dict):
            raise ValueError("The map has [kinds] and [people] tables.")
        lists = {}
        for name in ("promotion", "internal"):
            words = kinds.get(name)
            if words is None:
                continue
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                raise ValueError(f"[kinds] {name} is a list of words, e.g. [\"talk\"].")
            lists[name] = tuple(w.strip().casefold() for w in words if w.strip())
        unknown = set(kinds) - {"promotion", "internal"}
        if unknown:
            raise ValueError(f"[kinds] knows promotion and internal, not {sorted(unknown)}.")
        if not all(isinstance(v, str) for v in people.values()):
            raise ValueError('[people] maps a name or e-mail to a username: "Dana" = "dana".')
        return cls(
            **lists, people={_key(name): username.strip() for name, username in people.items()}
        )


@dataclass
class ImportResult:
    format: str
    batch: ImportBatch | None = None
    problems: list[str] = field(default_factory=list)
    dry_run: bool = False
    rows_read: int = 0
    rows_skipped: int = 0  # already imported
    entries_by_kind: Counter = field(default_factory=Counter)
    seconds_by_kind: Counter = field(default_factory=Counter)
    new_people: list[str] = field(default_factory=list)  # usernames
    new_clients: list[str] = field(default_factory=list)
    new_engagements: list[str] = field(default_factory=list)  # "client — project"

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def entries(self) -> int:
        return sum(self.entries_by_kind.values())

    def hours(self, kind: str) -> float:
        return self.seconds_by_kind[kind] / 3600


def _key(text: str) -> str:
    """A name or e-mail as compared: case and runs of spaces ignored."""
    return " ".join(text.split()).casefold()


def classify(row: ImportRow, mapping: ImportMapping) -> str:
    """The row's kind, first rule that matches (never from its description)."""
    haystack = "\n".join((row.client, row.project, row.task, *row.tags)).casefold()
    if any(word in haystack for word in mapping.promotion):
        return Kind.PROMOTION
    if any(word in haystack for word in mapping.internal):
        return Kind.INTERNAL
    if row.client.strip():
        return Kind.CLIENT
    return Kind.INTERNAL


def row_hash(format: str, row: ImportRow, occurrence: int) -> str:
    """A stable id for a row whose export has none: the same row of a later, overlapping
    export hashes the same. `occurrence` tells identical rows of one file apart (two equal
    hours logged the same day are two entries)."""
    person = _key(row.person_email) or _key(row.person_name)
    fields = (
        format, person, row.date.isoformat(), str(row.seconds), row.client.strip(),
        row.project.strip(), row.task.strip(), row.description.strip(), str(occurrence),
    )
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


def _username_base(row: ImportRow) -> str:
    if row.person_email:
        base = row.person_email.split("@")[0]
    else:
        base = ".".join(row.person_name.split())
    base = re.sub(r"[^\w.@+-]", "", base.lower())[:140]
    return base or "person"


@dataclass
class _Person:
    """Who a row belongs to: an existing user, or one to create."""

    user: User | None = None
    username: str = ""
    email: str = ""
    first_name: str = ""
    last_name: str = ""

    def today(self) -> dt.date:
        return self.user.today() if self.user else timezone.localdate()


@dataclass(frozen=True)
class _Entry:
    row: int
    person: str  # the person's key
    date: dt.date
    seconds: int
    kind: str
    engagement: tuple[str, str] | None  # (client, project) as first written
    note: str
    billable: bool | None
    external_id: str


class _People:
    """Resolves a row's person once per name or e-mail, against every user read once."""

    def __init__(self, mapping: ImportMapping, create_users: bool):
        self.mapping, self.create_users = mapping, create_users
        users = list(User.objects.all())
        self.by_username = {u.username.casefold(): u for u in users}
        self.by_email = {u.email.casefold(): u for u in users if u.email}
        self.by_name = defaultdict(list)
        for user in users:
            if user.get_full_name():
                self.by_name[_key(user.get_full_name())].append(user)
        self.resolved: dict[str, _Person | str] = {}  # key -> person, or why not
        self.created: dict[str, _Person] = {}  # username (casefolded) -> planned person

    @staticmethod
    def key(row: ImportRow) -> str:
        return _key(row.person_email) or _key(row.person_name)

    def resolve(self, row: ImportRow) -> _Person | str:
        key = self.key(row)
        if key not in self.resolved:
            self.resolved[key] = self._resolve(row)
        return self.resolved[key]

    def _resolve(self, row: ImportRow) -> _Person | str:
        email, name = _key(row.person_email), _key(row.person_name)
        if not email and not name:
            return "the row names no one"
        for said in (email, name):
            if said and said in self.mapping.people:
                username = self.mapping.people[said]
                user = self.by_username.get(username.casefold())
                if user is None:
                    return f"the map names {username!r} for {said!r}, and there is no such user"
                return _Person(user=user)
        if email:
            if email in self.by_email:
                return _Person(user=self.by_email[email])
        else:
            matches = self.by_name.get(name, [])
            if len(matches) == 1:
                return _Person(user=matches[0])
            if len(matches) > 1:
                usernames = ", ".join(sorted(u.username for u in matches))
                return (
                    f"{row.person_name.strip()!r} is the name of several people ({usernames}): "
                    "name the one in the map's [people]"
                )
        if not self.create_users:
            who = row.person_email.strip() if email else row.person_name.strip()
            how = "e-mail" if email else "name"
            return (
                f"no one here has the {how} {who!r} (add them, name them in the map's "
                "[people], or let the import create them: --create-users, or the page's "
                "'Create people who are not here yet')"
            )
        return self._plan(row)

    def _plan(self, row: ImportRow) -> _Person:
        base = _username_base(row)
        username, n = base, 1
        while username.casefold() in self.by_username or username.casefold() in self.created:
            n += 1
            username = f"{base}{n}"
        parts = row.person_name.split()
        person = _Person(
            username=username,
            email=row.person_email.strip() or f"{username}@{NO_EMAIL_DOMAIN}",
            first_name=parts[0][:150] if parts else "",
            last_name=" ".join(parts[1:])[:150],
        )
        self.created[username.casefold()] = person
        return person


def _name_problem(text: str) -> str | None:
    if len(text) > NAME_MAX:
        return f"is longer than {NAME_MAX} characters"
    try:
        validate_single_line(text)
    except ValidationError:
        return "holds a line break or control character"
    return None


def _existing_ids(format: str, ids: list[str]) -> set[str]:
    found = set()
    for start in range(0, len(ids), LOOKUP_CHUNK):
        found.update(
            TimeEntry.objects.filter(source=format, external_id__in=ids[start:start + LOOKUP_CHUNK])
            .values_list("external_id", flat=True)
        )
    return found


def _problem(row: int, column: str, message: str) -> tuple[int, str]:
    where = f"row {row}, column {column}" if column else f"row {row}"
    return (row, f"{where}: {message}")


def import_timesheet(
    *,
    rows: Iterable[ImportRow | RowProblem],
    format: str,
    file_name: str,
    sha256: str,
    user: User | None = None,
    mapping: ImportMapping | None = None,
    create_users: bool = False,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    batch: ImportBatch | None = None,
) -> ImportResult:
    """Import the rows of one export, all or nothing.

    Every row is read first and every problem collected (the parser's, unknown people,
    dates out of bounds or in the future, a day over 24 hours with what is already logged,
    …); with any, nothing is written and `problems` lists them all, by row. Otherwise the
    people, clients and engagements missing are created and the new entries inserted in one
    transaction, recorded in an ImportBatch (`batch` if the caller made one, e.g. the page's
    queued import). Rows an earlier import brought in are skipped. `dry_run` computes it all
    and writes nothing. `progress(n)` is told every n rows read.
    """
    mapping = mapping or ImportMapping()
    result = ImportResult(format=format, dry_run=dry_run)
    people = _People(mapping, create_users)
    problems: list[tuple[int, str]] = []
    entries: list[_Entry] = []
    engagement_names: dict[tuple[str, str], tuple[str, str]] = {}  # key -> as written
    tool_ids: dict[str, int] = {}  # the tool's id -> the row it was first seen on
    occurrences: Counter = Counter()
    unread = 0

    for item in rows:
        result.rows_read += 1
        unread += 1
        if progress and unread >= 1000:
            progress(unread)
            unread = 0
        if isinstance(item, RowProblem):
            problems.append(_problem(item.row, item.column, item.message))
            continue
        row = item
        person = people.resolve(row)
        if isinstance(person, str):
            problems.append(_problem(row.row, "Email" if row.person_email else "User", person))
            continue
        if not date_in_range(row.date):
            problems.append(_problem(
                row.row, "Date", f"{row.date:%Y-%m-%d} is not between 1900 and 2199"
            ))
            continue
        if row.date > person.today():
            problems.append(_problem(row.row, "Date", f"{row.date:%Y-%m-%d} is in the future"))
            continue
        if not 0 < row.seconds <= SECONDS_PER_DAY:
            problems.append(_problem(
                row.row, "Duration", "a time entry is more than 0 and at most 24 hours"
            ))
            continue
        kind = classify(row, mapping)
        engagement = None
        if kind == Kind.CLIENT:
            client, project = row.client.strip(), row.project.strip() or NO_PROJECT
            bad = [
                _problem(row.row, column, f"{text[:40]!r} {why}")
                for column, text in (("Client", client), ("Project", project))
                if (why := _name_problem(text))
            ]
            if bad:
                problems.extend(bad)
                continue
            engagement = (_key(client), _key(project))
            engagement_names.setdefault(engagement, (client, project))
        if row.external_id:
            external_id = row.external_id.strip()
            if len(external_id) > EXTERNAL_ID_MAX:
                problems.append(_problem(row.row, "ID", "the id is too long to keep"))
                continue
            if external_id in tool_ids:
                problems.append(_problem(
                    row.row, "ID", f"the same id as row {tool_ids[external_id]}"
                ))
                continue
            tool_ids[external_id] = row.row
        else:
            identity = row_hash(format, row, 0)
            occurrences[identity] += 1
            external_id = row_hash(format, row, occurrences[identity] - 1)
        entries.append(_Entry(
            row=row.row, person=people.key(row), date=row.date, seconds=row.seconds,
            kind=kind, engagement=engagement, note=row.description, billable=row.billable,
            external_id=external_id,
        ))
    if progress and unread:
        progress(unread)

    # Rows an earlier import brought in: skipped, and already counted in their days.
    done = _existing_ids(format, [entry.external_id for entry in entries])
    if done:
        result.rows_skipped = sum(entry.external_id in done for entry in entries)
        entries = [entry for entry in entries if entry.external_id not in done]

    problems.extend(_over_a_day(entries, people))
    problems.extend(_in_approved_weeks(entries, people))
    if problems:
        result.problems = [message for _, message in sorted(problems, key=lambda p: p[0])]
        if batch is not None and not dry_run:
            batch.status, batch.errors = ImportBatch.Status.FAILED, result.problems
            batch.rows_read, batch.finished_at = result.rows_read, timezone.now()
            batch.save()
        return result

    # Clients matched ignoring case and spacing, as people are: "ACME" is "Acme".
    clients = {_key(c.name): c for c in Client.objects.all()} if engagement_names else {}
    used_engagements = {entry.engagement for entry in entries if entry.engagement}
    engagements = {
        (_key(e.client.name), _key(e.name)): e
        for e in Engagement.objects.filter(
            client__in=[clients[key[0]] for key in used_engagements if key[0] in clients]
        ).select_related("client")
    }
    used_people = {entry.person for entry in entries}
    result.new_people = sorted(
        person.username for key, person in people.resolved.items()
        if key in used_people and isinstance(person, _Person) and person.user is None
    )
    result.new_clients = sorted(
        {key[0]: engagement_names[key][0] for key in used_engagements
         if key[0] not in clients}.values(),
        key=str.casefold,
    )
    result.new_engagements = sorted(
        " — ".join(engagement_names[key]) for key in used_engagements if key not in engagements
    )
    for entry in entries:
        result.entries_by_kind[entry.kind] += 1
        result.seconds_by_kind[entry.kind] += entry.seconds
    if dry_run:
        return result

    with transaction.atomic():
        batch = _write(
            entries=entries, people=people, clients=clients, engagements=engagements,
            engagement_names=engagement_names, used_engagements=used_engagements,
            result=result, batch=batch, file_name=file_name, sha256=sha256, user=user,
        )
    result.batch = batch
    return result


def _over_a_day(entries: list[_Entry], people: _People) -> list[tuple[int, str]]:
    """A problem on the row that takes a person's day past 24 hours, counting what is
    already logged that day (one grouped query for the whole file)."""
    if not entries:
        return []
    logged: Counter = Counter()
    users = {
        key: person.user for key, person in people.resolved.items()
        if isinstance(person, _Person) and person.user is not None
    }
    if users:
        by_pk = defaultdict(list)
        for key, user in users.items():
            by_pk[user.pk].append(key)
        dates = [entry.date for entry in entries]
        totals = (
            TimeEntry.objects.filter(
                consultant__in=list(by_pk), date__range=(min(dates), max(dates))
            ).order_by().values_list("consultant_id", "date").annotate(total=Sum("seconds"))
        )
        for consultant_id, date, total in totals:
            for key in by_pk[consultant_id]:
                logged[(people.resolved[key].user.pk, date)] = total
    problems, reported = [], set()
    for entry in sorted(entries, key=lambda e: e.row):
        person = people.resolved[entry.person]
        who = person.user.pk if person.user else person.username
        day = (who, entry.date)
        logged[day] += entry.seconds
        if logged[day] > SECONDS_PER_DAY and day not in reported:
            reported.add(day)
            name = person.user.username if person.user else person.username
            problems.append(_problem(
                entry.row, "Duration",
                f"that makes {logged[day] // 3600}:{logged[day] % 3600 // 60:02d} hours "
                f"for {name} on {entry.date:%Y-%m-%d}, more than 24 (counting time already "
                "logged that day)",
            ))
    return problems


def _in_approved_weeks(entries: list[_Entry], people: _People) -> list[tuple[int, str]]:
    """A problem on each row whose date falls in a week its person has had approved: the
    lock refuses the whole file (one query). New people have no approved week."""
    users = {
        key: person.user for key, person in people.resolved.items()
        if isinstance(person, _Person) and person.user is not None
    }
    pairs = {(users[entry.person].pk, entry.date) for entry in entries if entry.person in users}
    locked = locked_weeks(pairs)
    problems = []
    for entry in entries:
        user = users.get(entry.person)
        approval = user and locked.get((user.pk, week_start_of(entry.date)))
        if approval:
            problems.append(_problem(entry.row, "Date", lock_message(approval)))
    return problems


def _write(*, entries, people, clients, engagements, engagement_names, used_engagements,
           result, batch, file_name, sha256, user) -> ImportBatch:
    if batch is None:
        batch = ImportBatch(file_name=file_name[:255], sha256=sha256, format=result.format,
                            created_by=user)
    batch.status = ImportBatch.Status.RUNNING
    batch.save()
    # Everything it writes (people, clients, engagements, entries) is the batch's doing, in
    # a worker as in a request or the command: on behalf of whoever started it.
    with history.acting(via=history.Via.IMPORT, ref=f"batch {batch.pk}",
                        user=user or batch.created_by):
        _write_rows(entries=entries, people=people, clients=clients, engagements=engagements,
                    engagement_names=engagement_names, used_engagements=used_engagements,
                    result=result, batch=batch)
    batch.status = ImportBatch.Status.DONE
    batch.finished_at = timezone.now()
    batch.rows_read, batch.rows_skipped = result.rows_read, result.rows_skipped
    for kind in Kind.values:
        setattr(batch, f"{kind}_entries", result.entries_by_kind[kind])
        setattr(batch, f"{kind}_seconds", result.seconds_by_kind[kind])
    batch.people_created = len(result.new_people)
    batch.clients_created = len(result.new_clients)
    batch.engagements_created = len(result.new_engagements)
    batch.errors = []
    batch.save()
    return batch


def _write_rows(*, entries, people, clients, engagements, engagement_names, used_engagements,
                result, batch) -> None:
    users: dict[str, User] = {}
    for key, person in people.resolved.items():
        if not isinstance(person, _Person):
            continue
        if person.user is None:
            if person.username not in result.new_people:
                continue
            new = User(username=person.username, email=person.email,
                       first_name=person.first_name, last_name=person.last_name,
                       digest_opt_in=False,
                       # Their time in the file predates the account: capacity for every period.
                       started_on=None)
            new.set_unusable_password()  # they set one through the password reset
            person.user = person_save(user=new)
        if person.user is not None:
            users[key] = person.user

    members: dict[tuple, set] = defaultdict(set)
    first_day: dict[tuple, dt.date] = {}
    for entry in entries:
        if entry.engagement:
            members[entry.engagement].add(users[entry.person])
            first = first_day.get(entry.engagement)
            first_day[entry.engagement] = min(first, entry.date) if first else entry.date
    for key in sorted(used_engagements):
        client_name, project = engagement_names[key]
        if key[0] not in clients:
            clients[key[0]] = client_create(name=client_name)
        engagement = engagements.get(key)
        if engagement is None:
            engagements[key] = engagement_create(
                client=clients[key[0]], name=project, starts_on=first_day[key],
                members=members[key],
            )
        else:
            # Who logged time on it is on it: the reports and pages follow the members.
            missing = members[key] - set(engagement.members.all())
            if missing:
                engagement_update(
                    engagement=engagement,
                    data={"members": [*engagement.members.all(), *missing]},
                )

    time_entries = [
        TimeEntry(
            consultant=users[entry.person], date=entry.date, seconds=entry.seconds,
            kind=entry.kind,
            engagement=engagements[entry.engagement] if entry.engagement else None,
            note=entry.note,
            billable=entry.billable, source=result.format, external_id=entry.external_id,
        )
        for entry in entries
    ]
    time_entries_import(entries=time_entries, batch=batch)

