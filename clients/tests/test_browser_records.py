"""In a real Chromium at 1280 and 390 px: a mistyped reading is questioned before it is
saved, a reading is corrected and deleted after a confirmation, and the time form's
engagement menu follows the date. Screenshots go to var/screenshots/ (CI artifacts)."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.conf import settings

from clients.tests.factories import (
    EngagementFactory,
    OutcomeMeasurementFactory,
    refund_time_outcome,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SCREENSHOTS = settings.BASE_DIR / "var" / "screenshots"
WIDTHS = {"desktop": 1280, "phone": 390}


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def back_on(outcome):
    """The outcome's page, with or without the card's fragment (a redirect after a form
    posted to "#outcome-<id>" keeps it)."""
    return re.compile(rf"/outcomes/{outcome.pk}/(#outcome-{outcome.pk})?$")


def fits(page) -> bool:
    """Nothing wider than the window: no sideways scrolling of the whole page."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("device", list(WIDTHS))
def test_a_mistyped_reading_is_questioned_corrected_and_deleted(cast, log_in, device):
    today = cast.consultant.today()
    outcome = refund_time_outcome(cast.engagement)
    OutcomeMeasurementFactory(
        outcome=outcome, date=today - dt.timedelta(days=30), value=Decimal("25")
    )
    page = log_in(cast.consultant)
    page.set_viewport_size({"width": WIDTHS[device], "height": 900})
    page.goto(page.url.rstrip("/") + f"/outcomes/{outcome.pk}/")

    # 5000 days where the figures are around 25: slipped keys, asked about first.
    page.get_by_label("Value (days)").fill("5000")
    page.get_by_role("button", name="Record", exact=True).click()
    warning = page.locator(f"#unusual-reading-m{outcome.pk}")
    warning.wait_for()
    assert "Check this reading before it is saved." in warning.inner_text()
    assert "over 100 times" in page.locator(f"#id_m{outcome.pk}-value_error").inner_text()
    assert page.get_by_label("Value (days)").input_value() == "5000"
    assert outcome.measurements.count() == 1
    assert fits(page)
    shoot(page, f"measurement-unusual-{device}")

    # It was meant: ticked, it is saved as typed.
    page.get_by_label("Save anyway: the reading is right").check()
    page.get_by_role("button", name="Record", exact=True).click()
    page.wait_for_url(back_on(outcome))
    assert outcome.measurements.count() == 2

    # On second thoughts it was 20: corrected from its row.
    page.get_by_role("link", name=f"Edit the measurement of {today:%-d %b %Y}").click()
    page.get_by_label("Value (days)").fill("20")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(back_on(outcome))
    assert "saved" in page.get_by_role("status").first.inner_text()
    assert outcome.measurements.order_by("-date").first().value == Decimal("20")

    # And then deleted, after a page that says what goes.
    page.get_by_role("link", name=f"Delete the measurement of {today:%-d %b %Y}").click()
    assert page.get_by_role("heading", level=1).inner_text() == (
        f"Delete the measurement of {today:%-d %b %Y}?"
    )
    assert fits(page)
    shoot(page, f"measurement-delete-confirm-{device}")
    assert outcome.measurements.count() == 2  # asking deleted nothing
    page.get_by_role("button", name="Delete measurement").click()
    page.wait_for_url(back_on(outcome))
    assert outcome.measurements.count() == 1
    assert page.locator(f"#actual-{outcome.pk}").inner_text().startswith("25 days")


def test_the_engagement_menu_follows_the_date(cast, log_in):
    today = cast.consultant.today()
    ended = EngagementFactory(
        name="Audit",
        members=[cast.consultant],
        team=cast.team,
        starts_on=today - dt.timedelta(days=60),
        ends_on=today - dt.timedelta(days=30),
    )
    page = log_in(cast.consultant)
    page.goto(page.url.rstrip("/") + "/time/new/")
    option = page.locator(f"#id_engagement option[value='{ended.pk}']")
    assert option.is_disabled()

    page.get_by_label("Date").fill((today - dt.timedelta(days=45)).isoformat())
    assert not option.is_disabled()
    page.get_by_label("Engagement").select_option(str(ended.pk))

    # Back to today: it is no longer on offer, and no longer chosen.
    page.get_by_label("Date").fill(today.isoformat())
    assert option.is_disabled()
    assert page.get_by_label("Engagement").input_value() == ""
