"""A security reviewer's pass over /api/v1/: what a hostile or careless caller may send, and
what the answers must never give away (docs/api.md "Errors")."""

import datetime as dt

import pytest

from tracker import services
from tracker.models import TimeEntry

from .api_clients import as_who, bearer

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 2)
ENTRY = {"date": DAY.isoformat(), "seconds": 1800, "kind": "internal"}


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
