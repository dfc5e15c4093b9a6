"""The admin's client contacts (written through the services, with history) and confirmation
requests (read-only: the client's word) — docs/confirmations.md."""

import datetime as dt

import pytest
from django.urls import reverse

from clients import services
from clients.models import ClientContact, ConfirmationRequest, Outcome
from clients.tests.factories import (
    ClientContactFactory,
    ClientFactory,
    OutcomeFactory,
    confirmed_by_client,
)
from tracker.models import Change

pytestmark = pytest.mark.django_db


def records(obj, object_type):
    return list(Change.objects.filter(object_type=object_type, object_id=obj.pk).order_by("pk"))


@pytest.fixture
def answered(cast):
    """An achieved outcome its client's contact confirmed through their link."""
    outcome = OutcomeFactory(engagement=cast.engagement, title="Faster refunds")
    services.outcome_status_set(
        outcome=outcome,
        status=Outcome.Status.ACHIEVED,
        achieved_on=dt.date(2026, 11, 2),
        recorded_by=cast.consultant,
    )
    contact = ClientContactFactory(
        client=cast.engagement.client, name="Dana Okafor", email="dana@revenue.example", role="CFO"
    )
    request = confirmed_by_client(outcome, contact=contact)
    return outcome, contact, request


def test_an_admin_adds_edits_and_removes_a_contact_through_the_services(client, cast):
    acme = ClientFactory(name="Acme")
    client.force_login(cast.admin)
    response = client.post(
        reverse("admin:clients_clientcontact_add"),
        {
            "client": acme.pk,
            "name": "  Dana Okafor ",
            "email": "dana@acme.example",
            "role": "CFO",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    contact = ClientContact.objects.get()
    assert (contact.client, contact.name, contact.role) == (acme, "Dana Okafor", "CFO")

    url = reverse("admin:clients_clientcontact_change", args=[contact.pk])
    # The client is not theirs to move: shown, not a field (a posted one is ignored).
    other = ClientFactory(name="Other")
    response = client.post(
        url,
        {
            "client": other.pk,
            "name": "Dana Okafor",
            "email": "dana.okafor@acme.example",
            "role": "Finance",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    contact.refresh_from_db()
    assert (contact.client, contact.email, contact.role) == (
        acme,
        "dana.okafor@acme.example",
        "Finance",
    )

    # Each write left the record its service leaves, through the admin, by the admin.
    assert [(c.action, c.via, c.username) for c in records(contact, "contact")] == [
        ("create", "admin", "root"),
        ("update", "admin", "root"),
    ]
    assert records(contact, "contact")[1].changes == {
        "email": ["dana@acme.example", "dana.okafor@acme.example"],
        "role": ["CFO", "Finance"],
    }

    response = client.post(
        reverse("admin:clients_clientcontact_delete", args=[contact.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not ClientContact.objects.exists()
    assert records(contact, "contact")[-1].action == "delete"


def test_the_admin_refuses_a_second_contact_with_the_same_email(client, cast):
    acme = ClientFactory(name="Acme")
    ClientContactFactory(client=acme, email="dana@acme.example")
    client.force_login(cast.admin)
    response = client.post(
        reverse("admin:clients_clientcontact_add"),
        {
            "client": acme.pk,
            "name": "Dana again",
            "email": "dana@acme.example",
            "role": "",
        },
    )
    assert response.status_code == 200
    assert "already has a contact with that e-mail" in response.content.decode()
    assert ClientContact.objects.count() == 1


def test_a_contact_who_was_asked_is_kept_by_their_requests(client, cast, answered):
    _, contact, _ = answered
    client.force_login(cast.admin)
    page = client.get(reverse("admin:clients_clientcontact_delete", args=[contact.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Cannot delete" in text and "Confirmed by Dana Okafor, CFO" in text
    client.post(reverse("admin:clients_clientcontact_delete", args=[contact.pk]), {"post": "yes"})
    client.post(
        reverse("admin:clients_clientcontact_changelist"),
        {"action": "delete_selected", "_selected_action": [contact.pk], "post": "yes"},
    )
    assert ClientContact.objects.filter(pk=contact.pk).exists()


def test_confirmation_requests_are_shown_read_only(client, cast, answered):
    outcome, _, request = answered
    client.force_login(cast.admin)
    listing = client.get(reverse("admin:clients_confirmationrequest_changelist"))
    assert listing.status_code == 200
    assert "Faster refunds" in listing.content.decode()
    assert "delete_selected" not in listing.content.decode()  # no bulk delete
    assert client.get(reverse("admin:clients_confirmationrequest_add")).status_code == 403

    url = reverse("admin:clients_confirmationrequest_change", args=[request.pk])
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Dana Okafor" in text and "Confirmed" in text
    assert 'name="decision"' not in text and "/confirm/" not in text  # no field, no link
    assert (
        client.post(url, {"decision": "disputed", "comment": "Typed by the firm"}).status_code
        == 403
    )
    assert (
        client.post(
            reverse("admin:clients_confirmationrequest_delete", args=[request.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    client.post(
        reverse("admin:clients_confirmationrequest_changelist"),
        {"action": "delete_selected", "_selected_action": [request.pk], "post": "yes"},
    )
    request = ConfirmationRequest.objects.get(pk=request.pk)
    assert (request.decision, request.comment) == ("confirmed", "")
    outcome.refresh_from_db()
    assert outcome.is_verified


def test_deleting_an_outcome_in_the_admin_lists_its_requests_and_takes_them(client, cast, answered):
    """Read-only is no bar to deleting what they belong to: they go with their outcome."""
    outcome, _, request = answered
    client.force_login(cast.admin)
    url = reverse("admin:clients_outcome_delete", args=[outcome.pk])
    page = client.get(url).content.decode()
    assert "Confirmation request" in page and "Confirmed by Dana Okafor, CFO" in page
    assert "permission to delete" not in page
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not ConfirmationRequest.objects.filter(pk=request.pk).exists()
