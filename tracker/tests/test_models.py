"""Bad rows are refused by the database itself, and by model validation with a clear message."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clients.tests.factories import EngagementFactory
from tracker.models import Kind, TimeEntry
from tracker.tests.factories import ActivityFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 2)


def insert(**fields):
    """Write straight to the database, skipping model validation."""
    with transaction.atomic():
        return TimeEntry.objects.create(date=DAY, **fields)


@pytest.fixture
def alice():
    return UserFactory(username="alice")


@pytest.mark.parametrize("seconds", [0, 24 * 3600 + 1])
def test_database_refuses_durations_outside_a_day(alice, seconds):
    with pytest.raises(IntegrityError):
        insert(consultant=alice, seconds=seconds, kind=Kind.INTERNAL)


def test_database_refuses_negative_seconds(alice):
    with pytest.raises(IntegrityError):
        insert(consultant=alice, seconds=-60, kind=Kind.INTERNAL)


def test_database_accepts_exactly_24_hours(alice):
    entry = insert(consultant=alice, seconds=24 * 3600, kind=Kind.INTERNAL)
    assert TimeEntry.objects.get(pk=entry.pk).seconds == 86400


def test_database_refuses_client_time_without_engagement(alice):
    with pytest.raises(IntegrityError):
        insert(consultant=alice, seconds=3600, kind=Kind.CLIENT)


@pytest.mark.parametrize("kind", [Kind.PROMOTION, Kind.INTERNAL])
def test_database_refuses_engagement_on_non_client_time(alice, kind):
    engagement = EngagementFactory(members=[alice])
    with pytest.raises(IntegrityError):
        insert(consultant=alice, seconds=3600, kind=kind, engagement=engagement)


def test_database_refuses_activity_on_client_time(alice):
    engagement = EngagementFactory(members=[alice])
    talk = ActivityFactory(consultant=alice)
    with pytest.raises(IntegrityError):
        insert(consultant=alice, seconds=3600, kind=Kind.CLIENT, engagement=engagement,
               activity=talk)


def test_database_refuses_unknown_kind(alice):
    with pytest.raises(IntegrityError):
        insert(consultant=alice, seconds=3600, kind="bragging")


def test_database_refuses_the_same_imported_row_twice(alice):
    insert(consultant=alice, seconds=3600, kind=Kind.INTERNAL, source="toggl", external_id="r1")
    with pytest.raises(IntegrityError):
        insert(consultant=alice, seconds=60, kind=Kind.INTERNAL, source="toggl", external_id="r1")


def test_manual_entries_need_no_external_id(alice):
    insert(consultant=alice, seconds=3600, kind=Kind.INTERNAL)
    insert(consultant=alice, seconds=3600, kind=Kind.INTERNAL)
    assert TimeEntry.objects.filter(consultant=alice).count() == 2


def errors_of(entry):
    with pytest.raises(ValidationError) as caught:
        entry.full_clean()
    return caught.value.message_dict


def test_validation_explains_zero_and_too_long(alice):
    assert "more than 0 seconds" in errors_of(
        TimeEntry(consultant=alice, date=DAY, seconds=0, kind=Kind.INTERNAL)
    )["seconds"][0]
    assert "longer than 24 hours" in errors_of(
        TimeEntry(consultant=alice, date=DAY, seconds=86401, kind=Kind.INTERNAL)
    )["seconds"][0]


def test_validation_explains_engagement_rules(alice):
    engagement = EngagementFactory(members=[alice])
    assert errors_of(TimeEntry(consultant=alice, date=DAY, seconds=60, kind=Kind.CLIENT))[
        "engagement"
    ] == ["Client work needs an engagement."]
    assert errors_of(
        TimeEntry(consultant=alice, date=DAY, seconds=60, kind=Kind.PROMOTION,
                  engagement=engagement)
    )["engagement"] == ["Only client work is logged on an engagement."]


def test_valid_entry_passes_validation(alice):
    engagement = EngagementFactory(members=[alice])
    TimeEntry(consultant=alice, date=DAY, seconds=5400, kind=Kind.CLIENT,
              engagement=engagement).full_clean()


def test_user_defaults(alice):
    assert alice.weekly_capacity_hours == 40
    assert alice.digest_opt_in is True
    assert alice.role == "consultant"


def test_emails_are_unique():
    UserFactory(username="a", email="same@example.test")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="b", email="same@example.test")


def test_unknown_timezone_is_refused_by_validation(alice):
    alice.timezone = "Mars/Olympus_Mons"
    with pytest.raises(ValidationError) as caught:
        alice.full_clean()
    assert "not a known timezone" in caught.value.message_dict["timezone"][0]


def test_team_threshold_must_be_a_share():
    with pytest.raises(IntegrityError), transaction.atomic():
        TeamFactory(name="Greedy", promotion_threshold=2)


def test_roles(cast):
    assert cast.consultant.role == "consultant"
    assert cast.manager.role == "manager"
    assert cast.admin.role == "admin"


def test_emails_are_unique_ignoring_case():
    UserFactory(username="dana", email="Dana@Example.test")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="dana2", email="dana@example.test")
