"""Outcomes the client confirmed themselves (issue 17, docs/confirmations.md): the contacts,
the request and its e-mail over real SMTP, the signed link and what it refuses, the answer,
and "verified" in the report."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.core import signing
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from clients import services as clients_services
from clients.models import VERIFIED, ConfirmationRequest, Outcome
from clients.tests.factories import (
    ClientContactFactory,
    EngagementFactory,
    OutcomeFactory,
)
from reports import confirmations
from reports.balance import balance_compute
from reports.tasks import send_confirmation_task, sweep_confirmations_task
from tracker.models import Change, Kind, User
from tracker.services import api_token_create
from tracker.tests.factories import TimeEntryFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
LINK = re.compile(r"http://[^\s\"<>]+/confirm/([^/\s\"<>]+)/")


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def real_smtp(smtp_server, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_server.host, smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    return smtp_server


def signed_in(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def ask(user, outcome, contact, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return signed_in(user).post(
            f"/outcomes/{outcome.pk}/confirmation-requests/", {"contact": contact.pk}
        )


def link_of(request: ConfirmationRequest) -> str:
    return f"/confirm/{confirmations.confirmation_token(request)}/"


def verified_count(cast) -> int:
    return balance_compute(
        people=User.objects.all(), start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30)
    ).totals.outcomes_verified


# --- asking, and the e-mail ----------------------------------------------------------------


def test_a_manager_asks_and_the_contact_gets_one_email_and_one_reminder_over_smtp(
    cast, achieved, real_smtp, django_capture_on_commit_callbacks
):
    outcome, contact = achieved
    answer = ask(cast.manager, outcome, contact, django_capture_on_commit_callbacks)
    assert answer.status_code == 302
    assert answer["Location"] == f"/outcomes/{outcome.pk}/#client-confirmation"
    assert len(real_smtp.messages) == 1
    message = real_smtp.messages[0]
    assert message["To"] == "dana@revenue.example"
    assert message["Subject"] == "Please confirm a result of Tax portal: Faster refunds"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Refund time (days)" in text and "Baseline:  30" in text and "9 on 2026-11-02" in text
    token = LINK.search(text).group(1)
    assert f"/confirm/{token}/" in html
    request = ConfirmationRequest.objects.get()
    assert token == confirmations.confirmation_token(request)
    assert request.sent_at == NOW and request.asked_by == cast.manager

    # Exactly once: the task again (a retry, a second worker) and the sweep send nothing.
    assert send_confirmation_task.apply(args=[request.pk]).get() is False
    assert sweep_confirmations_task.apply().get() == 0
    assert len(real_smtp.messages) == 1

    # Unanswered for 7 days: one reminder, once, whoever sweeps how often.
    with time_machine.travel(NOW + dt.timedelta(days=6, hours=23), tick=False):
        assert sweep_confirmations_task.apply().get() == 0
    with time_machine.travel(NOW + dt.timedelta(days=7), tick=False):
        assert sweep_confirmations_task.apply().get() == 1
        assert sweep_confirmations_task.apply().get() == 0
    with time_machine.travel(NOW + dt.timedelta(days=9), tick=False):
        assert sweep_confirmations_task.apply().get() == 0
    assert len(real_smtp.messages) == 2
    reminder = real_smtp.messages[1]
    assert reminder["Subject"].startswith("Reminder: Please confirm")
    assert LINK.search(reminder.get_body(("plain",)).get_content()).group(1) == token
    # The outcome's page shows the request, sent and reminded.
    page = signed_in(cast.consultant).get(f"/outcomes/{outcome.pk}/").content.decode()
    assert "Dana Okafor, CFO" in page and "reminded 2 Dec 2026" in page


def test_an_answered_request_gets_no_reminder(
    cast, achieved, real_smtp, django_capture_on_commit_callbacks
):
    outcome, contact = achieved
    ask(cast.consultant, outcome, contact, django_capture_on_commit_callbacks)
    request = ConfirmationRequest.objects.get()
    Client().post(link_of(request), {"decision": "confirm"})
    with time_machine.travel(NOW + dt.timedelta(days=8), tick=False):
        assert sweep_confirmations_task.apply().get() == 0
    assert len(real_smtp.messages) == 1


def test_an_email_the_broker_lost_is_sent_by_the_sweep(cast, achieved, real_smtp):
    outcome, contact = achieved
    # Written without its task (the broker was away): the row waits, unsent.
    request = clients_services.confirmation_request_create(
        outcome=outcome, contact=contact, asked_by=cast.consultant
    )
    assert sweep_confirmations_task.apply().get() == 0  # within the grace: maybe on its way
    with time_machine.travel(NOW + dt.timedelta(minutes=6), tick=False):
        assert sweep_confirmations_task.apply().get() == 1
    request.refresh_from_db()
    assert request.sent_at is not None and len(real_smtp.messages) == 1


@pytest.mark.parametrize("who", ["teammate", "other_manager", "outsider"])
def test_only_those_who_record_on_the_outcome_may_ask(
    cast, achieved, who, mailoutbox, django_capture_on_commit_callbacks
):
    outcome, contact = achieved
    answer = ask(getattr(cast, who), outcome, contact, django_capture_on_commit_callbacks)
    assert answer.status_code == 404
    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION="Bearer " + api_token_create(user=getattr(cast, who), name="t")[1]
    )
    refused = api.post(
        f"/api/v1/outcomes/{outcome.pk}/confirmation-requests/",
        {"contact": contact.pk},
        format="json",
    )
    assert refused.status_code == 404
    assert not ConfirmationRequest.objects.exists() and mailoutbox == []


def test_a_manager_who_only_sees_the_outcome_may_not_ask(
    cast, achieved, mailoutbox, django_capture_on_commit_callbacks
):
    outcome, contact = achieved
    # omar sees "Tax portal" through his own consultant on it, but does not run it.
    outcome.engagement.members.add(cast.outsider)
    assert (
        ask(cast.other_manager, outcome, contact, django_capture_on_commit_callbacks).status_code
        == 404
    )
    assert not ConfirmationRequest.objects.exists() and mailoutbox == []


def test_a_contact_of_another_client_is_refused(
    cast, achieved, mailoutbox, django_capture_on_commit_callbacks
):
    outcome, _ = achieved
    stranger = ClientContactFactory(name="Eve Elsewhere")
    page = ask(cast.consultant, outcome, stranger, django_capture_on_commit_callbacks)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="id_contact_error">Choose a contact of this engagement&#x27;s client.' in body
    api = APIClient()
    api.force_authenticate(cast.consultant)
    refused = api.post(
        f"/api/v1/outcomes/{outcome.pk}/confirmation-requests/",
        {"contact": stranger.pk},
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json() == {"contact": ["Choose a contact of this engagement's client."]}
    assert not ConfirmationRequest.objects.exists() and mailoutbox == []


def test_only_an_achieved_outcome_is_put_to_the_client(
    cast, achieved, mailoutbox, django_capture_on_commit_callbacks
):
    outcome, contact = achieved
    clients_services.outcome_status_set(
        outcome=outcome, status="in_progress", recorded_by=cast.consultant
    )
    page = ask(cast.consultant, outcome, contact, django_capture_on_commit_callbacks)
    assert "Only an achieved outcome can be put to the client" in page.content.decode()
    assert not ConfirmationRequest.objects.exists() and mailoutbox == []


def test_the_api_asks_and_lists_requests_and_answers(
    cast, achieved, mailoutbox, django_capture_on_commit_callbacks
):
    outcome, contact = achieved
    api = APIClient()
    api.force_authenticate(cast.consultant)
    url = f"/api/v1/outcomes/{outcome.pk}/confirmation-requests/"
    with django_capture_on_commit_callbacks(execute=True):
        made = api.post(url, {"contact": contact.pk}, format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["contact"] == contact.pk and made.json()["decision"] == ""
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["dana@revenue.example"]
    assert api.get(url).json()[0]["sent_at"] is not None
    request = ConfirmationRequest.objects.get()
    Client().post(link_of(request), {"decision": "dispute", "comment": "Only 20 days."})
    listed = api.get(url).json()
    assert [(r["decision"], r["comment"]) for r in listed] == [("disputed", "Only 20 days.")]
    assert api.get(f"/api/v1/outcomes/{outcome.pk}/").json()["verified"] is False


# --- the link -------------------------------------------------------------------------------


def test_the_contact_confirms_through_the_link_and_the_outcome_is_verified(cast, achieved):
    outcome, contact = achieved
    # Confirmed by hand before this flow: reported, never verified.
    clients_services.outcome_confirmation_set(
        outcome=outcome, confirmed_by="Dana, CFO", confirmed_on=dt.date(2026, 11, 3)
    )
    TimeEntryFactory(
        consultant=cast.consultant,
        date=dt.date(2026, 11, 2),
        kind=Kind.CLIENT,
        engagement=cast.engagement,
    )
    assert verified_count(cast) == 0
    request = clients_services.confirmation_request_create(
        outcome=outcome, contact=contact, asked_by=cast.consultant
    )
    anonymous = Client()
    page = anonymous.get(link_of(request))
    assert page.status_code == 200
    assert page["X-Robots-Tag"] == "noindex, nofollow"
    body = page.content.decode()
    assert '<meta name="robots" content="noindex, nofollow">' in body
    for shown in (
        "Faster refunds",
        "Refund time (days)",
        "30 → 10",
        "9 days on 2 Nov 2026",
        "https://evidence.example/refunds",
        "Tax portal, 1 Jan 2026 – ongoing",
        "Alice Tester",
        "<svg",
    ):
        assert shown in body, shown
    # Nothing else of the firm: no navigation, no link into the app.
    assert "/outcomes/" not in body and "/reports/" not in body and "navbar-nav" not in body

    done = anonymous.post(link_of(request), {"decision": "confirm", "comment": "Well done"})
    assert done.status_code == 200 and "Thank you, Dana Okafor" in done.content.decode()
    request.refresh_from_db()
    outcome.refresh_from_db()
    assert (request.decision, request.comment, request.answered_at) == (
        "confirmed",
        "Well done",
        NOW,
    )
    assert request.figures["measurements"][-1] == ["2026-11-02", "9"]
    assert outcome.is_verified and outcome.client_answer == request
    assert verified_count(cast) == 1
    # It left its history, through the client's link.
    change = Change.objects.filter(object_type="confirmation", action="update").get()
    assert (change.via, change.user, change.changes["decision"]) == (
        "link",
        None,
        ["", "confirmed"],
    )
    assert "Dana Okafor" in change.via_ref
    assert Change.objects.filter(
        object_type="outcome", object_id=outcome.pk, changes__has_key="client_answer"
    ).exists()
    # The outcome's page says who confirmed it, and keeps the hand-typed one as reported.
    page = signed_in(cast.manager).get(f"/outcomes/{outcome.pk}/").content.decode()
    assert "Verified</span> confirmed by Dana Okafor, CFO on 25 Nov 2026" in page
    assert "Reported by the consultant: Dana, CFO on 3 Nov 2026 (not verified)" in page

    # The figures change: no longer verified, and the report says so.
    clients_services.outcome_measure(
        outcome=outcome, date=dt.date(2026, 11, 20), value=Decimal("12")
    )
    outcome.refresh_from_db()
    assert not outcome.is_verified and verified_count(cast) == 0


def test_a_dispute_needs_a_comment_and_is_shown_with_it(cast, achieved):
    outcome, contact = achieved
    request = clients_services.confirmation_request_create(
        outcome=outcome, contact=contact, asked_by=cast.consultant
    )
    anonymous = Client()
    refused = anonymous.post(link_of(request), {"decision": "dispute", "comment": "  "})
    assert refused.status_code == 400
    assert 'id="id_comment_error">Say what is not right' in refused.content.decode()
    request.refresh_from_db()
    assert request.answered_at is None
    anonymous.post(
        link_of(request), {"decision": "dispute", "comment": "Refunds take 20 days <b>still</b>."}
    )
    outcome.refresh_from_db()
    assert outcome.is_disputed and not outcome.is_verified
    page = signed_in(cast.consultant).get(f"/outcomes/{outcome.pk}/").content.decode()
    assert "Disputed</span> by Dana Okafor, CFO" in page
    assert "Refunds take 20 days &lt;b&gt;still&lt;/b&gt;." in page


def test_a_link_works_once(cast, achieved):
    outcome, contact = achieved
    request = clients_services.confirmation_request_create(
        outcome=outcome, contact=contact, asked_by=cast.consultant
    )
    anonymous = Client()
    anonymous.post(link_of(request), {"decision": "confirm"})
    for method in (anonymous.get, anonymous.post):
        again = method(link_of(request), {"decision": "dispute", "comment": "Changed my mind"})
        assert again.status_code == 410
        assert "This link has been used" in again.content.decode()
        assert "Faster refunds" not in again.content.decode()
    request.refresh_from_db()
    assert request.decision == "confirmed"


def test_a_tampered_link_shows_nothing(cast, achieved):
    outcome, contact = achieved
    request = clients_services.confirmation_request_create(
        outcome=outcome, contact=contact, asked_by=cast.consultant
    )
    other = OutcomeFactory(engagement=cast.engagement, title="Secret other outcome")
    token = confirmations.confirmation_token(request)
    data = signing.Signer(salt=confirmations.SALT).unsign_object(token)
    forged = [
        token[:-2] + ("AA" if token[-2:] != "AA" else "BB"),  # a mangled signature
        signing.Signer(salt=confirmations.SALT).sign_object({**data, "o": other.pk}),
        signing.Signer(salt="another salt").sign_object({**data, "o": other.pk}),
        "not-a-token",
    ]
    for bad in forged:
        page = Client().get(f"/confirm/{bad}/")
        assert page.status_code == 404, bad
        body = page.content.decode()
        assert "This link does not work" in body and page["X-Robots-Tag"] == "noindex, nofollow"
        assert "Faster refunds" not in body and "Secret other outcome" not in body
    assert Client().post(f"/confirm/{forged[1]}/", {"decision": "confirm"}).status_code == 404
    assert ConfirmationRequest.objects.get().answered_at is None


def test_a_link_expires_after_30_days(cast, achieved):
    outcome, contact = achieved
    request = clients_services.confirmation_request_create(
        outcome=outcome, contact=contact, asked_by=cast.consultant
    )
    with time_machine.travel(NOW + dt.timedelta(days=29, hours=23), tick=False):
        assert Client().get(link_of(request)).status_code == 200
    with time_machine.travel(NOW + dt.timedelta(days=30), tick=False):
        page = Client().post(link_of(request), {"decision": "confirm"})
    assert page.status_code == 410 and "This link has expired" in page.content.decode()
    assert "Faster refunds" not in page.content.decode()
    request.refresh_from_db()
    assert request.answered_at is None


def test_a_link_to_figures_changed_since_says_so(cast, achieved):
    outcome, contact = achieved
    request = clients_services.confirmation_request_create(
        outcome=outcome, contact=contact, asked_by=cast.consultant
    )
    clients_services.outcome_update(outcome=outcome, data={"target": Decimal("5")})
    page = Client().post(link_of(request), {"decision": "confirm"})
    assert page.status_code == 410
    body = page.content.decode()
    assert "The figures have changed since you were asked" in body and "A new request" in body
    assert "Faster refunds" not in body
    outcome.refresh_from_db()
    assert not outcome.is_verified
    # Put back as they were, the link works again: it is bound to the figures, not the time.
    clients_services.outcome_update(outcome=outcome, data={"target": Decimal("10")})
    assert Client().get(link_of(request)).status_code == 200


def test_the_link_is_throttled_per_address(cast, achieved, settings):
    settings.PAGE_THROTTLE_RATES = {**settings.PAGE_THROTTLE_RATES, "confirm_address": "2/hour"}
    outcome, contact = achieved
    request = clients_services.confirmation_request_create(
        outcome=outcome, contact=contact, asked_by=cast.consultant
    )
    anonymous = Client()
    assert [anonymous.get(link_of(request)).status_code for _ in range(2)] == [200, 200]
    third = anonymous.get(link_of(request))
    assert third.status_code == 429 and int(third["Retry-After"]) > 0
    assert "Faster refunds" not in third.content.decode()


def test_consent_publishes_a_card_naming_the_contact_only_if_they_agree(cast, achieved):
    outcome, contact = achieved
    named, unnamed = (
        clients_services.confirmation_request_create(
            outcome=outcome, contact=contact, asked_by=cast.consultant
        )
        for _ in range(2)
    )
    Client().post(
        link_of(named), {"decision": "confirm", "consent_card": "on", "consent_name": "on"}
    )
    Client().post(link_of(unnamed), {"decision": "confirm", "consent_name": "on"})
    named.refresh_from_db()
    unnamed.refresh_from_db()
    assert named.card_slug and not unnamed.card_slug and not unnamed.consent_name
    card = Client().get(f"/cards/{named.card_slug}/")
    assert card.status_code == 200 and card["X-Robots-Tag"] == "noindex, nofollow"
    body = card.content.decode()
    assert "Refund time (days)" in body and "30 → 9 days" in body
    assert "25 November 2026 by Dana Okafor, CFO, Client" in body
    # Later changes do not alter what the client confirmed.
    clients_services.outcome_measure(
        outcome=outcome, date=dt.date(2026, 11, 20), value=Decimal("15")
    )
    assert "30 → 9 days" in Client().get(f"/cards/{named.card_slug}/").content.decode()
    assert Client().get("/cards/not-a-card/").status_code == 404


def test_a_card_without_consent_to_be_named_names_nobody(cast, achieved):
    outcome, contact = achieved
    request = clients_services.confirmation_request_create(
        outcome=outcome, contact=contact, asked_by=cast.consultant
    )
    Client().post(link_of(request), {"decision": "confirm", "consent_card": "on"})
    request.refresh_from_db()
    body = Client().get(f"/cards/{request.card_slug}/").content.decode()
    assert "by the client" in body and "Dana" not in body and "CFO" not in body


# --- the contacts ---------------------------------------------------------------------------


def test_a_manager_adds_a_contact_on_the_clients_page(cast):
    client = cast.engagement.client
    manager = signed_in(cast.manager)
    refused = manager.post(
        f"/clients/{client.pk}/",
        {"contact-name": "Dana Okafor", "contact-email": "not-an-address", "contact-role": "CFO"},
    )
    body = refused.content.decode()
    assert refused.status_code == 200
    assert 'id="id_contact-email_error">Enter a valid email address.' in body
    assert 'value="Dana Okafor"' in body  # the input kept
    added = manager.post(
        f"/clients/{client.pk}/",
        {
            "contact-name": "Dana Okafor",
            "contact-email": "dana@revenue.example",
            "contact-role": "CFO",
        },
    )
    assert added.status_code == 302
    contact = client.contacts.get()
    assert (contact.name, contact.email, contact.role) == (
        "Dana Okafor",
        "dana@revenue.example",
        "CFO",
    )
    assert Change.objects.filter(object_type="contact", object_id=contact.pk).exists()
    page = signed_in(cast.consultant).get(f"/clients/{client.pk}/").content.decode()
    assert "dana@revenue.example" in page and "Add a contact" not in page
    # A consultant keeps no contacts; the API says the same.
    assert (
        signed_in(cast.consultant)
        .post(f"/clients/{client.pk}/", {"contact-name": "X", "contact-email": "x@x.example"})
        .status_code
        == 404
    )
    api = APIClient()
    api.force_authenticate(cast.consultant)
    url = f"/api/v1/clients/{client.pk}/contacts/"
    assert [c["name"] for c in api.get(url).json()] == ["Dana Okafor"]
    assert api.post(url, {"name": "X", "email": "x@x.example"}, format="json").status_code == 403
    api.force_authenticate(cast.manager)
    duplicate = api.post(url, {"name": "D", "email": "dana@revenue.example"}, format="json")
    assert duplicate.status_code == 400
    made = api.post(url, {"name": "Lee Park", "email": "lee@revenue.example"}, format="json")
    assert made.status_code == 201 and made.json()["client"] == client.pk


def test_a_contact_who_answered_stays(cast, achieved):
    outcome, contact = achieved
    clients_services.confirmation_request_create(
        outcome=outcome, contact=contact, asked_by=cast.consultant
    )
    answer = signed_in(cast.manager).post(
        f"/clients/{contact.client_id}/contacts/{contact.pk}/delete/", follow=True
    )
    assert "their answers keep them" in answer.content.decode()
    assert contact.client.contacts.filter(pk=contact.pk).exists()


def test_the_digest_lists_the_weeks_answers(cast, achieved):
    from reports.digests.content import digest_context

    outcome, contact = achieved
    request = clients_services.confirmation_request_create(
        outcome=outcome, contact=contact, asked_by=cast.consultant
    )
    Client().post(link_of(request), {"decision": "dispute", "comment": "Only 20 days."})
    week = dt.date(2026, 11, 23)
    for person in (cast.consultant, cast.manager):
        answers = digest_context(user=person, week_start=week)["answers"]
        assert [(a.decision, a.comment) for a in answers] == [("disputed", "Only 20 days.")]
    assert digest_context(user=cast.teammate, week_start=week)["answers"] == []


def test_verified_counts_only_client_answers_across_outcomes(cast):
    """The report before and after: hand-typed confirmations count as achieved, not verified."""
    engagement = EngagementFactory(name="Benefits", members=[cast.consultant], team=cast.team)
    TimeEntryFactory(
        consultant=cast.consultant,
        date=dt.date(2026, 11, 2),
        kind=Kind.CLIENT,
        engagement=engagement,
    )
    outcomes = []
    for title in ("One", "Two", "Three"):
        outcome = OutcomeFactory(engagement=engagement, title=title)
        clients_services.outcome_status_set(
            outcome=outcome,
            status="achieved",
            achieved_on=dt.date(2026, 11, 3),
            recorded_by=cast.consultant,
        )
        clients_services.outcome_confirmation_set(
            outcome=outcome, confirmed_by="Typed", confirmed_on=dt.date(2026, 11, 4)
        )
        outcomes.append(outcome)
    report = balance_compute(
        people=User.objects.all(), start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30)
    )
    assert (report.totals.outcomes_achieved, report.totals.outcomes_verified) == (3, 0)
    contact = ClientContactFactory(client=engagement.client)
    for outcome, decision in zip(outcomes[:2], ("confirm", "dispute"), strict=True):
        request = clients_services.confirmation_request_create(
            outcome=outcome, contact=contact, asked_by=cast.consultant
        )
        Client().post(link_of(request), {"decision": decision, "comment": "Noted"})
    report = balance_compute(
        people=User.objects.all(), start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30)
    )
    assert (report.totals.outcomes_achieved, report.totals.outcomes_verified) == (3, 1)
    assert list(
        Outcome.objects.filter(VERIFIED, pk__in=[o.pk for o in outcomes]).values_list(
            "title", flat=True
        )
    ) == ["One"]
    csv = signed_in(cast.consultant).get("/outcomes/?verified=yes&_export=csv")
    assert "One" in csv.content.decode() and "Two" not in csv.content.decode()


def test_an_answer_given_meanwhile_leaves_the_second_tab_a_used_link(cast, achieved):
    outcome, contact = achieved
    request = clients_services.confirmation_request_create(
        outcome=outcome, contact=contact, asked_by=cast.consultant
    )
    # Both tabs opened the link; the first answers, the second was already past the check.
    stale_copy = ConfirmationRequest.objects.get(pk=request.pk)
    clients_services.confirmation_answer(request=request, decision="confirmed")
    with pytest.raises(ValidationError):
        clients_services.confirmation_answer(request=stale_copy, decision="disputed", comment="No")
    request.refresh_from_db()
    assert request.decision == "confirmed"
