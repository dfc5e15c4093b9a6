import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clients.models import Client, Engagement, Outcome
from clients.tests.factories import (
    ClientFactory,
    EngagementFactory,
    OutcomeFactory,
    OutcomeMeasurementFactory,
)
from tracker.models import Kind
from tracker.tests.factories import TeamFactory, TimeEntryFactory, UserFactory

pytestmark = pytest.mark.django_db


def refused(factory, **fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(**fields)


def test_client_names_are_unique():
    ClientFactory(name="Acme")
    with pytest.raises(IntegrityError), transaction.atomic():
        ClientFactory._meta.model.objects.create(name="Acme")


def test_engagement_cannot_end_before_it_starts():
    refused(EngagementFactory, starts_on=dt.date(2026, 5, 1), ends_on=dt.date(2026, 4, 1))


def test_engagement_names_unique_per_client():
    client = ClientFactory()
    EngagementFactory(client=client, name="Audit")
    refused(EngagementFactory, client=client, name="Audit")
    EngagementFactory(name="Audit")  # another client may use the name


def test_engagement_budget_not_negative():
    refused(EngagementFactory, budget_hours=Decimal("-1"))


def test_engagement_active_on():
    engagement = EngagementFactory(starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 3, 31))
    assert engagement.is_active_on(dt.date(2026, 3, 31))
    assert not engagement.is_active_on(dt.date(2026, 4, 1))
    assert list(Engagement.objects.active_on(dt.date(2026, 3, 15))) == [engagement]
    assert not Engagement.objects.active_on(dt.date(2026, 2, 28)).exists()


@pytest.mark.parametrize(
    "direction,baseline,target",
    [("increase", 10, 10), ("increase", 10, 5), ("decrease", 10, 12)],
)
def test_outcome_target_must_lie_beyond_baseline(direction, baseline, target):
    refused(OutcomeFactory, direction=direction, baseline=baseline, target=target)


def test_outcome_achieved_needs_a_date_and_only_then():
    refused(OutcomeFactory, status=Outcome.Status.ACHIEVED, achieved_on=None)
    refused(OutcomeFactory, status=Outcome.Status.PLANNED, achieved_on=dt.date(2026, 1, 1))
    OutcomeFactory(status=Outcome.Status.ACHIEVED, achieved_on=dt.date(2026, 1, 1))


ACHIEVED = {"status": Outcome.Status.ACHIEVED, "achieved_on": dt.date(2026, 1, 1)}


def test_client_confirmation_needs_who_and_when():
    refused(OutcomeFactory, **ACHIEVED, confirmed_by="CFO", confirmed_on=None)
    refused(OutcomeFactory, **ACHIEVED, confirmed_by="", confirmed_on=dt.date(2026, 1, 1))
    outcome = OutcomeFactory(
        **ACHIEVED, confirmed_by="Jane Roe, CFO", confirmed_on=dt.date(2026, 1, 1)
    )
    # Typed in by the firm: reported, never verified (docs/confirmations.md).
    assert not outcome.is_verified


@pytest.mark.parametrize("status", ["planned", "in_progress", "missed"])
def test_only_an_achieved_outcome_carries_a_client_confirmation(status):
    # Validation, not a database constraint: confirmations recorded before the rule existed
    # stay in the database (they simply do not count as verified).
    confirmed = {"confirmed_by": "Jane Roe, CFO", "confirmed_on": dt.date(2026, 1, 1)}
    outcome = OutcomeFactory.build(engagement=EngagementFactory(), status=status, **confirmed)
    with pytest.raises(ValidationError) as caught:
        outcome.full_clean()
    assert caught.value.message_dict == {
        "confirmed_on": ["Only an achieved outcome can be confirmed: mark it achieved first."]
    }
    assert not outcome.is_verified


def test_outcome_validation_messages_sit_on_fields():
    outcome = OutcomeFactory.build(
        engagement=EngagementFactory(), direction="decrease", baseline=10, target=12,
        status="achieved", confirmed_by="CFO",
    )
    with pytest.raises(ValidationError) as caught:
        outcome.full_clean()
    errors = caught.value.message_dict
    assert errors["target"] == ["For a decrease, the target must be below the baseline."]
    assert errors["achieved_on"] == ["Say when the outcome was achieved."]
    assert "confirmed_on" in errors


def test_client_confirmation_cannot_predate_the_achievement():
    outcome = OutcomeFactory.build(
        engagement=EngagementFactory(), status="achieved", achieved_on=dt.date(2026, 11, 24),
        confirmed_by="Jane Roe, CFO", confirmed_on=dt.date(2026, 11, 1),
    )
    with pytest.raises(ValidationError) as caught:
        outcome.full_clean()
    assert caught.value.message_dict == {
        "confirmed_on": [
            "The client cannot have confirmed it before it was achieved (24 Nov 2026)."
        ]
    }
    outcome.confirmed_on = dt.date(2026, 11, 24)
    outcome.full_clean()


def test_latest_measurement_is_the_actual_and_progress_respects_direction():
    up = OutcomeFactory(baseline=10, target=20)
    OutcomeMeasurementFactory(outcome=up, date=dt.date(2026, 3, 1), value=12)
    OutcomeMeasurementFactory(outcome=up, date=dt.date(2026, 4, 1), value=15)
    OutcomeMeasurementFactory(outcome=up, date=dt.date(2026, 2, 1), value=19)
    down = OutcomeFactory(direction="decrease", baseline=40, target=20)
    OutcomeMeasurementFactory(outcome=down, date=dt.date(2026, 4, 1), value=35)
    actuals = {o.pk: o for o in Outcome.objects.with_actual()}
    assert actuals[up.pk].actual_value == Decimal("15")
    assert up.progress(actuals[up.pk].actual_value) == pytest.approx(0.5)
    assert down.progress(actuals[down.pk].actual_value) == pytest.approx(0.25)
    assert OutcomeFactory().progress(None) is None
    # Two readings of one day: the one recorded last is the actual.
    OutcomeMeasurementFactory(outcome=down, date=dt.date(2026, 4, 1), value=30)
    assert Outcome.objects.with_actual().get(pk=down.pk).actual_value == Decimal("30")


def test_the_engagement_lists_burn_is_the_figures_definition(cast):
    """Burn is computed in SQL for sorting the engagement list; it must be figures.budget_burn."""
    from clients.models import Engagement
    from tracker.figures import budget_burn
    from tracker.models import Kind
    from tracker.tests.factories import TimeEntryFactory

    cast.engagement.budget_hours = 7
    cast.engagement.save()
    for seconds in (3600, 5400, 123):
        TimeEntryFactory(consultant=cast.consultant, kind=Kind.CLIENT,
                         engagement=cast.engagement, seconds=seconds)
    listed = Engagement.objects.with_totals().get(pk=cast.engagement.pk)
    assert listed.logged_seconds == 9123
    assert listed.burn == pytest.approx(budget_burn(9123, 7), rel=1e-12)


def test_the_engagements_whose_time_someone_may_filter_by():
    """Theirs, their managed teams' people's, and those on which someone within their reach
    logged time since leaving; no one else's. A person's clients follow."""
    team, other_team = TeamFactory(name="Audit"), TeamFactory(name="Tax")
    manager = UserFactory(username="manager")
    team.managers.add(manager)
    member = UserFactory(username="member", team=team)
    stranger = UserFactory(username="stranger", team=other_team)
    own = EngagementFactory(members=[manager])
    members = EngagementFactory(members=[member])
    left = EngagementFactory(members=[member])
    TimeEntryFactory(consultant=member, engagement=left, kind=Kind.CLIENT,
                     date=dt.date(2026, 3, 2), seconds=600)
    left.members.remove(member)
    strangers = EngagementFactory(members=[stranger])
    EngagementFactory(members=[])

    def ids(user):
        return set(Engagement.objects.time_visible_to(user).values_list("pk", flat=True))

    # The engagements themselves: only those they (or their teams' people) are on.
    assert set(Engagement.objects.visible_to(manager)) == {own, members}
    assert set(Engagement.objects.visible_to(member)) == {members}
    assert ids(manager) == {own.pk, members.pk, left.pk}
    assert ids(member) == {members.pk, left.pk}
    assert ids(stranger) == {strangers.pk}
    assert set(Engagement.objects.time_visible_to(member).filter(client=left.client)) == {left}
    assert set(Client.objects.time_visible_to(stranger)) == {strangers.client}
