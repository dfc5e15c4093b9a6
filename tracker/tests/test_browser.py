import datetime as dt

import pytest
import time_machine

from tracker.models import TimeEntry
from tracker.tests.factories import ActivityFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_a_consultant_logs_in_and_sees_their_week(cast, log_in):
    page = log_in(cast.consultant)
    assert page.title().startswith("My week")
    assert page.get_by_role("heading", name="My week").is_visible()
    assert "0.00 h logged of 40.00 h capacity" in page.content()


@time_machine.travel("2026-11-27 15:00 +0000", tick=True)
def test_fill_a_week_in_the_grid_and_see_my_week_update(cast, log_in):
    ActivityFactory(consultant=cast.consultant, title="Keynote", date=dt.date(2026, 11, 24))
    page = log_in(cast.consultant)
    # Her engagement has its row already; a talk she gave gets one from a new line.
    page.get_by_label(f"{cast.engagement}, Monday 23 November", exact=True).fill("6:30")
    page.get_by_label(f"{cast.engagement}, Tuesday 24 November", exact=True).fill("7.5")
    page.get_by_label(f"{cast.engagement}, Wednesday 25 November", exact=True).fill("7h")
    page.get_by_label("New row 1: what for").select_option(label="Promotion: Keynote (24 Nov)")
    page.get_by_label("New row 1, Tuesday 24 November", exact=True).fill("1h")
    page.get_by_label("Promotion (general), Monday 23 November", exact=True).fill("1h 30m")
    page.get_by_label("Internal, Tuesday 24 November", exact=True).fill("30m")
    page.get_by_role("button", name="Save week").click()
    page.wait_for_selector("text=Week saved")
    assert page.locator("#week-total").inner_text() == "24.00 h logged of 40.00 h capacity."
    hours = page.locator("#hours-by-kind tbody .hours").all_inner_texts()
    assert hours == ["21.00", "2.50", "0.50"]
    assert TimeEntry.objects.filter(consultant=cast.consultant).count() == 6
    tuesday = page.get_by_label(f"{cast.engagement}, Tuesday 24 November", exact=True)
    assert tuesday.input_value() == "7:30"


@time_machine.travel("2026-11-27 15:00 +0000", tick=True)
def test_a_bad_cell_saves_nothing_and_is_marked(cast, log_in):
    page = log_in(cast.consultant)
    page.get_by_label("Internal, Monday 23 November", exact=True).fill("2")
    page.get_by_label("Internal, Tuesday 24 November", exact=True).fill("lots")
    page.get_by_role("button", name="Save week").click()
    page.wait_for_selector("text=Nothing was saved")
    bad = page.get_by_label("Internal, Tuesday 24 November", exact=True)
    assert bad.get_attribute("aria-invalid") == "true"
    assert bad.input_value() == "lots"
    assert "is not a duration" in page.locator("#err_cell-internal-0-1").inner_text()
    assert page.get_by_label("Internal, Monday 23 November", exact=True).input_value() == "2"
    assert not TimeEntry.objects.filter(date__gte="2026-11-23").exists()


@time_machine.travel("2026-11-27 15:00 +0000", tick=True)
def test_two_tabs_on_one_week_keep_each_others_work(cast, log_in):
    """Two sessions on one week: the second save neither undoes the first nor overwrites a
    cell it changed without showing it."""
    tab_a, tab_b = log_in(cast.consultant), log_in(cast.consultant)  # two browser contexts
    tab_a.get_by_label("Internal, Thursday 26 November", exact=True).fill("2:00")
    tab_a.get_by_role("button", name="Save week").click()
    tab_a.wait_for_selector("text=Week saved")

    tab_b.get_by_label("Internal, Tuesday 24 November", exact=True).fill("0:30")
    tab_b.get_by_label("Internal, Thursday 26 November", exact=True).fill("1:00")
    tab_b.get_by_role("button", name="Save week").click()
    tab_b.wait_for_selector("text=Nothing was saved")
    thursday = tab_b.get_by_label("Internal, Thursday 26 November", exact=True)
    assert thursday.input_value() == "1:00"
    assert "now 2:00" in tab_b.locator("#err_cell-internal-0-3").inner_text()
    assert TimeEntry.objects.get().seconds == 7200

    thursday.fill("2:00")  # keeping what A saved: B's Tuesday alone goes in
    tab_b.get_by_role("button", name="Save week").click()
    tab_b.wait_for_selector("text=Week saved: 1 cell changed.")
    assert thursday.input_value() == "2:00"
    assert sorted(TimeEntry.objects.values_list("seconds", flat=True)) == [1800, 7200]


@pytest.mark.parametrize("width", [1200, 1280, 1440])
def test_an_admins_menu_fits_the_screen_at_desktop_widths(cast, log_in, live_server, width):
    """An admin has the most entries (Approvals, Team, Imports, History, Admin) and a long
    name: at every desktop width the menu stays within the screen, one line, nothing cut."""
    cast.admin.first_name, cast.admin.last_name = "Maximiliane", "Oberhausen-Schwarz"
    cast.admin.save()
    page = log_in(cast.admin)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server.url}/weeks/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    main_nav = page.get_by_role("navigation", name="Main navigation")
    assert main_nav.bounding_box()["height"] < 70
    assert page.locator("#user-menu").bounding_box()["x"] + page.locator(
        "#user-menu").bounding_box()["width"] <= width
    page.close()


def test_the_user_menu_holds_password_and_log_out(cast, log_in, live_server):
    """One line of navigation at desktop width: the account links sit in the user's menu."""
    page = log_in(cast.manager)
    page.set_viewport_size({"width": 1280, "height": 800})
    main_nav = page.get_by_role("navigation", name="Main navigation")
    assert main_nav.bounding_box()["height"] < 70  # nothing wraps to a second line
    page.locator("#user-menu").click()
    page.get_by_role("link", name="Change password").click()
    page.wait_for_url(f"{live_server.url}/accounts/password_change/")
    page.locator("#user-menu").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/time/")
    assert "/accounts/login/" in page.url


@time_machine.travel("2026-11-27 15:00 +0000", tick=True)
def test_a_week_is_submitted_returned_resubmitted_approved_and_locked(cast, log_in):
    """The approval flow in Chromium: the consultant submits, the manager returns the week
    with a comment, the consultant reads it, fixes the week and submits again, the manager
    approves, and the grid is locked."""
    alice = log_in(cast.consultant)
    alice.get_by_label("Internal, Monday 23 November", exact=True).fill("2:00")
    alice.get_by_role("button", name="Save week").click()
    alice.wait_for_selector("text=Week saved")
    alice.get_by_label("Note for your manager (optional)").fill("Short week")
    alice.get_by_role("button", name="Submit week for approval").click()
    alice.wait_for_selector("text=submitted for approval")
    assert alice.locator("#week-status").get_attribute("data-status") == "submitted"

    maria = log_in(cast.manager)
    maria.get_by_role("link", name="Approvals").click()
    maria.get_by_role("link", name="2026-W48").click()
    assert "Short week" in maria.locator("#week-status").inner_text()
    maria.get_by_label("Comment").fill("Where is Tuesday's workshop?")
    maria.get_by_role("button", name="Return with comment").click()
    maria.wait_for_selector("text=returned")

    alice.reload()
    assert "Where is Tuesday's workshop?" in alice.locator("#week-status").inner_text()
    alice.get_by_label("Internal, Tuesday 24 November", exact=True).fill("3:00")
    alice.get_by_role("button", name="Save week").click()
    alice.wait_for_selector("text=Week saved")
    alice.get_by_role("button", name="Submit week again").click()
    alice.wait_for_selector("text=submitted for approval")

    maria.reload()
    assert "5.00" in maria.locator("#week-total-hours").inner_text()
    # Alice adds an hour in another tab while Maria looks: Maria's approval is refused, the
    # page shows the week as it is now, and approving it again then works.
    tab = log_in(cast.consultant)  # a second window of hers
    tab.goto(alice.url)
    tab.get_by_label("Internal, Wednesday 25 November", exact=True).fill("1:00")
    tab.get_by_role("button", name="Save week").click()
    tab.wait_for_selector("text=Week saved")
    maria.get_by_role("button", name="Approve week").click()
    maria.wait_for_selector("text=was changed since you opened it")
    assert "6.00" in maria.locator("#week-total-hours").inner_text()
    maria.get_by_role("button", name="Approve week").click()
    maria.wait_for_selector("text=approved")

    # Alice's first tab, opened before the approval, tries to save: told why, not saved.
    alice.get_by_label("Internal, Thursday 26 November", exact=True).fill("1:00")
    alice.get_by_role("button", name="Save week").click()
    alice.wait_for_selector("text=Nothing was saved: the week was approved meanwhile.")
    assert "Not saved" in alice.locator("#err_" + alice.get_by_label(
        "Internal, Thursday 26 November", exact=True).get_attribute("name")).inner_text()

    alice.goto(alice.url)  # a GET: reloading the refused POST would send it again
    assert alice.locator("#week-status").get_attribute("data-status") == "approved"
    assert alice.locator("#grid-locked").is_visible()
    assert alice.get_by_role("button", name="Save week").count() == 0
    tuesday = alice.get_by_label("Internal, Tuesday 24 November", exact=True)
    assert tuesday.get_attribute("readonly") is not None
    assert sorted(TimeEntry.objects.values_list("seconds", flat=True)) == [3600, 7200, 10800]


@time_machine.travel("2026-11-27 15:00 +0000", tick=True)
@pytest.mark.parametrize("width", [390, 1280])
def test_a_long_unbroken_note_and_comment_stay_within_the_screen(cast, log_in, live_server,
                                                                  width):
    """A note or a comment of 2,000 characters without a space (a pasted link, a key held
    down) wraps inside the week's status box: My week and the week's page never scroll
    sideways."""
    from tracker import services

    monday = dt.date(2026, 11, 23)
    services.week_submit(consultant=cast.consultant, week_start=monday, note="n" * 2000)
    services.week_return(consultant=cast.consultant, week_start=monday, by=cast.manager,
                         comment="c" * 2000)
    services.week_submit(consultant=cast.consultant, week_start=monday - dt.timedelta(days=7))
    services.week_return(consultant=cast.consultant, week_start=monday - dt.timedelta(days=7),
                         by=cast.manager, comment="r" * 2000)
    for user, path in ((cast.consultant, "/"), (cast.manager, "/weeks/alice/2026-W48/")):
        page = log_in(user)
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{live_server.url}{path}")
        assert page.locator("#week-status").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
        page.close()
