import datetime as dt

import factory

from tracker.models import Activity, Kind, Team, TimeEntry, User


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    first_name = factory.LazyAttribute(lambda u: u.username.capitalize())
    last_name = "Tester"
    timezone = "Europe/London"
    password = factory.django.Password("secret-pass-123")
    # People of the tests have been here all along: capacity in any period (the model's
    # default, the day they join, is for accounts created by hand).
    started_on = None


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    consultant = factory.SubFactory(UserFactory)
    kind = Activity.Kind.TALK
    title = factory.Sequence(lambda n: f"Talk {n}")
    date = factory.LazyFunction(lambda: dt.date(2026, 11, 2))
    audience = 100
    leads = 1


class TimeEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeEntry

    consultant = factory.SubFactory(UserFactory)
    date = factory.LazyFunction(lambda: dt.date(2026, 11, 2))
    seconds = 3600
    kind = Kind.INTERNAL
    engagement = None
