"""The client contact's page in Chromium (docs/confirmations.md): confirm with consent to a
card, dispute with a comment; screenshots kept under the test's tmp_path for a look."""

import pytest

from clients import services as clients_services
from clients.models import ConfirmationRequest, Outcome
from reports.confirmations import confirmation_token

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def asked(cast, achieved):
    """Two requests about alice's achieved outcome, to one contact at the client."""
    outcome, contact = achieved
    return outcome, [
        clients_services.confirmation_request_create(
            outcome=outcome, contact=contact, asked_by=cast.manager
        )
        for _ in range(2)
    ]


def open_link(browser, live_server, request):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.set_default_timeout(10_000)
    errors = []
    # A policy violation or a script error; the refused form's own 400 is expected.
    page.on(
        "console",
        lambda message: (
            ("Content Security Policy" in message.text or "Refused to" in message.text)
            and errors.append(message.text)
        ),
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    response = page.goto(f"{live_server.url}/confirm/{confirmation_token(request)}/")
    assert response.status == 200
    assert response.header_value("x-robots-tag") == "noindex, nofollow"
    return page, errors


def assert_beside_its_label(page, label):
    """A checkbox sits left of its label, on the label's first line, as everywhere else."""
    box = page.get_by_label(label).bounding_box()
    text = page.locator("label", has_text=label).bounding_box()
    assert box["x"] + box["width"] <= text["x"], (box, text)
    assert text["y"] <= box["y"] + box["height"] / 2 <= text["y"] + 24, (box, text)


def test_the_contact_confirms_with_consent_then_the_card_shows_it(
    asked, browser, live_server, tmp_path
):
    outcome, (request, _) = asked
    page, errors = open_link(browser, live_server, request)
    assert page.get_by_role("heading", name="Faster refunds").is_visible()
    assert page.locator("[data-testid=chart] svg").is_visible()  # the readings, drawn
    assert page.get_by_role("link", name="https://evidence.example/refunds").is_visible()
    assert page.locator("nav, .navbar-nav").count() == 0  # nothing else of the firm
    page.screenshot(path=tmp_path / "confirm-page.png", full_page=True)
    for label in (
        "Publish a read-only card of this confirmed result",
        "Show my name, role and organisation on that card",
    ):
        assert_beside_its_label(page, label)
    page.get_by_label("Publish a read-only card of this confirmed result").check()
    page.get_by_label("Show my name, role and organisation on that card").check()
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("heading", name="Thank you, Dana Okafor").wait_for()
    page.screenshot(path=tmp_path / "confirmed.png", full_page=True)
    page.get_by_test_id("card-link").click()
    card = page.get_by_test_id("outcome-card")
    card.wait_for()
    assert "30 → 9 days" in card.inner_text()
    assert "by Dana Okafor, CFO" in card.inner_text()
    page.screenshot(path=tmp_path / "card.png", full_page=True)
    assert errors == []
    request.refresh_from_db()
    assert (request.decision, request.consent_card, request.consent_name) == (
        "confirmed",
        True,
        True,
    )
    assert Outcome.objects.get(pk=outcome.pk).is_verified
    # The link again: used, and nothing of the outcome on it.
    again = page.goto(f"{live_server.url}/confirm/{confirmation_token(request)}/")
    assert again.status == 410 and "Faster refunds" not in page.content()
    print(tmp_path)


def test_the_contact_disputes_with_a_comment(asked, browser, live_server, tmp_path):
    outcome, (_, request) = asked
    page, errors = open_link(browser, live_server, request)
    page.get_by_role("button", name="Dispute").click()  # no comment yet: said next to it
    page.locator("#id_comment_error").wait_for()
    assert "Say what is not right" in page.locator("#id_comment_error").inner_text()
    page.screenshot(path=tmp_path / "dispute-refused.png", full_page=True)
    page.get_by_label("Comment").fill("Refunds still take 20 days in the north region.")
    page.get_by_role("button", name="Dispute").click()
    page.get_by_role("heading", name="Thank you, Dana Okafor").wait_for()
    assert "disputed until it is corrected" in page.content()
    page.screenshot(path=tmp_path / "disputed.png", full_page=True)
    assert errors == []
    request = ConfirmationRequest.objects.get(pk=request.pk)
    assert (request.decision, request.comment) == (
        "disputed",
        "Refunds still take 20 days in the north region.",
    )
    assert Outcome.objects.get(pk=outcome.pk).is_disputed
    print(tmp_path)
