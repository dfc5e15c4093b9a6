import datetime as dt
from decimal import Decimal

import factory

from clients.models import Client, ClientContact, Engagement, Outcome, OutcomeMeasurement


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Client {n}")
    sector = "Public sector"


class EngagementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Engagement
        skip_postgeneration_save = True

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Engagement {n}")
    starts_on = dt.date(2026, 1, 1)
    status = Engagement.Status.ACTIVE
    budget_hours = Decimal("200")

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.add(*extracted)


class OutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outcome

    engagement = factory.SubFactory(EngagementFactory)
    title = factory.Sequence(lambda n: f"Outcome {n}")
    metric = "Cycle time"
    unit = "days"
    baseline = Decimal("10")
    target = Decimal("20")


class OutcomeMeasurementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutcomeMeasurement

    outcome = factory.SubFactory(OutcomeFactory)
    date = dt.date(2026, 11, 2)
    value = Decimal("12")


def refund_time_outcome(engagement, **kwargs):
    """Refund time, in days, to go down from 30 to 10: the outcome the page tests read."""
    return OutcomeFactory(
        engagement=engagement, title="Faster refunds", metric="Refund time", unit="days",
        direction=Outcome.Direction.DECREASE, baseline=Decimal("30"), target=Decimal("10"),
        **kwargs,
    )
class ClientContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientContact

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    email = factory.Sequence(lambda n: f"contact{n}@client.example")
    role = "Head of operations"


def confirmed_by_client(outcome, *, contact=None, decision="confirmed", comment=""):
    """`outcome` confirmed (or disputed) by a client contact through their link, as the
    contact's page records it (clients.services.confirmation_answer)."""
    from clients import services

    contact = contact or ClientContactFactory(client=outcome.engagement.client)
    request = services.confirmation_request_create(outcome=outcome, contact=contact,
                                                   asked_by=None)
    services.confirmation_answer(request=request, decision=decision,
                                 comment=comment or ("" if decision == "confirmed" else "No"))
    outcome.refresh_from_db()
    return request
