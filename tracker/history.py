"""The history of every change: who changed what, when, through what, old -> new per field.

Recorded by the write services (tracker/services.py, tracker/approvals.py,
clients/services.py), once, so every path that writes (pages, the week grid, the timer,
imports, the API, the admin, bulk deletes) leaves a record: a `Change` row per object
changed, in the write's own transaction (a refused write leaves none).

Who and through what is a context set at the edges, not an argument of every service:
- HistoryMiddleware: a page, the admin or the API, with the request's user (and the API
  token, read when the change is recorded, since DRF authenticates inside the view);
- `acting(via=..., ref=...)` around the rest: an import and its batch, the timer, the week
  grid, a management command. Nested, it keeps the outer user and names the outer path in
  its reference ("batch 7; page").
A service called outside any context records via "system", by no one.

What is recorded per type: FIELDS below. Values are plain JSON (dates ISO, decimals as
strings, links as ids, members as a sorted list of ids), and the links' labels are kept
beside them, so a page reads "Engagement: Acme — Audit → Acme — Tax" after either is gone.
"""

import contextvars
import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.dateparse import parse_date

from clients.models import (
    Client,
    ClientContact,
    ConfirmationRequest,
    Engagement,
    Outcome,
    OutcomeMeasurement,
    plain_decimal,
)

from .durations import format_duration
from .models import Activity, ApiToken, Change, Team, TimeEntry, User, WeekApproval

Type = Change.ObjectType
Via = Change.Via
Action = Change.Action

# What a change lists, per type: the facts a person typed or chose, not the timestamps
# (the record has its own) nor who recorded an outcome (the record says who).
FIELDS: dict[type[models.Model], tuple[str, tuple[str, ...]]] = {
    TimeEntry: (Type.TIME_ENTRY, ("consultant", "date", "seconds", "kind", "engagement",
                                  "activity", "billable", "note", "source")),
    Activity: (Type.ACTIVITY, ("consultant", "kind", "title", "date", "venue", "url",
                               "audience", "interactions", "leads", "engagement", "note")),
    Client: (Type.CLIENT, ("name", "sector", "owner", "active")),
    Engagement: (Type.ENGAGEMENT, ("client", "name", "team", "status", "starts_on", "ends_on",
                                   "budget_hours", "source_activity", "members")),
    Outcome: (Type.OUTCOME, ("engagement", "title", "metric", "unit", "direction", "baseline",
                             "target", "status", "achieved_on", "evidence_url",
                             "evidence_note", "confirmed_by", "confirmed_on",
                             "client_answer")),
    OutcomeMeasurement: (Type.MEASUREMENT, ("outcome", "date", "value", "note")),
    ClientContact: (Type.CONTACT, ("client", "name", "email", "role")),
    ConfirmationRequest: (Type.CONFIRMATION, ("outcome", "contact", "decision", "comment",
                                              "consent_card", "consent_name")),
    WeekApproval: (Type.WEEK, ("status", "note", "comment", "reopen_reason")),
}
MODELS = {type_name: model for model, (type_name, _) in FIELDS.items()}
PERSONAL = (Type.TIME_ENTRY, Type.ACTIVITY, Type.WEEK)  # reached through their consultant
# reached through the engagement
PLANNED = (Type.ENGAGEMENT, Type.OUTCOME, Type.MEASUREMENT, Type.CONFIRMATION)


# --- who and through what -----------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    via: str
    user: User | None = None
    ref: str = ""
    # A page's or the API's request: its user and token are read when a change is recorded.
    request: Any = None

    def resolved(self) -> tuple[User | None, str, str]:
        if self.request is None:
            return self.user, self.via, self.ref
        user = getattr(self.request, "user", None)
        token = getattr(self.request, "auth", None)  # set by DRF's authentication
        ref = f"token {token.pk} “{token.name}”" if isinstance(token, ApiToken) else ""
        return (user if user is not None and user.is_authenticated else None), self.via, ref


_actor: contextvars.ContextVar[Actor | None] = contextvars.ContextVar(
    "clientfirst_history_actor", default=None
)


def current() -> tuple[User | None, str, str]:
    """(user, via, reference) of the writes going on now; (None, "system", "") outside any."""
    actor = _actor.get()
    return actor.resolved() if actor else (None, Via.SYSTEM, "")


_KEEP: Any = object()


@contextmanager
def acting(*, via: str, ref: str = "", user: User | None = _KEEP) -> Iterator[None]:
    """Record the writes inside as done through `via` (by `user`, else by whoever the outer
    context names). The outer path stays in the reference: the timer stopped through the
    API is "timer", referenced "api token 3 “laptop”"."""
    outer_user, outer_via, outer_ref = current()
    if outer_via == via:  # the same path again (an import's service): the outer knows more
        ref = outer_ref or ref
    elif outer_via != Via.SYSTEM:
        ref = "; ".join(part for part in (ref, f"{outer_via} {outer_ref}".strip()) if part)
    token = _actor.set(Actor(via=via, user=outer_user if user is _KEEP else user, ref=ref))
    try:
        yield
    finally:
        _actor.reset(token)


@contextmanager
def for_request(request, via: str) -> Iterator[None]:
    token = _actor.set(Actor(via=via, request=request))
    try:
        yield
    finally:
        # Resets whatever was set inside too: nothing leaks into the thread's next request.
        _actor.reset(token)


# --- what changed ---------------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    """An object's recorded fields as plain JSON values, and its links' labels."""

    values: dict
    labels: dict


def _plain(value) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(plain_decimal(value))
    return value


def snapshot(obj: models.Model) -> State:
    """The fields FIELDS names for `obj`'s type, as they are on `obj` now."""
    _, names = FIELDS[type(obj)]
    values, labels = {}, {}
    for name in names:
        field = obj._meta.get_field(name)
        if field.many_to_many:
            people = sorted(getattr(obj, name).all(), key=lambda person: person.pk)
            values[name] = [person.pk for person in people]
            labels[name] = [str(person) for person in people]
        elif field.is_relation:
            values[name] = getattr(obj, field.attname)
            related = getattr(obj, name) if values[name] is not None else None
            labels[name] = str(related) if related is not None else None
        else:
            values[name] = _plain(getattr(obj, name))
    return State(values, labels)


def saved_state(obj: models.Model) -> State:
    """snapshot() of the row as saved (a form may have set its new values on `obj` already)."""
    return snapshot(type(obj)._default_manager.get(pk=obj.pk))


def _label(obj: models.Model) -> str:
    if isinstance(obj, WeekApproval):
        return f"{obj.consultant}, week {obj.iso_week}"
    return str(obj)[:300]


def _whose(obj: models.Model) -> dict:
    """owner, engagement_key and team: what reaches a deleted object (changes_visible_to)."""
    if isinstance(obj, TimeEntry | Activity | WeekApproval):
        return {"owner_id": obj.consultant_id}
    engagement = None
    if isinstance(obj, Engagement):
        engagement = obj
    elif isinstance(obj, Outcome):
        engagement = obj.engagement
    elif isinstance(obj, OutcomeMeasurement | ConfirmationRequest):
        engagement = obj.outcome.engagement
    if engagement is None:
        return {}
    return {"engagement_key": engagement.pk, "team_id": engagement.team_id}


def _empty(value) -> bool:
    return value is None or value == "" or value == []


def _build(obj, action, before: State | None, after: State | None, actor) -> Change | None:
    old = before.values if before else {}
    new = after.values if after else {}
    whole = before is None or after is None  # a creation or a deletion
    changes, labels = {}, {}
    for name in dict.fromkeys([*old, *new]):
        pair = [old.get(name), new.get(name)]
        # A creation lists what was given, a deletion what was there: not every empty field.
        if pair[0] == pair[1] or (whole and all(map(_empty, pair))):
            continue
        changes[name] = pair
        if before and name in before.labels or after and name in after.labels:
            labels[name] = [(before.labels if before else {}).get(name),
                            (after.labels if after else {}).get(name)]
    if not changes and action == Action.UPDATE:
        return None  # saved as it was: nothing changed, nothing to record
    user, via, ref = actor
    return Change(
        object_type=FIELDS[type(obj)][0], object_id=obj.pk, object_label=_label(obj),
        action=action, user=user, username=user.get_username() if user else "", via=via,
        via_ref=ref[:200], changes=changes, labels=labels, **_whose(obj),
    )


def record(obj: models.Model, action: str, *, before: State | None = None,
           after: State | None = None, by: User | None = None) -> Change | None:
    """Record one change of `obj` (a creation: no `before`; a deletion: no `after`, and call
    it before the row goes, while its id is known). An update that changed none of the
    recorded fields records nothing; returns the record, or None.

    `by`: who acts, where the service is told (a week's decision names its manager); else
    the context's user."""
    user, via, ref = current()
    change = _build(obj, action, before, after, (by or user, via, ref))
    if change is not None:
        change.save(force_insert=True)
    return change


def record_created(obj: models.Model) -> Change | None:
    return record(obj, Action.CREATE, after=snapshot(obj))


def record_deleted(obj: models.Model) -> Change | None:
    return record(obj, Action.DELETE, before=snapshot(obj))


def record_many(objects: Iterable[models.Model], action: str) -> int:
    """A creation or deletion of many objects (an import, its undo, what a delete takes with
    it), one record each, inserted in batches. Returns how many."""
    actor = current()
    changes = []
    for obj in objects:
        state = snapshot(obj)
        created = action == Action.CREATE
        changes.append(_build(obj, action, None if created else state,
                              state if created else None, actor))
    Change.objects.bulk_create(changes, batch_size=2000)
    return len(changes)


def record_steps(steps: Iterable[tuple]) -> int:
    """Many changes written in bulk by a loader (seed_demo's weeks), each step
    (obj, action, before, after, by, at) recorded as its service would have recorded it then,
    inserted in batches. Returns how many."""
    _, via, ref = current()
    changes = []
    for obj, action, before, after, by, at in steps:
        change = _build(obj, action, before, after, (by, via, ref))
        if change is not None:
            change.at = at
            changes.append(change)
    Change.objects.bulk_create(changes, batch_size=2000)
    return len(changes)


def record_cleared(rows: models.QuerySet, field: str) -> int:
    """Before a delete empties `field` (on_delete=SET_NULL) on `rows`: one update each."""
    actor = current()
    changes = []
    for obj in rows:
        before = snapshot(obj)
        setattr(obj, field, None)
        changes.append(_build(obj, Action.UPDATE, before, snapshot(obj), actor))
    Change.objects.bulk_create([change for change in changes if change], batch_size=2000)
    return len(changes)


# --- reach ----------------------------------------------------------------------------------


def live_rows(object_type: str, user: User) -> models.QuerySet:
    """The objects of `object_type` that `user` sees, as the pages reach them."""
    model = MODELS[object_type]
    if model is OutcomeMeasurement:
        return model.objects.filter(outcome__in=Outcome.objects.visible_to(user))
    if model is ConfirmationRequest or model is ClientContact:
        return model.objects.visible_to(user)
    return model.objects.visible_to(user)


def changes_visible_to(user: User) -> models.QuerySet:
    """The records `user` may read, by what each recorded of its object: a time entry's,
    an activity's or a week's through its consultant (as User.objects.visible_to: their own,
    their teams' people's); an engagement's, an outcome's or a measurement's through the
    engagement (one they see, or one a team they manage ran); a client's while it is one they
    see. Admins read all. This is how a deleted object is reached: by its last record."""
    changes = Change.objects.all()
    if user.is_admin:
        return changes
    return changes.filter(
        Q(object_type__in=PERSONAL, owner__in=User.objects.visible_to(user))
        | Q(object_type__in=PLANNED) & (
            Q(engagement_key__in=Engagement.objects.visible_to(user).values("pk"))
            | Q(team__in=Team.objects.managed_by(user))
        )
        | Q(object_type=Type.CLIENT, object_id__in=Client.objects.visible_to(user).values("pk"))
        | Q(object_type=Type.CONTACT,
            object_id__in=ClientContact.objects.visible_to(user).values("pk"))
    )


def object_in_reach(user: User, object_type: str, object_id: int) -> bool:
    """Does `user` see this object's history? While it exists, when they see the object (as
    its page does); once deleted, when they may read its last record."""
    model = MODELS[object_type]
    if model.objects.filter(pk=object_id).exists():
        return live_rows(object_type, user).filter(pk=object_id).exists()
    last = Change.objects.filter(object_type=object_type, object_id=object_id).first()
    return last is not None and changes_visible_to(user).filter(pk=last.pk).exists()


def of_object(object_type: str, object_id: int) -> models.QuerySet:
    """An object's records, newest first."""
    return Change.objects.filter(object_type=object_type, object_id=object_id).select_related(
        "user"
    ).order_by("-at", "-pk")


# --- as pages show it ----------------------------------------------------------------------


def _shown(model, name: str, value, label) -> str:
    if _empty(value) and not label:
        return "—"
    if label is not None:
        return ", ".join(label) if isinstance(label, list) else label
    if name == "seconds":
        return format_duration(value) or "0:00"
    field = model._meta.get_field(name)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.DateField) and isinstance(value, str):
        day = parse_date(value)
        return f"{day:%-d %b %Y}" if day else value
    return str(value)


def field_label(model, name: str) -> str:
    if name == "seconds":
        return "Duration"
    return str(model._meta.get_field(name).verbose_name).capitalize()


def lines(change: Change) -> list[dict]:
    """The change as a page says it: [{"field": "Duration", "old": "1:00", "new": "1:30"}]."""
    model = MODELS[change.object_type]
    # In the model's field order: PostgreSQL's jsonb keeps keys in an order of its own
    # (shortest first), and a page should read the same on either database.
    order = {field.name: place for place, field in enumerate(model._meta.get_fields())}
    shown = []
    for name, (old, new) in sorted(change.changes.items(),
                                   key=lambda item: (order.get(item[0], len(order)), item[0])):
        old_label, new_label = change.labels.get(name, [None, None])
        try:
            shown.append({
                "field": field_label(model, name),
                "old": _shown(model, name, old, old_label),
                "new": _shown(model, name, new, new_label),
            })
        except models.FieldDoesNotExist:  # a field since removed: its name and raw values
            shown.append({"field": name, "old": str(old), "new": str(new)})
    return shown


def for_page(*objects: tuple[str, Iterable[int]], limit: int = 100) -> list[dict]:
    """The newest `limit` records of the objects named by (type, ids) pairs, each with its
    lines: what an object's page shows under "History". Records of any type but the first
    are marked `other` (an outcome's page lists its measurements' too)."""
    wanted = Q(pk__in=[])
    for object_type, ids in objects:
        wanted |= Q(object_type=object_type, object_id__in=list(ids))
    main = objects[0][0]
    changes = Change.objects.filter(wanted).select_related("user").order_by("-at", "-pk")
    return [{"change": change, "lines": lines(change), "other": change.object_type != main}
            for change in changes[:limit]]
