"""Every operation /api/schema/ lists, driven by schemathesis from the schema itself: no 5xx
for any input (huge numbers, odd strings, bad dates, empty or mistyped bodies), and every
answer as the schema says (status code documented, content type, headers, body).

One test per operation, named after it ("GET /api/v1/time-entries/{id}/"); a failure prints
what was wrong, the response and a curl command that repeats the request. The run is seeded
and derandomized, so CI and a laptop send the same requests, and bounded (MAX_EXAMPLES per
operation, plus schemathesis's boundary cases) to take a minute or two on PostgreSQL.

The requests go to the app in-process (WSGI), on this test's database, with a real token of
a person who has data; ids in paths, filters and bodies are now and then the ids of that
data (REAL_IDS), so the answers for things that exist are checked too, not only 404s.
"""

import datetime as dt

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.throttling import SimpleRateThrottle

from clients.tests.factories import OutcomeFactory, OutcomeMeasurementFactory
from tracker.models import Kind
from tracker.services import api_token_create
from tracker.tests.factories import ActivityFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 25  # generated requests per operation, on top of the boundary cases

CONFIG = schemathesis.Config.from_dict({
    "seed": 20261130,
    # "all": requests the schema allows and requests it does not (each must be refused).
    "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True,
                   "database": "none"},
    "phases": {"stateful": {"enabled": False}},
    "checks": {
        # Data the schema allows can still break a rule the schema cannot say (client work
        # needs an engagement of yours; 24 hours a day): a 400 there is right, not a failure.
        "positive_data_acceptance": {"enabled": False},
        # DRF reads a few things more kindly than the schema's types say (a number sent for
        # a note is kept as text, 1 and 0 for a boolean, a PATCH with nothing to change);
        # none of them writes anything unintended. What matters is checked: no 5xx, and
        # every answer is one the schema documents, with the body it documents.
        "negative_data_rejection": {"enabled": False},
    },
})

# The schema /api/schema/ serves (test_the_schema_tested_is_the_one_served), generated in
# process when the module loads, so that pytest collects one test per operation.
# (schemathesis.pytest.from_fixture would fetch it inside a test, but fails on pytest 9.2:
# it sets Function._nodeid, which pytest no longer has.)
schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(public=True), config=CONFIG)
schema.app = WSGIHandler()

# Filled by the `seeded` fixture: the id of a real object, by the path segment before an id
# in a path ("/api/v1/time-entries/{id}/") and by the name of a filter or body field.
REAL_IDS: dict[str, int] = {}
ID_FIELDS = {"consultant", "team", "client", "engagement", "activity", "outcome"}


def _real_id(name: str, value):
    # Every other generated id (even ones) becomes the real one, so both kinds are sent.
    if isinstance(value, str) and value.isdigit() and value.isascii():
        number = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        return value
    return REAL_IDS.get(name, value) if number % 2 == 0 else value


def with_real_ids(case):
    segments = case.operation.path.strip("/").split("/")
    for index, segment in enumerate(segments):
        name = segment.strip("{}")
        if segment.startswith("{") and index and name in (case.path_parameters or {}):
            case.path_parameters[name] = _real_id(segments[index - 1],
                                                  case.path_parameters[name])
    for values in (case.query, case.body):
        if isinstance(values, dict):
            for name in ID_FIELDS & values.keys():
                values[name] = _real_id(name, values[name])


@pytest.fixture
def seeded(cast, monkeypatch):
    """Alice's token. She has a team, an engagement, entries of every kind, an activity and
    an outcome with a measurement; the throttle is off (a 429 would hide what was asked)."""
    day = dt.date(2026, 11, 2)
    entries = [
        TimeEntryFactory(consultant=cast.consultant, kind=Kind.CLIENT, engagement=cast.engagement,
                         date=day - dt.timedelta(days=offset))
        for offset in range(5)
    ]
    activity = ActivityFactory(consultant=cast.consultant)
    TimeEntryFactory(consultant=cast.consultant, kind=Kind.PROMOTION, activity=activity, date=day)
    TimeEntryFactory(consultant=cast.consultant, kind=Kind.INTERNAL, date=day)
    outcome = OutcomeFactory(engagement=cast.engagement)
    measurement = OutcomeMeasurementFactory(outcome=outcome)
    REAL_IDS.clear()
    REAL_IDS.update({
        "time-entries": entries[0].pk, "entries": entries[0].pk,
        "activities": activity.pk, "activity": activity.pk,
        "engagements": cast.engagement.pk, "engagement": cast.engagement.pk,
        "clients": cast.engagement.client_id, "client": cast.engagement.client_id,
        "outcomes": outcome.pk, "outcome": outcome.pk, "measurements": measurement.pk,
        "consultant": cast.consultant.pk, "team": cast.team.pk,
    })
    _, secret = api_token_create(user=cast.consultant, name="schemathesis")
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES",
                        dict.fromkeys(django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]))
    # As Django's test client does: a request's end must not close this test's connection
    # (and with it the transaction holding the data above).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {"Authorization": f"Bearer {secret}"}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_its_schema_says(case, seeded):
    with_real_ids(case)
    case.call_and_validate(headers=seeded)


def test_the_schema_tested_is_the_one_served(cast):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(cast.consultant)
    served = client.get("/api/schema/?format=json").json()
    assert served == SchemaGenerator().get_schema(public=True)
    assert len(list(schema.get_all_operations())) >= 7  # me, time entries (5), balance
