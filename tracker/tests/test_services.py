"""The tracker's write services, on the real database: what they refuse (ValidationError,
nothing written), the defaults they apply, the timestamps they move and the timer's rules."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tracker import services
from tracker.grid import WeekGrid
from tracker.limits import DATE_RANGE_MESSAGE
from tracker.models import Activity, Kind, RunningTimer, Team, TimeEntry
from tracker.services import WeekCellChange

from .clock import NOW, TODAY
from .factories import ActivityFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 11, 23)  # the week of TODAY


def log(cast, **values) -> TimeEntry:
    fields = {"consultant": cast.consultant, "date": TODAY, "seconds": 3600,
              "kind": Kind.INTERNAL, **values}
    return services.time_entry_create(**fields)


# Time entries -----------------------------------------------------------------------------------


def test_client_work_is_billable_unless_said_otherwise_and_other_kinds_never(cast, frozen_time):
    client_work = log(cast, kind=Kind.CLIENT, engagement=cast.engagement)
    unbilled = log(cast, kind=Kind.CLIENT, engagement=cast.engagement, billable=False)
    internal = log(cast, kind=Kind.INTERNAL, billable=True)
    promotion = log(cast, kind=Kind.PROMOTION)
    assert (client_work.billable, unbilled.billable, internal.billable, promotion.billable) == (
        True, False, False, False,
    )
    assert set(TimeEntry.objects.values_list("kind", "billable")) == {
        ("client", True), ("client", False), ("internal", False), ("promotion", False),
    }


@pytest.mark.parametrize(
    "values, field, message",
    [
        ({"date": TODAY + dt.timedelta(days=1)}, "date", "Time cannot be logged in the future."),
        ({"kind": Kind.CLIENT}, "engagement", "Client work needs an engagement."),
        ({"seconds": 0}, "seconds", "A time entry needs some time: more than 0 seconds."),
        ({"seconds": 25 * 3600}, "seconds", "A time entry cannot be longer than 24 hours."),
        ({"date": dt.date(1899, 12, 31)}, "date", DATE_RANGE_MESSAGE),
    ],
)
def test_an_entry_that_breaks_a_rule_is_refused_and_nothing_written(
    cast, frozen_time, values, field, message
):
    with pytest.raises(ValidationError) as refused:
        log(cast, **values)
    assert message in refused.value.message_dict[field]
    assert not TimeEntry.objects.exists()


def test_an_engagement_the_consultant_is_not_on_is_refused(cast, frozen_time):
    with pytest.raises(ValidationError) as refused:
        log(cast, consultant=cast.teammate, kind=Kind.CLIENT, engagement=cast.engagement)
    assert refused.value.message_dict["engagement"] == [
        "You are not a member of this engagement."
    ]
    assert not TimeEntry.objects.exists()


def test_more_than_24_hours_in_a_day_is_refused(cast, frozen_time):
    log(cast, seconds=23 * 3600)
    with pytest.raises(ValidationError) as refused:
        log(cast, seconds=2 * 3600)
    assert "more than 24 hours" in refused.value.message_dict["seconds"][0]
    assert TimeEntry.objects.count() == 1


def test_an_import_row_imported_twice_is_a_validation_error_not_a_crash(cast, frozen_time):
    log(cast, source="toggl", external_id="row-1")
    with pytest.raises(ValidationError) as refused:
        log(cast, source="toggl", external_id="row-1", date=TODAY - dt.timedelta(days=1))
    assert "This row was already imported." in refused.value.messages
    assert TimeEntry.objects.count() == 1


def test_an_update_changes_what_it_is_given_and_moves_updated_at(cast, frozen_time):
    entry = log(cast, kind=Kind.CLIENT, engagement=cast.engagement, note="Calls")
    stale = TimeEntry.objects.get(pk=entry.pk)
    TimeEntry.objects.filter(pk=entry.pk).update(note="Changed meanwhile")  # another save
    frozen_time.shift(dt.timedelta(minutes=5))

    saved = services.time_entry_update(entry=stale, seconds=5400)

    entry.refresh_from_db()
    assert (entry.seconds, entry.note, entry.billable) == (5400, "Changed meanwhile", True)
    assert entry.updated_at == NOW + dt.timedelta(minutes=5) == saved.updated_at
    assert entry.created_at == NOW


def test_an_update_to_another_kind_is_no_longer_billable(cast, frozen_time):
    entry = log(cast, kind=Kind.CLIENT, engagement=cast.engagement)
    services.time_entry_update(entry=entry, kind=Kind.INTERNAL, engagement=None)
    entry.refresh_from_db()
    assert (entry.kind, entry.billable) == (Kind.INTERNAL, False)


def test_a_refused_update_writes_nothing(cast, frozen_time):
    entry = log(cast, kind=Kind.CLIENT, engagement=cast.engagement)
    with pytest.raises(ValidationError) as refused:
        services.time_entry_update(entry=entry, engagement=None, seconds=7200)
    assert refused.value.message_dict["engagement"] == ["Client work needs an engagement."]
    entry.refresh_from_db()
    assert (entry.engagement, entry.seconds) == (cast.engagement, 3600)


def test_delete(cast, frozen_time):
    entry = log(cast)
    services.time_entry_delete(entry=entry)
    assert not TimeEntry.objects.exists()


# The week grid ----------------------------------------------------------------------------------


def change(day: int, seconds: int, read: int = 0, **row) -> WeekCellChange:
    row = row or {"kind": Kind.INTERNAL}
    return WeekCellChange(day=MONDAY + dt.timedelta(days=day), seconds=seconds,
                          read_seconds=read, **row)


def test_a_week_save_creates_updates_and_deletes_with_updated_at_set(cast, frozen_time):
    typed_over = TimeEntryFactory(consultant=cast.consultant, date=MONDAY, seconds=3600)
    cleared = TimeEntryFactory(consultant=cast.consultant, date=MONDAY + dt.timedelta(days=1))
    before = typed_over.updated_at
    frozen_time.shift(dt.timedelta(hours=1))

    changed = services.time_entries_save_week(
        consultant=cast.consultant, monday=MONDAY, changes=[
            change(0, 5400, read=3600),
            change(1, 0, read=3600),
            change(2, 1800, kind=Kind.CLIENT, engagement_id=cast.engagement.pk),
        ],
    )

    assert changed == 3
    typed_over.refresh_from_db()
    assert typed_over.seconds == 5400
    assert typed_over.updated_at == NOW + dt.timedelta(hours=1) > before
    assert not TimeEntry.objects.filter(pk=cleared.pk).exists()
    new = TimeEntry.objects.get(kind=Kind.CLIENT)
    assert (new.date, new.seconds, new.engagement, new.billable) == (
        MONDAY + dt.timedelta(days=2), 1800, cast.engagement, True,
    )


def test_a_week_save_counts_the_day_as_it_will_be(cast, frozen_time):
    """20 h moved from one row to another on one day: never more than 24 h once written,
    whichever cell is written first."""
    TimeEntryFactory(consultant=cast.consultant, date=MONDAY, seconds=20 * 3600)
    services.time_entries_save_week(consultant=cast.consultant, monday=MONDAY, changes=[
        change(0, 20 * 3600, kind=Kind.CLIENT, engagement_id=cast.engagement.pk),
        change(0, 3600, read=20 * 3600),
    ])
    assert sorted(TimeEntry.objects.values_list("seconds", flat=True)) == [3600, 20 * 3600]


def test_a_week_save_that_breaks_a_rule_writes_nothing(cast, frozen_time):
    kept = TimeEntryFactory(consultant=cast.consultant, date=MONDAY, seconds=3600)
    with pytest.raises(ValidationError) as refused:
        services.time_entries_save_week(consultant=cast.consultant, monday=MONDAY, changes=[
            change(0, 7200, read=3600),
            change(1, 3600, kind=Kind.CLIENT),  # client work without an engagement
            change(2, 25 * 3600),
        ])
    assert "Tue 24 Nov: Client work needs an engagement." in refused.value.messages
    assert any("Wed 25 Nov: That makes more than 24 hours" in message
               for message in refused.value.messages)
    assert list(TimeEntry.objects.values_list("pk", "seconds")) == [(kept.pk, 3600)]


def test_a_week_save_over_a_cell_changed_since_it_was_read_is_refused(cast, frozen_time):
    entry = TimeEntryFactory(consultant=cast.consultant, date=MONDAY, seconds=3600)
    TimeEntry.objects.filter(pk=entry.pk).update(seconds=600)  # another tab, meanwhile
    with pytest.raises(ValidationError) as refused:
        services.time_entries_save_week(consultant=cast.consultant, monday=MONDAY, changes=[
            change(0, 7200, read=3600),
            change(1, 3600),
        ])
    assert refused.value.messages == ["Mon 23 Nov was changed meanwhile (another tab or device)."]
    assert list(TimeEntry.objects.values_list("seconds", flat=True)) == [600]


def test_a_grid_read_before_another_save_is_refused_not_saved_over(cast, frozen_time):
    """My week reads the week, then saves: a save in between (another tab) is caught by the
    service, which reads the week again, locked."""
    entry = TimeEntryFactory(consultant=cast.consultant, date=MONDAY, seconds=3600)
    grid = WeekGrid(user=cast.consultant, monday=MONDAY)
    assert grid.bind({"cell-internal-0-0": "2", "was-cell-internal-0-0": "3600"})
    TimeEntry.objects.filter(pk=entry.pk).update(seconds=600)
    with pytest.raises(ValidationError):
        grid.save()
    entry.refresh_from_db()
    assert entry.seconds == 600


def test_a_week_save_does_not_type_over_a_cell_of_several_entries(cast, frozen_time):
    TimeEntryFactory.create_batch(2, consultant=cast.consultant, date=MONDAY, seconds=1800)
    with pytest.raises(ValidationError):
        services.time_entries_save_week(consultant=cast.consultant, monday=MONDAY,
                                        changes=[change(0, 7200, read=3600)])
    services.time_entries_save_week(consultant=cast.consultant, monday=MONDAY,
                                    changes=[change(0, 0, read=3600)])  # clearing it may
    assert not TimeEntry.objects.exists()


def test_a_week_save_writes_only_into_its_week(cast, frozen_time):
    with pytest.raises(ValidationError):
        services.time_entries_save_week(consultant=cast.consultant, monday=MONDAY,
                                        changes=[change(7, 3600)])
    assert not TimeEntry.objects.exists()


# The timer --------------------------------------------------------------------------------------


def test_timer_start_applies_the_billable_default_and_the_rules(cast, frozen_time):
    with pytest.raises(ValidationError) as refused:
        services.timer_start(consultant=cast.consultant, kind=Kind.CLIENT)
    assert refused.value.message_dict["engagement"] == ["Client work needs an engagement."]
    assert not RunningTimer.objects.exists()

    timer = services.timer_start(
        consultant=cast.consultant, kind=Kind.CLIENT, engagement=cast.engagement
    )
    assert (timer.started_at, timer.billable) == (NOW, True)


def test_a_second_start_is_refused_and_leaves_the_running_timer_alone(cast, frozen_time):
    services.timer_start(consultant=cast.consultant, kind=Kind.INTERNAL, note="first")
    frozen_time.shift(dt.timedelta(minutes=5))
    with pytest.raises(ValidationError) as refused:
        services.timer_start(consultant=cast.consultant, kind=Kind.INTERNAL, note="again")
    assert refused.value.code == "running"
    timer = RunningTimer.objects.get()
    assert (timer.started_at, timer.note) == (NOW, "first")


def test_timer_stop_rounds_up_to_the_minute_and_logs_what_the_timer_was_for(cast, frozen_time):
    services.timer_start(consultant=cast.consultant, kind=Kind.CLIENT,
                         engagement=cast.engagement, note="Calls", billable=False)
    frozen_time.shift(dt.timedelta(minutes=42, seconds=10))
    [entry] = services.timer_stop(consultant=cast.consultant)
    assert (entry.date, entry.seconds, entry.kind, entry.engagement, entry.note,
            entry.billable) == (TODAY, 43 * 60, Kind.CLIENT, cast.engagement, "Calls", False)
    assert TimeEntry.objects.get() == entry
    assert not RunningTimer.objects.exists()


def test_timer_stop_splits_at_midnight_in_the_persons_timezone(cast, frozen_time):
    cast.consultant.timezone = "America/New_York"  # midnight there is 05:00 UTC
    cast.consultant.save()
    RunningTimer.objects.create(user=cast.consultant, kind=Kind.INTERNAL,
                                started_at=dt.datetime(2026, 11, 25, 4, 30, tzinfo=dt.UTC))
    services.timer_stop(consultant=cast.consultant,
                        now=dt.datetime(2026, 11, 25, 5, 10, 1, tzinfo=dt.UTC))
    assert dict(TimeEntry.objects.values_list("date", "seconds")) == {
        dt.date(2026, 11, 24): 30 * 60, dt.date(2026, 11, 25): 11 * 60,
    }


def test_a_timer_over_24_hours_is_not_stopped(cast, frozen_time):
    RunningTimer.objects.create(user=cast.consultant, kind=Kind.INTERNAL,
                                started_at=NOW - dt.timedelta(hours=24, seconds=1))
    with pytest.raises(ValidationError) as refused:
        services.timer_stop(consultant=cast.consultant)
    assert refused.value.code == "too_long"
    assert "Discard it and log the time by hand." in refused.value.messages[0]
    assert RunningTimer.objects.exists() and not TimeEntry.objects.exists()


def test_a_timer_that_would_pass_24_hours_in_a_day_is_not_stopped(cast, frozen_time):
    TimeEntryFactory(consultant=cast.consultant, date=TODAY, seconds=23 * 3600 + 50 * 60)
    RunningTimer.objects.create(user=cast.consultant, kind=Kind.INTERNAL,
                                started_at=NOW - dt.timedelta(minutes=20))
    with pytest.raises(ValidationError) as refused:
        services.timer_stop(consultant=cast.consultant)
    assert refused.value.messages[0].startswith("That makes more than 24 hours on 25 Nov")
    assert RunningTimer.objects.exists() and TimeEntry.objects.count() == 1


def test_timer_stop_without_a_timer(cast, frozen_time):
    with pytest.raises(RunningTimer.DoesNotExist):
        services.timer_stop(consultant=cast.consultant)


def test_timer_discard_logs_nothing(cast, frozen_time):
    services.timer_start(consultant=cast.consultant, kind=Kind.INTERNAL)
    assert services.timer_discard(consultant=cast.consultant) is True
    assert services.timer_discard(consultant=cast.consultant) is False
    assert not RunningTimer.objects.exists() and not TimeEntry.objects.exists()


# Activities -------------------------------------------------------------------------------------


def test_activity_create_validates_and_writes_nothing_when_refused(cast, frozen_time):
    with pytest.raises(ValidationError) as refused:
        services.activity_create(consultant=cast.consultant, kind=Activity.Kind.TALK,
                                 title="Keynote\nat night", date=TODAY, audience=-1)
    assert set(refused.value.message_dict) == {"title", "audience"}
    assert not Activity.objects.exists()
    activity = services.activity_create(consultant=cast.consultant, kind=Activity.Kind.TALK,
                                        title="Keynote", date=TODAY, audience=300)
    assert Activity.objects.get() == activity and activity.created_at == NOW


def test_activity_update_changes_what_it_is_given_and_moves_updated_at(cast, frozen_time):
    activity = ActivityFactory(consultant=cast.consultant, title="Keynote", audience=100)
    Activity.objects.filter(pk=activity.pk).update(leads=7)  # another save meanwhile
    frozen_time.shift(dt.timedelta(minutes=3))
    services.activity_update(activity=activity, audience=250)
    activity.refresh_from_db()
    assert (activity.audience, activity.leads) == (250, 7)
    assert activity.updated_at == NOW + dt.timedelta(minutes=3)
    with pytest.raises(ValidationError):
        services.activity_update(activity=activity, audience=10**10)
    activity.refresh_from_db()
    assert activity.audience == 250


def test_activity_delete_keeps_its_time_logged(cast, frozen_time):
    activity = ActivityFactory(consultant=cast.consultant)
    entry = log(cast, kind=Kind.PROMOTION, activity=activity)
    services.activity_delete(activity=activity)
    entry.refresh_from_db()
    assert not Activity.objects.exists() and entry.activity is None


# The admin writes through the services ----------------------------------------------------------


def admin_entry(cast, **values) -> dict:
    return {"consultant": cast.consultant.pk, "date": TODAY.isoformat(), "seconds": 3600,
            "kind": "internal", "engagement": "", "activity": "", "note": "", "source": "",
            "external_id": "", **values}


def test_the_admin_logs_time_through_the_service(client, cast, frozen_time):
    client.force_login(cast.admin)
    response = client.post("/admin/tracker/timeentry/add/", admin_entry(cast, billable="on"))
    assert response.status_code == 302
    assert list(TimeEntry.objects.values_list("kind", "billable")) == [("internal", False)]


def test_the_admin_shows_a_broken_rule_next_to_its_field(client, cast, frozen_time):
    client.force_login(cast.admin)
    response = client.post("/admin/tracker/timeentry/add/",
                           admin_entry(cast, date=(TODAY + dt.timedelta(days=1)).isoformat()))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["date"] == [
        "Time cannot be logged in the future."
    ]
    assert not TimeEntry.objects.exists()


def test_the_admin_edits_and_deletes_through_the_services(client, cast, frozen_time):
    entry = log(cast, kind=Kind.CLIENT, engagement=cast.engagement)
    client.force_login(cast.admin)
    frozen_time.shift(dt.timedelta(minutes=1))
    response = client.post(f"/admin/tracker/timeentry/{entry.pk}/change/", admin_entry(
        cast, kind="client", engagement=cast.engagement.pk, seconds=7200, billable="on"))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.seconds, entry.updated_at) == (7200, NOW + dt.timedelta(minutes=1))
    response = client.post("/admin/tracker/timeentry/", {
        "action": "delete_selected", "_selected_action": [entry.pk], "post": "yes",
    })
    assert response.status_code == 302
    assert not TimeEntry.objects.exists()


def test_digest_preferences_are_validated_and_unsubscribe_changes_only_the_opt_in(cast):
    person = cast.consultant
    with pytest.raises(ValidationError):
        services.digest_preferences_set(user=person, opt_in=False, timezone_name="Mars/Olympus")
    person.refresh_from_db()
    assert (person.digest_opt_in, person.timezone) == (True, "Europe/London")
    services.digest_preferences_set(user=person, opt_in=True, timezone_name=" Asia/Tokyo ")
    person.refresh_from_db()
    assert person.timezone == "Asia/Tokyo"
    services.digest_unsubscribe(user=person)
    person.refresh_from_db()
    assert (person.digest_opt_in, person.timezone) == (False, "Asia/Tokyo")


def test_the_admin_writes_teams_and_people_through_the_services(client, cast):
    """A team name with a line break is refused next to its field, as on every other page."""
    client.force_login(cast.admin)
    response = client.post("/admin/tracker/team/add/", {
        "name": "Growth\r\nBcc", "promotion_threshold": "0.30", "managers": [cast.manager.pk],
    })
    assert response.status_code == 200
    assert "no line breaks" in response.content.decode()
    response = client.post("/admin/tracker/team/add/", {
        "name": "Growth", "promotion_threshold": "0.30", "managers": [cast.manager.pk],
    })
    assert response.status_code == 302
    growth = Team.objects.get(name="Growth")
    assert list(growth.managers.all()) == [cast.manager]
    client.post(f"/admin/tracker/team/{growth.pk}/delete/", {"post": "yes"})
    assert not Team.objects.filter(name="Growth").exists()
