"""Every bound a person can run into in a form or the API reads in words people use
("Audience must be at most 1,000,000,000", "Keep the title to 200 characters"), never a
database limit ("Ensure that there are no more than 14 digits in total")."""

import datetime as dt
import re

import pytest
import time_machine
from django import forms

from clients.forms import (
    ClientForm,
    ConfirmationForm,
    EngagementForm,
    MeasurementForm,
    OutcomeForm,
)
from clients.tests.factories import OutcomeFactory
from reports.forms import SavedReportForm
from tracker.forms import ActivityForm, ApiTokenForm, TimeEntryForm, TimerStartForm

pytestmark = pytest.mark.django_db

# How a database limit or Django's default wording gives itself away.
MACHINE = re.compile(
    r"Ensure|digits|decimal places|characters \(it has|less than or equal|greater than or "
    r"equal|integer|9223372036854775807|2147483647|out of range|value too long"
)

TOO_LONG = "x" * 5000
TOO_BIG = "9" * 30


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC), tick=False):
        yield


def forms_of(cast):
    outcome = OutcomeFactory(engagement=cast.engagement)
    user = cast.admin
    return {
        "time entry": lambda data: TimeEntryForm(data, consultant=cast.consultant),
        "timer": lambda data: TimerStartForm(data, user=cast.consultant),
        "activity": lambda data: ActivityForm(data, consultant=cast.consultant),
        "API token": lambda data: ApiTokenForm(data, user=cast.consultant),
        "client": lambda data: ClientForm(data),
        "engagement": lambda data: EngagementForm(data, user=user),
        "outcome": lambda data: OutcomeForm(data, user=user),
        "measurement": lambda data: MeasurementForm(data, user=user, outcome=outcome),
        "confirmation": lambda data: ConfirmationForm(data, user=user, outcome=outcome),
        "saved report": lambda data: SavedReportForm(data, user=user),
    }


def overflowing(field: forms.Field) -> str | None:
    if isinstance(field, forms.BooleanField | forms.ModelChoiceField | forms.ChoiceField):
        return None
    if isinstance(field, forms.DateField):
        return "9999-12-31"
    if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        return TOO_BIG
    if isinstance(field, forms.URLField):
        return "https://example.com/" + TOO_LONG
    if isinstance(field, forms.CharField):
        return TOO_LONG
    return TOO_BIG


def messages(cast):
    """(form, field) -> the messages of the field given a value past its bound."""
    said = {}
    for name, make in forms_of(cast).items():
        for field_name, field in make(None).fields.items():
            values = [overflowing(field)]
            if isinstance(field, forms.DecimalField):
                values.append("1.123456789")
            for value in values:
                if value is None or field_name == "version":
                    continue
                form = make({field_name: value})
                form.is_valid()
                said.setdefault((name, field_name), []).extend(form.errors.get(field_name, []))
    return said


def test_every_bound_of_every_form_reads_as_words(cast):
    said = messages(cast)
    bad = [
        f"{form}.{field}: {message}"
        for (form, field), texts in said.items()
        for message in texts
        if MACHINE.search(message)
    ]
    assert sum(len(texts) for texts in said.values()) > 20
    assert not bad, "\n".join(bad)
    assert said[("client", "name")] == ["Name must be at most 200 characters."]
    assert said[("outcome", "baseline")] == [
        "Enter a baseline between -100,000,000,000 and 100,000,000,000.",
        "Baseline can have at most 2 decimals.",
    ]
    assert said[("engagement", "budget_hours")][0] == "Enter a budget in hours from 0 to 1,000,000."
    assert said[("activity", "audience")] == ["Enter an audience from 0 to 1,000,000,000."]


def api_messages(client, cast):
    outcome = OutcomeFactory(engagement=cast.engagement)
    client.force_login(cast.admin)
    posts = {
        "/api/v1/activities/": {
            "kind": "talk",
            "title": TOO_LONG,
            "date": "2026-11-02",
            "venue": TOO_LONG,
            "audience": TOO_BIG,
            "leads": TOO_BIG,
            "interactions": TOO_BIG,
            "url": "https://x.org/" + TOO_LONG,
        },
        "/api/v1/time-entries/": {
            "date": "2026-11-02",
            "seconds": TOO_BIG,
            "kind": "internal",
            "consultant": cast.admin.pk,
        },
        "/api/v1/clients/": {"name": TOO_LONG, "sector": TOO_LONG},
        "/api/v1/engagements/": {
            "client": cast.engagement.client_id,
            "name": TOO_LONG,
            "starts_on": "2026-11-02",
            "budget_hours": TOO_BIG,
        },
        "/api/v1/outcomes/": {
            "engagement": cast.engagement.pk,
            "title": TOO_LONG,
            "metric": TOO_LONG,
            "unit": TOO_LONG,
            "baseline": TOO_BIG,
            "target": "1.123456",
        },
        f"/api/v1/outcomes/{outcome.pk}/measurements/": {"date": "2026-11-02", "value": TOO_BIG},
    }
    said = {}
    for url, body in posts.items():
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 400, (url, response.content[:300])
        for field, texts in response.json().items():
            said[(url, field)] = texts if isinstance(texts, list) else [texts]
    return said


def test_every_bound_of_the_api_reads_as_words(client, cast):
    said = api_messages(client, cast)
    bad = [
        f"{url} {field}: {message}"
        for (url, field), texts in said.items()
        for message in texts
        if MACHINE.search(str(message))
    ]
    assert len(said) > 10
    assert not bad, "\n".join(bad)
    assert said[("/api/v1/activities/", "audience")] == [
        "Audience reached must be at most 1,000,000,000."
    ]
    assert said[("/api/v1/activities/", "title")] == ["Title must be at most 200 characters."]
    assert said[("/api/v1/outcomes/", "baseline")] == ["Baseline is too large a number."]
