"""Week approval (submit, approve, return, reopen: who may, which transitions) and the lock:
an approved week refuses every write service, and the database refuses what bypasses them."""

import datetime as dt
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from tracker import services
from tracker.approvals import WeekLocked
from tracker.models import Activity, Kind, RunningTimer, TimeEntry, WeekApproval
from tracker.services import WeekCellChange

from .clock import NOW, TODAY
from .factories import ActivityFactory, TimeEntryFactory, UserFactory

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 11, 16)  # last week, seen from TODAY (Wed 25 Nov 2026)
LOCKED_MESSAGE = (
    "Week 2026-W47 of Alice Tester was approved by Maria Tester on 25 Nov 2026; "
    "ask an admin to reopen it."
)


def approve(cast, monday=MONDAY):
    services.week_submit(consultant=cast.consultant, week_start=monday)
    return services.week_approve(consultant=cast.consultant, week_start=monday, by=cast.manager)


def refused_as_locked(call):
    with pytest.raises(WeekLocked) as refused:
        call()
    assert refused.value.code == "locked"
    assert LOCKED_MESSAGE in refused.value.messages[0]
    return refused.value


# Transitions and who may ---------------------------------------------------------------------


def test_submit_approve_records_who_and_when(cast, frozen_time):
    submitted = services.week_submit(consultant=cast.consultant, week_start=MONDAY, note="Leave")
    assert (submitted.status, submitted.submitted_at, submitted.note) == ("submitted", NOW, "Leave")
    approved = services.week_approve(
        consultant=cast.consultant, week_start=MONDAY, by=cast.manager, comment="Thanks"
    )
    assert (approved.status, approved.decided_by, approved.decided_at, approved.comment) == (
        "approved", cast.manager, NOW, "Thanks",
    )
    assert WeekApproval.objects.count() == 1


def test_return_needs_a_comment_and_the_consultant_resubmits(cast, frozen_time):
    services.week_submit(consultant=cast.consultant, week_start=MONDAY)
    with pytest.raises(ValidationError) as refused:
        services.week_return(consultant=cast.consultant, week_start=MONDAY, by=cast.manager,
                             comment="  ")
    assert "comment" in refused.value.message_dict
    returned = services.week_return(consultant=cast.consultant, week_start=MONDAY,
                                    by=cast.manager, comment="Tuesday is missing")
    assert (returned.status, returned.comment) == ("returned", "Tuesday is missing")
    again = services.week_submit(consultant=cast.consultant, week_start=MONDAY)
    assert again.status == "submitted"


@pytest.mark.parametrize("who, allowed", [
    ("manager", True), ("admin", True), ("other_manager", False), ("teammate", False),
    ("consultant", False),
])
def test_who_decides_on_a_week(cast, frozen_time, who, allowed):
    services.week_submit(consultant=cast.consultant, week_start=MONDAY)
    decide = lambda: services.week_approve(  # noqa: E731
        consultant=cast.consultant, week_start=MONDAY, by=getattr(cast, who))
    if allowed:
        assert decide().status == "approved"
    else:
        with pytest.raises(PermissionDenied):
            decide()
        assert WeekApproval.objects.get().status == "submitted"


def test_a_managers_own_week_goes_to_another_manager_or_an_admin(cast, frozen_time):
    cast.team.managers.add(cast.teammate)
    services.week_submit(consultant=cast.manager, week_start=MONDAY)
    with pytest.raises(PermissionDenied, match="Your own weeks"):
        services.week_approve(consultant=cast.manager, week_start=MONDAY, by=cast.manager)
    fresh_teammate = type(cast.teammate).objects.get(pk=cast.teammate.pk)
    assert services.week_approve(
        consultant=cast.manager, week_start=MONDAY, by=fresh_teammate
    ).status == "approved"


@pytest.mark.parametrize("action, message", [
    ("approve", "Week 2026-W47 is open (not submitted): it cannot be approved."),
    ("return", "Week 2026-W47 is open (not submitted): it cannot be returned."),
])
def test_only_a_submitted_week_is_decided(cast, frozen_time, action, message):
    call = services.week_approve if action == "approve" else services.week_return
    with pytest.raises(ValidationError) as refused:
        call(consultant=cast.consultant, week_start=MONDAY, by=cast.manager, comment="x")
    assert refused.value.messages == [message]
    assert not WeekApproval.objects.exists()


def test_a_second_approval_is_refused_naming_the_first(cast, frozen_time):
    """Two managers clicking at once: the second finds the week approved already."""
    approve(cast)
    refused_as_locked(lambda: services.week_approve(
        consultant=cast.consultant, week_start=MONDAY, by=cast.admin))
    assert WeekApproval.objects.get().decided_by == cast.manager


def test_submitting_twice_a_future_week_or_not_a_monday_is_refused(cast, frozen_time):
    services.week_submit(consultant=cast.consultant, week_start=MONDAY)
    for week_start, code in ((MONDAY, "invalid_transition"),
                             (dt.date(2026, 11, 30), "future"),
                             (dt.date(2026, 11, 17), "not_monday")):
        with pytest.raises(ValidationError) as refused:
            services.week_submit(consultant=cast.consultant, week_start=week_start)
        assert refused.value.code == code


def test_an_empty_week_may_be_submitted_and_this_week_too(cast, frozen_time):
    assert services.week_submit(consultant=cast.consultant, week_start=MONDAY).status == "submitted"
    this_week = dt.date(2026, 11, 23)
    assert services.week_submit(consultant=cast.consultant, week_start=this_week).status \
        == "submitted"


def test_an_approval_names_the_version_it_saw(cast, frozen_time):
    TimeEntryFactory(consultant=cast.consultant, date=MONDAY)
    services.week_submit(consultant=cast.consultant, week_start=MONDAY)
    seen = services.week_version(consultant=cast.consultant, week_start=MONDAY)
    services.time_entry_create(consultant=cast.consultant, date=MONDAY, seconds=60,
                               kind=Kind.INTERNAL)  # submitted weeks stay editable
    with pytest.raises(ValidationError) as refused:
        services.week_approve(consultant=cast.consultant, week_start=MONDAY, by=cast.manager,
                              version=seen)
    assert refused.value.code == "stale"
    assert WeekApproval.objects.get().status == "submitted"


def test_reopen_is_for_admins_with_a_reason_and_keeps_the_approval(cast, frozen_time):
    approve(cast)
    with pytest.raises(PermissionDenied):
        services.week_reopen(consultant=cast.consultant, week_start=MONDAY, by=cast.manager,
                             reason="Typo")
    with pytest.raises(ValidationError) as refused:
        services.week_reopen(consultant=cast.consultant, week_start=MONDAY, by=cast.admin,
                             reason="")
    assert "reason" in refused.value.message_dict
    reopened = services.week_reopen(consultant=cast.consultant, week_start=MONDAY,
                                    by=cast.admin, reason="Client disputed Tuesday")
    assert (reopened.status, reopened.reopened_by, reopened.reopen_reason) == (
        "open", cast.admin, "Client disputed Tuesday",
    )
    assert reopened.decided_by == cast.manager  # the approval it had is not lost
    services.time_entry_create(consultant=cast.consultant, date=MONDAY, seconds=60,
                               kind=Kind.INTERNAL)  # open again
    with pytest.raises(ValidationError, match="nothing to reopen"):
        services.week_reopen(consultant=cast.consultant, week_start=MONDAY, by=cast.admin,
                             reason="again")


# The lock, on every write service --------------------------------------------------------------


def test_create_into_an_approved_week_is_refused(cast, frozen_time):
    approve(cast)
    refused_as_locked(lambda: services.time_entry_create(
        consultant=cast.consultant, date=MONDAY + dt.timedelta(days=2), seconds=60,
        kind=Kind.INTERNAL))
    assert not TimeEntry.objects.exists()


def test_update_checks_the_old_and_the_new_date(cast, frozen_time):
    inside = TimeEntryFactory(consultant=cast.consultant, date=MONDAY)
    outside = TimeEntryFactory(consultant=cast.consultant, date=TODAY)
    approve(cast)
    refused_as_locked(lambda: services.time_entry_update(entry=inside, date=TODAY))
    refused_as_locked(lambda: services.time_entry_update(entry=outside, date=MONDAY))
    refused_as_locked(lambda: services.time_entry_update(entry=inside, note="x"))
    assert set(TimeEntry.objects.values_list("date", "note")) == {(MONDAY, ""), (TODAY, "")}


def test_delete_is_refused(cast, frozen_time):
    entry = TimeEntryFactory(consultant=cast.consultant, date=MONDAY)
    approve(cast)
    refused_as_locked(lambda: services.time_entry_delete(entry=entry))
    assert TimeEntry.objects.filter(pk=entry.pk).exists()


def test_the_week_grid_is_refused(cast, frozen_time):
    approve(cast)
    refused_as_locked(lambda: services.time_entries_save_week(
        consultant=cast.consultant, monday=MONDAY,
        changes=[WeekCellChange(day=MONDAY, kind=Kind.INTERNAL, seconds=60, read_seconds=0)]))
    assert not TimeEntry.objects.exists()


def test_a_timer_running_into_an_approved_week_is_not_stopped_and_keeps_running(
    cast, frozen_time
):
    frozen_time.move_to(dt.datetime(2026, 11, 22, 22, 0, tzinfo=dt.UTC))  # Sunday night
    services.timer_start(consultant=cast.consultant, kind=Kind.INTERNAL)
    frozen_time.move_to(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC))  # Monday
    approve(cast)
    with pytest.raises(WeekLocked) as refused:
        services.timer_stop(consultant=cast.consultant)
    assert refused.value.messages == [LOCKED_MESSAGE.replace("25 Nov", "23 Nov")]
    assert RunningTimer.objects.filter(user=cast.consultant).exists()
    assert not TimeEntry.objects.exists()


def test_a_timer_is_not_started_in_an_approved_week(cast, frozen_time):
    approve(cast, monday=dt.date(2026, 11, 23))  # this week, approved early
    with pytest.raises(WeekLocked):
        services.timer_start(consultant=cast.consultant, kind=Kind.INTERNAL)
    assert not RunningTimer.objects.exists()


def test_an_import_is_refused_whole_naming_its_entries_in_locked_weeks(cast, frozen_time):
    approve(cast)
    entries = [
        TimeEntry(consultant=cast.consultant, date=TODAY, seconds=60, kind=Kind.INTERNAL),
        TimeEntry(consultant=cast.consultant, date=MONDAY, seconds=60, kind=Kind.INTERNAL),
        TimeEntry(consultant=cast.teammate, date=MONDAY, seconds=60, kind=Kind.INTERNAL),
    ]
    error = refused_as_locked(lambda: services.time_entries_import(entries=entries))
    assert error.messages == [f"entries 2: {LOCKED_MESSAGE}"]
    assert not TimeEntry.objects.exists()


def test_undoing_an_import_with_time_in_a_locked_week_is_refused(cast, frozen_time):
    batch = services.ImportBatch.objects.create(file_name="t.csv", sha256="0", format="toggl",
                                                status="done")
    services.time_entries_import(batch=batch, entries=[
        TimeEntry(consultant=cast.consultant, date=MONDAY, seconds=60, kind=Kind.INTERNAL),
    ])
    approve(cast)
    refused_as_locked(lambda: services.import_batch_undo(batch=batch, user=cast.admin))
    batch.refresh_from_db()
    assert (batch.status, TimeEntry.objects.count()) == ("done", 1)


def test_activities_are_locked_by_their_date(cast, frozen_time):
    activity = ActivityFactory(consultant=cast.consultant, date=MONDAY)
    later = ActivityFactory(consultant=cast.consultant, date=TODAY)
    approve(cast)
    refused_as_locked(lambda: services.activity_create(
        consultant=cast.consultant, kind="talk", title="Late talk", date=MONDAY))
    refused_as_locked(lambda: services.activity_update(activity=activity, title="Renamed"))
    refused_as_locked(lambda: services.activity_update(activity=later, date=MONDAY))
    refused_as_locked(lambda: services.activity_delete(activity=activity))
    assert Activity.objects.count() == 2


def test_deleting_an_activity_whose_time_is_locked_is_refused(cast, frozen_time):
    """Its time would lose its link: a change to the approved week."""
    activity = ActivityFactory(consultant=cast.consultant, date=TODAY)
    TimeEntryFactory(consultant=cast.consultant, date=MONDAY, kind=Kind.PROMOTION,
                     activity=activity)
    approve(cast)
    refused_as_locked(lambda: services.activity_delete(activity=activity))
    assert TimeEntry.objects.get().activity == activity


def test_the_lock_is_per_person_and_week(cast, frozen_time):
    approve(cast)
    services.time_entry_create(consultant=cast.teammate, date=MONDAY, seconds=60,
                               kind=Kind.INTERNAL)
    services.time_entry_create(consultant=cast.consultant, date=MONDAY - dt.timedelta(days=1),
                               seconds=60, kind=Kind.INTERNAL)
    assert TimeEntry.objects.count() == 2


# The database's backstop -----------------------------------------------------------------------


def test_the_database_refuses_writes_that_bypass_the_services(cast, frozen_time):
    entry = TimeEntryFactory(consultant=cast.consultant, date=MONDAY)
    activity = ActivityFactory(consultant=cast.consultant, date=MONDAY)
    approve(cast)
    for write in (
        lambda: TimeEntry.objects.filter(pk=entry.pk).update(seconds=7200),
        lambda: TimeEntry.objects.filter(pk=entry.pk).update(date=TODAY),  # moving it out
        lambda: TimeEntry.objects.filter(pk=entry.pk).delete(),
        lambda: TimeEntry.objects.bulk_create([TimeEntry(
            consultant=cast.consultant, date=MONDAY, seconds=60, kind=Kind.INTERNAL)]),
        lambda: TimeEntryFactory(consultant=cast.consultant, date=MONDAY + dt.timedelta(days=6)),
        lambda: Activity.objects.filter(pk=activity.pk).update(title="x"),
        lambda: Activity.objects.filter(pk=activity.pk).delete(),
    ):
        with pytest.raises(IntegrityError, match="clientfirst_week_locked"), \
                transaction.atomic():
            write()
    entry.refresh_from_db()
    assert (entry.seconds, entry.date, TimeEntry.objects.count()) == (3600, MONDAY, 1)
    # Another person's week, and the week after, take writes as before.
    TimeEntryFactory(consultant=UserFactory(), date=MONDAY)
    TimeEntryFactory(consultant=cast.consultant, date=MONDAY + dt.timedelta(days=7))
    assert TimeEntry.objects.count() == 3


def test_a_reopened_week_takes_bulk_writes_again(cast, frozen_time):
    entry = TimeEntryFactory(consultant=cast.consultant, date=MONDAY)
    approve(cast)
    services.week_reopen(consultant=cast.consultant, week_start=MONDAY, by=cast.admin,
                         reason="Fix")
    assert TimeEntry.objects.filter(pk=entry.pk).update(seconds=60) == 1


def test_the_lock_triggers_are_there_and_checked():
    from tracker.lock_triggers import lock_trigger_problem

    assert lock_trigger_problem(connection) is None


@pytest.mark.django_db(transaction=True)
def test_missing_lock_triggers_are_reported_by_the_check(cast):
    """A SQLite table rebuild, or a hand, drops them: `manage.py check` says so (E003)."""
    from django.core.checks import Tags, run_checks
    from django.core.management import call_command

    from tracker.lock_triggers import MISSING, SQLITE_TRIGGERS, lock_trigger_problem

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER clientfirst_week_lock ON tracker_activity")
        else:
            cursor.execute(f"DROP TRIGGER {SQLITE_TRIGGERS[-1]}")
    try:
        assert lock_trigger_problem(connection) == MISSING
        [error] = run_checks(tags=[Tags.database], databases=["default"])
        assert error.id == "tracker.E003"
        assert "The week lock's triggers are missing" in error.msg
        assert error.hint.endswith("python manage.py install_triggers --database default")
    finally:
        call_command("install_triggers", stdout=StringIO())  # the hint: no table dropped
    assert lock_trigger_problem(connection) is None
