"""Every write of a client, an engagement, an outcome and its measurements.

The pages' forms, the admin and (later) the import and the API call these, so validation
(`full_clean`, the model's own rules), the engagement's team and members rules and the
outcome's status rules are written once. A rule refused is a ValidationError naming the
field, which a form shows next to it; nothing is written then.

Each records what it changed (tracker/history.py); an update is compared with the row as
saved, since a form has set its values on the instance before the service sees it.
"""

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from tracker import history
from tracker.approvals import week_lock_check_rows
from tracker.models import Activity, Team, User

from .models import (
    Client,
    ClientContact,
    ConfirmationRequest,
    Engagement,
    Outcome,
    OutcomeMeasurement,
    figures_digest,
)

CLIENT_FIELDS = ("name", "sector", "owner", "active")
ENGAGEMENT_FIELDS = (
    "client", "name", "team", "status", "starts_on", "ends_on", "budget_hours",
    "source_activity",
)
OUTCOME_FIELDS = (
    "title", "metric", "unit", "direction", "baseline", "target", "evidence_url",
    "evidence_note",
)
MEASUREMENT_FIELDS = ("date", "value", "note")
CONTACT_FIELDS = ("name", "email", "role")


def _update(instance: models.Model, data: Mapping[str, Any], fields: tuple[str, ...]) -> None:
    """Set `data` on `instance` (only names in `fields`), validate and write those columns;
    refused, the instance gets its values back, so the caller's object still is the row.

    Every name given is written, equal or not: a ModelForm has already set its values on
    the instance it validated, so comparing with the instance would find nothing to save.
    """
    unknown = set(data) - set(fields)
    if unknown:
        raise TypeError(f"Cannot change {', '.join(sorted(unknown))} here.")
    before = {name: getattr(instance, name) for name in data}
    for name, value in data.items():
        setattr(instance, name, value)
    try:
        _save(instance, list(data))
    except ValidationError:
        for name, value in before.items():
            setattr(instance, name, value)
        raise


def _save(instance: models.Model, changed: list | None = None) -> None:
    """Validate the whole row, then write it (only the `changed` columns of an existing one,
    with its auto_now timestamp)."""
    instance.full_clean()
    if changed is None:
        instance.save()
    elif changed:
        auto = [field.name for field in instance._meta.concrete_fields
                if getattr(field, "auto_now", False)]
        instance.save(update_fields=[*changed, *auto])


# --- clients ------------------------------------------------------------------------------


@transaction.atomic
def client_create(
    *, name: str, sector: str = "", owner: User | None = None, active: bool = True
) -> Client:
    client = Client(name=name, sector=sector, owner=owner, active=active)
    _save(client)
    history.record_created(client)
    return client


@transaction.atomic
def client_update(*, client: Client, data: Mapping[str, Any]) -> Client:
    """Change the fields named in `data` (any of CLIENT_FIELDS)."""
    before = history.saved_state(client)
    _update(client, data, CLIENT_FIELDS)
    _record_update(client, before)
    return client


@transaction.atomic
def client_delete(*, client: Client) -> None:
    """Only a client without engagements: they keep it (ProtectedError otherwise)."""
    history.record(client, history.Action.DELETE, before=history.saved_state(client))
    client.delete()


# --- engagements --------------------------------------------------------------------------


def _check_plan(team: Team | None, members: list | None, editor: User | None) -> None:
    """The team rule: a manager plans for a team they manage, so they keep the right to
    edit what they plan, and names at least one member, or it leaves their own lists.
    Admins (and scripts, with no editor) may leave either empty."""
    if editor is None or editor.is_admin:
        return
    errors = {}
    if team is None or not Team.objects.managed_by(editor).filter(pk=team.pk).exists():
        errors["team"] = "Choose one of the teams you manage."
    if members is not None and not members:
        errors["members"] = "Choose at least one member, or the engagement leaves your lists."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def engagement_create(
    *,
    client: Client,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    status: str = Engagement.Status.ACTIVE,
    budget_hours: Decimal | None = None,
    team: Team | None = None,
    source_activity: Activity | None = None,
    members: Iterable[User] = (),
    editor: User | None = None,
) -> Engagement:
    """A new engagement; `editor` (who plans it) is held to the team rule."""
    engagement = Engagement(
        client=client, name=name, starts_on=starts_on, ends_on=ends_on, status=status,
        budget_hours=budget_hours, team=team, source_activity=source_activity,
    )
    members = list(members)
    _check_plan(team, members, editor)
    _save(engagement)
    engagement.members.set(members)
    history.record_created(engagement)
    return engagement


@transaction.atomic
def engagement_update(
    *, engagement: Engagement, data: Mapping[str, Any], editor: User | None = None
) -> Engagement:
    """Change the fields named in `data` (any of ENGAGEMENT_FIELDS, and `members`).

    `members` are the people the editor chose among those they may see: members they may
    not see (another team's people) are not theirs to drop, and stay on it.
    """
    data = dict(data)
    before = history.saved_state(engagement)
    members = list(data.pop("members")) if "members" in data else None
    _check_plan(data.get("team", engagement.team), members, editor)
    _update(engagement, data, ENGAGEMENT_FIELDS)
    if members is not None:
        if editor is not None:
            visible = User.objects.visible_to(editor).filter(is_active=True)
            members += list(engagement.members.exclude(pk__in=visible.values("pk")))
        engagement.members.set(members)
    _record_update(engagement, before)
    return engagement


@transaction.atomic
def engagement_delete(*, engagement: Engagement) -> None:
    """Its outcomes go with it; its time entries keep it (ProtectedError otherwise). The
    activities that featured it lose the link: not in an approved week (WeekLocked)."""
    week_lock_check_rows(Activity.objects.filter(engagement=engagement))
    # What goes with it, and what loses its link, each leaves its record.
    history.record_cleared(
        Activity.objects.filter(engagement=engagement).select_related("consultant"), "engagement"
    )
    _record_outcomes_deleted(Outcome.objects.filter(engagement=engagement))
    history.record(engagement, history.Action.DELETE, before=history.saved_state(engagement))
    engagement.delete()


# --- outcomes -----------------------------------------------------------------------------


@transaction.atomic
def outcome_create(
    *,
    engagement: Engagement,
    title: str,
    metric: str,
    baseline: Decimal,
    target: Decimal,
    direction: str = Outcome.Direction.INCREASE,
    unit: str = "",
    evidence_url: str = "",
    evidence_note: str = "",
    recorded_by: User | None = None,
) -> Outcome:
    """A new outcome, planned; its status changes through outcome_status_set."""
    outcome = Outcome(
        engagement=engagement, title=title, metric=metric, unit=unit, direction=direction,
        baseline=baseline, target=target, evidence_url=evidence_url,
        evidence_note=evidence_note, recorded_by=recorded_by,
    )
    _save(outcome)
    history.record_created(outcome)
    return outcome


@transaction.atomic
def outcome_update(*, outcome: Outcome, data: Mapping[str, Any]) -> Outcome:
    """Change what the outcome measures: the fields named in `data` (any of OUTCOME_FIELDS).
    Its status, achievement and confirmation have their own services below."""
    before = history.saved_state(outcome)
    _update(outcome, data, OUTCOME_FIELDS)
    _answer_check(outcome)
    _record_update(outcome, before)
    return outcome


@transaction.atomic
def outcome_delete(*, outcome: Outcome) -> None:
    _record_outcomes_deleted(Outcome.objects.filter(pk=outcome.pk))
    outcome.delete()


def _record_outcomes_deleted(outcomes) -> None:
    """The records of deleting `outcomes` and their measurements (deleted with them)."""
    outcomes = outcomes.select_related("engagement__client")
    history.record_many(
        OutcomeMeasurement.objects.filter(outcome__in=outcomes)
        .select_related("outcome__engagement"),
        history.Action.DELETE,
    )
    history.record_many(outcomes, history.Action.DELETE)


def _record_update(instance, before: history.State) -> None:
    history.record(instance, history.Action.UPDATE, before=before,
                   after=history.snapshot(instance))


@dataclass(frozen=True)
class StatusSet:
    outcome: Outcome
    # The client's confirmation (who, when) removed because the outcome is no longer
    # achieved; None when there was none to remove.
    withdrawn_confirmation: tuple[str, dt.date] | None = None


@transaction.atomic
def outcome_status_set(
    *, outcome: Outcome, status: str, achieved_on: dt.date | None = None, recorded_by: User
) -> StatusSet:
    """Mark the outcome achieved (on `achieved_on`) or missed, or reopen it.

    Only an achieved outcome has an achievement date (any other status drops it), never
    later than the client confirmed it; reopened or missed, it has no client confirmation
    any more, since the client confirmed an achievement.
    """
    if status != Outcome.Status.ACHIEVED:
        achieved_on = None
    elif error := outcome.achievement_date_error(achieved_on):
        raise ValidationError({"achieved_on": error})
    before = history.saved_state(outcome)
    withdrawn = None
    if outcome.confirmed_on and status != Outcome.Status.ACHIEVED:
        withdrawn = (outcome.confirmed_by, outcome.confirmed_on)
        outcome.confirmed_by, outcome.confirmed_on = "", None
    outcome.status = status
    outcome.achieved_on = achieved_on
    outcome.recorded_by = recorded_by
    _save(outcome, ["status", "achieved_on", "confirmed_by", "confirmed_on", "recorded_by"])
    _answer_check(outcome)
    _record_update(outcome, before)
    return StatusSet(outcome=outcome, withdrawn_confirmation=withdrawn)


@transaction.atomic
def outcome_confirmation_set(
    *, outcome: Outcome, confirmed_by: str, confirmed_on: dt.date | None
) -> Outcome:
    """Who at the client confirmed the achievement and when (both, or both empty to
    remove it); only an achieved outcome, never before it was achieved."""
    before = history.saved_state(outcome)
    outcome.confirmed_by, outcome.confirmed_on = confirmed_by.strip(), confirmed_on
    _save(outcome, ["confirmed_by", "confirmed_on"])
    _record_update(outcome, before)
    return outcome


# --- measurements -------------------------------------------------------------------------


@transaction.atomic
def outcome_measure(
    *,
    outcome: Outcome,
    date: dt.date,
    value: Decimal,
    note: str = "",
    recorded_by: User | None = None,
) -> OutcomeMeasurement:
    """Record a reading of the outcome's metric; the latest reading is its actual.

    The first reading of a planned outcome means the work has started: it moves to
    "in progress" (an achieved or missed outcome keeps its status).
    """
    measurement = OutcomeMeasurement(
        outcome=outcome, date=date, value=value, note=note, recorded_by=recorded_by
    )
    _save(measurement)
    history.record_created(measurement)
    before = history.saved_state(outcome)
    if outcome.status == Outcome.Status.PLANNED:
        outcome.status = Outcome.Status.IN_PROGRESS
        _save(outcome, ["status"])
    _answer_check(outcome)
    _record_update(outcome, before)
    return measurement


@transaction.atomic
def measurement_update(
    *, measurement: OutcomeMeasurement, data: Mapping[str, Any]
) -> OutcomeMeasurement:
    """Correct a reading: the fields named in `data` (any of MEASUREMENT_FIELDS)."""
    before = history.saved_state(measurement)
    _update(measurement, data, MEASUREMENT_FIELDS)
    _record_update(measurement, before)
    _answer_check_recorded(measurement.outcome)
    return measurement


@transaction.atomic
def measurement_delete(*, measurement: OutcomeMeasurement) -> None:
    history.record(measurement, history.Action.DELETE, before=history.saved_state(measurement))
    outcome = measurement.outcome
    measurement.delete()
    _answer_check_recorded(outcome)


# --- the client's confirmation (docs/confirmations.md) ----------------------------------


def _answer_check(outcome: Outcome) -> None:
    """A client's confirmation holds for the figures they were shown: once those change
    (a target, a reading, the status), the outcome is no longer verified, and a new request
    is needed. A dispute stays shown until a new answer replaces it."""
    answer = outcome.client_answer
    if (answer is not None and answer.decision == ConfirmationRequest.Decision.CONFIRMED
            and answer.figures_hash != outcome.figures_digest()):
        outcome.client_answer = None
        outcome.save(update_fields=["client_answer", "updated_at"])


def _answer_check_recorded(outcome: Outcome) -> None:
    outcome = Outcome.objects.select_related("client_answer").get(pk=outcome.pk)
    before = history.snapshot(outcome)
    _answer_check(outcome)
    _record_update(outcome, before)


@transaction.atomic
def contact_create(*, client: Client, name: str, email: str, role: str = "") -> ClientContact:
    contact = ClientContact(client=client, name=name.strip(), email=email.strip(),
                            role=role.strip())
    _save(contact)
    history.record_created(contact)
    return contact


@transaction.atomic
def contact_update(*, contact: ClientContact, data: Mapping[str, Any]) -> ClientContact:
    """Change the fields named in `data` (any of CONTACT_FIELDS)."""
    before = history.saved_state(contact)
    _update(contact, data, CONTACT_FIELDS)
    _record_update(contact, before)
    return contact


@transaction.atomic
def contact_delete(*, contact: ClientContact) -> None:
    """Only a contact never asked: their answers keep them (ProtectedError otherwise)."""
    history.record(contact, history.Action.DELETE, before=history.saved_state(contact))
    contact.delete()


def confirmation_ask_error(outcome: Outcome, contact: ClientContact | None) -> dict:
    """Why `contact` cannot be asked to confirm `outcome` now, by field; empty if they can."""
    errors = {}
    if outcome.status != Outcome.Status.ACHIEVED:
        errors["outcome"] = "Only an achieved outcome can be put to the client: mark it achieved."
    if contact is not None and contact.client_id != outcome.engagement.client_id:
        errors["contact"] = "Choose a contact of this engagement's client."
    return errors


@transaction.atomic
def confirmation_request_create(
    *, outcome: Outcome, contact: ClientContact, asked_by: User | None
) -> ConfirmationRequest:
    """The record of asking `contact` to confirm `outcome` as its figures are now; the
    e-mail is reports/confirmations.py's (it publishes the task after this commits).

    Who may ask (the engagement's members, its team's managers, admins) is the caller's
    check, as for every outcome write."""
    if errors := confirmation_ask_error(outcome, contact):
        raise ValidationError(errors)
    figures = outcome.figures()
    request = ConfirmationRequest(
        outcome=outcome, contact=contact, asked_by=asked_by, asked_at=timezone.now(),
        figures=figures, figures_hash=figures_digest(figures),
    )
    _save(request)
    history.record_created(request)
    return request


@transaction.atomic
def confirmation_answer(
    *, request: ConfirmationRequest, decision: str, comment: str = "",
    consent_card: bool = False, consent_name: bool = False,
) -> ConfirmationRequest:
    """The contact's answer through their link: recorded once (a second answer to the same
    request is refused), with the figures they saw; it becomes the outcome's answer in force.

    Consent to the public card is for a confirmation only."""
    locked = ConfirmationRequest.objects.select_for_update().get(pk=request.pk)
    if locked.answered_at is not None:
        raise ValidationError("This request has been answered already.")
    if decision == ConfirmationRequest.Decision.DISPUTED and not comment.strip():
        raise ValidationError({"comment": "Say what is wrong, so it can be corrected."})
    confirmed = decision == ConfirmationRequest.Decision.CONFIRMED
    before = history.saved_state(locked)
    locked.decision, locked.comment = decision, comment.strip()
    locked.answered_at = timezone.now()
    locked.consent_card = confirmed and consent_card
    locked.consent_name = locked.consent_card and consent_name
    if locked.consent_card:
        locked.card_slug = secrets.token_urlsafe(16)
    _save(locked, ["decision", "comment", "answered_at", "consent_card", "consent_name",
                   "card_slug"])
    _record_update(locked, before)
    outcome = Outcome.objects.select_for_update().get(pk=locked.outcome_id)
    before = history.saved_state(outcome)
    outcome.client_answer = locked
    outcome.save(update_fields=["client_answer", "updated_at"])
    _record_update(outcome, before)
    request.__dict__.update({name: getattr(locked, name) for name in (
        "decision", "comment", "answered_at", "consent_card", "consent_name", "card_slug")})
    return locked
