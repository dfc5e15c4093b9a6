"""A manager whose people are too many to list finds one by typing in the report's person
menu, in a real Chromium at 1280 and 390 px, with the keyboard only (arrow keys, Enter), and
shows the report of that person; the time list's menu does the same. Screenshots go to
var/screenshots/ (CI artifacts)."""

import datetime as dt
import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tracker import pickers
from tracker.models import Kind
from tracker.tests.factories import TimeEntryFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SCREENSHOTS = settings.BASE_DIR / "var" / "screenshots"
WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture
def many(cast, monkeypatch):
    """The manager's three people are more than a menu lists (the limit made small, as a
    firm of thousands would be: tracker/tests/test_pickers.py has the real limit)."""
    monkeypatch.setattr(pickers, "PICKER_LIMIT", 2)
    today = dt.date.today()
    TimeEntryFactory(consultant=cast.consultant, date=today, seconds=3600, kind=Kind.CLIENT,
                     engagement=cast.engagement)
    TimeEntryFactory(consultant=cast.teammate, date=today, seconds=1800, kind=Kind.PROMOTION)
    return cast


@pytest.mark.parametrize("device", list(WIDTHS))
def test_the_manager_finds_a_person_by_typing_and_shows_their_report(many, log_in, device):
    page = log_in(many.manager)
    page.set_viewport_size({"width": WIDTHS[device], "height": 900})
    page.goto(page.url.rstrip("/") + "/reports/balance/?period=this_quarter")
    person = page.get_by_role("combobox", name="Consultant")
    assert person.is_visible()
    assert page.locator("select[name=consultant]").is_hidden()  # the form still sends it
    person.click()
    person.press_sequentially("BO")  # case does not matter
    expect(page.get_by_role("listbox").get_by_role("option")).to_have_count(1)
    option = page.get_by_role("option", name="Bob Tester")
    page.screenshot(path=_shot(f"report-person-picker-{device}"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    person.press("ArrowDown")
    person.press("ArrowUp")  # wraps round the one option: still Bob
    assert person.get_attribute("aria-activedescendant") == option.get_attribute("id")
    person.press("Enter")  # chooses; does not send the form half-typed
    assert person.input_value() == "Bob Tester"
    assert page.get_by_role("listbox").is_hidden()
    assert "consultant=" not in page.url
    page.get_by_role("button", name="Show report").click()
    page.wait_for_url(re.compile(rf"consultant={many.teammate.pk}"))
    rows = page.locator("#consultants tbody tr[data-consultant]")
    assert rows.count() == 1 and rows.first.get_attribute("data-consultant") == "bob"
    # The choice still reads as a name after the page came back.
    assert page.get_by_role("combobox", name="Consultant").input_value() == "Bob Tester"
    assert "consultant_search" not in page.url  # the search box sends nothing itself
    page.screenshot(path=_shot(f"report-person-chosen-{device}"), full_page=True)

    # Emptied, the menu is back to everyone.
    person = page.get_by_role("combobox", name="Consultant")
    person.fill("")
    person.press("Tab")
    page.get_by_role("button", name="Show report").click()
    page.wait_for_url(re.compile(r"consultant=&"))
    assert page.locator("#consultants tbody tr[data-consultant]").count() >= 2


def test_the_time_list_menu_is_searched_too(many, log_in):
    page = log_in(many.manager)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(page.url.rstrip("/") + "/time/")
    person = page.get_by_role("combobox", name="Consultant")
    person.click()
    person.press_sequentially("ali")
    expect(page.get_by_role("listbox").get_by_role("option")).to_have_text(["Alice Tester"])
    person.press("ArrowDown")
    person.press("Enter")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(rf"consultant={many.consultant.pk}"))
    assert page.get_by_role("combobox", name="Consultant").input_value() == "Alice Tester"
    page.screenshot(path=_shot("time-person-chosen-desktop"), full_page=True)


def _shot(name: str) -> str:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return str(SCREENSHOTS / f"{name}.png")


def test_the_save_forms_recipients_are_found_by_typing(many, log_in):
    page = log_in(many.manager)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(page.url.rstrip("/") + "/reports/balance/?period=this_quarter")
    page.get_by_text("Save these filters").click()
    assert page.locator("input[name=recipients]").count() == 0  # nobody listed up front
    search = page.get_by_role("searchbox", name="Find a recipient by name")
    search.fill("bob")
    page.get_by_label("Bob Tester").check()
    search.fill("ali")
    page.get_by_label("Alice Tester").check()
    assert page.get_by_text("2 people chosen.").is_visible()
    page.get_by_role("textbox", name="Name", exact=True).fill("Bob and Alice")
    page.screenshot(path=_shot("report-recipients-searched-desktop"), full_page=True)
    page.get_by_role("button", name="Save report").click()
    page.wait_for_url("**/reports/saved/")
    saved = many.manager.saved_reports.get()
    assert set(saved.recipients.all()) == {many.consultant, many.teammate}
