"""The history of every change (tracker/history.py): each write path leaves its record, with
who, when, through what and old -> new per field; nothing edits or deletes a record."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from clients import services as client_services
from clients.models import Client, Engagement, Outcome, OutcomeMeasurement
from clients.tests.factories import ClientFactory, OutcomeFactory, OutcomeMeasurementFactory
from tracker import history, services
from tracker.models import (
    Activity,
    Change,
    ImportBatch,
    ImportUpload,
    Kind,
    RunningTimer,
    TimeEntry,
)
from tracker.tests.clock import NOW, TODAY
from tracker.tests.factories import TimeEntryFactory

from .test_api import bearer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_time")]

MONDAY = dt.date(2026, 11, 23)  # this week, seen from TODAY (Wed 25 Nov)
LAST_MONDAY = dt.date(2026, 11, 16)
EXPORTS = Path(__file__).parent / "imports"


def records(obj=None, **filters):
    """The records of `obj` (or all), oldest first."""
    changes = Change.objects.order_by("at", "pk").filter(**filters)
    if obj is not None:
        type_name = history.FIELDS[type(obj)][0]
        changes = changes.filter(object_type=type_name, object_id=obj.pk)
    return list(changes)


def who(change) -> tuple:
    return change.action, change.username, change.via


def entry_data(cast, **overrides):
    return {"date": "2026-11-24", "seconds": "1:00", "kind": "client",
            "engagement": cast.engagement.pk, "activity": "", "note": "Workshop",
            "billable": "on", **overrides}


# --- time: forms, grid, timer, import, API, admin -----------------------------------------------


def test_the_time_forms_record_create_edit_and_delete(client, cast):
    client.force_login(cast.consultant)
    assert client.post("/time/new/", entry_data(cast)).status_code == 302
    entry = TimeEntry.objects.get()
    created, = records(entry)
    assert who(created) == ("create", "alice", "page")
    assert created.user == cast.consultant and created.at == NOW
    assert created.changes["seconds"] == [None, 3600]
    assert created.changes["date"] == [None, "2026-11-24"]
    assert created.changes["engagement"] == [None, cast.engagement.pk]
    assert created.labels["engagement"] == [None, str(cast.engagement)]
    assert created.owner == cast.consultant and created.object_label == str(entry)

    client.post(f"/time/{entry.pk}/edit/", entry_data(cast, seconds="1:30"))
    updated = records(entry)[-1]
    assert who(updated) == ("update", "alice", "page")
    assert updated.changes == {"seconds": [3600, 5400]}  # only what changed

    client.post(f"/time/{entry.pk}/edit/", entry_data(cast, seconds="1:30"))  # the same again
    assert len(records(entry)) == 2

    client.post(f"/time/{entry.pk}/delete/")
    deleted = records(entry)[-1]
    assert who(deleted) == ("delete", "alice", "page")
    assert deleted.changes["seconds"] == [5400, None]
    assert not TimeEntry.objects.exists() and deleted.object_label  # the label outlives it


def test_a_refused_write_leaves_no_record(client, cast):
    client.force_login(cast.consultant)
    response = client.post("/time/new/", entry_data(cast, seconds="25h"))
    assert response.status_code == 200 and not Change.objects.exists()


def test_the_week_grid_records_each_cell_it_writes(client, cast):
    kept = TimeEntryFactory(consultant=cast.consultant, date=MONDAY, seconds=3600)
    gone = TimeEntryFactory(consultant=cast.consultant, date=MONDAY + dt.timedelta(days=1),
                            seconds=600)
    client.force_login(cast.consultant)
    client.post(f"{reverse('tracker:my_week')}?week=2026-W48", {
        "cell-internal-0-0": "2:15", "cell-internal-0-1": "",
        f"cell-client-{cast.engagement.pk}-0": "1",
    }, follow=True)
    new = TimeEntry.objects.get(kind=Kind.CLIENT)
    assert [(c.action, c.changes) for c in records(kept)] == [
        ("update", {"seconds": [3600, 8100]})
    ]
    assert [c.action for c in records(gone)] == ["delete"]
    assert [c.action for c in records(new)] == ["create"]
    assert {(c.via, c.username) for c in records()} == {("grid", "alice")}


def test_stopping_the_timer_records_its_entry_via_the_timer(client, cast, frozen_time):
    client.force_login(cast.consultant)
    client.post("/time/timer/start/", {"timer-kind": "internal", "timer-note": "Calls"})
    frozen_time.shift(dt.timedelta(minutes=30))
    client.post("/time/timer/stop/")
    change, = records(TimeEntry.objects.get())
    assert who(change) == ("create", "alice", "timer")
    assert change.via_ref == "page"  # the path the timer was stopped from
    assert change.changes["seconds"] == [None, 1800]


def test_the_timer_stopped_through_the_api_names_the_token(cast):
    api = bearer(cast.consultant)
    api.post("/api/v1/timer/", {"action": "start", "kind": "internal"}, format="json")
    RunningTimer.objects.update(started_at=NOW - dt.timedelta(minutes=5))
    assert api.post("/api/v1/timer/", {"action": "stop"}, format="json").status_code == 200
    change, = records()
    token = cast.consultant.api_tokens.get()
    assert (change.via, change.via_ref) == ("timer", f"api token {token.pk} “{token.name}”")


def _upload_and_confirm(client, django_capture_on_commit_callbacks, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    data = (EXPORTS / "toggl_detailed.csv").read_bytes()
    client.post(reverse("tracker:import_list"), {
        "file": SimpleUploadedFile("toggl_detailed.csv", data, content_type="text/csv"),
        "format": "auto", "create_users": "on",
    })
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("tracker:import_confirm", args=[ImportUpload.objects.get().pk]))
    return ImportBatch.objects.get()


def test_an_import_records_every_entry_and_its_undo_every_deletion(
    client, cast, django_capture_on_commit_callbacks, settings, tmp_path
):
    client.force_login(cast.manager)
    batch = _upload_and_confirm(client, django_capture_on_commit_callbacks, settings, tmp_path)
    entries = list(TimeEntry.objects.all())
    assert len(entries) == 3
    imported = records(object_type="time-entry")
    assert sorted(c.object_id for c in imported) == sorted(e.pk for e in entries)
    assert {(c.action, c.via, c.username) for c in imported} == {("create", "import", "maria")}
    assert {c.via_ref.split(";")[0] for c in imported} == {f"batch {batch.pk}"}
    # What the import created around the time is its doing too.
    assert {(c.object_type, c.via) for c in records(action="create")} >= {
        ("client", "import"), ("engagement", "import"),
    }

    client.post(reverse("tracker:import_batch_undo", args=[batch.pk]))
    undone = records(object_type="time-entry", action="delete")
    assert sorted(c.object_id for c in undone) == sorted(e.pk for e in entries)
    assert {(c.via, c.via_ref.split(";")[0], c.username) for c in undone} == {
        ("import", f"batch {batch.pk} undone", "maria")
    }


def test_the_import_command_records_via_the_import_and_names_the_command(cast, tmp_path):
    call_command("import_timesheet", str(EXPORTS / "toggl_detailed.csv"), "--create-users",
                 stdout=io.StringIO())
    batch = ImportBatch.objects.get()
    imported = records(object_type="time-entry")
    assert len(imported) == 3
    assert {(c.via, c.via_ref) for c in imported} == {
        ("import", f"batch {batch.pk}; command import_timesheet")
    }


def test_the_api_records_create_patch_and_delete_with_the_token(cast):
    api = bearer(cast.consultant)
    token = cast.consultant.api_tokens.get()
    response = api.post("/api/v1/time-entries/", {
        "date": "2026-11-24", "duration": "1:00", "kind": "internal",
    }, format="json")
    entry_id = response.json()["id"]
    assert api.patch(f"/api/v1/time-entries/{entry_id}/", {"duration": "1:00"},
                     format="json").status_code == 200  # changes nothing: no record
    api.patch(f"/api/v1/time-entries/{entry_id}/", {"note": "Planning"}, format="json")
    api.delete(f"/api/v1/time-entries/{entry_id}/")
    changes = records(object_type="time-entry", object_id=entry_id)
    assert [who(c) for c in changes] == [
        ("create", "alice", "api"), ("update", "alice", "api"), ("delete", "alice", "api"),
    ]
    assert changes[1].changes == {"note": ["", "Planning"]}
    assert {c.via_ref for c in changes} == {f"token {token.pk} “{token.name}”"}


def test_the_admin_records_a_change_and_a_bulk_delete(client, cast):
    first = TimeEntryFactory(consultant=cast.consultant, date=MONDAY, seconds=3600)
    second = TimeEntryFactory(consultant=cast.consultant, date=MONDAY, seconds=600)
    client.force_login(cast.admin)
    response = client.post(reverse("admin:tracker_timeentry_change", args=[first.pk]), {
        "consultant": cast.consultant.pk, "date": "2026-11-23", "seconds": "7200",
        "kind": "internal", "engagement": "", "activity": "", "note": "", "source": "",
        "external_id": "",
    })
    assert response.status_code == 302
    change, = records(first)
    assert who(change) == ("update", "root", "admin")
    assert change.changes == {"seconds": [3600, 7200]}

    client.post(reverse("admin:tracker_timeentry_changelist"), {
        "action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes",
    })
    assert not TimeEntry.objects.exists()
    assert {(c.object_id, *who(c)) for c in records(action="delete")} == {
        (first.pk, "delete", "root", "admin"), (second.pk, "delete", "root", "admin"),
    }


def test_a_service_called_outside_any_request_records_via_system(cast):
    entry = services.time_entry_create(consultant=cast.consultant, date=MONDAY, seconds=60,
                                       kind=Kind.INTERNAL)
    change, = records(entry)
    assert (change.via, change.user, change.username) == ("system", None, "")


# --- activities, clients, engagements, outcomes, measurements ------------------------------------


def test_the_activity_forms_record_and_a_delete_records_what_it_unlinks(client, cast):
    client.force_login(cast.consultant)
    client.post("/activities/new/", {
        "kind": "talk", "title": "Outcomes over output", "date": "2026-11-24", "venue": "",
        "url": "", "audience": "250", "interactions": "0", "leads": "0", "engagement": "",
        "note": "",
    })
    talk = Activity.objects.get()
    client.post(f"/activities/{talk.pk}/edit/", {
        "kind": "talk", "title": "Outcomes over output", "date": "2026-11-24", "venue": "",
        "url": "", "audience": "300", "interactions": "0", "leads": "0", "engagement": "",
        "note": "",
    })
    spent = TimeEntryFactory(consultant=cast.consultant, date=MONDAY, kind=Kind.PROMOTION,
                             activity=talk)
    client.post(f"/activities/{talk.pk}/delete/")
    assert [c.action for c in records(talk)] == ["create", "update", "delete"]
    assert records(talk)[1].changes == {"audience": [250, 300]}
    unlinked, = records(spent)
    assert (unlinked.action, unlinked.changes) == ("update", {"activity": [talk.pk, None]})
    assert unlinked.labels["activity"] == [str(talk), None]


def test_client_engagement_and_outcome_pages_record_their_writes(client, cast):
    client.force_login(cast.admin)
    client.post("/clients/new/", {"name": "Acme", "sector": "Retail", "active": "on"})
    acme = Client.objects.get(name="Acme")
    client.post(f"/clients/{acme.pk}/edit/", {"name": "Acme Ltd", "sector": "Retail"})
    assert [(c.action, c.via) for c in records(acme)] == [("create", "page"), ("update", "page")]
    assert records(acme)[1].changes == {"name": ["Acme", "Acme Ltd"], "active": [True, False]}

    client.force_login(cast.manager)
    client.post("/engagements/new/", {
        "client": cast.engagement.client_id, "name": "Data platform", "team": cast.team.pk,
        "status": "active",
        "starts_on": "2026-11-01", "ends_on": "", "budget_hours": "120",
        "members": [cast.consultant.pk], "source_activity": "",
    })
    platform = Engagement.objects.get(name="Data platform")
    created, = records(platform)
    assert created.changes["members"] == [None, [cast.consultant.pk]]
    assert created.labels["members"] == [None, [str(cast.consultant)]]
    assert (created.team, created.engagement_key) == (cast.team, platform.pk)

    client.post(f"/outcomes/new/?engagement={platform.pk}", {
        "title": "Fewer complaints", "metric": "Complaints per week", "unit": "",
        "direction": "decrease", "baseline": "40", "target": "20", "evidence_url": "",
        "evidence_note": "",
    })
    outcome = Outcome.objects.get()
    client.post(f"/outcomes/{outcome.pk}/edit/", {
        "title": "Fewer complaints", "metric": "Complaints per week", "unit": "",
        "direction": "decrease", "baseline": "40", "target": "15.5", "evidence_url": "",
        "evidence_note": "",
    })
    assert [c.action for c in records(outcome)] == ["create", "update"]
    assert records(outcome)[1].changes == {"target": ["20", "15.5"]}  # decimals as strings


def test_recording_a_measurement_and_the_outcomes_status(client, cast):
    outcome = OutcomeFactory(engagement=cast.engagement)
    client.force_login(cast.consultant)
    client.post(f"/outcomes/{outcome.pk}/", {
        "record": "measurement", "outcome": outcome.pk, f"m{outcome.pk}-date": "2026-11-04",
        f"m{outcome.pk}-value": "15", f"m{outcome.pk}-note": "",
    })
    measurement = OutcomeMeasurement.objects.get()
    assert [(c.action, c.changes.get("value")) for c in records(measurement)] == [
        ("create", [None, "15"])
    ]
    started, = records(outcome)  # its first reading starts it
    assert started.changes == {"status": ["planned", "in_progress"]}
    assert started.engagement_key == cast.engagement.pk


def test_deleting_an_engagement_records_its_outcomes_and_measurements(cast):
    outcome = OutcomeFactory(engagement=cast.engagement)
    reading = OutcomeMeasurementFactory(outcome=outcome)
    engagement_id = cast.engagement.pk
    client_services.engagement_delete(engagement=cast.engagement)
    assert [c.action for c in records(outcome)] == ["delete"]
    assert [c.action for c in records(reading)] == ["delete"]
    assert records(reading)[0].engagement_key == engagement_id


def test_the_admins_client_and_outcome_writes_record_via_admin(client, cast):
    acme = ClientFactory(name="Acme")
    client.force_login(cast.admin)
    client.post(reverse("admin:clients_client_change", args=[acme.pk]),
                {"name": "Acme AG", "sector": "Public sector", "owner": "", "active": "on"})
    change, = records(acme)
    assert who(change) == ("update", "root", "admin")
    client.post(reverse("admin:clients_client_changelist"), {
        "action": "delete_selected", "_selected_action": [acme.pk], "post": "yes",
    })
    assert [who(c) for c in records(acme)][-1] == ("delete", "root", "admin")


# --- weeks ---------------------------------------------------------------------------------------


def test_a_weeks_submit_return_approve_and_reopen_are_recorded(client, cast):
    week_url = reverse("tracker:week_detail", args=["alice", "2026-W47"])
    client.force_login(cast.consultant)
    client.post(f"{reverse('tracker:week_submit')}?week=2026-W47", {"note": "All there"})
    client.force_login(cast.manager)
    client.post(week_url, {"action": "return", "comment": "Log the workshop"})
    client.force_login(cast.consultant)
    client.post(f"{reverse('tracker:week_submit')}?week=2026-W47", {"note": "All there"})
    client.force_login(cast.manager)
    client.post(week_url, {"action": "approve", "comment": ""})
    client.force_login(cast.admin)
    client.post(week_url, {"action": "reopen", "reason": "Client dispute"})

    approval = cast.consultant.week_approvals.get()
    changes = records(approval)
    assert [who(c) for c in changes] == [
        ("submit", "alice", "page"), ("return", "maria", "page"), ("submit", "alice", "page"),
        ("approve", "maria", "page"), ("reopen", "root", "page"),
    ]
    assert changes[0].changes == {"status": ["open", "submitted"], "note": ["", "All there"]}
    assert changes[1].changes == {"status": ["submitted", "returned"],
                                  "comment": ["", "Log the workshop"]}
    assert changes[4].changes == {"status": ["approved", "open"],
                                  "reopen_reason": ["", "Client dispute"]}
    assert changes[0].object_label == "Alice Tester, week 2026-W47"


# --- records are never changed through the app ----------------------------------------------------


def test_the_admin_shows_records_read_only(client, cast):
    entry = services.time_entry_create(consultant=cast.consultant, date=TODAY, seconds=60,
                                       kind=Kind.INTERNAL)
    change, = records(entry)
    client.force_login(cast.admin)
    assert client.get(reverse("admin:tracker_change_changelist")).status_code == 200
    assert client.get(reverse("admin:tracker_change_add")).status_code == 403
    assert client.get(reverse("admin:tracker_change_delete", args=[change.pk])).status_code == 403
    response = client.post(reverse("admin:tracker_change_change", args=[change.pk]),
                           {"username": "someone else"})
    assert response.status_code == 403
    change.refresh_from_db()
    assert change.username == ""

