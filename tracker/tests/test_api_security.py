"""A security reviewer's pass over /api/v1/: what a hostile or careless caller may send, and
what the answers must never give away (docs/api.md "Errors")."""

import contextlib
import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from tracker import services
from tracker.models import Kind, TimeEntry

from .api_clients import as_who, bearer
from .factories import TimeEntryFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 2)
ENTRY = {"date": DAY.isoformat(), "seconds": 1800, "kind": "internal"}


@contextlib.contextmanager
def nul_sent_to_the_database():
    """The query parameters holding a NUL sent while it is open. SQLite stores a NUL,
    PostgreSQL refuses it with an error (a 500): input must never carry one that far."""
    sent = []

    def spy(execute, sql, params, many, context):
        sent.extend(value for value in params or () if "\x00" in str(value))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        yield sent


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


# What a body may hold ---------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["[" * 100_000, '{"a":' * 50_000])
def test_json_nested_too_deep_is_a_400_not_a_500(cast, body):
    response = bearer(cast.consultant).post(
        "/api/v1/time-entries/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]
    assert not TimeEntry.objects.exists()


def test_a_body_over_the_upload_limit_is_a_json_400(cast, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = bearer(cast.consultant).post(
        "/api/v1/time-entries/", {**ENTRY, "note": "x" * 20_000}, format="json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "over 10000 bytes" in response.json()["detail"]
    assert not TimeEntry.objects.exists()


@pytest.mark.parametrize("body, content_type, status", [
    ("date=2026-11-02&seconds=60&kind=internal", "application/x-www-form-urlencoded", 415),
    ('{"date": "2026-11-02", "seconds": 60, "seconds": 7200, "kind": "internal"}',
     "application/json", 201),  # the last of a duplicated key, as json.loads reads it
    ('[{"date": "2026-11-02", "seconds": 60, "kind": "internal"}]', "application/json", 400),
    ('{"date": "2026-11-02", "seconds": NaN, "kind": "internal"}', "application/json", 400),
    ('{"date": "2026-11-02", "seconds": 1e400, "kind": "internal"}', "application/json", 400),
    ('{"date": "2026-11-02", "seconds": 60, "kind": "internal", "note": "a\\u0000b"}',
     "application/json", 400),
])
def test_odd_bodies_are_refused_or_read_plainly_never_a_500(cast, body, content_type, status):
    response = bearer(cast.consultant).post("/api/v1/time-entries/", body,
                                            content_type=content_type)
    assert response.status_code == status, response.content
    assert TimeEntry.objects.count() == (1 if status == 201 else 0)
    if status == 201:
        assert TimeEntry.objects.get().seconds == 7200


# Idempotency-Key -------------------------------------------------------------------------------


def test_a_replayed_key_never_answers_with_someone_elses_entry(cast):
    """An admin moved alice's entry to bob (/admin/): alice's retry with her key must not
    show her bob's entry, nor log a second one."""
    alice = bearer(cast.consultant)
    first = alice.post("/api/v1/time-entries/", ENTRY, format="json",
                       HTTP_IDEMPOTENCY_KEY="sync-42")
    assert first.status_code == 201
    entry = TimeEntry.objects.get()
    services.time_entry_update(entry=entry, consultant=cast.teammate, note="bob's, in fact")

    again = alice.post("/api/v1/time-entries/", ENTRY, format="json",
                       HTTP_IDEMPOTENCY_KEY="sync-42")
    assert again.status_code == 400
    assert "Idempotency-Key" in again.json()
    assert "bob's, in fact" not in again.content.decode()
    assert TimeEntry.objects.count() == 1


def test_an_idempotency_key_with_a_control_character_is_refused_before_any_query(cast):
    client = bearer(cast.consultant)
    with nul_sent_to_the_database() as sent:
        response = client.post("/api/v1/time-entries/", ENTRY, format="json",
                               HTTP_IDEMPOTENCY_KEY="sync\x0042")
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not sent
    assert not TimeEntry.objects.exists()


# Credentials -----------------------------------------------------------------------------------


def test_the_token_of_a_deactivated_person_is_refused(cast):
    client = bearer(cast.consultant)
    assert client.get("/api/v1/me/").status_code == 200
    cast.consultant.is_active = False
    services.person_save(user=cast.consultant)
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    # The same answer as an unknown token: nothing tells a deactivated account apart.
    unknown = APIClient()
    unknown.credentials(HTTP_AUTHORIZATION="Bearer cf_no-such-token")
    assert response.json() == unknown.get("/api/v1/me/").json()


@pytest.mark.parametrize("method, path, body", [
    ("post", "/api/v1/time-entries/", ENTRY),
    ("patch", "/api/v1/time-entries/{entry}/", {"note": "forged"}),
    ("delete", "/api/v1/time-entries/{entry}/", None),
    ("post", "/api/v1/timer/", {"action": "start", "kind": "internal"}),
    ("post", "/api/v1/activities/", {"kind": "talk", "title": "x", "date": "2026-11-02"}),
    ("post", "/api/v1/report-runs/", {"start": "2026-11-02", "end": "2026-11-08"}),
])
def test_a_write_with_the_browser_session_needs_its_csrf_token(cast, method, path, body):
    """A page on another site cannot make a signed-in browser write: DRF's
    SessionAuthentication checks the CSRF token that Django's middleware leaves to it."""
    entry = TimeEntryFactory(consultant=cast.consultant, date=DAY, note="as logged")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast.consultant)
    url = path.format(entry=entry.pk)
    response = getattr(browser, method)(url, body, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert list(TimeEntry.objects.values_list("pk", "note")) == [(entry.pk, "as logged")]
    assert not cast.consultant.activities.exists()

    # With it (the cookie's value in X-CSRFToken, as the pages' scripts send it): written.
    browser.get("/accounts/profile/")
    token = browser.cookies["csrftoken"].value
    response = getattr(browser, method)(url, body, content_type="application/json",
                                        HTTP_X_CSRFTOKEN=token)
    assert response.status_code < 300


def test_making_a_token_on_the_profile_page_needs_the_csrf_token(cast):
    """Another site cannot make a signed-in browser create a token for it."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast.consultant)
    response = browser.post("/accounts/profile/", {"name": "planted"})
    assert response.status_code == 403
    assert not cast.consultant.api_tokens.exists()


# Reach: nothing tells an id out of reach from one that does not exist --------------------------


OUT_OF_REACH = [
    "/api/v1/time-entries/?consultant={outsider}",
    "/api/v1/time-entries/?team={other_team}",
    "/api/v1/time-entries/?engagement={clinic}",
    "/api/v1/time-entries/?client={clinic_client}",
    "/api/v1/activities/?consultant={outsider}",
    "/api/v1/engagements/?client={clinic_client}",
    "/api/v1/engagements/?member={outsider}",
    "/api/v1/outcomes/?engagement={clinic}",
    "/api/v1/outcomes/?credited_to={outsider}",
    "/api/v1/reports/balance/?start=2026-11-02&end=2026-11-08&consultant={outsider}",
    "/api/v1/reports/balance/?start=2026-11-02&end=2026-11-08&team={other_team}",
    "/api/v1/time-entries/{outsider_entry}/",
    "/api/v1/engagements/{clinic}/",
    "/api/v1/clients/{clinic_client}/",
    "/api/v1/outcomes/{clinic_outcome}/",
    "/api/v1/outcomes/{clinic_outcome}/measurements/",
    "/api/v1/outcomes/{own_outcome}/measurements/{clinic_measurement}/",
]


@pytest.fixture
def clinic(cast):
    """Olga's side of the world (Health), out of alice's reach; and alice's own outcome."""
    from clients.tests.factories import (
        EngagementFactory,
        OutcomeFactory,
        OutcomeMeasurementFactory,
    )

    engagement = EngagementFactory(name="Clinic app", team=cast.other_team,
                                   members=[cast.outsider])
    measurement = OutcomeMeasurementFactory(outcome__engagement=engagement)
    return {
        "outsider": cast.outsider.pk, "other_team": cast.other_team.pk,
        "clinic": engagement.pk, "clinic_client": engagement.client_id,
        "clinic_outcome": measurement.outcome_id, "clinic_measurement": measurement.pk,
        "outsider_entry": TimeEntryFactory(consultant=cast.outsider, date=DAY).pk,
        "own_outcome": OutcomeFactory(engagement=cast.engagement).pk,
    }


@pytest.mark.parametrize("path", OUT_OF_REACH)
def test_out_of_reach_answers_as_not_there(cast, clinic, path):
    """Alice names Health's objects: the answer is the very one for an id that does not
    exist, status and body, so no id can be probed."""
    client = bearer(cast.consultant)
    there = client.get(path.format(**clinic))
    missing = client.get(path.format(**{
        name: pk if name == "own_outcome" else 10**9 for name, pk in clinic.items()
    }))
    assert there.status_code == 404
    assert (there.status_code, there.json()) == (missing.status_code, missing.json())
    # HEAD and OPTIONS tell no more: HEAD as GET, OPTIONS never the object's data.
    assert client.head(path.format(**clinic)).status_code == 404
    options = client.options(path.format(**clinic)).content.decode()
    assert "Clinic app" not in options and str(clinic["outsider"]) + "," not in options


@pytest.mark.parametrize("how, url", [
    ("api", "/api/v1/weeks/?consultant=al%00ice&week=2026-W45"),
    ("api", "/api/v1/weeks/?consultant=%00"),
    ("api-post", "/api/v1/weeks/al%00ice/2026-W45/"),
    ("page", "/weeks/al%00ice/2026-W45/"),
])
def test_a_username_with_a_nul_is_nobody_and_never_reaches_the_database(cast, how, url):
    """PostgreSQL refuses a NUL in a text parameter with an error (a 500 there; SQLite takes
    it): such a name is answered 404 before any query names it."""
    if how == "page":
        client = Client()
        client.force_login(cast.admin)
    else:
        client = bearer(cast.admin)
    with nul_sent_to_the_database() as sent:
        if how == "api-post":
            response = client.post(url, {"action": "approve"}, format="json")
        else:
            response = client.get(url)
    assert response.status_code == 404
    assert not sent


# Mass assignment -------------------------------------------------------------------------------


def test_read_only_fields_in_a_body_are_ignored(cast):
    """Who logged it, where it came from, its id and timestamps are never the caller's to
    set, on create or change."""
    forged = {"consultant": cast.teammate.pk, "source": "toggl", "id": 999,
              "external_id": "1:x", "import_batch": 1, "created_at": "2020-01-01T00:00:00Z"}
    client = bearer(cast.consultant)
    created = client.post("/api/v1/time-entries/", {**ENTRY, **forged}, format="json")
    assert created.status_code == 201
    entry = TimeEntry.objects.get()
    assert (entry.consultant, entry.source, entry.external_id, entry.import_batch) == (
        cast.consultant, "api", "", None)
    assert entry.pk != 999

    changed = client.patch(f"/api/v1/time-entries/{entry.pk}/", {**forged, "note": "ok"},
                           format="json")
    assert changed.status_code == 200
    entry.refresh_from_db()
    assert (entry.consultant, entry.source, entry.note) == (cast.consultant, "api", "ok")

    activity = client.post("/api/v1/activities/", {
        "kind": "talk", "title": "Keynote", "date": DAY.isoformat(),
        "consultant": cast.teammate.pk, "created_at": "2020-01-01T00:00:00Z",
        "spent_seconds": 99_999}, format="json")
    assert activity.status_code == 201
    assert activity.json()["consultant"] == cast.consultant.pk
    assert activity.json()["spent_seconds"] == 0
    assert activity.json()["created_at"] > "2026"


def test_an_api_patch_moves_no_time_into_or_out_of_an_approved_week(cast):
    """The lock holds for every way the API can move an entry: its date, either way."""
    monday = dt.date(2026, 11, 9)
    inside = TimeEntryFactory(consultant=cast.consultant, date=monday, kind=Kind.INTERNAL)
    outside = TimeEntryFactory(consultant=cast.consultant, date=DAY, kind=Kind.INTERNAL)
    services.week_submit(consultant=cast.consultant, week_start=monday)
    services.week_approve(consultant=cast.consultant, week_start=monday, by=cast.manager)
    for who in ("consultant", "admin"):
        client = as_who(cast, who)
        out = client.patch(f"/api/v1/time-entries/{inside.pk}/", {"date": DAY.isoformat()},
                           format="json")
        into = client.patch(f"/api/v1/time-entries/{outside.pk}/",
                            {"date": monday.isoformat()}, format="json")
        assert (out.status_code, into.status_code) == (409, 409)
        assert "2026-W46" in into.json()["detail"]
    assert TimeEntry.objects.get(pk=inside.pk).date == monday
    assert TimeEntry.objects.get(pk=outside.pk).date == DAY


# Headers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("who, path, status", [
    ("consultant", "/api/v1/me/", 200),
    ("consultant", "/api/v1/time-entries/", 200),
    ("consultant", "/api/v1/time-entries/999999/", 404),
    ("anonymous", "/api/v1/me/", 401),
    ("revoked", "/api/v1/time-entries/", 401),
    ("anonymous", "/api/v1/no-such-thing/", 404),
])
def test_every_api_answer_is_private_json_and_not_stored(cast, who, path, status):
    response = as_who(cast, who).get(path)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert {"private", "no-store"} <= cache_control(response)
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/accounts/profile/", "/weeks/"])
def test_the_new_pages_keep_the_script_policy(client, cast, path):
    client.force_login(cast.manager)
    response = client.get(path)
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert {"private", "no-store"} <= cache_control(response)
