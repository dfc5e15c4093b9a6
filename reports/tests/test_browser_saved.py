"""A manager edits a saved report in a real Chromium at 1280 and 390 px: finds recipients
by typing in the picker, saves, sees the filters as labels, and sends it now. Screenshots go
to var/screenshots/ (CI artifacts)."""

import pytest
from django.conf import settings
from django.core import mail

from reports.saved import saved_report_create
from tracker.tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SCREENSHOTS = settings.BASE_DIR / "var" / "screenshots"
WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.mark.parametrize("device", list(WIDTHS))
def test_the_manager_picks_recipients_by_name_and_sends_now(cast, log_in, live_server, device):
    zoe = UserFactory(username="zoe", first_name="Zoë", last_name="Åkesson", team=cast.team)
    saved = saved_report_create(
        owner=cast.manager,
        name="Team weekly",
        schedule="weekly",
        params={"period": "last_4_weeks", "team": cast.team.pk, "consultant": None, "client": None},
        recipients=[cast.manager],
    )
    page = log_in(cast.manager)
    page.set_viewport_size({"width": WIDTHS[device], "height": 900})
    page.goto(f"{live_server.url}/reports/saved/")
    row = page.locator("#saved-reports tbody tr").first
    assert "Last 4 weeks · Public Sector" in row.inner_text()
    row.get_by_role("link", name="Edit Team weekly").click()

    search = page.get_by_role("searchbox", name="Find a recipient by name")
    assert search.is_visible()
    search.fill("zoe aKE")  # accents and case do not matter
    visible = page.locator("[data-picker-item]:visible")
    assert visible.count() == 1 and visible.inner_text() == "Zoë Åkesson"
    page.get_by_label("Zoë Åkesson").check()
    search.fill("nobody like this")
    assert page.get_by_text("Nobody of that name.").is_visible()
    search.fill("")
    assert page.get_by_text("2 people chosen.").is_visible()  # Maria stayed ticked
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=_shot(f"saved-report-edit-{device}"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/reports/saved/")
    assert set(saved.recipients.all()) == {cast.manager, zoe}

    page.get_by_role("button", name="Send Team weekly now").click()
    page.wait_for_url("**/reports/saved/")
    status = page.get_by_role("status").first.inner_text()
    assert "is on its way to 2 people" in status
    assert sorted(m.to[0] for m in mail.outbox) == sorted([cast.manager.email, zoe.email])
    page.screenshot(path=_shot(f"saved-report-sent-{device}"), full_page=True)


def test_without_javascript_the_whole_list_shows(cast, browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(cast.manager.username)
    page.get_by_label("Password").fill("secret-pass-123")
    page.get_by_role("button", name="Log in").click()
    saved = saved_report_create(
        owner=cast.manager, name="Plain", schedule="", params={}, recipients=[]
    )
    page.goto(f"{live_server.url}/reports/saved/{saved.pk}/edit/")
    assert not page.get_by_role("searchbox").is_visible()
    assert page.locator("[data-picker-item]:visible").count() >= 3
    context.close()


def _shot(name: str) -> str:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return str(SCREENSHOTS / f"{name}.png")
