"""Writes of people's time: time entries, the week grid, the running timer and activities.

Every write of these models goes through here: each function validates (full_clean and the
logging rules of rules.py), applies the defaults (client work is billable), lets the model
set its timestamps and runs in one transaction, taking the row locks it needs. Forms, the
week grid and the admin call these; they never write the models themselves. Refused input
raises ValidationError and writes nothing.

Every one of them first asks tracker/approvals.py's week_lock_check() about each date it
touches (an update: the old and the new): a write into an approved week raises WeekLocked.
The week approval services live there and are named here too, as services.

Every one records what it changed (tracker/history.py), in its own transaction; the week
grid, the timer and imports name themselves as the way the change came (history.acting).
"""

import datetime as dt
import hashlib
import logging
import math
import secrets
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from axes.utils import reset as axes_reset
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from clients.models import Engagement

from . import history
from .approvals import (  # noqa: F401 - the approval services, as services
    MAX_COMMENT,
    WeekLocked,
    lock_message,
    lock_people,
    locked_weeks,
    week_approve,
    week_lock_check,
    week_lock_check_import,
    week_lock_check_pairs,
    week_lock_check_rows,
    week_lock_errors,
    week_may_decide,
    week_reopen,
    week_return,
    week_status,
    week_submit,
    week_version,
)
from .limits import DATE_RANGE_MESSAGE, date_in_range
from .models import (
    KIND_VALUES,
    SECONDS_PER_DAY,
    Activity,
    ApiToken,
    ImportBatch,
    Kind,
    RunningTimer,
    Team,
    TimeEntry,
    User,
)
from .rules import day_full_error, time_entry_errors

log = logging.getLogger(__name__)

KEEP: Any = object()  # an update's argument left out: the field keeps its value


def billable_default(kind: str) -> bool:
    """Client work is billable unless said otherwise; other kinds never are."""
    return kind == Kind.CLIENT


def _billable(kind: str, billable: bool | None) -> bool:
    """What is stored: the default when nothing is said, never billable for other kinds."""
    if billable is None:
        return billable_default(kind)
    return bool(billable) and billable_default(kind)


def time_entry_validate(entry: TimeEntry, *, other_seconds_that_day: int | None = None) -> None:
    """The model's own checks and the logging rules, every message at once: what every
    write of an entry passes (a form may call it first to show the messages)."""
    errors: dict[str, list[str]] = {}
    try:
        entry.full_clean()
    except ValidationError as exc:
        errors = {field: list(messages) for field, messages in exc.message_dict.items()}
    rules = time_entry_errors(
        consultant=entry.consultant,
        date=entry.date,
        seconds=entry.seconds,
        kind=entry.kind,
        engagement=entry.engagement,
        activity=entry.activity,
        exclude_pk=entry.pk,
        other_seconds_that_day=other_seconds_that_day,
    )
    for field, message in rules.items():
        if message not in errors.get(field, []):
            errors.setdefault(field, []).append(message)
    if errors:
        raise ValidationError(errors)


def _apply(instance, changes: dict) -> None:
    for name, value in changes.items():
        if value is not KEEP:
            setattr(instance, name, value)


# Time entries ---------------------------------------------------------------------------------


@transaction.atomic
def time_entry_create(
    *,
    consultant: User,
    date: dt.date,
    seconds: int,
    kind: str,
    engagement: Engagement | None = None,
    activity: Activity | None = None,
    note: str = "",
    billable: bool | None = None,
    source: str = TimeEntry.Source.MANUAL,
    external_id: str = "",
    api_token: ApiToken | None = None,
) -> TimeEntry:
    """Log time; `billable` left out follows the kind (client work is billable). `source`
    and `api_token` say where it came from (the API names the token it was called with)."""
    entry = TimeEntry(
        consultant=consultant,
        date=date,
        seconds=seconds,
        kind=kind,
        engagement=engagement,
        activity=activity,
        note=note,
        billable=_billable(kind, billable),
        source=source,
        external_id=external_id,
        api_token=api_token,
    )
    week_lock_check(consultant=consultant, dates=[date])
    time_entry_validate(entry)
    entry.save(force_insert=True)
    history.record_created(entry)
    return entry


@transaction.atomic
def time_entry_update(
    *,
    entry: TimeEntry,
    consultant: User = KEEP,
    date: dt.date = KEEP,
    seconds: int = KEEP,
    kind: str = KEEP,
    engagement: Engagement | None = KEEP,
    activity: Activity | None = KEEP,
    note: str = KEEP,
    billable: bool = KEEP,
    source: str = KEEP,
    external_id: str = KEEP,
) -> TimeEntry:
    """Change the fields given; the others keep what is saved now (not what `entry` held
    when it was read: another save meanwhile is not undone). Returns the saved entry."""
    # The people first (as every write of time), then the entry: two saves of one entry run
    # one after the other, and an approval cannot come between the lock check and the save.
    before = TimeEntry.objects.values_list("consultant_id", flat=True).get(pk=entry.pk)
    lock_people([before, consultant.pk if consultant is not KEEP else before])
    saved = TimeEntry.objects.select_for_update().get(pk=entry.pk)
    old = (saved.consultant_id, saved.date)
    before = history.snapshot(saved)
    _apply(saved, {
        "consultant": consultant, "date": date, "seconds": seconds, "kind": kind,
        "engagement": engagement, "activity": activity, "note": note, "billable": billable,
        "source": source, "external_id": external_id,
    })
    saved.billable = _billable(saved.kind, saved.billable)
    # Both weeks: the one it leaves and the one it moves to.
    week_lock_check_pairs([old, (saved.consultant_id, saved.date)])
    time_entry_validate(saved)
    saved.save()
    history.record(saved, history.Action.UPDATE, before=before, after=history.snapshot(saved))
    return saved


@transaction.atomic
def time_entry_delete(*, entry: TimeEntry) -> None:
    # The week as saved, not as `entry` was read.
    week_lock_check_rows(TimeEntry.objects.filter(pk=entry.pk))
    history.record(entry, history.Action.DELETE, before=history.saved_state(entry))
    entry.delete()


# Imports ---------------------------------------------------------------------------------------

IMPORT_BATCH_SIZE = 5000  # rows per INSERT: big enough to be fast, small enough for SQLite


def time_entry_import_errors(entry: TimeEntry) -> dict[str, str]:
    """Field -> message for what an imported entry breaks, checked in Python with no query:
    the model's bounds and the kind's engagement rule. (The day's 24 hours need the day's
    other entries: the importer sums them once for the whole file.)"""
    errors: dict[str, str] = {}
    if not 0 < entry.seconds <= SECONDS_PER_DAY:
        errors["seconds"] = _constraint_message("time_entry_seconds_within_a_day")
    if not date_in_range(entry.date):
        errors["date"] = DATE_RANGE_MESSAGE
    if entry.kind not in KIND_VALUES:
        errors["kind"] = f"{entry.kind!r} is not a kind of time."
    elif (entry.kind == Kind.CLIENT) != (entry.engagement_id is not None):
        errors["engagement"] = _constraint_message("time_entry_engagement_iff_client")
    return errors


def _constraint_message(name: str) -> str:
    """The message of TimeEntry's database constraint `name`: the checks above repeat the
    constraints in Python, their words stay the model's."""
    (constraint,) = (c for c in TimeEntry._meta.constraints if c.name == name)
    return constraint.violation_error_message


@transaction.atomic
def time_entries_import(
    *, entries: Sequence[TimeEntry], batch: ImportBatch | None = None
) -> list[TimeEntry]:
    """Insert many imported entries at once, all or nothing (ValidationError listing every
    entry refused, by its position in `entries`).

    Validated in Python without a query per row (time_entry_import_errors), billable from
    the kind unless the entry says (None: not said), then bulk-inserted in batches. The
    weekly rollup's triggers see every insert, so reports stay exact.
    """
    messages = []
    for index, entry in enumerate(entries):
        for message in time_entry_import_errors(entry).values():
            messages.append(f"entry {index + 1}: {message}")
        entry.billable = _billable(entry.kind, entry.billable)
        entry.import_batch = batch
    if messages:
        raise ValidationError(messages)
    week_lock_check_import(entries)  # all or nothing: the entries in approved weeks named
    created = TimeEntry.objects.bulk_create(entries, batch_size=IMPORT_BATCH_SIZE)
    # One record per entry, as an auditor asks of any hour: which import brought it in.
    with history.acting(via=history.Via.IMPORT, ref=f"batch {batch.pk}" if batch else ""):
        history.record_many(created, history.Action.CREATE)
    return created


@transaction.atomic
def import_batch_undo(*, batch: ImportBatch, user: User | None) -> int:
    """Delete exactly the entries `batch` brought in, in one transaction; the batch record
    stays, marked undone. The rollup's triggers take the time out of every report. The
    people, clients and engagements it created stay: other time may use them by now.
    Returns how many entries went."""
    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.status != ImportBatch.Status.DONE:
        raise ValidationError(
            f"Only a finished import can be undone; this one is {locked.get_status_display()}.",
            code="not_done",
        )
    # Undoing takes time out of every week it went into: none of them may be approved.
    week_lock_check_rows(TimeEntry.objects.filter(import_batch=locked))
    brought = TimeEntry.objects.filter(import_batch=locked)
    with history.acting(via=history.Via.IMPORT, ref=f"batch {locked.pk} undone",
                        user=user or history.current()[0]):
        history.record_many(
            brought.select_related("consultant", "engagement__client", "activity"),
            history.Action.DELETE,
        )
    deleted, _ = brought.delete()
    locked.status = ImportBatch.Status.UNDONE
    locked.undone_at = timezone.now()
    locked.undone_by = user
    locked.save(update_fields=["status", "undone_at", "undone_by"])
    batch.refresh_from_db()
    return deleted


# The week grid --------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekCellChange:
    """One cell of a person's week to write: its row (kind, engagement or activity), its day,
    the seconds it held when the caller read it, and the seconds it is to hold (0 deletes its
    entries)."""

    day: dt.date
    kind: str
    seconds: int
    read_seconds: int
    engagement_id: int | None = None
    activity_id: int | None = None

    @property
    def key(self) -> tuple:
        return (self.kind, self.engagement_id, self.activity_id, self.day)


@transaction.atomic
def time_entries_save_week(
    *, consultant: User, monday: dt.date, changes: Sequence[WeekCellChange]
) -> int:
    """Write the changed cells of the week starting `monday`, all or nothing; returns how
    many cells changed.

    A cell typed over a single entry updates it, an emptied cell deletes its entries, a new
    value creates an entry (billable by default for client work). A cell that no longer holds
    what the caller read (another tab saved meanwhile) is refused, as is a value typed over a
    cell of several entries or one that breaks a logging rule.
    """
    sunday = monday + dt.timedelta(days=6)
    # Locks the person: one save of their week at a time, read after any other committed.
    week_lock_check(
        consultant=consultant, dates=[monday, *(change.day for change in changes)]
    )
    entries = list(
        TimeEntry.objects.select_for_update().filter(consultant=consultant)
        .in_period(monday, sunday).select_related("consultant")
    )
    held = defaultdict(list)
    day_totals: Counter = Counter()
    for entry in entries:
        held[(entry.kind, entry.engagement_id, entry.activity_id, entry.date)].append(entry)
        day_totals[entry.date] += entry.seconds
    engagements = Engagement.objects.in_bulk(
        {change.engagement_id for change in changes if change.engagement_id}
    )
    activities = Activity.objects.in_bulk(
        {change.activity_id for change in changes if change.activity_id}
    )

    messages = []
    for change in changes:
        if not monday <= change.day <= sunday:
            messages.append(f"{change.day:%-d %b %Y} is not in the week of {monday:%-d %b %Y}.")
            continue
        cell_seconds = sum(entry.seconds for entry in held[change.key])
        if cell_seconds != change.read_seconds:
            messages.append(
                f"{change.day:%a %-d %b} was changed meanwhile (another tab or device)."
            )
        day_totals[change.day] += change.seconds - cell_seconds
    if messages:
        raise ValidationError(messages, code="stale")

    writes, befores = [], {}
    for change in changes:
        cell = held[change.key]
        if not change.seconds:
            writes.append((None, cell))
            continue
        if len(cell) > 1:
            messages.append(
                f"{change.day:%a %-d %b} holds {len(cell)} entries: change them one by one."
            )
            continue
        if cell:
            entry = cell[0]
            befores[entry.pk] = history.snapshot(entry)
            entry.seconds = change.seconds
        else:
            entry = TimeEntry(
                consultant=consultant,
                date=change.day,
                seconds=change.seconds,
                kind=change.kind,
                engagement=engagements.get(change.engagement_id),
                activity=activities.get(change.activity_id),
                billable=_billable(change.kind, None),
            )
        try:
            # The day's other time as it will be once every cell is written.
            time_entry_validate(
                entry, other_seconds_that_day=day_totals[change.day] - change.seconds
            )
        except ValidationError as exc:
            messages.extend(f"{change.day:%a %-d %b}: {message}" for message in exc.messages)
            continue
        writes.append((entry, cell))
    if messages:
        raise ValidationError(messages)
    with history.acting(via=history.Via.GRID):
        for entry, cell in writes:
            if entry is None:
                for gone in cell:
                    history.record_deleted(gone)
                    gone.delete()
            elif entry.pk is None:
                entry.save()
                history.record_created(entry)
            else:
                entry.save()  # auto_now sets updated_at
                history.record(entry, history.Action.UPDATE, before=befores[entry.pk],
                               after=history.snapshot(entry))
    return len(changes)


@dataclass(frozen=True)
class CellEntryEdit:
    """One entry of a week-grid cell as its editor left it: 0 seconds deletes it. `read_at`
    is the entry's updated_at when the editor was shown (an entry changed since is refused)."""

    entry_id: int
    seconds: int
    note: str
    read_at: dt.datetime | None


@transaction.atomic
def time_entries_save_cell(
    *,
    consultant: User,
    day: dt.date,
    kind: str,
    engagement: Engagement | None = None,
    activity: Activity | None = None,
    edits: Sequence[CellEntryEdit] = (),
    new_seconds: int = 0,
    new_note: str = "",
) -> int:
    """Write the entries of one cell of a person's week (a row on a day), all or nothing:
    edit or delete those listed in `edits`, and add one of `new_seconds` (if any). Each write
    goes through the entry services (locks, rules, history); returns how many changed.

    An entry that is not in the cell any more, or was changed since the editor was shown
    (another tab or device), refuses the whole save (code "stale")."""
    week_lock_check(consultant=consultant, dates=[day])
    held = {
        entry.pk: entry
        for entry in TimeEntry.objects.select_for_update().filter(
            consultant=consultant, date=day, kind=kind,
            engagement_id=engagement.pk if engagement else None,
            activity_id=activity.pk if activity else None,
        )
    }
    stale = [edit for edit in edits if edit.entry_id not in held
             or held[edit.entry_id].updated_at != edit.read_at]
    if stale:
        raise ValidationError(
            f"{len(stale)} of these entries changed meanwhile (another tab or device); "
            "nothing was saved. They are shown as saved now.",
            code="stale",
        )
    changed = [edit for edit in edits if (edit.seconds, edit.note) != (
        held[edit.entry_id].seconds, held[edit.entry_id].note)]
    # Deletions and shrinking entries first: the day's 24 hours are checked at every step,
    # and moving time from one entry to another never passes through more than the end.
    changed.sort(key=lambda edit: edit.seconds - held[edit.entry_id].seconds)
    with history.acting(via=history.Via.GRID):
        for edit in changed:
            if edit.seconds:
                time_entry_update(entry=held[edit.entry_id], seconds=edit.seconds,
                                  note=edit.note)
            else:
                time_entry_delete(entry=held[edit.entry_id])
        if new_seconds:
            time_entry_create(consultant=consultant, date=day, seconds=new_seconds, kind=kind,
                              engagement=engagement, activity=activity, note=new_note)
    return len(changed) + bool(new_seconds)


# The timer -------------------------------------------------------------------------------------


@transaction.atomic
def timer_start(
    *,
    consultant: User,
    kind: str,
    engagement: Engagement | None = None,
    activity: Activity | None = None,
    note: str = "",
    billable: bool | None = None,
) -> RunningTimer:
    """Start the person's one timer, checked by the rules for an entry of today. A second
    start while one runs is refused (code "running"): it must not restart it."""
    timer = RunningTimer(
        user=consultant,
        started_at=timezone.now(),
        kind=kind,
        engagement=engagement,
        activity=activity,
        note=note,
        billable=_billable(kind, billable),
    )
    # Today's week approved (a manager signed it off early): the time would go into it.
    week_lock_check(consultant=consultant, dates=[consultant.today()])
    errors = time_entry_errors(
        consultant=consultant,
        date=consultant.today(),
        seconds=0,  # nothing logged yet: the day's total is checked on stop
        kind=kind,
        engagement=engagement,
        activity=activity,
    )
    if errors:
        raise ValidationError(errors)
    # Refused now, not at stop: a day already at 24 hours could take none of its time.
    if full := day_full_error(consultant=consultant, date=consultant.today()):
        raise ValidationError(full, code="day_full")
    timer.full_clean(validate_unique=False)  # the insert below is the check, race-free
    try:
        with transaction.atomic():
            # An insert, never an update: the user is the primary key.
            timer.save(force_insert=True)
    except IntegrityError:
        raise ValidationError(
            "A timer is already running; stop it first.", code="running"
        ) from None
    return timer


def round_up_to_minute(seconds: float) -> int:
    return max(60, math.ceil(seconds / 60) * 60)


def timer_day_parts(timer: RunningTimer, now: dt.datetime) -> list[tuple[dt.date, float]]:
    """(day, seconds) for each day the timer ran on, in the person's timezone."""
    tz = timer.user.tzinfo
    start = timer.started_at.astimezone(tz)
    end = max(now, timer.started_at).astimezone(tz)
    parts = []
    while start.date() < end.date():
        midnight = dt.datetime.combine(start.date() + dt.timedelta(days=1), dt.time(), tz)
        # Timestamps, not wall clocks: a day with a clock change is 23 or 25 hours long.
        parts.append((start.date(), midnight.timestamp() - start.timestamp()))
        start = midnight
    parts.append((end.date(), end.timestamp() - start.timestamp()))
    return [(day, seconds) for day, seconds in parts if seconds > 0] or [(end.date(), 0)]


@dataclass(frozen=True)
class TimerDayPart:
    """A day a running timer ran on: the minutes it ran, and how many of them fit in the
    day beside what the day already holds (24 hours at most)."""

    day: dt.date
    seconds: int
    fits: int


def timer_parts(timer: RunningTimer, now: dt.datetime) -> list[TimerDayPart]:
    """Each day the timer ran on, with what stopping it would log and what fits."""
    days = timer_day_parts(timer, now)
    held = dict(
        TimeEntry.objects.filter(consultant_id=timer.user_id, date__in=[day for day, _ in days])
        .order_by().values_list("date").annotate(total=Sum("seconds"))
    )
    parts = []
    for day, seconds in days:
        rounded = round_up_to_minute(seconds)
        room = max(SECONDS_PER_DAY - (held.get(day) or 0), 0)
        parts.append(TimerDayPart(day, rounded, min(rounded, room // 60 * 60)))
    return parts


@transaction.atomic
def timer_stop(
    *, consultant: User, now: dt.datetime | None = None, fit: bool = False
) -> list[TimeEntry]:
    """Turn the person's running timer into time entries; RunningTimer.DoesNotExist when
    none runs.

    With `fit`, a day that cannot take all the time the timer ran gets what fits in its
    24 hours (a day with no room left gets nothing): time already logged by hand that day
    (the grid, a form) most likely covers the rest. Without it such a stop is refused, and
    the caller offers to log what fits.

    The elapsed time is rounded up to the minute. A timer that crossed midnight (in the
    person's timezone) gives one entry per day, each rounded up to the minute; one that ran
    more than 24 hours is refused: it was almost certainly left running, and only its owner
    knows how long they really worked, so they discard it and log the time by hand.
    """
    now = now or timezone.now()
    lock_people([consultant.pk])
    # Locked, so a double click logs the time once.
    timer = (
        RunningTimer.objects.select_for_update(of=("self",))
        .select_related("user", "engagement__client", "activity")
        .get(user=consultant)
    )
    if (now - timer.started_at).total_seconds() > SECONDS_PER_DAY:
        since = timezone.localtime(timer.started_at, timer.user.tzinfo)
        raise ValidationError(
            f"This timer has run for more than 24 hours (since {since:%a %-d %b %H:%M}), "
            "so it was probably left running. Discard it and log the time by hand.",
            code="too_long",
        )
    # Any day it ran on in an approved week refuses the whole stop: the timer keeps running
    # (nothing is lost), and its owner discards it and logs the other days by hand, or asks
    # an admin to reopen the week. Logging part of it silently would lose time.
    parts = timer_parts(timer, now)
    week_lock_check(consultant=consultant, dates=[part.day for part in parts])
    entries, messages = [], []
    for part in parts:
        if fit and not part.fits:
            continue  # the day is full: nothing of the timer fits in it
        entry = TimeEntry(
            consultant=timer.user,
            date=part.day,
            seconds=part.fits if fit else part.seconds,
            kind=timer.kind,
            engagement=timer.engagement,
            activity=timer.activity,
            note=timer.note,
            billable=_billable(timer.kind, timer.billable),
            source=TimeEntry.Source.TIMER,
        )
        try:
            time_entry_validate(entry)
        except ValidationError as exc:
            messages.extend(message for message in exc.messages if message not in messages)
        entries.append(entry)
    if messages:
        raise ValidationError(messages)
    with history.acting(via=history.Via.TIMER):
        for entry in entries:
            entry.save(force_insert=True)
            history.record_created(entry)
    timer.delete()
    return entries


@transaction.atomic
def timer_discard(*, consultant: User) -> bool:
    """Throw the person's running timer away, logging nothing; False when none ran."""
    deleted, _ = RunningTimer.objects.filter(user=consultant).delete()
    return bool(deleted)


# Activities ------------------------------------------------------------------------------------


@transaction.atomic
def activity_create(
    *,
    consultant: User,
    kind: str,
    title: str,
    date: dt.date,
    venue: str = "",
    url: str = "",
    audience: int = 0,
    interactions: int = 0,
    leads: int = 0,
    engagement: Engagement | None = None,
    note: str = "",
) -> Activity:
    activity = Activity(
        consultant=consultant, kind=kind, title=title, date=date, venue=venue, url=url,
        audience=audience, interactions=interactions, leads=leads, engagement=engagement,
        note=note,
    )
    week_lock_check(consultant=consultant, dates=[date])
    activity.full_clean()
    activity.save(force_insert=True)
    history.record_created(activity)
    return activity


@transaction.atomic
def activity_update(
    *,
    activity: Activity,
    consultant: User = KEEP,
    kind: str = KEEP,
    title: str = KEEP,
    date: dt.date = KEEP,
    venue: str = KEEP,
    url: str = KEEP,
    audience: int = KEEP,
    interactions: int = KEEP,
    leads: int = KEEP,
    engagement: Engagement | None = KEEP,
    note: str = KEEP,
) -> Activity:
    """Change the fields given; the others keep what is saved now. Returns the saved one."""
    before = Activity.objects.values_list("consultant_id", flat=True).get(pk=activity.pk)
    lock_people([before, consultant.pk if consultant is not KEEP else before])
    saved = Activity.objects.select_for_update().get(pk=activity.pk)
    old = (saved.consultant_id, saved.date)
    before = history.snapshot(saved)
    _apply(saved, {
        "consultant": consultant, "kind": kind, "title": title, "date": date, "venue": venue,
        "url": url, "audience": audience, "interactions": interactions, "leads": leads,
        "engagement": engagement, "note": note,
    })
    week_lock_check_pairs([old, (saved.consultant_id, saved.date)])
    saved.full_clean()
    saved.save()
    history.record(saved, history.Action.UPDATE, before=before, after=history.snapshot(saved))
    return saved


def activity_delete_weeks(activity: Activity) -> list[tuple[int, object]]:
    """The (consultant id, date) pairs whose weeks an activity's delete writes into: its own,
    and those of the time logged on it (which loses its link)."""
    return [
        *Activity.objects.filter(pk=activity.pk).values_list("consultant_id", "date"),
        *activity.time_entries.order_by().values_list("consultant_id", "date").distinct(),
    ]


@transaction.atomic
def activity_delete(*, activity: Activity) -> None:
    """Delete the activity; the time spent on it stays logged, linked to no activity. Its
    own week and the weeks of that time (which loses its link) must not be approved."""
    week_lock_check_pairs(activity_delete_weeks(activity))
    # What the delete empties on other rows is their change too.
    history.record_cleared(
        activity.time_entries.select_related("consultant", "engagement__client"), "activity"
    )
    history.record_cleared(
        Engagement.objects.filter(source_activity=activity).select_related("client"),
        "source_activity",
    )
    history.record(activity, history.Action.DELETE, before=history.saved_state(activity))
    activity.delete()


# --- a person's own settings --------------------------------------------------------------


@transaction.atomic
def digest_preferences_set(*, user: User, opt_in: bool, timezone_name: str) -> User:
    """Turn the weekly digest on or off and set the timezone it follows; validated."""
    person = User.objects.select_for_update().get(pk=user.pk)
    person.digest_opt_in, person.timezone = opt_in, timezone_name.strip()
    person.full_clean(validate_unique=False, validate_constraints=False)
    person.save(update_fields=["digest_opt_in", "timezone"])
    return person


def digest_unsubscribe(*, user: User) -> None:
    """The one-click unsubscribe: only the opt-in changes, whatever else the row holds."""
    User.objects.filter(pk=user.pk).update(digest_opt_in=False)


def week_reminder_opt_in_set(*, user: User, opt_in: bool) -> None:
    """Turn the Monday-noon timesheet reminder on or off (the profile page, the e-mail's
    one-click link): only that field changes."""
    User.objects.filter(pk=user.pk).update(week_reminder_opt_in=opt_in)


def week_reminder_unsubscribe(*, user: User) -> None:
    week_reminder_opt_in_set(user=user, opt_in=False)


# --- people and teams (the admin's writes) -------------------------------------------------


@transaction.atomic
def team_save(*, team: Team) -> Team:
    """Create or change a team, validated."""
    team.full_clean()
    team.save()
    return team


def team_managers_set(*, team: Team, managers) -> None:
    team.managers.set(managers)


@transaction.atomic
def team_delete(*, team: Team) -> None:
    # Members keep their accounts (User.team is SET_NULL); engagements lose their team.
    history.record_cleared(Engagement.objects.filter(team=team).select_related("client"), "team")
    team.delete()


@transaction.atomic
def person_save(*, user: User) -> User:
    """Create or change a person's account, validated (the password is hashed by the form
    that set it; nothing here reads it)."""
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def person_delete(*, user: User) -> None:
    # Their time and activities go with them: not out of an approved week.
    week_lock_check_rows(TimeEntry.objects.filter(consultant=user))
    week_lock_check_rows(Activity.objects.filter(consultant=user))
    # Their time and activities go with them: each leaves its record.
    history.record_many(
        TimeEntry.objects.filter(consultant=user).select_related(
            "consultant", "engagement__client", "activity"),
        history.Action.DELETE,
    )
    history.record_many(
        Activity.objects.filter(consultant=user).select_related("consultant", "engagement"),
        history.Action.DELETE,
    )
    user.delete()


# API tokens ------------------------------------------------------------------------------------

API_TOKEN_PREFIX = "cf_"  # lets secret scanners and people recognise a ClientFirst token


@sensitive_variables("secret")
def api_token_hash(secret: str) -> str:
    """What is stored and looked up: the SHA-256 of the secret (the secret is random and long,
    so a plain hash is enough; a slow password hash would slow every request)."""
    return hashlib.sha256(secret.encode()).hexdigest()


@sensitive_variables("secret")
def api_token_create(
    *, user: User, name: str, expires_in_days: int | None = None,
    expires_at: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token for `user`; returns it with its secret, which is never seen again.

    It expires `expires_in_days` from now, or at `expires_at`, or never (neither given)."""
    if expires_in_days is not None:
        expires_at = timezone.now() + dt.timedelta(days=expires_in_days)
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        token_hash=api_token_hash(secret),
        prefix=secret[:10],
        expires_at=expires_at,
    )
    token.full_clean()
    try:
        with transaction.atomic():
            token.save(force_insert=True)
    except IntegrityError:
        # Two requests with one name at once: the second meets the first in the unique index.
        raise ValidationError(_active_name_constraint().violation_error_message) from None
    return token, secret


def _active_name_constraint():
    return next(constraint for constraint in ApiToken._meta.constraints
                if constraint.name == "api_token_unique_active_name")


@transaction.atomic
def api_token_revoke(*, user: User, name: str | None = None, pk: int | None = None) -> bool:
    """Revoke `user`'s active token called `name` (the command) or with id `pk` (the profile
    page, where two tokens may have shared a name over time); False when there is none."""
    if (name is None) == (pk is None):
        raise TypeError("api_token_revoke takes a name or a pk")
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    tokens = tokens.filter(name=name) if pk is None else tokens.filter(pk=pk)
    return bool(tokens.update(revoked_at=timezone.now()))


# Sessions --------------------------------------------------------------------------------------


def user_sessions_end(*, user: User) -> None:
    """Ends every session `user` has: a new session epoch changes the hash each session must
    carry (User._get_session_auth_hash). A view keeps its own session with Django's
    update_session_auth_hash. API tokens are not sessions: they keep working."""
    user.session_epoch = secrets.token_hex(16)
    user.save(update_fields=["session_epoch"])
    log.info("Sessions ended: every session of %s (user %s) was logged out",
             user.username, user.pk)


def user_login_failures_clear(*, user: User) -> int:
    """Forgets the failed log-ins counted against `user`'s account (django-axes), which ends
    its lockout: a reset by e-mail has shown the person is who they say. Each address's own
    count stays. Returns how many records went."""
    count = axes_reset(username=user.get_username())
    if count:
        log.info("Log-in failures cleared for %s (user %s) after a password reset",
                 user.username, user.pk)
    return count
