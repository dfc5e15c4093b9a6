"""Alice records an outcome measurement in a real Chromium, and sees a bad value refused."""

import datetime as dt
from decimal import Decimal

import pytest

from clients.models import Outcome
from clients.tests.factories import OutcomeFactory, OutcomeMeasurementFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_alice_records_a_measurement_and_sees_actual_and_progress(cast, log_in, live_server):
    outcome = OutcomeFactory(
        engagement=cast.engagement, title="Faster refunds", metric="Refund time", unit="days",
        direction=Outcome.Direction.DECREASE, baseline=Decimal("30"), target=Decimal("10"),
    )
    OutcomeMeasurementFactory(
        outcome=outcome, date=cast.consultant.today() - dt.timedelta(days=30),
        value=Decimal("25"),
    )
    page = log_in(cast.consultant)

    page.get_by_role("link", name="Engagements").click()
    page.get_by_role("link", name="Tax portal").click()
    assert page.title() == f"Tax portal · {cast.engagement.client.name} · ClientFirst"
    card = page.locator(f"#outcome-{outcome.pk}")
    assert card.locator(f"#actual-{outcome.pk}").inner_text().startswith("25 days")
    assert "25%" in card.locator(f"#progress-{outcome.pk}").inner_text()

    # A bad value: the form comes back with the message under the field, the input kept.
    card.get_by_label("Value (days)").fill("fifteen")
    card.get_by_label("Note").fill("Q4 dashboard")
    card.get_by_role("button", name="Record", exact=True).click()
    # Back on the engagement's own address, scrolled to the outcome, under "Engagements".
    page.wait_for_url(f"**/engagements/{cast.engagement.pk}/#outcome-{outcome.pk}")
    navigation = page.get_by_role("navigation", name="Main navigation")
    assert navigation.get_by_role("link", name="Engagements").get_attribute(
        "aria-current"
    ) == "page"
    assert navigation.get_by_role("link", name="Outcomes").get_attribute("aria-current") is None
    value = page.locator(f"#id_m{outcome.pk}-value")
    error = page.locator(f"#id_m{outcome.pk}-value_error")
    assert error.inner_text() == "Enter a number."
    assert value.get_attribute("aria-invalid") == "true"
    assert value.input_value() == "fifteen"
    assert page.locator(f"#id_m{outcome.pk}-note").input_value() == "Q4 dashboard"
    assert outcome.measurements.count() == 1

    # Fixed, it is recorded: the new reading becomes the actual, and progress moves.
    card = page.locator(f"#outcome-{outcome.pk}")
    card.get_by_label("Value (days)").fill("15")
    card.get_by_role("button", name="Record", exact=True).click()
    page.wait_for_url(f"**/engagements/{cast.engagement.pk}/#outcome-{outcome.pk}")
    assert page.get_by_role("status").first.inner_text().startswith("Measurement recorded")
    card = page.locator(f"#outcome-{outcome.pk}")
    assert card.locator(f"#actual-{outcome.pk}").inner_text().startswith("15 days")
    assert "75%" in card.locator(f"#progress-{outcome.pk}").inner_text()
    assert card.locator("svg.sparkline circle").count() == 2
    assert "In progress" in card.inner_text()
    page.close()


def test_engagement_page_works_at_phone_width_and_by_keyboard(cast, log_in, live_server):
    outcome = OutcomeFactory(engagement=cast.engagement, title="Shorter queues", unit="")
    page = log_in(cast.consultant)
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server.url}/engagements/{cast.engagement.pk}/")
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    value = page.locator(f"#id_m{outcome.pk}-value")
    value.focus()
    page.keyboard.type("14")
    page.keyboard.press("Enter")  # submits the measurement form
    page.wait_for_url(f"**/engagements/{cast.engagement.pk}/#outcome-{outcome.pk}")
    assert page.locator(f"#actual-{outcome.pk}").inner_text().startswith("14")
    page.close()


def test_chart_labels_are_drawn_whole_on_a_desktop_and_a_phone(cast, log_in, live_server):
    outcome = OutcomeFactory(
        engagement=cast.engagement, title="Faster refunds", metric="Refund time", unit="days",
        direction=Outcome.Direction.DECREASE, baseline=Decimal("30"), target=Decimal("10"),
    )
    # The baseline label on the top line; "Aug" and "Sep" reach below the dates' line.
    for day, value in [(dt.date(2026, 8, 3), "28"), (dt.date(2026, 9, 28), "8")]:
        OutcomeMeasurementFactory(outcome=outcome, date=day, value=Decimal(value))
    page = log_in(cast.consultant)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/engagements/{cast.engagement.pk}/")
        # Each label's box, as the browser lays its glyphs out, against the picture's.
        outside = page.locator("svg.sparkline").evaluate("""svg => {
            const view = svg.viewBox.baseVal;
            return [...svg.querySelectorAll("text")].filter(text => {
                const box = text.getBBox();
                return box.x < 0 || box.y < 0 || box.x + box.width > view.width
                    || box.y + box.height > view.height;
            }).map(text => text.textContent);
        }""")
        assert outside == [], f"cut at {width} px"
    page.close()
