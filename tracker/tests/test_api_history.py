"""/api/v1/history/?object=<type>:<id> (docs/api.md "History"): an object's changes, newest
first, for whoever sees the object; a deleted one by its last record."""

import datetime as dt

import pytest
from django.urls import reverse

from clients import services as client_services
from tracker import services
from tracker.models import Change, Kind

from .api_clients import as_who, bearer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_time")]

MONDAY = dt.date(2026, 11, 23)
URL = "/api/v1/history/"


@pytest.fixture
def entry(cast):
    """Alice's entry, created then changed (two records)."""
    made = services.time_entry_create(consultant=cast.consultant, date=MONDAY, seconds=3600,
                                      kind=Kind.INTERNAL)
    return services.time_entry_update(entry=made, seconds=5400)


def get(client, value):
    return client.get(URL, {"object": value})


@pytest.mark.parametrize(("who", "status"), [
    ("consultant", 200), ("teammate", 404), ("manager", 200), ("other_manager", 404),
    ("outsider", 404), ("admin", 200), ("anonymous", 401), ("revoked", 401),
])
def test_who_reads_an_entrys_history(cast, entry, who, status):
    response = get(as_who(cast, who), f"time-entry:{entry.pk}")
    assert response.status_code == status
    if status == 200:
        results = response.json()["results"]
        assert [(r["action"], r["changes"]) for r in results] == [
            ("update", {"seconds": [3600, 5400]}),
            ("create", {"consultant": [None, cast.consultant.pk], "date": [None, "2026-11-23"],
                        "seconds": [None, 3600], "kind": [None, "internal"],
                        "billable": [None, False], "source": [None, "manual"]}),
        ]
        assert results[0]["by"] is None and results[0]["via"] == "system"


def test_the_api_shows_what_the_entry_page_shows(client, cast, entry):
    client.force_login(cast.consultant)
    page = client.get(f"/time/{entry.pk}/edit/").context["history"]
    api = get(bearer(cast.consultant), f"time-entry:{entry.pk}").json()["results"]
    assert [(row["change"].action, row["change"].at) for row in page] == [
        (r["action"], dt.datetime.fromisoformat(r["at"].replace("Z", "+00:00"))) for r in api
    ]


@pytest.mark.parametrize(("who", "status"), [
    ("consultant", 200), ("teammate", 404), ("manager", 200), ("other_manager", 404),
    ("admin", 200),
])
def test_a_deleted_entry_is_reached_by_its_last_record(cast, entry, who, status):
    alice = bearer(cast.consultant)
    alice.delete(f"/api/v1/time-entries/{entry.pk}/")
    response = get(as_who(cast, who), f"time-entry:{entry.pk}")
    assert response.status_code == status
    if status == 200:
        latest = response.json()["results"][0]
        assert (latest["action"], latest["by"], latest["via"]) == ("delete", "alice", "api")
        assert latest["ref"].startswith("token ")
        assert latest["changes"]["seconds"] == [5400, None]


@pytest.mark.parametrize(("who", "status"), [
    ("consultant", 200), ("teammate", 404), ("manager", 200), ("other_manager", 404),
    ("admin", 200),
])
def test_an_outcome_and_its_deleted_reading_follow_the_engagement(cast, who, status):
    outcome = client_services.outcome_create(
        engagement=cast.engagement, title="Faster", metric="Days", baseline=10, target=5,
        direction="decrease")
    reading = client_services.outcome_measure(outcome=outcome, date=MONDAY, value=8)
    reading_id = reading.pk
    client_services.measurement_delete(measurement=reading)
    viewer = as_who(cast, who)
    assert get(viewer, f"outcome:{outcome.pk}").status_code == status
    response = get(viewer, f"measurement:{reading_id}")
    assert response.status_code == status
    if status == 200:
        assert [r["action"] for r in response.json()["results"]] == ["delete", "create"]


def test_a_week_by_its_person_and_iso_week(cast):
    approval = services.week_submit(consultant=cast.consultant, week_start=dt.date(2026, 11, 16))
    services.week_approve(consultant=cast.consultant, week_start=approval.week_start,
                          by=cast.manager)
    for name in ("week:alice/2026-W47", f"week:{approval.pk}"):
        results = get(bearer(cast.manager), name).json()["results"]
        assert [(r["action"], r["by"]) for r in results] == [
            ("approve", "maria"), ("submit", "alice"),
        ]
    assert get(bearer(cast.consultant), "week:alice/2026-W46").json()["results"] == []
    assert get(bearer(cast.outsider), "week:alice/2026-W47").status_code == 404
    assert get(bearer(cast.outsider), f"week:{approval.pk}").status_code == 404
    assert get(bearer(cast.manager), "week:ali\x00ce/2026-W47").status_code == 404


@pytest.mark.parametrize("value", [
    None, "", "time-entry", "time-entry:", "time-entry:abc", "time-entry:-1", "time-entry:0",
    "time-entry:99999999999999999999999", "time-entry:1.5", "time-entry:١٢", "entry:1",
    "TIME-ENTRY:1", "week:alice/2026-W99", "week:alice/", "week:alice",
])
def test_a_bad_object_is_400_naming_it(cast, value):
    client = bearer(cast.admin)
    response = client.get(URL) if value is None else get(client, value)
    assert response.status_code == 400
    assert "object" in response.json()


def test_an_object_with_no_history_or_never_there_is_404(cast):
    # The cast's engagement was made by a factory, not a service: it exists, without records.
    assert get(bearer(cast.admin), f"engagement:{cast.engagement.pk}").json()["results"] == []
    assert get(bearer(cast.admin), "time-entry:987654").status_code == 404
    assert not Change.objects.exists()


def test_the_schema_documents_the_endpoint(client, cast):
    client.force_login(cast.consultant)
    schema = client.get(reverse("api_schema"), HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/history/"]["get"]
    assert {"200", "400", "401", "404"} <= set(operation["responses"])
    change = schema["components"]["schemas"]["Change"]["properties"]
    assert {"at", "by", "via", "ref", "action", "changes"} <= set(change)
    assert change["by"]["nullable"] is True
