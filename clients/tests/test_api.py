"""The REST API of clients, engagements, outcomes and measurements (clients/api.py): who may
do what (the pages' reach, 403 for a write on what one only sees), the same rows as the list
pages, the pages' rules and services behind every write, and nothing written on a 400."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.test import Client as PageClient
from rest_framework.test import APIClient

from clients.models import Client, Engagement, Outcome, OutcomeMeasurement
from clients.tests.factories import (
    ClientFactory,
    EngagementFactory,
    OutcomeFactory,
    OutcomeMeasurementFactory,
)
from tracker import figures
from tracker.models import Kind
from tracker.services import api_token_revoke
from tracker.tests.factories import TimeEntryFactory
from tracker.tests.test_api import bearer

pytestmark = pytest.mark.django_db

# 10:00 in London on Wednesday 4 November 2026 (the cast lives in Europe/London).
NOW = dt.datetime(2026, 11, 4, 10, 0, tzinfo=dt.UTC)
TOMORROW = "2026-11-05"
CAST = ["consultant", "teammate", "manager", "other_manager", "outsider", "admin"]


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def signed_in(user) -> PageClient:
    page = PageClient()
    page.force_login(user)
    return page


@pytest.fixture
def world(cast):
    """Alice's engagement (her team's) with an outcome and a reading; another team's
    engagement she helps on (Maria sees it through her, records on nothing there); Olga's
    engagement, out of reach of the Public Sector; and a client only Alice owns."""
    tax = cast.engagement
    outcome = OutcomeFactory(engagement=tax, title="Faster refunds", baseline=Decimal("30"),
                             target=Decimal("10"), direction=Outcome.Direction.DECREASE)
    reading = OutcomeMeasurementFactory(outcome=outcome, date=dt.date(2026, 10, 1),
                                        value=Decimal("25"))
    TimeEntryFactory(consultant=cast.consultant, kind=Kind.CLIENT, engagement=tax,
                     seconds=5 * 3600 + 900)
    borrowed = EngagementFactory(name="Hospital wards", team=cast.other_team,
                                 members=[cast.consultant])
    borrowed_outcome = OutcomeFactory(engagement=borrowed, title="Shorter waits")
    borrowed_reading = OutcomeMeasurementFactory(outcome=borrowed_outcome)
    clinic = EngagementFactory(name="Clinic", team=cast.other_team, members=[cast.outsider])
    OutcomeFactory(engagement=clinic, title="Fewer no-shows",
                   status=Outcome.Status.ACHIEVED, achieved_on=dt.date(2026, 10, 1))
    owned = ClientFactory(name="Alice's own", owner=cast.consultant)
    return SimpleNamespace(
        client=tax.client, engagement=tax, outcome=outcome, reading=reading,
        borrowed=borrowed, borrowed_outcome=borrowed_outcome,
        borrowed_reading=borrowed_reading, clinic=clinic, owned=owned,
    )


def snapshot() -> tuple:
    """Every row the API could write, to show a refused request wrote nothing."""
    return (
        list(Client.objects.values()),
        list(Engagement.objects.values()),
        list(Engagement.members.through.objects.values_list("engagement", "user")),
        list(Outcome.objects.values()),
        list(OutcomeMeasurement.objects.values()),
    )


def codes(**by_role) -> dict:
    """Status by cast member; `others` for whoever is not named."""
    others = by_role.pop("others", 404)
    return {role: by_role.get(role, others) for role in CAST}


# The permission matrix: every endpoint and method, over the fixed cast. A URL or body is a
# function of (world, cast).
CLIENT = lambda w, c: f"/api/v1/clients/{w.client.pk}/"  # noqa: E731
ENGAGEMENT = lambda w, c: f"/api/v1/engagements/{w.engagement.pk}/"  # noqa: E731
OUTCOME = lambda w, c: f"/api/v1/outcomes/{w.outcome.pk}/"  # noqa: E731
READINGS = lambda w, c: f"/api/v1/outcomes/{w.outcome.pk}/measurements/"  # noqa: E731
READING = lambda w, c: f"/api/v1/outcomes/{w.outcome.pk}/measurements/{w.reading.pk}/"  # noqa: E731
BORROWED = lambda w, c: f"/api/v1/outcomes/{w.borrowed_outcome.pk}/"  # noqa: E731
BORROWED_READING = lambda w, c: (  # noqa: E731
    f"/api/v1/outcomes/{w.borrowed_outcome.pk}/measurements/{w.borrowed_reading.pk}/"
)
READERS = codes(consultant=200, manager=200, admin=200)
RECORDERS_ONLY = dict(consultant=403, manager=403)  # they see it; only admins may

WRITES = [
    # method, url, body, expected status by cast member
    ("post", lambda w, c: "/api/v1/clients/", lambda w, c: {"name": "Ministry"},
     codes(admin=201, others=403)),
    ("patch", CLIENT, lambda w, c: {"sector": "Tax"}, codes(**RECORDERS_ONLY, admin=200)),
    ("put", CLIENT, lambda w, c: {"name": "Revenue office"},
     codes(**RECORDERS_ONLY, admin=200)),
    ("delete", lambda w, c: f"/api/v1/clients/{w.owned.pk}/", None,
     codes(consultant=403, admin=204)),
    ("post", lambda w, c: "/api/v1/engagements/", lambda w, c: {
        "client": w.client.pk, "name": "Phase 2", "starts_on": "2026-12-01",
        "team": c.team.pk, "members": [c.consultant.pk]},
     # Omar may plan, for his own team only: the form's rule, a 400 naming the team.
     codes(manager=201, admin=201, other_manager=400, others=403)),
    ("patch", ENGAGEMENT, lambda w, c: {"budget_hours": "250.5"},
     codes(consultant=403, manager=200, admin=200)),
    ("put", ENGAGEMENT, lambda w, c: {
        "client": w.client.pk, "name": "Tax portal", "starts_on": "2026-01-01",
        "team": c.team.pk, "members": [c.consultant.pk, c.teammate.pk]},
     codes(consultant=403, manager=200, admin=200)),
    ("delete", ENGAGEMENT, None, codes(consultant=403, manager=403, admin=409)),
    ("delete", lambda w, c: f"/api/v1/engagements/{w.borrowed.pk}/", None,
     codes(consultant=403, manager=403, admin=204)),
    ("post", lambda w, c: "/api/v1/outcomes/", lambda w, c: {
        "engagement": w.engagement.pk, "title": "Fewer calls", "metric": "Calls a day",
        "baseline": "100", "target": "60", "direction": "decrease"},
     codes(consultant=201, manager=201, admin=201)),
    ("post", lambda w, c: "/api/v1/outcomes/", lambda w, c: {
        "engagement": w.borrowed.pk, "title": "Fewer calls", "metric": "Calls a day",
        "baseline": "100", "target": "120"},
     codes(consultant=201, manager=403, admin=201)),
    ("patch", OUTCOME, lambda w, c: {"title": "Refunds in a week"},
     codes(consultant=200, manager=200, admin=200)),
    ("patch", BORROWED, lambda w, c: {"status": "missed"},
     codes(consultant=200, manager=403, admin=200)),
    ("delete", OUTCOME, None, codes(consultant=204, manager=204, admin=204)),
    ("delete", BORROWED, None, codes(consultant=204, manager=403, admin=204)),
    ("post", READINGS, lambda w, c: {"date": "2026-11-03", "value": "18"},
     codes(consultant=201, manager=201, admin=201)),
    ("post", lambda w, c: f"/api/v1/outcomes/{w.borrowed_outcome.pk}/measurements/",
     lambda w, c: {"date": "2026-11-03", "value": "18"},
     codes(consultant=201, manager=403, admin=201)),
    ("patch", READING, lambda w, c: {"value": "24"},
     codes(consultant=200, manager=200, admin=200)),
    ("patch", BORROWED_READING, lambda w, c: {"value": "24"},
     codes(consultant=200, manager=403, admin=200)),
    ("delete", READING, None, codes(consultant=204, manager=204, admin=204)),
    ("delete", BORROWED_READING, None, codes(consultant=204, manager=403, admin=204)),
]


@pytest.mark.parametrize("role", CAST)
@pytest.mark.parametrize("method, url, body, expected", WRITES)
def test_who_may_write_what(cast, world, role, method, url, body, expected):
    before = snapshot()
    request = getattr(bearer(getattr(cast, role)), method)
    response = request(url(world, cast), body and body(world, cast), format="json")
    assert response.status_code == expected[role], response.content
    if response.status_code < 300:
        assert snapshot() != before
    else:
        assert snapshot() == before  # refused: nothing written
        assert response.json()  # and said why


# Reads: the API answers 200 exactly where the object's page does, 404 where it does not.
READS = [
    (CLIENT, lambda w: f"/clients/{w.client.pk}/"),
    (lambda w, c: f"/api/v1/clients/{w.owned.pk}/", lambda w: f"/clients/{w.owned.pk}/"),
    (ENGAGEMENT, lambda w: f"/engagements/{w.engagement.pk}/"),
    (lambda w, c: f"/api/v1/engagements/{w.borrowed.pk}/",
     lambda w: f"/engagements/{w.borrowed.pk}/"),
    (lambda w, c: f"/api/v1/engagements/{w.clinic.pk}/",
     lambda w: f"/engagements/{w.clinic.pk}/"),
    (OUTCOME, lambda w: f"/outcomes/{w.outcome.pk}/"),
    (BORROWED, lambda w: f"/outcomes/{w.borrowed_outcome.pk}/"),
    # A measurement has no page of its own: it is read on its outcome's.
    (READINGS, lambda w: f"/outcomes/{w.outcome.pk}/"),
    (READING, lambda w: f"/outcomes/{w.outcome.pk}/"),
    (BORROWED_READING, lambda w: f"/outcomes/{w.borrowed_outcome.pk}/"),
]


@pytest.mark.parametrize("role", CAST)
@pytest.mark.parametrize("api_url, page_url", READS)
def test_reads_answer_as_the_pages_do(cast, world, role, api_url, page_url):
    user = getattr(cast, role)
    page = signed_in(user).get(page_url(world))
    response = bearer(user).get(api_url(world, cast))
    assert page.status_code in (200, 404)
    assert response.status_code == page.status_code


def test_every_read_of_alices_engagement_matrix(cast, world):
    # The matrix spelled out once, so the equality above cannot pass on two wrong answers.
    for role, expected in READERS.items():
        client = bearer(getattr(cast, role))
        for url in (CLIENT, ENGAGEMENT, OUTCOME, READINGS, READING):
            assert client.get(url(world, cast)).status_code == expected, (role, url)


ENDPOINTS = [
    ("get", lambda w: "/api/v1/clients/"), ("post", lambda w: "/api/v1/clients/"),
    ("get", lambda w: f"/api/v1/clients/{w.client.pk}/"),
    ("put", lambda w: f"/api/v1/clients/{w.client.pk}/"),
    ("patch", lambda w: f"/api/v1/clients/{w.client.pk}/"),
    ("delete", lambda w: f"/api/v1/clients/{w.owned.pk}/"),
    ("get", lambda w: "/api/v1/engagements/"), ("post", lambda w: "/api/v1/engagements/"),
    ("get", lambda w: f"/api/v1/engagements/{w.engagement.pk}/"),
    ("put", lambda w: f"/api/v1/engagements/{w.engagement.pk}/"),
    ("patch", lambda w: f"/api/v1/engagements/{w.engagement.pk}/"),
    ("delete", lambda w: f"/api/v1/engagements/{w.borrowed.pk}/"),
    ("get", lambda w: "/api/v1/outcomes/"), ("post", lambda w: "/api/v1/outcomes/"),
    ("get", lambda w: f"/api/v1/outcomes/{w.outcome.pk}/"),
    ("patch", lambda w: f"/api/v1/outcomes/{w.outcome.pk}/"),
    ("delete", lambda w: f"/api/v1/outcomes/{w.outcome.pk}/"),
    ("get", lambda w: f"/api/v1/outcomes/{w.outcome.pk}/measurements/"),
    ("post", lambda w: f"/api/v1/outcomes/{w.outcome.pk}/measurements/"),
    ("get", lambda w: f"/api/v1/outcomes/{w.outcome.pk}/measurements/{w.reading.pk}/"),
    ("patch", lambda w: f"/api/v1/outcomes/{w.outcome.pk}/measurements/{w.reading.pk}/"),
    ("delete", lambda w: f"/api/v1/outcomes/{w.outcome.pk}/measurements/{w.reading.pk}/"),
]


@pytest.mark.parametrize("method, url", ENDPOINTS)
@pytest.mark.parametrize("credentials", ["none", "revoked"])
def test_no_or_revoked_token_is_401_and_changes_nothing(cast, world, method, url,
                                                         credentials):
    client = APIClient()
    if credentials == "revoked":
        client = bearer(cast.admin)
        api_token_revoke(user=cast.admin, name="script 0")
    before = snapshot()
    response = getattr(client, method)(url(world), {"name": "x"}, format="json")
    assert response.status_code == 401
    assert snapshot() == before


def test_outcomes_and_readings_are_patched_not_put(cast, world):
    admin = bearer(cast.admin)
    assert admin.put(OUTCOME(world, cast), {"title": "x"}, format="json").status_code == 405
    assert admin.put(READING(world, cast), {"value": "1"}, format="json").status_code == 405


# The lists: the same rows as the pages, for everyone, filtered or not --------------------------


def page_ids(user, url) -> tuple[int, list[int]]:
    """The list page's status and the ids of its rows (every page of them)."""
    response = signed_in(user).get(url)
    if response.status_code != 200:
        return response.status_code, []
    return 200, sorted(row.record.pk for row in response.context["table"].rows)


def api_ids(user, url) -> tuple[int, list[int]]:
    response = bearer(user).get(url)
    if response.status_code != 200:
        return response.status_code, []
    return 200, sorted(row["id"] for row in response.json()["results"])


@pytest.mark.parametrize("role", CAST)
@pytest.mark.parametrize("path", ["clients", "engagements", "outcomes"])
def test_lists_show_what_the_list_pages_show(cast, world, role, path):
    user = getattr(cast, role)
    assert api_ids(user, f"/api/v1/{path}/") == page_ids(user, f"/{path}/")


def test_lists_differ_by_person(cast, world):
    # So the equality above compares lists that differ by person.
    assert api_ids(cast.consultant, "/api/v1/engagements/") == (
        200, sorted([world.engagement.pk, world.borrowed.pk]))
    assert api_ids(cast.other_manager, "/api/v1/engagements/") == (200, [world.clinic.pk])
    assert api_ids(cast.teammate, "/api/v1/engagements/") == (200, [])
    assert len(api_ids(cast.admin, "/api/v1/engagements/")[1]) == 3


FILTERS = [
    "/clients/?q=alice", "/clients/?active=false",
    "/engagements/?status=active&starts_from=2026-01-01",
    "/engagements/?member={alice}", "/engagements/?client={client}",
    "/outcomes/?status=achieved", "/outcomes/?verified=no&engagement={engagement}",
    "/outcomes/?credited_to={alice}&achieved_from=2026-01-01",
]


@pytest.mark.parametrize("role", ["consultant", "manager", "other_manager", "admin"])
@pytest.mark.parametrize("query", FILTERS)
def test_filters_are_the_pages(cast, world, role, query):
    query = query.format(alice=cast.consultant.pk, client=world.client.pk,
                         engagement=world.engagement.pk)
    user = getattr(cast, role)
    assert api_ids(user, f"/api/v1{query}") == page_ids(user, query)


def test_a_filter_out_of_reach_is_404_and_a_bad_one_400(cast, world):
    alice = bearer(cast.consultant)
    clinic_client = world.clinic.client.pk
    assert alice.get(f"/api/v1/engagements/?client={clinic_client}").status_code == 404
    assert signed_in(cast.consultant).get(
        f"/engagements/?client={clinic_client}").status_code == 404
    bad = alice.get("/api/v1/outcomes/?achieved_from=someday&status=won")
    assert bad.status_code == 400
    assert set(bad.json()) == {"achieved_from", "status"}


def test_figures_are_the_pages(cast, world):
    engagement = bearer(cast.consultant).get(ENGAGEMENT(world, cast)).json()
    page = signed_in(cast.consultant).get(f"/engagements/{world.engagement.pk}/")
    shown = page.context["engagement"]
    assert engagement["logged_hours"] == figures.hours(shown.logged_seconds) == 5.25
    assert engagement["burn"] == pytest.approx(shown.burn)
    assert engagement["members"] == [cast.consultant.pk]
    assert (engagement["outcomes_total"], engagement["outcomes_achieved"]) == (1, 0)

    outcome = bearer(cast.consultant).get(OUTCOME(world, cast)).json()
    card = signed_in(cast.consultant).get(f"/outcomes/{world.outcome.pk}/").context["outcome"]
    assert Decimal(outcome["actual"]) == card.actual_value == Decimal("25")
    assert outcome["progress"] == pytest.approx(card.progress_ratio) == 0.25
    assert outcome["verified"] is False

    client = bearer(cast.consultant).get(CLIENT(world, cast)).json()
    assert (client["engagements_count"], client["outcomes_total"]) == (1, 1)


def test_lists_page_by_number(cast, world):
    body = bearer(cast.admin).get("/api/v1/clients/?page_size=3").json()
    assert body["count"] == 4 and len(body["results"]) == 3 and body["next"]
    assert bearer(cast.admin).get("/api/v1/clients/?page=9").status_code == 404


# Bad input: 400 naming the field, nothing written ----------------------------------------------


BAD = [
    # who, method, url, body, the field named
    ("admin", "post", lambda w: "/api/v1/clients/", lambda w, c: {"name": ""}, "name"),
    ("admin", "post", lambda w: "/api/v1/clients/",
     lambda w, c: {"name": "New", "owner": 10**6}, "owner"),
    ("admin", "post", lambda w: "/api/v1/clients/",
     lambda w, c: {"name": "New", "owner": 10**30}, "owner"),
    ("admin", "patch", lambda w: f"/api/v1/clients/{w.client.pk}/",
     lambda w, c: {"name": w.clinic.client.name}, "name"),
    ("admin", "patch", lambda w: f"/api/v1/clients/{w.client.pk}/",
     lambda w, c: {"active": "perhaps"}, "active"),
    ("manager", "post", lambda w: "/api/v1/engagements/", lambda w, c: {
        "client": w.client.pk, "name": "Audit", "starts_on": "2026-12-01",
        "team": c.team.pk, "members": [c.outsider.pk]}, "members"),
    ("manager", "post", lambda w: "/api/v1/engagements/", lambda w, c: {
        "client": w.clinic.client.pk, "name": "Audit", "starts_on": "2026-12-01",
        "team": c.team.pk, "members": [c.consultant.pk]}, "client"),
    ("manager", "post", lambda w: "/api/v1/engagements/", lambda w, c: {
        "client": w.client.pk, "name": "Audit", "starts_on": "2026-12-01",
        "ends_on": "2026-11-01", "team": c.team.pk, "members": [c.consultant.pk]}, "ends_on"),
    ("manager", "post", lambda w: "/api/v1/engagements/", lambda w, c: {
        "client": w.client.pk, "name": "Audit", "starts_on": "1066-10-14",
        "team": c.team.pk, "members": [c.consultant.pk]}, "starts_on"),
    ("manager", "patch", lambda w: f"/api/v1/engagements/{w.engagement.pk}/",
     lambda w, c: {"members": []}, "members"),
    ("manager", "patch", lambda w: f"/api/v1/engagements/{w.engagement.pk}/",
     lambda w, c: {"members": "alice"}, "members"),
    ("manager", "patch", lambda w: f"/api/v1/engagements/{w.engagement.pk}/",
     lambda w, c: {"team": c.other_team.pk}, "team"),
    ("manager", "patch", lambda w: f"/api/v1/engagements/{w.engagement.pk}/",
     lambda w, c: {"budget_hours": "lots"}, "budget_hours"),
    ("manager", "patch", lambda w: f"/api/v1/engagements/{w.engagement.pk}/",
     lambda w, c: {"budget_hours": "9999999"}, "budget_hours"),
    ("manager", "patch", lambda w: f"/api/v1/engagements/{w.engagement.pk}/",
     lambda w, c: {"name": "Renamed", "starts_on": 20260101}, "starts_on"),
    ("consultant", "post", lambda w: "/api/v1/outcomes/", lambda w, c: {
        "engagement": w.engagement.pk, "title": "More", "metric": "m",
        "baseline": "10", "target": "5"}, "target"),
    ("consultant", "post", lambda w: "/api/v1/outcomes/", lambda w, c: {
        "title": "More", "metric": "m", "baseline": "10", "target": "5"}, "engagement"),
    ("consultant", "patch", lambda w: f"/api/v1/outcomes/{w.outcome.pk}/",
     lambda w, c: {"status": "achieved"}, "achieved_on"),
    ("consultant", "patch", lambda w: f"/api/v1/outcomes/{w.outcome.pk}/",
     lambda w, c: {"status": "achieved", "achieved_on": TOMORROW}, "achieved_on"),
    # The title is refused with the status: the whole edit is undone.
    ("consultant", "patch", lambda w: f"/api/v1/outcomes/{w.outcome.pk}/",
     lambda w, c: {"title": "Refunds in a week", "status": "won"}, "status"),
    ("consultant", "patch", lambda w: f"/api/v1/outcomes/{w.outcome.pk}/",
     lambda w, c: {"title": "Refunds in a week", "status": "achieved"}, "achieved_on"),
    ("consultant", "patch", lambda w: f"/api/v1/outcomes/{w.outcome.pk}/",
     lambda w, c: {"confirmed_by": "CFO", "confirmed_on": "2026-11-01"}, "confirmed_on"),
    ("consultant", "patch", lambda w: f"/api/v1/outcomes/{w.outcome.pk}/",
     lambda w, c: {"target": "40"}, "target"),
    ("consultant", "post", lambda w: f"/api/v1/outcomes/{w.outcome.pk}/measurements/",
     lambda w, c: {"date": TOMORROW, "value": "20"}, "date"),
    ("consultant", "post", lambda w: f"/api/v1/outcomes/{w.outcome.pk}/measurements/",
     lambda w, c: {"date": "2026-11-02", "value": "1e20"}, "value"),
    ("consultant", "post", lambda w: f"/api/v1/outcomes/{w.outcome.pk}/measurements/",
     lambda w, c: {"date": "2026-11-02", "value": "NaN"}, "value"),
    ("consultant", "patch",
     lambda w: f"/api/v1/outcomes/{w.outcome.pk}/measurements/{w.reading.pk}/",
     lambda w, c: {"date": TOMORROW}, "date"),
    ("consultant", "patch",
     lambda w: f"/api/v1/outcomes/{w.outcome.pk}/measurements/{w.reading.pk}/",
     lambda w, c: {"value": {"amount": 3}}, "value"),
    ("admin", "post", lambda w: "/api/v1/clients/", lambda w, c: ["not", "an", "object"],
     "non_field_errors"),
]


@pytest.mark.parametrize("role, method, url, body, field", BAD)
def test_bad_input_is_400_naming_the_field_and_writes_nothing(
    cast, world, role, method, url, body, field
):
    before = snapshot()
    response = getattr(bearer(getattr(cast, role)), method)(
        url(world), body(world, cast), format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert snapshot() == before


def test_an_unknown_id_and_one_out_of_reach_get_the_same_message(cast, world):
    # Never tell a guessed id from a missing one.
    manager = bearer(cast.manager)
    url = f"/api/v1/engagements/{world.engagement.pk}/"
    hidden = manager.patch(url, {"members": [cast.outsider.pk]}, format="json").json()
    missing = manager.patch(url, {"members": [10**9]}, format="json").json()
    assert hidden["members"][0].replace(str(cast.outsider.pk), "N") == missing["members"][
        0].replace(str(10**9), "N")


# What the writes do: the pages' services and rules -------------------------------------------


def test_a_manager_changes_only_the_members_she_may_see(cast, world):
    # Olga (another team) helps on Alice's engagement; Maria does not see her.
    world.engagement.members.add(cast.outsider)
    response = bearer(cast.manager).patch(
        ENGAGEMENT(world, cast), {"members": [cast.teammate.pk]}, format="json")
    assert response.status_code == 200, response.json()
    assert set(response.json()["members"]) == {cast.teammate.pk, cast.outsider.pk}
    assert set(world.engagement.members.all()) == {cast.teammate, cast.outsider}


def test_a_patch_changes_only_what_it_names(cast, world):
    world.engagement.members.add(cast.teammate)
    before = Engagement.objects.values().get(pk=world.engagement.pk)
    response = bearer(cast.manager).patch(ENGAGEMENT(world, cast), {"budget_hours": "80"},
                                          format="json")
    assert response.status_code == 200
    after = Engagement.objects.values().get(pk=world.engagement.pk)
    assert after == {**before, "budget_hours": Decimal("80")}
    assert set(world.engagement.members.all()) == {cast.consultant, cast.teammate}


def test_a_put_sets_the_whole_client_and_defaults_what_it_leaves_out(cast, world):
    Client.objects.filter(pk=world.client.pk).update(active=False, sector="Tax")
    response = bearer(cast.admin).put(CLIENT(world, cast), {"name": "Revenue"}, format="json")
    assert response.status_code == 200
    world.client.refresh_from_db()
    assert (world.client.name, world.client.sector, world.client.active) == (
        "Revenue", "", True)


def test_creating_an_engagement_is_planning_it(cast, world):
    response = bearer(cast.manager).post("/api/v1/engagements/", {
        "client": world.client.pk, "name": "Phase 2", "starts_on": "2026-12-01",
        "team": cast.team.pk, "members": [cast.consultant.pk, cast.teammate.pk],
        "budget_hours": "120"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    engagement = Engagement.objects.get(pk=body["id"])
    assert (engagement.status, engagement.team, engagement.budget_hours) == (
        "active", cast.team, Decimal("120"))  # the form's default status
    assert body["members"] == sorted([cast.consultant.pk, cast.teammate.pk])
    assert (body["logged_hours"], body["burn"]) == (0.0, 0.0)
    assert response["ETag"]


def test_an_outcome_is_achieved_confirmed_and_reopened_as_on_its_card(cast, world):
    alice = bearer(cast.consultant)
    achieved = alice.patch(OUTCOME(world, cast), {
        "status": "achieved", "achieved_on": "2026-11-02",
        "confirmed_by": "Dana, CFO", "confirmed_on": "2026-11-03"}, format="json")
    assert achieved.status_code == 200, achieved.json()
    # Typed in by the firm: reported, never verified (docs/confirmations.md).
    assert achieved.json()["verified"] is False
    assert achieved.json()["recorded_by"] == cast.consultant.pk
    reopened = alice.patch(OUTCOME(world, cast), {"status": "in_progress"}, format="json")
    # outcome_status_set: an outcome no longer achieved loses the client's confirmation.
    assert reopened.json()["confirmed_on"] is None
    assert reopened.json()["achieved_on"] is None


def test_a_new_outcome_is_planned_and_its_first_reading_starts_it(cast, world):
    alice = bearer(cast.consultant)
    created = alice.post("/api/v1/outcomes/", {
        "engagement": world.engagement.pk, "title": "Fewer calls", "metric": "Calls",
        "baseline": "100", "target": "60", "direction": "decrease",
        "evidence_url": "example.org/calls"}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["actual"], body["progress"]) == ("planned", None, None)
    assert body["evidence_url"] == "https://example.org/calls"  # the form's assumed scheme
    reading = alice.post(f"/api/v1/outcomes/{body['id']}/measurements/",
                         {"date": "2026-11-03", "value": "80"}, format="json")
    assert reading.status_code == 201, reading.json()
    assert reading.json()["recorded_by"] == cast.consultant.pk
    outcome = alice.get(f"/api/v1/outcomes/{body['id']}/").json()
    assert (outcome["status"], outcome["actual"], outcome["progress"]) == (
        "in_progress", "80.00", 0.5)


def test_a_reading_is_corrected_and_deleted(cast, world):
    alice = bearer(cast.consultant)
    url = READING(world, cast)
    corrected = alice.patch(url, {"value": "22.5", "note": "audited"}, format="json")
    assert corrected.status_code == 200, corrected.json()
    world.reading.refresh_from_db()
    assert (world.reading.value, world.reading.note, world.reading.date) == (
        Decimal("22.5"), "audited", dt.date(2026, 10, 1))
    assert alice.get(READINGS(world, cast)).json()["count"] == 1
    assert alice.delete(url).status_code == 204
    assert alice.get(READINGS(world, cast)).json()["count"] == 0


def test_what_is_still_used_is_not_deleted(cast, world):
    admin = bearer(cast.admin)
    client = admin.delete(CLIENT(world, cast))
    assert client.status_code == 409
    assert "engagements" in client.json()["detail"]
    engagement = admin.delete(ENGAGEMENT(world, cast))  # Alice's time is logged on it
    assert engagement.status_code == 409
    assert Engagement.objects.filter(pk=world.engagement.pk).exists()


# A stale edit is refused ---------------------------------------------------------------------


@pytest.mark.parametrize("send", ["if-match", "body"])
def test_an_edit_from_an_old_version_is_refused_with_what_is_saved_now(cast, world, send):
    admin = bearer(cast.admin)
    etag = admin.get(CLIENT(world, cast))["ETag"]
    # Meanwhile, someone else renames the client.
    bearer(cast.admin).patch(CLIENT(world, cast), {"name": "Revenue"}, format="json")

    def edit(body, version):
        if send == "body":
            return admin.patch(CLIENT(world, cast), {**body, "version": version.strip('"')},
                               format="json")
        return admin.patch(CLIENT(world, cast), body, format="json", HTTP_IF_MATCH=version)

    stale = edit({"name": "Tax office"}, etag)
    assert stale.status_code == 412
    assert "Revenue" in stale.json()["name"][0]
    world.client.refresh_from_db()
    assert world.client.name == "Revenue"
    # A field nobody else changed is saved from the old version.
    assert edit({"sector": "Tax"}, etag).status_code == 200
    # From the version now, the rename goes through.
    fresh = admin.get(CLIENT(world, cast))["ETag"]
    assert edit({"name": "Tax office"}, fresh).status_code == 200
    world.client.refresh_from_db()
    assert (world.client.name, world.client.sector) == ("Tax office", "Tax")


def test_an_engagement_edit_names_its_version_too(cast, world):
    maria = bearer(cast.manager)
    etag = maria.get(ENGAGEMENT(world, cast))["ETag"]
    bearer(cast.admin).patch(ENGAGEMENT(world, cast), {"budget_hours": "90"}, format="json")
    stale = maria.patch(ENGAGEMENT(world, cast), {"budget_hours": "300"}, format="json",
                        HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert "budget_hours" in stale.json()
    world.engagement.refresh_from_db()
    assert world.engagement.budget_hours == Decimal("90")


def test_schema_lists_the_endpoints(cast):
    schema = bearer(cast.consultant).get("/api/schema/?format=json").json()
    for path in ("/api/v1/clients/{id}/", "/api/v1/engagements/",
                 "/api/v1/outcomes/{outcome_pk}/measurements/{id}/"):
        assert path in schema["paths"]
    patch = schema["paths"]["/api/v1/outcomes/{id}/"]["patch"]
    assert {"400", "403", "404", "412"} <= set(patch["responses"])
