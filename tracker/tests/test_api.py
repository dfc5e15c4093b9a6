"""The REST API's tokens, /api/v1/me/ and /api/v1/time-entries/ (docs/api.md)."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from rest_framework.test import APIClient

from tracker.models import ApiToken, Kind, TimeEntry
from tracker.services import api_token_create

from .factories import TimeEntryFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 2)


def bearer(user) -> APIClient:
    name = f"script {ApiToken.objects.filter(user=user).count()}"
    _, secret = api_token_create(user=user, name=name)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def run(*args) -> str:
    out = io.StringIO()
    call_command("api_token", *args, stdout=out)
    return out.getvalue()


# Tokens ---------------------------------------------------------------------------------------


def test_command_prints_the_token_alone_on_the_last_line_and_it_authenticates(cast):
    output = run("create", "alice", "--name", "laptop", "--expires", "30")
    secret = output.strip().splitlines()[-1]
    assert secret.startswith("cf_") and " " not in secret
    token = ApiToken.objects.get(user=cast.consultant, name="laptop")
    assert secret not in token.token_hash and token.token_hash != secret  # stored hashed
    assert token.expires_at > timezone.now() + dt.timedelta(days=29)

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["username"] == "alice"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_command_unknown_user_and_unknown_token_exit_1(cast):
    with pytest.raises(CommandError, match="no user named"):
        run("create", "nobody", "--name", "x")
    with pytest.raises(CommandError, match="no active token"):
        run("revoke", "alice", "--name", "never-made")
    # The exit status an operator's script sees.
    from django.core.management import ManagementUtility

    utility = ManagementUtility(["manage.py", "api_token", "revoke", "alice", "--name", "none"])
    with pytest.raises(SystemExit) as exited:
        utility.execute()
    assert exited.value.code == 1


def test_revoked_token_answers_401_and_frees_its_name(cast):
    output = run("create", "alice", "--name", "ci")
    secret = output.strip().splitlines()[-1]
    run("revoke", "alice", "--name", "ci")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/me/").status_code == 401
    run("create", "alice", "--name", "ci")  # the name is free again


def test_a_second_active_token_with_the_same_name_is_refused(cast):
    run("create", "alice", "--name", "ci")
    with pytest.raises(CommandError, match="already have a token"):
        run("create", "alice", "--name", "ci")


def test_expired_token_answers_401(cast):
    token, secret = api_token_create(user=cast.consultant, name="old", expires_in_days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/me/").status_code == 401


def test_anonymous_and_wrong_token_answer_401(cast):
    assert APIClient().get("/api/v1/me/").status_code == 401
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer cf_not-a-token")
    assert client.get("/api/v1/time-entries/").status_code == 401


def test_last_used_is_written_at_most_once_a_minute(cast):
    client = bearer(cast.consultant)
    client.get("/api/v1/me/")
    first = ApiToken.objects.get().last_used_at
    client.get("/api/v1/me/")
    assert ApiToken.objects.get().last_used_at == first


def test_the_browser_session_works_too(cast):
    client = APIClient()
    client.force_login(cast.consultant)
    assert client.get("/api/v1/me/").json()["username"] == "alice"


# Me -------------------------------------------------------------------------------------------


def test_me_names_the_caller_teams_and_this_weeks_hours(cast):
    today = cast.manager.today()
    TimeEntryFactory(consultant=cast.manager, date=today, seconds=5400, kind=Kind.INTERNAL)
    TimeEntryFactory(consultant=cast.manager, date=today - dt.timedelta(days=14), seconds=3600)
    body = bearer(cast.manager).get("/api/v1/me/").json()
    assert body["username"] == "maria"
    assert body["role"] == "manager"
    assert body["teams"] == [{"id": cast.team.pk, "name": "Public Sector", "role": "manager"}]
    assert body["week"]["internal_hours"] == 1.5
    assert body["week"]["total_hours"] == 1.5


# Time entries ---------------------------------------------------------------------------------


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def test_list_shows_only_entries_within_reach(cast):
    alices = TimeEntryFactory(consultant=cast.consultant)
    olgas = TimeEntryFactory(consultant=cast.outsider)
    assert ids(bearer(cast.consultant).get("/api/v1/time-entries/")) == {alices.pk}
    assert ids(bearer(cast.manager).get("/api/v1/time-entries/")) == {alices.pk}
    assert ids(bearer(cast.outsider).get("/api/v1/time-entries/")) == {olgas.pk}
    assert ids(bearer(cast.admin).get("/api/v1/time-entries/")) == {alices.pk, olgas.pk}
    assert bearer(cast.outsider).get(f"/api/v1/time-entries/{alices.pk}/").status_code == 404
    shown = bearer(cast.manager).get(f"/api/v1/time-entries/{alices.pk}/").json()
    assert set(shown) == {"id", "consultant", "date", "seconds", "kind", "engagement",
                          "activity", "billable", "note", "source", "import_batch",
                          "week_status"}


def test_list_filters_and_out_of_reach_filter_is_404(cast):
    early = TimeEntryFactory(consultant=cast.consultant, date=DAY)
    late = TimeEntryFactory(consultant=cast.consultant, date=DAY + dt.timedelta(days=3),
                            kind=Kind.PROMOTION)
    client = bearer(cast.manager)
    assert ids(client.get("/api/v1/time-entries/", {"start": "2026-11-03"})) == {late.pk}
    assert ids(client.get("/api/v1/time-entries/", {"end": "2026-11-02"})) == {early.pk}
    assert ids(client.get("/api/v1/time-entries/", {"kind": "promotion"})) == {late.pk}
    assert client.get("/api/v1/time-entries/", {"team": cast.other_team.pk}).status_code == 404
    bad = client.get("/api/v1/time-entries/", {"start": "not-a-date"})
    assert bad.status_code == 400 and "start" in bad.json()


def test_list_pages_by_cursor(cast):
    for day in range(5):
        TimeEntryFactory(consultant=cast.consultant, date=DAY + dt.timedelta(days=day))
    client = bearer(cast.consultant)
    from tracker.api.views import EntryCursor

    EntryCursor.page_size, size = 2, EntryCursor.page_size
    try:
        first = client.get("/api/v1/time-entries/").json()
        second = client.get(first["next"]).json()
    finally:
        EntryCursor.page_size = size
    assert first["previous"] is None and len(first["results"]) == 2
    assert not ids_of(first) & ids_of(second)


def ids_of(body) -> set[int]:
    return {row["id"] for row in body["results"]}


def test_create_with_a_duration(cast):
    response = bearer(cast.consultant).post("/api/v1/time-entries/", {
        "date": "2026-11-02", "duration": "1:30", "kind": "client",
        "engagement": cast.engagement.pk, "note": "kick-off",
    }, format="json")
    assert response.status_code == 201, response.json()
    entry = TimeEntry.objects.get()
    assert (entry.consultant, entry.seconds, entry.billable, entry.source) == (
        cast.consultant, 5400, True, "api")
    assert response.json()["id"] == entry.pk


@pytest.mark.parametrize("body, field", [
    ({"date": "2026-11-02", "duration": "lots", "kind": "internal"}, "duration"),
    ({"date": "2026-11-02", "seconds": 0, "kind": "internal"}, "seconds"),
    ({"date": "2026-11-02", "seconds": 3600, "kind": "client"}, "engagement"),
    ({"date": "2026-11-02", "seconds": 3600, "kind": "nap"}, "kind"),
    ({"seconds": 3600, "kind": "internal"}, "date"),
])
def test_invalid_create_is_400_with_field_errors_and_writes_nothing(cast, body, field):
    response = bearer(cast.consultant).post("/api/v1/time-entries/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not TimeEntry.objects.exists()


def test_the_days_24_hours_are_the_services_rule(cast):
    TimeEntryFactory(consultant=cast.consultant, date=DAY, seconds=20 * 3600)
    response = bearer(cast.consultant).post("/api/v1/time-entries/", {
        "date": "2026-11-02", "duration": "5h", "kind": "internal"}, format="json")
    assert response.status_code == 400
    assert TimeEntry.objects.count() == 1


def test_idempotency_key_retry_creates_once(cast):
    client = bearer(cast.consultant)
    body = {"date": "2026-11-02", "seconds": 1800, "kind": "internal"}
    first = client.post("/api/v1/time-entries/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = client.post("/api/v1/time-entries/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert TimeEntry.objects.count() == 1
    # Another person's same key is theirs alone.
    other = bearer(cast.teammate).post("/api/v1/time-entries/", body, format="json",
                                       HTTP_IDEMPOTENCY_KEY="k1")
    assert other.status_code == 201
    assert TimeEntry.objects.count() == 2


def test_patch_and_delete_own_entry(cast):
    entry = TimeEntryFactory(consultant=cast.consultant, seconds=3600)
    client = bearer(cast.consultant)
    response = client.patch(f"/api/v1/time-entries/{entry.pk}/", {"duration": "2h"},
                            format="json")
    assert response.status_code == 200, response.json()
    entry.refresh_from_db()
    assert entry.seconds == 7200
    bad = client.patch(f"/api/v1/time-entries/{entry.pk}/", {"seconds": 0}, format="json")
    assert bad.status_code == 400
    entry.refresh_from_db()
    assert entry.seconds == 7200
    assert client.delete(f"/api/v1/time-entries/{entry.pk}/").status_code == 204
    assert not TimeEntry.objects.exists()


@pytest.mark.parametrize("who, status", [("teammate", 404), ("outsider", 404),
                                         ("manager", 403)])
def test_someone_elses_entry_cannot_be_changed(cast, who, status):
    # Out of sight is 404; a manager sees the team's entries, so changing one is 403.
    entry = TimeEntryFactory(consultant=cast.consultant, seconds=3600)
    client = bearer(getattr(cast, who))
    url = f"/api/v1/time-entries/{entry.pk}/"
    assert client.patch(url, {"seconds": 60}, format="json").status_code == status
    assert client.delete(url).status_code == status
    entry.refresh_from_db()
    assert entry.seconds == 3600


def test_schema_is_openapi_json(cast):
    response = bearer(cast.consultant).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/time-entries/" in schema["paths"]
    assert "/api/v1/reports/balance/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_schema_generates_without_warnings(tmp_path):
    # drf-spectacular's own validation against the OpenAPI 3 meta-schema.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", tmp_path / "s.yml")

