"""`field__any_of`: the same rows as `field__in`, with an id list as one parameter."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tracker.models import TimeEntry, User
from tracker.tests.factories import TimeEntryFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_any_of_selects_what_in_selects_on_a_field_and_a_foreign_key():
    people = UserFactory.create_batch(3)
    for person in people:
        TimeEntryFactory(consultant=person)
    wanted = [people[0].pk, people[2].pk, None, 10**9]
    assert set(User.objects.filter(pk__any_of=wanted)) == {people[0], people[2]}
    assert set(TimeEntry.objects.filter(consultant_id__any_of=wanted).values_list(
        "consultant_id", flat=True)) == {people[0].pk, people[2].pk}
    assert set(TimeEntry.objects.filter(consultant__any_of=wanted).values_list(
        "consultant_id", flat=True)) == {people[0].pk, people[2].pk}
    # Ids as text are prepared as __in prepares them.
    assert set(User.objects.filter(pk__any_of=[str(people[1].pk)])) == {people[1]}
    # Nobody asked for: nothing, as __in gives.
    assert not User.objects.filter(pk__any_of=[]).exists()
    assert not User.objects.filter(pk__any_of=[None]).exists()
    # Negated, as ~Q(__in).
    assert set(User.objects.exclude(pk__any_of=wanted)) == set(
        User.objects.exclude(pk__in=wanted[:2]))


def test_thousands_of_ids_are_one_parameter_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes Django's own IN list")
    person = UserFactory()
    ids = [person.pk, *range(10**6, 10**6 + 5000)]
    with CaptureQueriesContext(connection) as captured:
        assert list(User.objects.filter(pk__any_of=ids)) == [person]
    (query,) = captured.captured_queries
    assert "= ANY('{" in query["sql"] and " IN (" not in query["sql"]
