"""The history on the objects' pages and the /history/ list for managers and admins."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients import services as client_services
from clients.models import Client
from clients.tests.factories import OutcomeFactory
from tracker import history, services
from tracker.models import Kind

from .test_history import LAST_MONDAY, MONDAY, entry_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_time")]


def history_rows(response) -> list[tuple]:
    return [(row["change"].action, row["change"].username, tuple(
        f"{line['field']}: {line['old']} → {line['new']}" for line in row["lines"]))
        for row in response.context["history"]]


def test_the_entry_page_shows_who_when_and_what_changed(client, cast):
    entry = services.time_entry_create(consultant=cast.consultant, date=MONDAY, seconds=3600,
                                       kind=Kind.INTERNAL)
    client.force_login(cast.consultant)
    client.post(f"/time/{entry.pk}/edit/", entry_data(
        cast, date="2026-11-23", seconds="1:30", kind="internal", engagement="", billable=""))
    response = client.get(f"/time/{entry.pk}/edit/")
    rows = history_rows(response)
    assert rows[0] == ("update", "alice", ("Duration: 1:00 → 1:30", "Note: — → Workshop"))
    assert rows[1][:2] == ("create", "")
    page = response.content.decode()
    assert "Duration: 1:00 → 1:30" in page and "Alice Tester" in page
    assert "the system" in page  # the creation, outside any request


def test_each_objects_page_shows_its_history(client, cast):
    client.force_login(cast.admin)
    client.post("/clients/new/", {"name": "Acme", "sector": "", "active": "on"})
    acme = Client.objects.get(name="Acme")
    outcome = OutcomeFactory(engagement=cast.engagement)
    client_services.outcome_measure(outcome=outcome, date=MONDAY, value=12)
    talk = services.activity_create(consultant=cast.consultant, kind="talk", title="Keynote",
                                    date=MONDAY)
    client_services.engagement_update(engagement=cast.engagement, data={"name": "Tax portal 2"})
    services.week_submit(consultant=cast.consultant, week_start=LAST_MONDAY)

    assert history_rows(client.get(f"/clients/{acme.pk}/"))[0][:2] == ("create", "root")
    outcome_rows = client.get(f"/outcomes/{outcome.pk}/").context["history"]
    assert {(row["change"].object_type, row["other"]) for row in outcome_rows} == {
        ("outcome", False), ("measurement", True)
    }
    assert history_rows(client.get(f"/activities/{talk.pk}/"))[0][0] == "create"
    engagement_page = client.get(f"/engagements/{cast.engagement.pk}/")
    assert history_rows(engagement_page)[0][2] == ("Name: Tax portal → Tax portal 2",)
    week_page = client.get(reverse("tracker:week_detail", args=["alice", "2026-W47"]))
    assert history_rows(week_page)[0][2] == ("Status: Open → Submitted",)


def _world_of_changes(cast):
    """Alice's entry, Olga's (another team), and an outcome on Alice's engagement."""
    return {
        "alice": services.time_entry_create(consultant=cast.consultant, date=MONDAY,
                                            seconds=60, kind=Kind.INTERNAL),
        "olga": services.time_entry_create(consultant=cast.outsider, date=MONDAY, seconds=60,
                                           kind=Kind.INTERNAL),
        "outcome": client_services.outcome_create(
            engagement=cast.engagement, title="Faster", metric="Days", baseline=10, target=5,
            direction="decrease"),
    }


def listed_changes(response) -> set:
    return {(row.record.object_type, row.record.object_id)
            for row in response.context["table"].paginated_rows}


@pytest.mark.parametrize(("who", "sees"), [
    ("manager", {"alice", "outcome"}),
    ("other_manager", {"olga"}),
    ("admin", {"alice", "olga", "outcome"}),
])
def test_the_history_list_shows_what_is_in_reach(client, cast, who, sees):
    world = _world_of_changes(cast)
    client.force_login(getattr(cast, who))
    response = client.get("/history/")
    assert response.status_code == 200
    expected = {(history.FIELDS[type(world[name])][0], world[name].pk) for name in sees}
    assert listed_changes(response) == expected


@pytest.mark.parametrize("who", ["consultant", "teammate"])
def test_the_history_list_is_not_for_consultants(client, cast, who):
    client.force_login(getattr(cast, who))
    assert client.get("/history/").status_code == 404


def test_the_history_list_filters_by_object_person_and_period(client, cast, frozen_time):
    world = _world_of_changes(cast)
    frozen_time.shift(dt.timedelta(days=2))
    services.time_entry_update(entry=world["alice"], seconds=120)
    client.force_login(cast.admin)
    only_time = listed_changes(client.get("/history/?object_type=time-entry"))
    assert only_time == {("time-entry", world["alice"].pk), ("time-entry", world["olga"].pk)}
    alices = client.get(f"/history/?owner={cast.consultant.pk}&action=update")
    assert listed_changes(alices) == {("time-entry", world["alice"].pk)}
    assert "Duration: 0:01 → 0:02" in alices.content.decode()
    later = client.get("/history/?date_from=2026-11-27")
    assert len(later.context["table"].paginated_rows) == 1
    csv = client.get("/history/?_export=csv&object_type=outcome").content.decode("utf-8-sig")
    assert "Faster" in csv and "Title: — → Faster" in csv


def test_naming_someone_out_of_reach_in_the_history_filters_is_404(client, cast):
    client.force_login(cast.manager)
    assert client.get(f"/history/?owner={cast.outsider.pk}").status_code == 404


def test_the_history_list_pages_without_counting(client, cast):
    """The history grows with every change: its pages never COUNT(*) it. A page reads its
    rows and one more, to offer "next"; the last page offers none; a page number past the
    bound, or no number, shows the first page."""
    for minutes in range(1, 8):
        services.time_entry_create(consultant=cast.consultant, date=MONDAY,
                                   seconds=minutes * 60, kind=Kind.INTERNAL)
    client.force_login(cast.admin)
    with CaptureQueriesContext(connection) as queries:
        first = client.get("/history/?per_page=3")
    assert not [q for q in queries if "COUNT(" in q["sql"].upper()]
    table = first.context["table"]
    assert len(table.paginated_rows) == 3 and table.page.has_next()
    assert 'href="?per_page=3&amp;page=2"' in first.content.decode()
    last = client.get("/history/?per_page=3&page=3").context["table"]
    assert len(last.paginated_rows) == 1 and not last.page.has_next()
    for page in ("0", "x", "201", "99999999999999999999"):
        shown = client.get(f"/history/?per_page=3&page={page}").context["table"]
        assert shown.page.number == 1, page
