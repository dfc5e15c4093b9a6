"""At 1280 px in Chromium, the report page and the team page name people in full (issue 15,
"Names and numbers, one way"): the name, not the username, whole and unclipped in its cell.
Screenshots are kept under var/screenshots/ (CI artifacts)."""

import datetime as dt

import pytest
from django.conf import settings

from tracker.models import Kind
from tracker.tests.factories import TimeEntryFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

LONG_NAME = ("Alexandra", "Montgomery-Fitzgerald")
SHOTS = settings.VAR_DIR / "screenshots"

# The cell of a person's name: its whole text, whether it is clipped, where it is on screen.
CELL = """cell => {
  const box = cell.getBoundingClientRect();
  return {text: cell.innerText.trim(), clipped: cell.scrollWidth > cell.clientWidth + 1,
          left: box.left, right: box.right};
}"""


@pytest.fixture
def people(cast):
    alice = cast.consultant
    alice.first_name, alice.last_name = LONG_NAME
    alice.save()
    # No name: the username stands in.
    cast.teammate.first_name = cast.teammate.last_name = ""
    cast.teammate.save()
    last_monday = alice.today() - dt.timedelta(days=alice.today().weekday() + 7)
    for day in range(5):
        TimeEntryFactory(
            consultant=alice,
            date=last_monday + dt.timedelta(days=day),
            seconds=7 * 3600,
            kind=Kind.CLIENT,
            engagement=cast.engagement,
        )
        TimeEntryFactory(
            consultant=cast.teammate,
            date=last_monday + dt.timedelta(days=day),
            seconds=3600,
            kind=Kind.PROMOTION,
        )
    return cast, last_monday


def readable(page, selector: str, name: str) -> None:
    cell = page.locator(selector)
    shown = cell.evaluate(CELL)
    assert shown["text"] == name
    assert not shown["clipped"], shown
    assert 0 <= shown["left"] and shown["right"] <= 1280, shown


def test_report_and_team_page_show_full_names_at_1280(people, log_in):
    cast, last_monday = people
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = log_in(cast.manager)
    page.set_viewport_size({"width": 1280, "height": 900})
    base = page.url.rstrip("/")
    sunday = last_monday + dt.timedelta(days=6)

    page.goto(
        f"{base}/reports/balance/?period=custom&start={last_monday}&end={sunday}"
        f"&team={cast.team.pk}"
    )
    page.wait_for_selector("#consultants")
    readable(
        page,
        "#consultants tr[data-consultant='alice'] td:nth-child(1)",
        "Alexandra Montgomery-Fitzgerald",
    )
    readable(page, "#consultants tr[data-consultant='bob'] td:nth-child(1)", "bob")
    assert "Maria Tester" in page.locator("#consultants").inner_text()
    page.screenshot(path=SHOTS / "names-report-1280.png", full_page=True)

    page.goto(f"{base}/team/")
    readable(page, "tr.person[data-username='alice'] th", "Alexandra Montgomery-Fitzgerald")
    readable(page, "tr.person[data-username='bob'] th", "bob")
    total = page.locator("tr.person[data-username='alice'] td.total").nth(1).inner_text()
    assert total == "35.00 / 40.00"
    page.screenshot(path=SHOTS / "names-team-1280.png", full_page=True)
