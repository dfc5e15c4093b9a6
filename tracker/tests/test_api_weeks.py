"""/api/v1/weeks/: a week's status and its steps (submit, approve, return, reopen) for the
fixed cast, as My week and /weeks/ allow them; out of sight 404, in sight but not yours 403."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from tracker.models import ApiToken, Kind, WeekApproval, WeekStatus
from tracker.services import api_token_create

from .factories import TimeEntryFactory
from .test_api import bearer

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 11, 2)
WEEK = "2026-W45"
ROLES = ["consultant", "teammate", "manager", "other_manager", "admin"]


def post(client, action, comment=None, username="alice", week=WEEK):
    body = {"action": action} if comment is None else {"action": action, "comment": comment}
    return client.post(f"/api/v1/weeks/{username}/{week}/", body, format="json")


def status_of(cast):
    row = WeekApproval.objects.filter(consultant=cast.consultant, week_start=MONDAY).first()
    return row.status if row else WeekStatus.OPEN


@pytest.fixture
def week(cast):
    TimeEntryFactory(consultant=cast.consultant, date=MONDAY, seconds=3600, kind=Kind.INTERNAL)


@pytest.mark.parametrize("role, expected", [
    ("consultant", 200), ("teammate", 404), ("manager", 200), ("other_manager", 404),
    ("admin", 200),
])
def test_reading_alices_week_as_the_pages_let_each_person(cast, week, role, expected):
    response = bearer(getattr(cast, role)).get(f"/api/v1/weeks/?consultant=alice&week={WEEK}")
    assert response.status_code == expected
    if expected == 200:
        assert response.json() == [{"consultant": "alice", "week": WEEK, "status": "open",
                                    "by": None, "at": None, "comment": "", "note": ""}]


@pytest.mark.parametrize("role, expected", [
    ("consultant", 200), ("teammate", 404), ("manager", 403), ("other_manager", 404),
    ("admin", 403),
])
def test_only_the_consultant_submits_their_week(cast, week, role, expected):
    response = post(bearer(getattr(cast, role)), "submit", "All there")
    assert response.status_code == expected, response.content
    assert status_of(cast) == ("submitted" if expected == 200 else "open")
    if expected == 200:
        assert response.json()["by"] == "alice" and response.json()["comment"] == "All there"


@pytest.mark.parametrize("role, expected", [
    ("consultant", 403), ("teammate", 404), ("manager", 200), ("other_manager", 404),
    ("admin", 200),
])
def test_a_manager_of_the_team_or_an_admin_approves_never_the_consultant(cast, week, role,
                                                                          expected):
    assert post(bearer(cast.consultant), "submit").status_code == 200
    response = post(bearer(getattr(cast, role)), "approve", "Thanks")
    assert response.status_code == expected, response.content
    assert status_of(cast) == ("approved" if expected == 200 else "submitted")
    if expected == 200:
        body = response.json()
        assert (body["status"], body["by"], body["comment"]) == (
            "approved", getattr(cast, role).username, "Thanks")


def test_returning_needs_a_comment_and_the_consultant_reads_it(cast, week):
    assert post(bearer(cast.consultant), "submit").status_code == 200
    manager = bearer(cast.manager)
    refused = post(manager, "return", "  ")
    assert refused.status_code == 400 and "comment" in refused.json()
    assert status_of(cast) == "submitted"
    assert post(manager, "return", "Monday is missing the client").status_code == 200
    [seen] = bearer(cast.consultant).get(f"/api/v1/weeks/?consultant=alice&week={WEEK}").json()
    assert (seen["status"], seen["by"], seen["comment"]) == (
        "returned", "maria", "Monday is missing the client")


def test_an_approved_week_is_reopened_by_an_admin_with_a_reason(cast, week):
    assert post(bearer(cast.consultant), "submit").status_code == 200
    assert post(bearer(cast.manager), "approve").status_code == 200
    assert post(bearer(cast.manager), "reopen", "typo").status_code == 403
    admin = bearer(cast.admin)
    missing = post(admin, "reopen")
    assert missing.status_code == 400 and "comment" in missing.json()
    assert status_of(cast) == "approved"
    reopened = post(admin, "reopen", "Wrong engagement on Tuesday")
    assert reopened.status_code == 200
    assert (reopened.json()["status"], reopened.json()["by"]) == ("open", "root")
    assert status_of(cast) == "open"


def test_steps_the_status_does_not_allow_are_400_and_change_nothing(cast, week):
    manager = bearer(cast.manager)
    response = post(manager, "approve")  # never submitted
    assert response.status_code == 400
    assert status_of(cast) == "open"
    assert post(bearer(cast.consultant), "submit").status_code == 200
    assert post(bearer(cast.consultant), "submit").status_code == 400  # twice


@pytest.mark.parametrize("body", [{}, {"action": "delete"}, {"action": ["submit"]},
                                  {"action": "submit", "comment": "x" * 2001}])
def test_bad_bodies_are_400_naming_the_field(cast, week, body):
    response = bearer(cast.consultant).post(f"/api/v1/weeks/alice/{WEEK}/", body,
                                            format="json")
    assert response.status_code == 400
    assert set(response.json()) & {"action", "comment"}
    assert status_of(cast) == "open"


def test_unknown_people_and_weeks_are_404_and_lists_need_a_person_or_a_week(cast, week):
    alice = bearer(cast.consultant)
    assert post(alice, "submit", username="nobody").status_code == 404
    assert post(alice, "submit", week="2026-W99").status_code == 404
    assert alice.get("/api/v1/weeks/").status_code == 400
    assert alice.get("/api/v1/weeks/?week=last").status_code == 400
    assert alice.get("/api/v1/weeks/?consultant=olga").status_code == 404


def test_lists_show_the_weeks_of_the_people_in_sight(cast, week):
    TimeEntryFactory(consultant=cast.teammate, date=MONDAY, seconds=60, kind=Kind.INTERNAL)
    for person in (cast.consultant, cast.teammate, cast.outsider):
        assert post(bearer(person), "submit", username=person.username).status_code == 200
    by_week = bearer(cast.manager).get(f"/api/v1/weeks/?week={WEEK}").json()
    assert [row["consultant"] for row in by_week] == ["alice", "bob"]  # not olga (Health)
    assert [row["consultant"] for row in bearer(cast.admin).get(
        f"/api/v1/weeks/?week={WEEK}").json()] == ["alice", "bob", "olga"]
    assert [row["week"] for row in bearer(cast.consultant).get(
        "/api/v1/weeks/?consultant=alice").json()] == [WEEK]


def test_no_or_a_revoked_token_is_401(cast, week):
    assert APIClient().get(f"/api/v1/weeks/?week={WEEK}").status_code == 401
    assert post(APIClient(), "submit").status_code == 401
    _, secret = api_token_create(user=cast.consultant, name="old")
    ApiToken.objects.filter(name="old").update(revoked_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    revoked = APIClient()
    revoked.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert post(revoked, "submit").status_code == 401
    assert status_of(cast) == "open"


def test_a_nul_in_a_username_is_404_not_a_database_error(cast, week):
    alice = bearer(cast.consultant)
    assert post(alice, "submit", username="ali%00ce").status_code == 404
    assert alice.get(f"/api/v1/weeks/?consultant=ali%00ce&week={WEEK}").status_code == 404
