"""The logging pages in a real Chromium: an activity and its time, a bad duration, the timer."""

import re

import pytest

from tracker.models import Activity, Kind, RunningTimer, TimeEntry

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_log_a_talk_then_its_time_from_the_activity_page(cast, log_in, live_server):
    today = cast.consultant.today()
    page = log_in(cast.consultant)
    page.get_by_role("link", name="Activities").click()
    assert page.title() == "Activities · ClientFirst"
    page.get_by_role("link", name="Log an activity").click()
    page.get_by_label("Kind").select_option("talk")
    page.get_by_label("Title").fill("Outcomes over output")
    page.get_by_label("Date").fill(today.isoformat())
    page.get_by_label("Venue or channel").fill("DevConf")
    page.get_by_label("Audience reached").fill("250")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/activities/\d+/$"))
    activity = Activity.objects.get()
    assert page.get_by_role("heading", name="Outcomes over output").is_visible()

    page.get_by_role("link", name="Log time on this activity").click()
    page.wait_for_url(re.compile(r"/time/new/"))
    assert page.get_by_label("Kind").input_value() == Kind.PROMOTION
    assert page.get_by_label("Activity").input_value() == str(activity.pk)
    assert page.get_by_label("Date").input_value() == today.isoformat()
    page.get_by_label("Duration").fill("1h 30m")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{live_server.url}/activities/{activity.pk}/")
    assert page.locator("#time-spent").inner_text() == "1:30"
    assert page.get_by_role("status").first.inner_text().startswith("Logged 1:30")
    entry = TimeEntry.objects.get()
    assert (entry.activity_id, entry.kind, entry.seconds) == (activity.pk, Kind.PROMOTION, 5400)


def test_a_bad_duration_shows_its_error_next_to_the_field(cast, log_in, live_server):
    page = log_in(cast.consultant)
    page.goto(f"{live_server.url}/time/")
    page.get_by_role("link", name="Log time").click()
    page.get_by_label("Duration").fill("an hour or so")
    page.get_by_label("Engagement").select_option(str(cast.engagement.pk))
    page.get_by_label("Note").fill("Workshop prep")
    page.get_by_role("button", name="Save").click()

    duration = page.get_by_label("Duration")
    assert duration.input_value() == "an hour or so"
    assert duration.get_attribute("aria-invalid") == "true"
    error = page.locator("#id_seconds_error")
    assert "is not a duration" in error.inner_text()
    assert "id_seconds_error" in duration.get_attribute("aria-describedby")
    assert page.get_by_label("Note").input_value() == "Workshop prep"
    assert not TimeEntry.objects.exists()

    duration.fill("1:30")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{live_server.url}/time/")
    assert page.locator('[data-total="client"]').inner_text() == "1:30"


def test_start_a_timer_reload_and_stop_it(cast, log_in, live_server):
    page = log_in(cast.consultant)
    page.goto(f"{live_server.url}/time/")
    timer = page.locator("#timer")
    timer.get_by_label("Kind").select_option("internal")
    timer.get_by_label("Note").fill("Planning")
    timer.get_by_role("button", name="Start timer").click()
    page.wait_for_url(f"{live_server.url}/time/")
    assert RunningTimer.objects.filter(user=cast.consultant).exists()

    page.reload()
    assert "Running since" in timer.inner_text()
    elapsed = page.locator("[data-timer-elapsed]")
    first = elapsed.inner_text()
    assert re.fullmatch(r"0:00:\d\d", first)
    # The script ticks the display without a reload.
    page.wait_for_function(
        "before => document.querySelector('[data-timer-elapsed]').textContent !== before",
        arg=first,
    )

    timer.get_by_role("button", name="Stop and log").click()
    page.wait_for_url(f"{live_server.url}/time/")
    assert "Timer stopped: logged 0:01" in page.content()
    assert page.locator("#timer").get_by_role("button", name="Start timer").is_visible()
    entry = TimeEntry.objects.get()
    assert (entry.kind, entry.seconds, entry.note) == (Kind.INTERNAL, 60, "Planning")
    assert not RunningTimer.objects.exists()


def test_the_billable_box_follows_the_kind_until_chosen(cast, log_in, live_server):
    page = log_in(cast.consultant)
    page.goto(f"{live_server.url}/time/new/?kind=promotion")
    billable = page.get_by_label("Billable")
    assert not billable.is_checked()
    page.get_by_label("Kind").select_option(Kind.CLIENT)
    assert billable.is_checked()  # client work: billable unless said otherwise
    page.get_by_label("Kind").select_option(Kind.INTERNAL)
    assert not billable.is_checked()
    page.get_by_label("Kind").select_option(Kind.CLIENT)
    page.get_by_label("Engagement").select_option(str(cast.engagement.pk))
    page.get_by_label("Duration").fill("2h")
    billable.uncheck()  # their choice stands
    page.get_by_label("Kind").select_option(Kind.CLIENT)
    assert not billable.is_checked()
    billable.check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{live_server.url}/time/")
    entry = TimeEntry.objects.get()
    assert (entry.kind, entry.billable, entry.seconds) == (Kind.CLIENT, True, 7200)


def test_the_time_lists_pager_stays_on_a_phones_screen(cast, log_in, live_server):
    """Twelve pages of time at 390 px: the pager wraps instead of running off the screen."""
    TimeEntry.objects.bulk_create([
        TimeEntry(consultant=cast.consultant, date=f"2026-11-{1 + n % 28:02d}", seconds=60,
                  kind=Kind.INTERNAL)
        for n in range(300)
    ])
    page = log_in(cast.consultant)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/time/?date_from=2026-11-01&date_to=2026-11-30")
    pager = page.locator(".pagination").first
    assert pager.locator("a", has_text="next").count() == 1
    box = pager.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    for link in pager.locator("li").all():
        item = link.bounding_box()
        assert item["x"] + item["width"] <= 390, link.inner_text()
    page.close()
