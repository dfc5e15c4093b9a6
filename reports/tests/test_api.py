"""GET /api/v1/reports/balance/: the page's reach, the command's figures."""

import io
import json

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tracker.models import Kind
from tracker.services import api_token_create
from tracker.tests.factories import TimeEntryFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/balance/"
PERIOD = {"start": "2026-11-02", "end": "2026-11-29"}


def bearer(user) -> APIClient:
    _, secret = api_token_create(user=user, name="dashboard")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def logged(cast):
    TimeEntryFactory(consultant=cast.consultant, seconds=5400, kind=Kind.CLIENT,
                     engagement=cast.engagement)
    TimeEntryFactory(consultant=cast.consultant, seconds=1800, kind=Kind.PROMOTION)
    TimeEntryFactory(consultant=cast.outsider, seconds=3600, kind=Kind.INTERNAL)
    return cast


def test_admin_gets_the_same_json_as_the_command(logged):
    out = io.StringIO()
    call_command("balance_report", "--start", PERIOD["start"], "--end", PERIOD["end"],
                 "--format", "json", stdout=out)
    response = bearer(logged.admin).get(URL, PERIOD)
    assert response.status_code == 200
    assert response.json() == json.loads(out.getvalue())


def test_team_scope_equals_the_command_for_that_team(logged):
    out = io.StringIO()
    call_command("balance_report", "--start", PERIOD["start"], "--end", PERIOD["end"],
                 "--team", "Public Sector", stdout=out)
    response = bearer(logged.manager).get(URL, {**PERIOD, "team": logged.team.pk})
    assert response.json() == json.loads(out.getvalue())


def test_a_person_sees_only_their_reach(logged):
    rows = bearer(logged.consultant).get(URL, PERIOD).json()["rows"]
    assert [row["consultant"] for row in rows] == ["alice"]


@pytest.mark.parametrize("name", ["team", "consultant"])
def test_out_of_reach_scope_is_404(logged, name):
    value = {"team": logged.other_team.pk, "consultant": logged.outsider.pk}[name]
    assert bearer(logged.manager).get(URL, {**PERIOD, name: value}).status_code == 404


@pytest.mark.parametrize("params, field", [
    ({"start": "2026-13-01", "end": "2026-11-29"}, "start"),
    ({"start": "2026-11-29", "end": "2026-11-02"}, "end"),
    ({"start": "2026-11-02"}, "end"),
])
def test_bad_dates_are_400_with_the_field(logged, params, field):
    response = bearer(logged.manager).get(URL, params)
    assert response.status_code == 400
    assert field in response.json()


def test_anonymous_is_401(logged):
    assert APIClient().get(URL, PERIOD).status_code == 401
