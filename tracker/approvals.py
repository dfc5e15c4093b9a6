"""Week approval and the lock: a consultant submits an ISO week, a manager of their team (or
an admin) approves it or returns it with a comment, an admin reopens an approved one with a
reason. An approved week is locked.

THE LOCK is defined here once: `week_lock_check()` raises `WeekLocked` (a ValidationError,
code "locked"; the API answers 409) for any write that touches a consultant's approved week,
naming the week and who approved it. Every write service of time entries and activities
calls it, with the dates the write touches: the old date and the new one for an update.
Database triggers (migration tracker 0012) refuse what bypasses the services: a bulk
update, a raw delete, SQL.

Submitted weeks stay editable until they are approved (as Harvest does): the manager approves
what the week holds when they click, and the approval page names the version it showed, so
an edit made meanwhile is not approved unseen.

The approval services take the consultant's row lock (select_for_update on the user, as the
week grid does) before they read or change a week, and so does the lock check: a write and
an approval of one person's week run one after the other, never interleaved.
"""

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from . import history
from .models import TimeEntry, User, WeekApproval, WeekStatus
from .week import iso_week, week_start_of

MAX_COMMENT = 2000  # a comment, a note or a reason: a paragraph, not a document


class WeekLocked(ValidationError):
    """A write into an approved week, refused. `approvals` are the locked weeks it touched."""

    code = "locked"

    def __init__(self, messages: list[str], *, approvals: list[WeekApproval]):
        super().__init__([ValidationError(message, code="locked") for message in messages])
        self.code = "locked"
        self.approvals = approvals


def lock_message(approval: WeekApproval) -> str:
    """"Week 2026-W45 of Alice Tester was approved by Maria Lopez on 9 Nov 2026; ask an
    admin to reopen it." """
    by = approval.decided_by or "a manager no longer here"
    on = timezone.localtime(approval.decided_at) if approval.decided_at else None
    when = f" on {on:%-d %b %Y}" if on else ""
    return (
        f"Week {approval.iso_week} of {approval.consultant} was approved by {by}{when}; "
        "ask an admin to reopen it."
    )


def lock_people(consultant_ids: Iterable[int]) -> None:
    """Row locks on the people, in id order (no deadlock between two writers): one write of
    a person's time, or one decision on their weeks, at a time. (On SQLite, IMMEDIATE
    transactions already serialize every write.)"""
    ids = sorted(set(consultant_ids))
    if ids:
        list(User.objects.select_for_update().filter(pk__in=ids).values_list("pk"))


def locked_weeks(pairs: Iterable[tuple[int, dt.date]]) -> dict[tuple[int, dt.date], WeekApproval]:
    """(consultant id, Monday) -> its approval, for those of `pairs` (any day of the week)
    that are approved. One query."""
    weeks = {(consultant_id, week_start_of(day)) for consultant_id, day in pairs}
    if not weeks:
        return {}
    rows = WeekApproval.objects.filter(
        status=WeekStatus.APPROVED,
        consultant_id__in={consultant_id for consultant_id, _ in weeks},
        week_start__in={monday for _, monday in weeks},
    ).select_related("consultant", "decided_by")
    return {
        (row.consultant_id, row.week_start): row
        for row in rows if (row.consultant_id, row.week_start) in weeks
    }


def week_lock_check(*, consultant: User | int, dates: Iterable[dt.date | None]) -> None:
    """Refuse (WeekLocked) a write of `consultant`'s time or activities on any of `dates`
    (None: no date, e.g. a field left as it was) that falls in an approved week.

    Call it inside the write's transaction, before writing: it takes the person's row lock,
    so no approval of the week can come between the check and the write."""
    consultant_id = consultant if isinstance(consultant, int) else consultant.pk
    week_lock_check_pairs((consultant_id, day) for day in dates if day is not None)


def week_lock_check_pairs(pairs: Iterable[tuple[int, dt.date]]) -> None:
    """week_lock_check for writes across people: (consultant id, date) pairs."""
    pairs = list(pairs)
    lock_people(consultant_id for consultant_id, _ in pairs)
    locked = locked_weeks(pairs)
    if locked:
        approvals = sorted(locked.values(), key=lambda a: (a.week_start, a.consultant_id))
        raise WeekLocked([lock_message(a) for a in approvals], approvals=approvals)


def week_lock_errors(pairs: Iterable[tuple[int, dt.date | None]]) -> list[str]:
    """The lock's messages for (consultant id, date) pairs, without taking a lock: what a form
    shows before it saves (the service checks again, locked, when it writes)."""
    locked = locked_weeks((person, day) for person, day in pairs if day is not None)
    return [lock_message(approval) for _, approval in sorted(locked.items())]


def week_lock_check_rows(rows) -> None:
    """week_lock_check for the time entries or activities of a queryset (a bulk delete, the
    entries an import brought in): their distinct (consultant, date), one query."""
    week_lock_check_pairs(rows.order_by().values_list("consultant_id", "date").distinct())


def week_lock_check_import(entries) -> None:
    """For an import, all or nothing: WeekLocked listing each locked week with the numbers of
    the entries (their position in `entries`, from 1) that fall in it."""
    entries = list(entries)
    pairs = [(entry.consultant_id, entry.date) for entry in entries]
    lock_people(consultant_id for consultant_id, _ in pairs)
    locked = locked_weeks(pairs)
    if not locked:
        return
    numbers = defaultdict(list)
    for number, (consultant_id, day) in enumerate(pairs, start=1):
        key = (consultant_id, week_start_of(day))
        if key in locked:
            numbers[key].append(number)
    messages = []
    for key, approval in sorted(locked.items(), key=lambda item: (item[0][1], item[0][0])):
        shown = ", ".join(map(str, numbers[key][:20])) + ("…" if len(numbers[key]) > 20 else "")
        messages.append(f"entries {shown}: {lock_message(approval)}")
    raise WeekLocked(messages, approvals=list(locked.values()))


# Where weeks stand -------------------------------------------------------------------------------

# A week not (yet, or again) handed in: open (no record at all, or reopened) or returned to
# fix. What the digest counts as unsubmitted and what the reminder is about.
UNSUBMITTED = frozenset({WeekStatus.OPEN, WeekStatus.RETURNED})


def people_with_week_unsubmitted(people, week_start: dt.date):
    """Those of `people` (a User queryset) whose week starting `week_start` is unsubmitted."""
    handed_in = WeekApproval.objects.filter(week_start=week_start).exclude(status__in=UNSUBMITTED)
    return people.exclude(pk__in=handed_in.values("consultant_id"))


def week_states_by_team(week_start: dt.date) -> dict[int, dict[int, str]]:
    """{team id: {person id: status}} of that week for every active person with a team (no
    record is "open"). Two queries, whatever the number of teams: the digests of a chunk
    share them."""
    states: dict[int, dict[int, str]] = defaultdict(dict)
    people = User.objects.filter(is_active=True, team__isnull=False)
    for person_id, team_id in people.order_by().values_list("pk", "team_id"):
        states[team_id][person_id] = WeekStatus.OPEN
    for person_id, team_id, status in (
        WeekApproval.objects.filter(week_start=week_start, consultant__in=people)
        .order_by().values_list("consultant_id", "consultant__team_id", "status")
    ):
        states[team_id][person_id] = status
    return dict(states)


# Approval --------------------------------------------------------------------------------------


def week_status(*, consultant: User, week_start: dt.date) -> WeekApproval:
    """The week's approval record; an unsaved one (status open) when it has none."""
    approval = WeekApproval.objects.filter(consultant=consultant, week_start=week_start).first()
    return approval or WeekApproval(consultant=consultant, week_start=week_start)


def week_may_decide(user: User, consultant: User) -> bool:
    """May `user` approve or return `consultant`'s weeks? A manager of their team or an admin;
    never the consultant themselves, even a manager of their own team."""
    if user.pk == consultant.pk:
        return False
    if user.is_admin:
        return True
    return consultant.team_id is not None and any(
        team.pk == consultant.team_id for team in user.managed_team_list
    )


def week_version(*, consultant: User, week_start: dt.date) -> str:
    """A short digest of what the week holds (every entry's id, date, time, kind, engagement,
    activity, billable and last change): an approval names the version its page showed."""
    rows = (
        TimeEntry.objects.filter(consultant=consultant)
        .in_period(week_start, week_start + dt.timedelta(days=6))
        .order_by("pk")
        .values_list("pk", "date", "seconds", "kind", "engagement_id", "activity_id",
                     "billable", "updated_at")
    )
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()[:16]


def _monday(week_start: dt.date) -> dt.date:
    if week_start.weekday() != 0:
        raise ValidationError(f"{week_start} is not a Monday: a week starts on Monday.",
                              code="not_monday")
    return week_start


def _text(value: str, *, field: str, required: bool = False, label: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: f"Say why: {label} needs a {field}."}, code="required")
    if len(value) > MAX_COMMENT:
        raise ValidationError(
            {field: f"Keep the {field} under {MAX_COMMENT} characters (it has {len(value)})."},
            code="max_length",
        )
    return value


def _locked_row(consultant: User, week_start: dt.date) -> WeekApproval | None:
    lock_people([consultant.pk])
    return (
        WeekApproval.objects.select_for_update(of=("self",))
        .select_related("decided_by", "consultant")
        .filter(consultant=consultant, week_start=week_start)
        .first()
    )


def _refuse_status(approval: WeekApproval | None, week: str, doing: str, allowed) -> None:
    status = approval.status if approval else WeekStatus.OPEN
    if status in allowed:
        return
    if status == WeekStatus.APPROVED:
        raise WeekLocked([lock_message(approval)], approvals=[approval])
    said = {
        WeekStatus.OPEN: "is open (not submitted)",
        WeekStatus.SUBMITTED: "is already submitted and waits for a decision",
        WeekStatus.RETURNED: "was returned to its consultant to fix and submit again",
    }[status]
    raise ValidationError(f"Week {week} {said}: it cannot be {doing}.", code="invalid_transition")


@transaction.atomic
def week_submit(*, consultant: User, week_start: dt.date, note: str = "") -> WeekApproval:
    """The consultant submits their week (a note optional), from open or returned.

    A week with no time may be submitted: a week of leave is signed off like any other, and
    the manager sees it holds nothing. A week not begun yet may not."""
    monday = _monday(week_start)
    week = iso_week(monday)
    note = _text(note, field="note")
    if monday > consultant.today():
        raise ValidationError(f"Week {week} has not begun: submit it once it has.",
                              code="future")
    approval = _locked_row(consultant, monday)
    _refuse_status(approval, week, "submitted", {WeekStatus.OPEN, WeekStatus.RETURNED})
    approval = approval or WeekApproval(consultant=consultant, week_start=monday)
    before = history.snapshot(approval)  # an open week: no row yet, or a returned one
    approval.status = WeekStatus.SUBMITTED
    approval.submitted_at = timezone.now()
    approval.note = note
    approval.save()
    # The consultant submits their own week (a script too: outside a request).
    history.record(approval, history.Action.SUBMIT, before=before,
                   after=history.snapshot(approval), by=history.current()[0] or consultant)
    return approval


def _decide(*, consultant, week_start, by, status, comment, version=None) -> WeekApproval:
    monday = _monday(week_start)
    week = iso_week(monday)
    if not week_may_decide(by, consultant):
        raise PermissionDenied(
            "Your own weeks go to another manager of your team or an admin."
            if by.pk == consultant.pk else
            f"Only a manager of {consultant}'s team or an admin decides on their weeks."
        )
    doing = "approved" if status == WeekStatus.APPROVED else "returned"
    approval = _locked_row(consultant, monday)
    _refuse_status(approval, week, doing, {WeekStatus.SUBMITTED})
    before = history.snapshot(approval)
    if version and version != week_version(consultant=consultant, week_start=monday):
        raise ValidationError(
            f"Week {week} was changed since you opened it: look at it again before you "
            f"decide. Nothing was {doing}.",
            code="stale",
        )
    now = timezone.now()
    # Conditional: whoever changed the status first wins, the other is refused (a second
    # safeguard; the row lock above already orders two managers clicking at once).
    changed = WeekApproval.objects.filter(pk=approval.pk, status=WeekStatus.SUBMITTED).update(
        status=status, decided_by=by, decided_at=now, comment=comment, updated_at=now
    )
    if not changed:
        approval.refresh_from_db()
        _refuse_status(approval, week, doing, set())
    approval.refresh_from_db()
    action = history.Action.APPROVE if status == WeekStatus.APPROVED else history.Action.RETURN
    history.record(approval, action, before=before, after=history.snapshot(approval), by=by)
    return approval


@transaction.atomic
def week_approve(
    *, consultant: User, week_start: dt.date, by: User, comment: str = "",
    version: str | None = None,
) -> WeekApproval:
    """A manager of the consultant's team (or an admin) approves their submitted week: it is
    locked from now on. `version` (week_version() as the page showed it) refuses the
    approval of a week changed meanwhile (code "stale")."""
    comment = _text(comment, field="comment")
    return _decide(consultant=consultant, week_start=week_start, by=by,
                   status=WeekStatus.APPROVED, comment=comment, version=version)


@transaction.atomic
def week_return(
    *, consultant: User, week_start: dt.date, by: User, comment: str
) -> WeekApproval:
    """A manager (or an admin) returns a submitted week to its consultant, saying why; they
    fix it and submit it again."""
    comment = _text(comment, field="comment", required=True, label="returning a week")
    return _decide(consultant=consultant, week_start=week_start, by=by,
                   status=WeekStatus.RETURNED, comment=comment)


@transaction.atomic
def week_reopen(
    *, consultant: User, week_start: dt.date, by: User, reason: str
) -> WeekApproval:
    """An admin reopens an approved week, saying why: it is open (editable) again and must be
    submitted and approved again. The approval it had (who, when, the comment) stays on the
    record beside who reopened it and why."""
    if not by.is_admin:
        raise PermissionDenied("Only an admin reopens an approved week.")
    reason = _text(reason, field="reason", required=True, label="reopening a week")
    monday = _monday(week_start)
    approval = _locked_row(consultant, monday)
    if approval is None or approval.status != WeekStatus.APPROVED:
        status = approval.get_status_display().lower() if approval else "open"
        raise ValidationError(
            f"Week {iso_week(monday)} is {status}, not approved: there is nothing to reopen.",
            code="invalid_transition",
        )
    now = timezone.now()
    before = history.snapshot(approval)
    WeekApproval.objects.filter(pk=approval.pk, status=WeekStatus.APPROVED).update(
        status=WeekStatus.OPEN, reopened_by=by, reopened_at=now, reopen_reason=reason,
        updated_at=now,
    )
    approval.refresh_from_db()
    history.record(approval, history.Action.REOPEN, before=before,
                   after=history.snapshot(approval), by=by)
    return approval

