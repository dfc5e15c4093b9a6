"""My week's grid in a real Chromium, at 1280 px and on a 390 px phone: live totals, a
cell's entries edited in its dialog, a timer per row, and the phone's day view.

Screenshots are kept under var/screenshots/ (CI keeps var/ as artifacts)."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings

from tracker import services
from tracker.models import Change, Kind, RunningTimer, TimeEntry, WeekApproval, WeekStatus
from tracker.tests.factories import TimeEntryFactory
from tracker.week import iso_week, week_start_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"week_grid_{name}.png", full_page=True)


@pytest.fixture
def open_week(log_in, live_server, cast):
    """My week of `monday` for alice, in a page of the given size."""

    def open_(monday: dt.date, size: dict, **query):
        page = log_in(cast.consultant)
        page.set_viewport_size(size)
        params = "".join(f"&{name}={value}" for name, value in query.items())
        page.goto(f"{live_server.url}/?week={iso_week(monday)}{params}")
        return page

    return open_


def last_monday(cast) -> dt.date:
    return week_start_of(cast.consultant.today()) - dt.timedelta(days=7)


def cell_input(page, token: str, day: int):
    return page.locator(f"#id_cell-{token}-{day}")


def test_totals_and_the_capacity_bar_follow_what_is_typed(open_week, cast):
    monday = last_monday(cast)
    client = f"client-{cast.engagement.pk}"
    page = open_week(monday, DESKTOP)
    assert page.locator("#grid-total").inner_text() == ""
    cell_input(page, client, 0).fill("1:30")
    cell_input(page, client, 1).fill("1.5")
    cell_input(page, client, 2).fill("1,5")
    cell_input(page, "internal-0", 0).fill("90m")
    cell_input(page, "internal-0", 1).fill("1h 30m")
    row = page.locator(f"tr[data-row='{client}'] [data-row-total]")
    assert row.inner_text() == "4:30"
    assert page.locator("tfoot [data-day='0']").inner_text() == "3:00"
    assert page.locator("tfoot [data-day='1']").inner_text() == "3:00"
    assert page.locator("#grid-total").inner_text() == "7:30"
    assert page.locator("#week-total").inner_text() == "7.50 h logged of 40.00 h capacity."
    assert page.locator("[data-legend-kind='client']").inner_text() == "4.50"
    kinds = page.locator("#hours-by-kind tr[data-kind='client']")
    assert kinds.locator(".hours").inner_text() == "4.50"
    assert kinds.locator("[data-of-capacity]").inner_text() == "11%"
    client_bar = page.locator("[data-bar-kind='client']").evaluate("e => e.style.width")
    assert float(client_bar.rstrip("%")) == pytest.approx(100 * 4.5 / 40)
    # What the server would refuse counts as what is saved (nothing here), and is marked.
    cell_input(page, "internal-0", 1).fill("an hour")
    assert page.locator("#grid-total").inner_text() == "6:00"
    assert "is-invalid" in cell_input(page, "internal-0", 1).get_attribute("class")
    cell_input(page, "internal-0", 1).fill("1:30")
    shoot(page, "live_totals_1280")
    # Past capacity: the line says by how much, and the mark shows where capacity ends.
    for day in (2, 3, 4):
        cell_input(page, "internal-0", day).fill("12")
    over = "43.50 h logged of 40.00 h capacity: 3.50 h over."
    assert page.locator("#week-total").inner_text() == over
    assert page.locator(".capacity-mark").is_visible()
    shoot(page, "live_totals_over_capacity_1280")
    for day in (2, 3, 4):
        cell_input(page, "internal-0", day).fill("")
    assert not page.locator(".capacity-mark").is_visible()

    page.get_by_role("button", name="Save week").click()
    page.wait_for_selector("text=Week saved")
    # The server's figures, after the save, are the ones the script showed.
    assert page.locator("#grid-total").inner_text() == "7:30"
    assert page.locator("#week-total").inner_text() == "7.50 h logged of 40.00 h capacity."
    assert sum(TimeEntry.objects.values_list("seconds", flat=True)) == 27000


def test_a_cell_of_several_entries_is_edited_in_its_dialog(open_week, cast):
    monday = last_monday(cast)
    alice, engagement = cast.consultant, cast.engagement
    first = TimeEntryFactory(
        consultant=alice,
        date=monday,
        seconds=3600,
        kind=Kind.CLIENT,
        engagement=engagement,
        note="Kick-off",
    )
    second = TimeEntryFactory(
        consultant=alice, date=monday, seconds=1800, kind=Kind.CLIENT, engagement=engagement
    )
    page = open_week(monday, DESKTOP)
    several = cell_input(page, f"client-{engagement.pk}", 0)
    assert several.input_value() == "1:30"
    several.click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    assert "Tax portal" in dialog.get_by_role("heading").inner_text()
    assert dialog.locator(f"#id_entry-{first.pk}-note").input_value() == "Kick-off"
    dialog.locator(f"#id_entry-{first.pk}-seconds").fill("2:00")
    dialog.locator(f"#id_entry-{first.pk}-note").fill("Kick-off workshop")
    dialog.locator(f"#id_entry-{second.pk}-remove").check()
    dialog.locator("#id_new-seconds").fill("30m")
    dialog.locator("#id_new-note").fill("Follow-up call")
    shoot(page, "cell_dialog_1280")
    dialog.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=/\\d+ changes? saved/")

    entries = list(TimeEntry.objects.order_by("pk").values_list("seconds", "note"))
    assert entries == [(7200, "Kick-off workshop"), (1800, "Follow-up call")]
    assert cell_input(page, f"client-{engagement.pk}", 0).input_value() == "2:30"
    # Each write went through the services: the history says it came from the grid.
    assert set(Change.objects.values_list("action", "via")) >= {
        ("update", "grid"),
        ("delete", "grid"),
        ("create", "grid"),
    }

    # Enter on a cell of several entries opens it too; Cancel closes it, nothing changes.
    cell = cell_input(page, f"client-{engagement.pk}", 0)
    cell.focus()
    cell.press("Enter")
    dialog.get_by_role("link", name="Cancel").click()
    assert not dialog.is_visible()
    assert TimeEntry.objects.count() == 2


def test_a_note_is_typed_from_an_empty_cell(open_week, cast):
    monday = last_monday(cast)
    page = open_week(monday, DESKTOP)
    cell_input(page, "internal-0", 1).fill("2")  # typed, not saved: the dialog warns
    page.get_by_role("link", name=f"Entries and notes: Internal, {monday:%A} {monday.day}").click()
    dialog = page.get_by_role("dialog")
    assert "without saving" in dialog.locator("#cell-unsaved").inner_text()
    dialog.locator("#id_new-note").fill("Hiring panel")
    dialog.get_by_role("button", name="Save").click()
    # A note without time is refused in the dialog, what was typed kept.
    dialog.get_by_text("Enter the time this note goes with").wait_for()
    assert dialog.locator("#id_new-note").input_value() == "Hiring panel"
    dialog.locator("#id_new-seconds").fill("45m")
    dialog.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=/\\d+ changes? saved/")
    assert TimeEntry.objects.get().note == "Hiring panel"
    assert cell_input(page, "internal-0", 0).get_attribute("title") == "Hiring panel"


def test_a_timer_starts_from_its_row_and_discarding_asks_first(open_week, cast, live_server):
    today = cast.consultant.today()
    page = open_week(week_start_of(today), DESKTOP)
    page.get_by_role("button", name="Start a timer: Internal").click()
    page.wait_for_selector("text=Timer started.")
    timer = RunningTimer.objects.get(user=cast.consultant)
    assert timer.kind == Kind.INTERNAL
    assert "Running since" in page.locator("#timer").inner_text()
    assert page.locator("tr[data-row='internal-0'] #row-timer-running").is_visible()
    assert page.get_by_role("button", name="Start a timer: Internal").count() == 0  # one runs
    shoot(page, "timer_running_1280")

    page.get_by_role("link", name="Discard…").click()
    assert "Discarding it logs none of that time" in page.locator("#discard-question").inner_text()
    page.get_by_role("link", name="Keep it running").click()
    assert RunningTimer.objects.filter(user=cast.consultant).exists()
    page.get_by_role("link", name="Discard…").click()
    page.get_by_role("button", name="Discard the timer").click()
    page.wait_for_selector("text=Timer discarded.")
    assert page.url.startswith(f"{live_server.url}/")
    assert not RunningTimer.objects.exists()


def test_a_timer_on_a_day_already_at_24_hours_is_refused_before_it_starts(open_week, cast):
    today = cast.consultant.today()
    TimeEntryFactory(consultant=cast.consultant, date=today, seconds=24 * 3600, kind=Kind.INTERNAL)
    page = open_week(week_start_of(today), PHONE)
    page.get_by_role("button", name=f"Start a timer: {cast.engagement}").click()
    alert = page.get_by_role("status").filter(has_text="The timer was not started")
    assert "already logged 24 hours" in alert.inner_text()
    assert not RunningTimer.objects.exists()
    shoot(page, "timer_refused_390")


def test_a_phone_shows_one_day_with_previous_and_next(open_week, cast):
    monday = last_monday(cast)
    TimeEntryFactory(
        consultant=cast.consultant,
        date=monday + dt.timedelta(days=2),
        seconds=7200,
        kind=Kind.INTERNAL,
    )
    page = open_week(monday, PHONE, day=2)
    visible = page.locator("table.week-grid thead th[data-day]:visible")
    assert visible.count() == 1 and "Wed" in visible.inner_text()
    assert cell_input(page, "internal-0", 2).input_value() == "2:00"
    assert not cell_input(page, "internal-0", 3).is_visible()
    # Nothing runs off the screen: not the grid, the capacity bar's labels nor the pager.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator(".capacity-bar .bar-label:visible").count() == 0
    shoot(page, "day_view_390")
    # A cell's dialog fits the phone.
    page.locator("tr[data-row='internal-0'] td[data-day='2'] a.cell-open").click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    box = dialog.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    shoot(page, "cell_dialog_390")
    dialog.get_by_role("link", name="Cancel").click()

    page.get_by_role("link", name="Thu").click()  # within the week: no page load
    assert "Thursday" in page.locator("#shown-day").inner_text()
    cell_input(page, "internal-0", 3).fill("1:15")
    assert page.locator("#grid-total").inner_text() == "3:15"
    page.get_by_role("link", name="← Wed").click()
    page.get_by_role("link", name="← Tue").click()
    assert cell_input(page, "internal-0", 1).is_visible()
    page.get_by_role("button", name="Save week").click()
    page.wait_for_selector("text=Week saved")
    assert TimeEntry.objects.get(date=monday + dt.timedelta(days=3)).seconds == 4500

    # From Sunday, next goes to the next week's Monday.
    page.goto(page.url.split("?")[0] + f"?week={iso_week(monday)}&day=6")
    page.get_by_role("link", name="Mon").click()
    page.wait_for_url(f"**/?week={iso_week(monday + dt.timedelta(days=7))}&day=0")
    assert "Monday" in page.locator("#shown-day").inner_text()


def test_submit_saves_what_the_grid_holds_and_enter_in_a_cell_only_saves(open_week, cast):
    monday = last_monday(cast)
    page = open_week(monday, DESKTOP)
    cell_input(page, "internal-0", 0).fill("2")
    cell_input(page, "internal-0", 0).press("Enter")  # the form's default button: Save
    page.wait_for_selector("text=Week saved: 1 cell changed.")
    assert not WeekApproval.objects.filter(status=WeekStatus.SUBMITTED).exists()
    cell_input(page, "internal-0", 1).fill("1:30")  # typed, not saved
    page.locator("#id_note").fill("Short week")
    page.get_by_role("button", name="Submit week for approval").click()
    page.wait_for_selector("text=submitted for approval, 1 cell saved first.")
    assert sorted(TimeEntry.objects.values_list("seconds", flat=True)) == [5400, 7200]
    approval = WeekApproval.objects.get(consultant=cast.consultant, week_start=monday)
    assert (approval.status, approval.note) == (WeekStatus.SUBMITTED, "Short week")


def test_a_refused_save_on_a_phone_comes_back_on_the_day_of_the_error(open_week, cast):
    monday = last_monday(cast)
    page = open_week(monday, PHONE, day=0)
    page.get_by_role("link", name="Tue").click()
    page.get_by_role("link", name="Wed").click()
    page.get_by_role("link", name="Thu").click()
    cell_input(page, "internal-0", 3).fill("lots")
    page.get_by_role("link", name="← Wed").click()
    cell_input(page, "internal-0", 2).fill("1")
    page.get_by_role("link", name="← Tue").click()
    page.get_by_role("button", name="Save week").click()
    page.wait_for_selector("text=Nothing was saved")
    assert "Thursday" in page.locator("#shown-day").inner_text()
    assert cell_input(page, "internal-0", 3).is_visible()
    assert page.locator("#err_cell-internal-0-3").is_visible()
    marked = page.locator("#day-errors")
    assert marked.is_visible() and "Thu" in marked.inner_text()
    shoot(page, "day_view_error_390")
    page.get_by_role("link", name="← Wed").click()
    marked.get_by_role("link", name="Thu").click()  # back to the marked day, in the page
    assert cell_input(page, "internal-0", 3).is_visible()


def test_leaving_with_typed_unsaved_values_asks_first(open_week, cast):
    monday = last_monday(cast)
    page = open_week(monday, DESKTOP)
    asked = []

    def answer(dialog, accept):
        asked.append((dialog.type, dialog.message))
        dialog.accept() if accept else dialog.dismiss()

    page.get_by_role("link", name="Next week →").click()  # nothing typed: no question
    page.wait_for_url(f"**/?week={iso_week(monday + dt.timedelta(days=7))}")
    page.go_back()
    cell_input(page, "internal-0", 0).click()
    cell_input(page, "internal-0", 0).fill("3")
    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    page.get_by_role("link", name="Next week →").click()
    assert asked and asked[0][0] == "confirm" and "without saving" in asked[0][1]
    assert cell_input(page, "internal-0", 0).input_value() == "3"
    # The navbar and other ways out: the browser's own question.
    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    page.get_by_role("link", name="Copy last week's rows").click()
    assert len(asked) == 2
    assert cell_input(page, "internal-0", 0).input_value() == "3"
    # Saving is not leaving: no question.
    page.get_by_role("button", name="Save week").click()
    page.wait_for_selector("text=Week saved")
    assert len(asked) == 2


def test_after_a_refused_save_the_totals_count_refused_cells_as_saved(open_week, cast):
    monday = last_monday(cast)
    client = f"client-{cast.engagement.pk}"
    page = open_week(monday, DESKTOP)
    cell_input(page, "internal-0", 0).fill("20")
    cell_input(page, client, 0).fill("5")  # 25 h on Monday: both refused
    cell_input(page, "internal-0", 1).fill("2")  # valid, typed: counts
    page.get_by_role("button", name="Save week").click()
    page.wait_for_selector("text=Nothing was saved")
    assert cell_input(page, "internal-0", 0).input_value() == "20"
    assert page.locator("tfoot [data-day='0']").inner_text() == ""
    assert page.locator("#grid-total").inner_text() == "2:00"
    assert "is-invalid" in cell_input(page, "internal-0", 0).get_attribute("class")
    assert page.locator("#week-total").inner_text() == "2.00 h logged of 40.00 h capacity."
    # Changed again, a cell counts what is typed.
    cell_input(page, "internal-0", 0).fill("19")
    assert page.locator("#grid-total").inner_text() == "21:00"


def test_the_cell_dialog_focuses_its_error_and_asks_before_losing_edits(open_week, cast):
    monday = last_monday(cast)
    page = open_week(monday, DESKTOP)
    page.get_by_role("link", name=f"Entries and notes: Internal, {monday:%A} {monday.day}").click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    assert dialog.locator("#id_new-seconds").get_attribute("placeholder") == "e.g. 1:30"
    dialog.locator("#id_new-note").fill("Hiring panel")
    dialog.get_by_role("button", name="Save").click()
    dialog.get_by_text("Enter the time this note goes with").wait_for()
    focused = page.evaluate("document.activeElement.id")
    assert focused == "id_new-seconds"
    asked = []

    def answer(question, accept):
        asked.append(question.message)
        question.accept() if accept else question.dismiss()

    dialog.locator("#id_new-note").fill("Hiring panel, round 2")
    page.once("dialog", lambda question: answer(question, accept=False))
    page.keyboard.press("Escape")
    assert asked and "without saving" in asked[0]
    assert dialog.is_visible()
    page.once("dialog", lambda question: answer(question, accept=True))
    dialog.get_by_role("link", name="Close").click()
    assert len(asked) == 2
    assert not dialog.is_visible()
    assert not TimeEntry.objects.exists()


def test_a_cells_tooltip_lists_its_notes_in_the_order_its_dialog_lists_its_entries(open_week,
                                                                                  cast):
    monday = last_monday(cast)
    for note in ("Kick-off", "", "Steering committee", "Minutes"):
        TimeEntryFactory(consultant=cast.consultant, date=monday, seconds=1800,
                         kind=Kind.CLIENT, engagement=cast.engagement, note=note)
    page = open_week(monday, DESKTOP)
    cell = cell_input(page, f"client-{cast.engagement.pk}", 0)
    link = page.get_by_role("link", name=f"Entries and notes: {cast.engagement}, "
                            f"{monday:%A} {monday.day}")
    assert link.get_attribute("title") == (
        "Entries and notes: Kick-off · Steering committee · Minutes"
    )
    cell.click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    shoot(page, "cell_order_1280")
    notes = [note for note in dialog.locator("input[name$='-note']:not([name^='new'])")
             .evaluate_all("inputs => inputs.map(input => input.value)") if note]
    assert notes == ["Kick-off", "Steering committee", "Minutes"]


def approve(cast, monday: dt.date) -> None:
    """The manager approves the week (from another tab or device than the page's)."""
    services.week_submit(consultant=cast.consultant, week_start=monday)
    services.week_approve(consultant=cast.consultant, week_start=monday, by=cast.manager)


def refusals(page) -> list[str]:
    """The alerts that say something went wrong, as a person sees them."""
    return page.locator(".alert-danger:visible, [role=alert]:visible").all_inner_texts()


def test_a_save_refused_because_the_week_was_approved_meanwhile_says_so_once(open_week, cast):
    monday = last_monday(cast)
    page = open_week(monday, DESKTOP)
    approve(cast, monday)
    cell_input(page, "internal-0", 1).fill("2:00")
    page.get_by_role("button", name="Save week").click()
    page.wait_for_selector("text=Nothing was saved")
    shoot(page, "approved_meanwhile_1280")
    [message] = refusals(page)
    assert message.startswith("Nothing was saved: the week was approved meanwhile. Week ")
    assert f"was approved by {cast.manager.get_full_name()}" in message
    assert "Not saved" in page.locator("#err_cell-internal-0-1").inner_text()
    # Nothing left to save: leaving the page does not ask about it.
    page.get_by_role("link", name="Next week →").click()
    page.wait_for_url(lambda url: "week=" in url and iso_week(monday) not in url)
    assert not TimeEntry.objects.exists()


def test_a_cell_saved_after_the_week_was_approved_says_so_once(open_week, cast):
    monday = last_monday(cast)
    page = open_week(monday, DESKTOP)
    page.get_by_role("link", name=f"Entries and notes: Internal, {monday:%A} {monday.day}").click()
    dialog = page.get_by_role("dialog")
    dialog.locator("#id_new-seconds").fill("1:00")
    approve(cast, monday)
    dialog.get_by_role("button", name="Save").click()
    dialog.get_by_text("Nothing was saved").wait_for()
    shoot(page, "approved_meanwhile_cell_1280")
    [message] = refusals(page)
    assert message.startswith("Nothing was saved: the week was approved meanwhile. Week ")
    assert not TimeEntry.objects.exists()


CELL_LOOK = """input => { const style = getComputedStyle(input);
  return {background: style.backgroundColor, cursor: style.cursor, border: style.borderTopColor,
          readOnly: input.readOnly, invalid: input.classList.contains('is-invalid'),
          lock: style.backgroundImage.includes('svg')}; }"""


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280", "390"])
def test_an_approved_weeks_cells_look_locked(open_week, cast, size):
    monday = last_monday(cast)
    TimeEntryFactory(consultant=cast.consultant, date=monday, seconds=3600, kind=Kind.INTERNAL)
    approve(cast, monday)
    page = open_week(monday - dt.timedelta(days=7), size, day=0)  # an open week, for contrast
    open_look = cell_input(page, "internal-0", 0).evaluate(CELL_LOOK)
    page.goto(page.url.replace(iso_week(monday - dt.timedelta(days=7)), iso_week(monday)))
    shoot(page, f"locked_{size['width']}")
    assert page.locator("#grid-lock").is_visible()
    assert "Locked" in page.locator("#grid-lock").inner_text()
    cell = cell_input(page, "internal-0", 0)
    assert cell.input_value() == "1:00"
    look = cell.evaluate(CELL_LOOK)
    assert look["readOnly"] and not look["invalid"]
    assert look["lock"] and not open_look["lock"]  # a padlock in each cell
    assert look["cursor"] == "not-allowed" != open_look["cursor"]
    assert look["background"] == "rgb(233, 236, 239)" != open_look["background"]  # disabled
    # A screen reader hears why: the cell is described by the lock's sentence.
    assert "grid-locked" in cell.get_attribute("aria-describedby").split()
    assert "locked" in page.locator("#grid-locked").inner_text()


def test_tab_goes_cell_to_cell_and_alt_enter_opens_any_cell(open_week, cast):
    monday = last_monday(cast)
    TimeEntryFactory(consultant=cast.consultant, date=monday + dt.timedelta(days=1),
                     seconds=3600, kind=Kind.INTERNAL, note="Hiring panel")
    page = open_week(monday, DESKTOP)
    hint = page.locator("#grid-help [data-cell-keys]")
    assert hint.is_visible() and "Alt+Enter" in hint.inner_text()
    cell_input(page, "internal-0", 0).focus()
    stops = []
    for _ in range(3):
        page.keyboard.press("Tab")
        stops.append(page.evaluate("document.activeElement.id"))
    assert stops == ["id_cell-internal-0-1", "id_cell-internal-0-2", "id_cell-internal-0-3"]
    # Alt+Enter on a cell of one entry opens it, with its note; closing comes back to it.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") == "id_cell-internal-0-1"
    page.keyboard.press("Alt+Enter")
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    assert dialog.locator("input[name$='-note'][value='Hiring panel']").count() == 1
    shoot(page, "alt_enter_1280")
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    assert page.evaluate("document.activeElement.id") == "id_cell-internal-0-1"
    # And on an empty cell: a note is typed there without the mouse.
    page.keyboard.press("Tab")
    page.keyboard.press("Alt+Enter")
    dialog.locator("#id_new-seconds").wait_for()
    page.keyboard.type("30m")
    page.keyboard.press("Tab")
    page.keyboard.type("Interview notes")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=/\\d+ changes? saved/")
    assert TimeEntry.objects.filter(date=monday + dt.timedelta(days=2)).get().note == (
        "Interview notes"
    )
    # Saving reloads the week: the keyboard is back in the cell it opened, not at the top.
    assert page.evaluate("document.activeElement.id") == "id_cell-internal-0-2"


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280", "390"])
def test_a_bad_week_in_the_address_shows_this_week_and_says_why(open_week, cast, log_in,
                                                                 live_server, size):
    this_week = week_start_of(cast.consultant.today())
    page = log_in(cast.consultant)
    page.set_viewport_size(size)
    page.goto(f"{live_server.url}/?week=2026-W99")
    shoot(page, f"bad_week_{size['width']}")
    assert page.get_by_text("'2026-W99' is not an ISO week like 2026-W47. Showing this week."
                            ).is_visible()
    assert f"{this_week.day} {this_week:%b}" in page.locator("h1").inner_text()
    # The cell's own page and a week's approval page alike: this week, and why.
    page.goto(f"{live_server.url}/week/cell/?week=2026-W99&row=internal-0&day=0")
    assert page.url == f"{live_server.url}/"
    assert page.get_by_text("Showing this week.").is_visible()
    manager = log_in(cast.manager)
    manager.set_viewport_size(size)
    manager.goto(f"{live_server.url}/weeks/{cast.consultant.username}/2026-W99/")
    assert manager.url.endswith(f"/weeks/{cast.consultant.username}/{iso_week(this_week)}/")
    assert manager.get_by_text("Showing this week.").is_visible()
    manager.screenshot(path=SCREENSHOTS / f"week_grid_bad_week_approval_{size['width']}.png",
                       full_page=True)


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280", "390"])
def test_the_daily_charts_labels_are_legible(open_week, cast, size):
    """The day names and hours under My week's chart are drawn at 12 px or more on screen,
    at a desktop's width and a phone's (the SVG scales with its column)."""
    monday = last_monday(cast)
    TimeEntryFactory(consultant=cast.consultant, date=monday, seconds=5400, kind=Kind.INTERNAL)
    page = open_week(monday, size)
    sizes = page.evaluate("""() => {
        const svg = document.querySelector('svg.day-chart');
        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        return [...svg.querySelectorAll('text')].map(
            t => parseFloat(getComputedStyle(t).fontSize) * scale);
    }""")
    assert len(sizes) == 14 and min(sizes) >= 12, sizes
