"""Shared by the confirmation tests (docs/confirmations.md)."""

import datetime as dt
from decimal import Decimal

import pytest

from clients import services as clients_services
from clients.tests.factories import (
    ClientContactFactory,
    OutcomeFactory,
    OutcomeMeasurementFactory,
)


@pytest.fixture
def achieved(cast):
    """alice's achieved outcome on "Tax portal", with two readings, and a contact there."""
    outcome = OutcomeFactory(
        engagement=cast.engagement,
        title="Faster refunds",
        metric="Refund time",
        unit="days",
        baseline=Decimal("30"),
        target=Decimal("10"),
        direction="decrease",
        evidence_url="https://evidence.example/refunds",
    )
    OutcomeMeasurementFactory(outcome=outcome, date=dt.date(2026, 10, 1), value=Decimal("22"))
    OutcomeMeasurementFactory(outcome=outcome, date=dt.date(2026, 11, 2), value=Decimal("9"))
    clients_services.outcome_status_set(
        outcome=outcome,
        status="achieved",
        achieved_on=dt.date(2026, 11, 2),
        recorded_by=cast.consultant,
    )
    contact = ClientContactFactory(
        client=cast.engagement.client, name="Dana Okafor", email="dana@revenue.example", role="CFO"
    )
    return outcome, contact
