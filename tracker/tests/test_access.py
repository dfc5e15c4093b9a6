"""One permission layer: who sees whose time, activities, engagements, clients, outcomes."""

import pytest

from clients.models import Client, Engagement, Outcome
from clients.tests.factories import EngagementFactory, OutcomeFactory
from tracker.models import Activity, Kind, TimeEntry, User
from tracker.tests.factories import ActivityFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast):
    """Alice's entry, activity, engagement and outcome; Olga's (another team) likewise."""
    other_engagement = EngagementFactory(name="Hospital", members=[cast.outsider])
    return {
        "entry": TimeEntryFactory(
            consultant=cast.consultant, kind=Kind.CLIENT, engagement=cast.engagement
        ),
        "activity": ActivityFactory(consultant=cast.consultant),
        "outcome": OutcomeFactory(engagement=cast.engagement),
        "other_entry": TimeEntryFactory(consultant=cast.outsider),
        "other_activity": ActivityFactory(consultant=cast.outsider),
        "other_engagement": other_engagement,
        "other_outcome": OutcomeFactory(engagement=other_engagement),
    }


def visible(model, user):
    return set(model.objects.visible_to(user))


def test_consultant_sees_only_their_own(cast, world):
    alice = cast.consultant
    assert visible(TimeEntry, alice) == {world["entry"]}
    assert visible(Activity, alice) == {world["activity"]}
    assert visible(Engagement, alice) == {cast.engagement}
    assert visible(Outcome, alice) == {world["outcome"]}
    assert visible(Client, alice) == {cast.engagement.client}
    assert visible(User, alice) == {alice}


def test_teammate_sees_nothing_of_alice(cast, world):
    bob = cast.teammate
    assert visible(TimeEntry, bob) == set()
    assert visible(Activity, bob) == set()
    assert visible(Engagement, bob) == set()
    assert visible(Outcome, bob) == set()
    assert visible(Client, bob) == set()


def test_manager_sees_their_team_only(cast, world):
    maria = cast.manager
    assert visible(TimeEntry, maria) == {world["entry"]}
    assert visible(Activity, maria) == {world["activity"]}
    assert visible(Engagement, maria) == {cast.engagement}
    assert visible(Outcome, maria) == {world["outcome"]}
    assert visible(User, maria) == {cast.consultant, cast.teammate, maria}


def test_manager_of_another_team_sees_their_team_not_alice(cast, world):
    omar = cast.other_manager
    assert visible(TimeEntry, omar) == {world["other_entry"]}
    assert visible(Activity, omar) == {world["other_activity"]}
    assert visible(Engagement, omar) == {world["other_engagement"]}
    assert visible(Outcome, omar) == {world["other_outcome"]}
    assert cast.consultant not in visible(User, omar)


def test_admin_sees_everything(cast, world):
    root = cast.admin
    assert visible(TimeEntry, root) == {world["entry"], world["other_entry"]}
    assert visible(Engagement, root) == {cast.engagement, world["other_engagement"]}
    assert visible(User, root) == set(User.objects.all())


def test_engagement_with_two_visible_members_is_listed_once(cast):
    EngagementFactory(name="Shared", members=[cast.consultant, cast.teammate])
    names = list(Engagement.objects.visible_to(cast.manager).values_list("name", flat=True))
    assert sorted(names) == ["Shared", "Tax portal"]


def test_client_owner_sees_their_client_without_engagements(cast):
    client = EngagementFactory(name="Pitch", members=[]).client
    client.owner = cast.teammate
    client.save()
    assert visible(Client, cast.teammate) == {client}
