"""Correcting and deleting an outcome's readings, and the second look a mistyped one gets."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from clients.models import Outcome, OutcomeMeasurement
from clients.tests.factories import OutcomeMeasurementFactory, refund_time_outcome
from tracker.models import Change

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 4, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def outcome(cast):
    """Refund time from 30 days down to 10 on Alice's engagement, read twice."""
    outcome = refund_time_outcome(cast.engagement)
    OutcomeMeasurementFactory(outcome=outcome, date=dt.date(2026, 10, 1), value=Decimal("25"))
    OutcomeMeasurementFactory(outcome=outcome, date=dt.date(2026, 11, 2), value=Decimal("20"))
    return outcome


def latest(outcome):
    return outcome.measurements.order_by("-date", "-pk").first()


def edit_url(reading):
    return reverse("clients:measurement_update", args=[reading.pk])


def delete_url(reading):
    return reverse("clients:measurement_delete", args=[reading.pk])


@pytest.mark.parametrize("role", ["consultant", "manager", "admin"])
def test_who_records_on_the_outcome_corrects_a_reading(client, cast, outcome, role):
    client.force_login(getattr(cast, role))
    reading = latest(outcome)
    page = client.get(reverse("clients:outcome_detail", args=[outcome.pk]))
    assert edit_url(reading) in page.content.decode()

    response = client.post(
        edit_url(reading),
        {"date": "2026-11-03", "value": "18.5", "note": "From the CRM"},
        follow=True,
    )

    reading.refresh_from_db()
    assert (reading.date, reading.value, reading.note) == (
        dt.date(2026, 11, 3),
        Decimal("18.5"),
        "From the CRM",
    )
    assert "Measurement of 3 Nov 2026 saved." in response.content.decode()
    change = Change.objects.get(object_type="measurement", object_id=reading.pk, action="update")
    assert change.user == getattr(cast, role)
    assert set(change.changes) == {"date", "value", "note"}


@pytest.mark.parametrize("role", ["teammate", "other_manager", "outsider"])
def test_nobody_else_reaches_a_reading(client, cast, outcome, role):
    """The teammate is not on the engagement; Omar and Olga are another team's."""
    client.force_login(getattr(cast, role))
    reading = latest(outcome)
    for url in (edit_url(reading), delete_url(reading)):
        assert client.get(url).status_code == 404
        assert client.post(url, {"date": "2026-11-03", "value": "1"}).status_code == 404
    assert OutcomeMeasurement.objects.filter(pk=reading.pk, value=Decimal("20")).exists()


def test_a_manager_who_only_sees_the_engagement_reads_without_links(client, cast, outcome):
    """Omar manages Olga, who helps on Alice's engagement: he sees it, and changes nothing."""
    cast.engagement.members.add(cast.outsider)
    client.force_login(cast.other_manager)
    page = client.get(reverse("clients:outcome_detail", args=[outcome.pk]))
    assert page.status_code == 200
    assert edit_url(latest(outcome)) not in page.content.decode()
    assert client.post(delete_url(latest(outcome))).status_code == 404


def test_delete_asks_first_then_moves_the_actual_back(client, cast, outcome):
    client.force_login(cast.consultant)
    reading = latest(outcome)

    asked = client.get(delete_url(reading))
    text = asked.content.decode()
    assert "Delete the measurement of 2 Nov 2026?" in text
    assert OutcomeMeasurement.objects.filter(pk=reading.pk).exists()  # GET deletes nothing

    done = client.post(delete_url(reading), follow=True)
    assert not OutcomeMeasurement.objects.filter(pk=reading.pk).exists()
    assert "Measurement of 2 Nov 2026 deleted." in done.content.decode()
    assert Outcome.objects.with_actual().get(pk=outcome.pk).actual_value == Decimal("25")
    assert Change.objects.filter(
        object_type="measurement", object_id=reading.pk, action="delete"
    ).exists()


def record(client, outcome, **values):
    data = {"record": "measurement", "outcome": outcome.pk}
    data.update({f"m{outcome.pk}-{name}": value for name, value in values.items()})
    return client.post(reverse("clients:outcome_detail", args=[outcome.pk]), data)


@pytest.mark.parametrize(
    ("values", "field", "said"),
    [
        ({"date": "1900-11-02", "value": "19"}, "date", "2 Nov 1900 is more than a year"),
        ({"date": "2026-11-03", "value": "3000"}, "value", "3,000 is over 100 times"),
    ],
)
def test_an_unusual_reading_is_shown_back_before_it_is_saved(
    client, cast, outcome, values, field, said
):
    client.force_login(cast.consultant)

    shown = record(client, outcome, **values)
    text = shown.content.decode()
    assert shown.status_code == 200
    assert said in text
    assert "Check this reading before it is saved." in text
    assert f'name="m{outcome.pk}-save_anyway"' in text
    assert outcome.measurements.count() == 2

    saved = record(client, outcome, **values, save_anyway="on")
    assert saved.status_code == 302
    assert outcome.measurements.count() == 3


def test_a_usual_reading_is_saved_without_a_question(client, cast, outcome):
    client.force_login(cast.consultant)
    assert record(client, outcome, date="2026-11-03", value="15").status_code == 302
    assert outcome.measurements.count() == 3


def test_a_correction_into_an_unusual_value_asks_too(client, cast, outcome):
    """The reading corrected is not one of 'the others' it is compared with."""
    client.force_login(cast.consultant)
    reading = latest(outcome)
    shown = client.post(edit_url(reading), {"date": "2026-11-02", "value": "5000"})
    assert "over 100 times" in shown.content.decode()
    reading.refresh_from_db()
    assert reading.value == Decimal("20")
    client.post(edit_url(reading), {"date": "2026-11-02", "value": "5000", "save_anyway": "on"})
    reading.refresh_from_db()
    assert reading.value == Decimal("5000")


def test_the_api_refuses_an_unusual_reading_unless_told(client, cast, outcome):
    client.force_login(cast.consultant)
    url = f"/api/v1/outcomes/{outcome.pk}/measurements/"
    refused = client.post(
        url, {"date": "2026-11-03", "value": "5000"}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert "over 100 times" in refused.json()["value"][0]
    taken = client.post(
        url,
        {"date": "2026-11-03", "value": "5000", "save_anyway": True},
        content_type="application/json",
    )
    assert taken.status_code == 201
