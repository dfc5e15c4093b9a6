"""A write into an approved week answers 409 naming the week and its approver (CONTRACT.md
"REST API"), on every API path that writes time, and writes nothing."""

import datetime as dt

import pytest
import time_machine

from tracker.models import Kind, TimeEntry
from tracker.services import week_approve, week_submit

from .factories import ActivityFactory, TimeEntryFactory
from .test_api import bearer

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 11, 2)


@pytest.fixture
def approved(cast):
    entry = TimeEntryFactory(consultant=cast.consultant, date=MONDAY, seconds=3600,
                             kind=Kind.INTERNAL)
    activity = ActivityFactory(consultant=cast.consultant, date=MONDAY)
    week_submit(consultant=cast.consultant, week_start=MONDAY)
    week_approve(consultant=cast.consultant, week_start=MONDAY, by=cast.manager)
    return entry, activity


def assert_locked(response, cast):
    assert response.status_code == 409, response.content
    detail = response.json()["detail"]
    assert "2026-W45" in detail and cast.manager.get_full_name() in detail


def test_every_time_write_into_an_approved_week_is_409_and_writes_nothing(cast, approved):
    entry, activity = approved
    api = bearer(cast.consultant)
    before = list(TimeEntry.objects.values_list("pk", "seconds", "note", "date"))

    assert_locked(api.post("/api/v1/time-entries/", {
        "date": "2026-11-03", "seconds": 600, "kind": "internal"}, format="json"), cast)
    assert_locked(api.patch(f"/api/v1/time-entries/{entry.pk}/", {"note": "later"},
                            format="json"), cast)
    assert_locked(api.delete(f"/api/v1/time-entries/{entry.pk}/"), cast)
    # Moving an open week's entry into the approved week is refused too.
    open_entry = TimeEntryFactory(consultant=cast.consultant, date=MONDAY + dt.timedelta(7),
                                  seconds=60, kind=Kind.INTERNAL)
    before.append((open_entry.pk, 60, open_entry.note, open_entry.date))
    assert_locked(api.patch(f"/api/v1/time-entries/{open_entry.pk}/", {"date": "2026-11-04"},
                            format="json"), cast)
    assert_locked(api.patch(f"/api/v1/activities/{activity.pk}/", {"title": "Renamed"},
                            format="json"), cast)
    assert_locked(api.delete(f"/api/v1/activities/{activity.pk}/"), cast)
    assert sorted(TimeEntry.objects.values_list("pk", "seconds", "note", "date")) == sorted(before)
    activity.refresh_from_db()
    assert activity.title != "Renamed"


def test_a_timer_stopped_into_an_approved_week_is_409_and_keeps_running(cast, approved):
    api = bearer(cast.consultant)
    with time_machine.travel(dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC), tick=False):
        assert api.post("/api/v1/timer/", {"action": "start", "kind": "internal"},
                        format="json").status_code == 201
    # The week of 16 Nov is approved meanwhile (submitted once it has begun).
    with time_machine.travel(dt.datetime(2026, 11, 16, 10, tzinfo=dt.UTC), tick=False):
        week_submit(consultant=cast.consultant, week_start=dt.date(2026, 11, 16))
        week_approve(consultant=cast.consultant, week_start=dt.date(2026, 11, 16),
                     by=cast.manager)
        response = api.post("/api/v1/timer/", {"action": "stop"}, format="json")
        assert response.status_code == 409, response.content
        assert "2026-W47" in response.json()["detail"]
        assert api.get("/api/v1/timer/").json()["running"] is True
