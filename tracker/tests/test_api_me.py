"""/api/v1/me/: who the token is, and their teams as objects a script can filter by."""

import pytest

from tracker.tests.factories import TimeEntryFactory, UserFactory

from .api_clients import as_who, bearer

pytestmark = pytest.mark.django_db


def team(obj, role):
    return {"id": obj.pk, "name": obj.name, "role": role}


@pytest.mark.parametrize("who, role, teams", [
    ("consultant", "consultant", lambda c: [team(c.team, "member")]),
    # A manager inside the team they manage: listed once, as its manager.
    ("manager", "manager", lambda c: [team(c.team, "manager")]),
    ("other_manager", "manager", lambda c: [team(c.other_team, "manager")]),
    ("admin", "admin", lambda c: []),
])
def test_role_and_teams(cast, who, role, teams):
    body = as_who(cast, who).get("/api/v1/me/").json()
    assert body["username"] == getattr(cast, who).username
    assert body["role"] == role
    assert body["teams"] == teams(cast)


def test_a_manager_of_another_team_than_their_own(cast):
    cast.other_team.managers.add(cast.consultant)
    body = bearer(cast.consultant).get("/api/v1/me/").json()
    assert body["role"] == "manager"
    assert body["teams"] == [team(cast.team, "member"), team(cast.other_team, "manager")]


def test_no_team_is_an_empty_list(db):
    assert bearer(UserFactory(username="solo")).get("/api/v1/me/").json()["teams"] == []


def test_a_team_id_from_me_filters_the_time_entries(cast):
    cast.other_team.managers.add(cast.manager)
    alices = TimeEntryFactory(consultant=cast.consultant)
    TimeEntryFactory(consultant=cast.outsider)
    client = bearer(cast.manager)
    by_name = {row["name"]: row["id"] for row in client.get("/api/v1/me/").json()["teams"]}
    listed = client.get("/api/v1/time-entries/", {"team": by_name["Public Sector"]}).json()
    assert [row["id"] for row in listed["results"]] == [alices.pk]


@pytest.mark.parametrize("who", ["anonymous", "revoked"])
def test_needs_a_live_token(cast, who):
    assert as_who(cast, who).get("/api/v1/me/").status_code == 401
