"""Writes about outcomes that touch more than one row."""

import datetime as dt
from decimal import Decimal

from django.db import transaction

from .models import Outcome, OutcomeMeasurement


@transaction.atomic
def measurement_record(
    *, outcome: Outcome, date: dt.date, value: Decimal, note: str = "", recorded_by
) -> OutcomeMeasurement:
    """Record a reading of the outcome's metric; the latest reading is its actual.

    The first reading of a planned outcome means the work has started: it moves to
    "in progress" (an achieved or missed outcome keeps its status).
    """
    measurement = OutcomeMeasurement.objects.create(
        outcome=outcome, date=date, value=value, note=note, recorded_by=recorded_by
    )
    if outcome.status == Outcome.Status.PLANNED:
        outcome.status = Outcome.Status.IN_PROGRESS
        outcome.save(update_fields=["status", "updated_at"])
    return measurement
