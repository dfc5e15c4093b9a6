"""The writes of clients, engagements and outcomes, on the real database: each service
validates the whole row, keeps the business rules, and writes nothing it refuses; the admin
goes through the same services."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clients import services
from clients.models import Client, Engagement, Outcome, OutcomeMeasurement
from clients.tests.factories import (
    ClientFactory,
    OutcomeFactory,
    OutcomeMeasurementFactory,
    confirmed_by_client,
)

pytestmark = pytest.mark.django_db


def _reloaded(row):
    return type(row).objects.get(pk=row.pk)


# --- clients ------------------------------------------------------------------------------


def test_client_create_and_update_validate_the_row(cast):
    client = services.client_create(name="Acme", sector="Retail", owner=cast.manager)
    assert _reloaded(client).owner == cast.manager
    with pytest.raises(ValidationError) as refused:
        services.client_create(name="Acme")
    assert "name" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.client_update(client=client, data={"name": "Two\u2028lines"})
    assert "name" in refused.value.message_dict
    assert _reloaded(client).name == "Acme"
    services.client_update(client=client, data={"active": False})
    assert _reloaded(client).active is False


def test_client_update_refuses_fields_it_does_not_own(cast):
    client = ClientFactory(name="Acme")
    with pytest.raises(TypeError):
        services.client_update(client=client, data={"created_at": None})


# --- engagements: the team rule and hidden members ----------------------------------------


def _plan(cast, **changes):
    return {
        "client": cast.engagement.client, "name": "Data platform",
        "starts_on": dt.date(2026, 11, 2), "team": cast.team,
        "members": [cast.consultant], **changes,
    }


def test_a_manager_plans_for_a_team_they_manage_with_a_member(cast):
    engagement = services.engagement_create(**_plan(cast), editor=cast.manager)
    assert list(engagement.members.all()) == [cast.consultant]
    with pytest.raises(ValidationError) as refused:
        services.engagement_create(**_plan(cast, name="Other", team=cast.other_team),
                                   editor=cast.manager)
    assert refused.value.message_dict["team"] == ["Choose one of the teams you manage."]
    with pytest.raises(ValidationError) as refused:
        services.engagement_create(**_plan(cast, name="Nobody", members=[]),
                                   editor=cast.manager)
    assert "members" in refused.value.message_dict
    assert not Engagement.objects.filter(name__in=["Other", "Nobody"]).exists()
    # An admin (or a script with no editor) may leave both empty.
    services.engagement_create(**_plan(cast, name="Admin's", team=None, members=[]),
                               editor=cast.admin)


def test_engagement_update_keeps_members_the_editor_cannot_see(cast):
    engagement = cast.engagement
    engagement.members.add(cast.outsider)
    services.engagement_update(
        engagement=engagement, data={"members": [cast.teammate], "budget_hours": Decimal(80)},
        editor=cast.manager,
    )
    engagement = _reloaded(engagement)
    assert set(engagement.members.all()) == {cast.teammate, cast.outsider}
    assert engagement.budget_hours == Decimal(80)


def test_engagement_update_refuses_an_end_before_the_start_and_writes_nothing(cast):
    engagement = cast.engagement
    with pytest.raises(ValidationError):
        services.engagement_update(
            engagement=engagement,
            data={"ends_on": dt.date(2025, 1, 1), "members": [cast.teammate]},
            editor=cast.manager,
        )
    engagement = _reloaded(engagement)
    assert engagement.ends_on is None
    assert list(engagement.members.all()) == [cast.consultant]


# --- outcomes -----------------------------------------------------------------------------


def test_outcome_create_checks_the_target_against_the_direction(cast):
    outcome = services.outcome_create(
        engagement=cast.engagement, title="Faster refunds", metric="Days",
        baseline=Decimal(30), target=Decimal(10), direction=Outcome.Direction.DECREASE,
        recorded_by=cast.consultant,
    )
    assert _reloaded(outcome).status == Outcome.Status.PLANNED
    with pytest.raises(ValidationError) as refused:
        services.outcome_update(outcome=outcome, data={"target": Decimal(40)})
    assert "target" in refused.value.message_dict
    assert _reloaded(outcome).target == Decimal(10)


def test_the_first_measurement_starts_a_planned_outcome(cast):
    outcome = OutcomeFactory(engagement=cast.engagement)
    services.outcome_measure(outcome=outcome, date=dt.date(2026, 11, 2), value=Decimal(12),
                             recorded_by=cast.consultant)
    assert _reloaded(outcome).status == Outcome.Status.IN_PROGRESS
    with pytest.raises(ValidationError):
        services.outcome_measure(outcome=outcome, date=dt.date(1, 1, 1), value=Decimal(1))
    assert outcome.measurements.count() == 1


def test_reopening_an_outcome_withdraws_the_clients_confirmation(cast):
    outcome = OutcomeFactory(engagement=cast.engagement)
    services.outcome_status_set(outcome=outcome, status=Outcome.Status.ACHIEVED,
                                achieved_on=dt.date(2026, 11, 1), recorded_by=cast.consultant)
    services.outcome_confirmation_set(outcome=outcome, confirmed_by=" Jane Roe, CFO ",
                                      confirmed_on=dt.date(2026, 11, 3))
    answer = confirmed_by_client(outcome)
    assert _reloaded(outcome).is_verified
    done = services.outcome_status_set(outcome=outcome, status=Outcome.Status.IN_PROGRESS,
                                       achieved_on=dt.date(2026, 11, 1),
                                       recorded_by=cast.manager)
    assert done.withdrawn_confirmation == ("Jane Roe, CFO", dt.date(2026, 11, 3))
    outcome = _reloaded(outcome)
    assert (outcome.status, outcome.achieved_on, outcome.confirmed_on) == (
        Outcome.Status.IN_PROGRESS, None, None
    )
    assert outcome.recorded_by == cast.manager
    # Reopened, the client's confirmation no longer holds: the figures it was for changed.
    assert outcome.client_answer is None and not outcome.is_verified
    answer.refresh_from_db()
    assert answer.decision == "confirmed"  # their answer stays on record


def test_an_outcome_is_not_achieved_after_the_client_confirmed_it(cast):
    outcome = OutcomeFactory(engagement=cast.engagement)
    services.outcome_status_set(outcome=outcome, status=Outcome.Status.ACHIEVED,
                                achieved_on=dt.date(2026, 11, 1), recorded_by=cast.consultant)
    services.outcome_confirmation_set(outcome=outcome, confirmed_by="Jane",
                                      confirmed_on=dt.date(2026, 11, 3))
    with pytest.raises(ValidationError) as refused:
        services.outcome_status_set(outcome=outcome, status=Outcome.Status.ACHIEVED,
                                    achieved_on=dt.date(2026, 11, 4), recorded_by=cast.consultant)
    assert "achieved_on" in refused.value.message_dict
    assert _reloaded(outcome).achieved_on == dt.date(2026, 11, 1)


def test_only_an_achieved_outcome_is_confirmed(cast):
    outcome = OutcomeFactory(engagement=cast.engagement)
    with pytest.raises(ValidationError) as refused:
        services.outcome_confirmation_set(outcome=outcome, confirmed_by="Jane",
                                          confirmed_on=dt.date(2026, 11, 3))
    assert "confirmed_on" in refused.value.message_dict
    assert _reloaded(outcome).confirmed_on is None


# --- the admin writes through the services ------------------------------------------------


def test_the_admin_changes_status_and_measurements_through_the_services(client, cast):
    """Marked missed in the admin, as on the pages: who did it is recorded, and a reading
    added there is recorded as theirs."""
    outcome = OutcomeFactory(engagement=cast.engagement, title="Faster refunds")
    services.outcome_status_set(outcome=outcome, status=Outcome.Status.ACHIEVED,
                                achieved_on=dt.date(2026, 11, 1), recorded_by=cast.consultant)
    services.outcome_confirmation_set(outcome=outcome, confirmed_by="Jane",
                                      confirmed_on=dt.date(2026, 11, 3))
    measurement = OutcomeMeasurementFactory(outcome=outcome, value=Decimal(12))
    client.force_login(cast.admin)
    prefix = "measurements"
    response = client.post(reverse("admin:clients_outcome_change", args=[outcome.pk]), {
        "engagement": cast.engagement.pk, "title": "Faster refunds", "metric": "Cycle time",
        "unit": "days", "baseline": "10", "target": "20", "direction": "increase",
        "status": "missed", "achieved_on": "", "evidence_url": "", "evidence_note": "",
        "confirmed_by": "", "confirmed_on": "", "recorded_by": "",
        f"{prefix}-TOTAL_FORMS": "2", f"{prefix}-INITIAL_FORMS": "1",
        f"{prefix}-0-id": measurement.pk, f"{prefix}-0-outcome": outcome.pk,
        f"{prefix}-0-date": "2026-11-02", f"{prefix}-0-value": "14", f"{prefix}-0-note": "",
        f"{prefix}-1-outcome": outcome.pk, f"{prefix}-1-date": "2026-11-03",
        f"{prefix}-1-value": "15", f"{prefix}-1-note": "",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    outcome = _reloaded(outcome)
    assert (outcome.status, outcome.achieved_on) == (Outcome.Status.MISSED, None)
    assert outcome.recorded_by == cast.admin
    assert sorted(outcome.measurements.values_list("value", flat=True)) == [14, 15]
    assert outcome.measurements.get(value=15).recorded_by == cast.admin


def test_the_admin_adds_and_deletes_through_the_services(client, cast):
    client.force_login(cast.admin)
    response = client.post(reverse("admin:clients_client_add"), {
        "name": "Acme", "sector": "Retail", "owner": "", "active": "on",
    })
    assert response.status_code == 302
    acme = Client.objects.get(name="Acme")
    response = client.post(reverse("admin:clients_engagement_add"), {
        "client": acme.pk, "name": "Data platform", "starts_on": "2026-11-02",
        "status": "active", "members": [cast.consultant.pk, cast.teammate.pk],
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    engagement = Engagement.objects.get(name="Data platform")
    assert set(engagement.members.all()) == {cast.consultant, cast.teammate}
    response = client.post(reverse("admin:clients_engagement_delete", args=[engagement.pk]),
                           {"post": "yes"})
    assert response.status_code == 302
    assert not Engagement.objects.filter(pk=engagement.pk).exists()
    assert not OutcomeMeasurement.objects.exists()
