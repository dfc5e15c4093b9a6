"""/api/v1/time-entries/: who may list, log, read, change and delete, over the fixed cast.

Reads show exactly what /time/ shows that person; writes follow /time/'s rule (the owner, or
an admin), but a write on an entry in sight (a manager's team) is 403, not the page's 404.
"""

import pytest
from django.test import Client

from tracker.models import Kind, TimeEntry

from .api_clients import PEOPLE, as_who
from .factories import TimeEntryFactory

pytestmark = pytest.mark.django_db

# alice's entry, as each caller meets it: read, change, delete.
ONE = {
    "consultant": (200, 200, 204),
    "teammate": (404, 404, 404),
    "manager": (200, 403, 403),
    "other_manager": (404, 404, 404),
    "outsider": (404, 404, 404),
    "admin": (200, 200, 204),
    "anonymous": (401, 401, 401),
    "revoked": (401, 401, 401),
}


@pytest.fixture
def entries(cast):
    """One entry each, so every list tells its people apart."""
    return {who: TimeEntryFactory(consultant=getattr(cast, who), kind=Kind.INTERNAL,
                                  seconds=3600)
            for who in PEOPLE}


@pytest.mark.parametrize("who", PEOPLE)
def test_the_list_shows_what_the_time_page_shows(cast, entries, who):
    page = Client()
    page.force_login(getattr(cast, who))
    shown = {row["id"] for row in as_who(cast, who).get("/api/v1/time-entries/").json()[
        "results"]}
    assert shown == {
        row.record.pk for row in page.get("/time/").context["table"].page.object_list
    }
    assert entries[who].pk in shown  # everyone sees their own


@pytest.mark.parametrize("who", ["anonymous", "revoked"])
def test_the_list_needs_a_live_token(cast, entries, who):
    assert as_who(cast, who).get("/api/v1/time-entries/").status_code == 401


@pytest.mark.parametrize("who, read, change, delete", [(k, *v) for k, v in ONE.items()])
def test_one_entry_read_change_delete(cast, entries, who, read, change, delete):
    entry = entries["consultant"]
    client = as_who(cast, who)
    url = f"/api/v1/time-entries/{entry.pk}/"
    got = client.get(url)
    assert got.status_code == read
    if read == 200:
        assert got.json()["id"] == entry.pk and got.json()["seconds"] == 3600

    patched = client.patch(url, {"seconds": 1800}, format="json")
    assert patched.status_code == change
    entry.refresh_from_db()
    assert entry.seconds == (1800 if change == 200 else 3600)
    if change == 403:
        assert "Only the person who logged this entry" in patched.json()["detail"]

    assert client.delete(url).status_code == delete
    assert TimeEntry.objects.filter(pk=entry.pk).exists() == (delete != 204)


@pytest.mark.parametrize("who, status", [*[(who, 201) for who in PEOPLE],
                                         ("anonymous", 401), ("revoked", 401)])
def test_anyone_signed_in_logs_their_own_time(cast, who, status):
    response = as_who(cast, who).post(
        "/api/v1/time-entries/", {"date": "2026-11-02", "seconds": 900, "kind": "internal"},
        format="json",
    )
    assert response.status_code == status
    logged = TimeEntry.objects.filter(seconds=900)
    if status == 201:
        assert [entry.consultant for entry in logged] == [getattr(cast, who)]
    else:
        assert not logged.exists()


def test_a_managers_write_is_403_and_changes_nothing_even_with_bad_input(cast, entries):
    # The reach is checked before the input: a forbidden write never learns what is valid.
    entry = entries["consultant"]
    response = as_who(cast, "manager").patch(f"/api/v1/time-entries/{entry.pk}/",
                                             {"seconds": "lots"}, format="json")
    assert response.status_code == 403


def test_an_admin_correcting_an_entry_uses_its_owners_engagements(cast, entries):
    entry = entries["consultant"]
    response = as_who(cast, "admin").patch(
        f"/api/v1/time-entries/{entry.pk}/",
        {"kind": "client", "engagement": cast.engagement.pk}, format="json",
    )
    assert response.status_code == 200, response.json()
    entry.refresh_from_db()
    assert (entry.kind, entry.engagement, entry.consultant) == (
        Kind.CLIENT, cast.engagement, cast.consultant)
