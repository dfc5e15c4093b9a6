import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from clients.tests.factories import EngagementFactory, OutcomeFactory, OutcomeMeasurementFactory
from tracker import services
from tracker.models import Kind, RunningTimer, TimeEntry, WeekApproval, WeekStatus
from tracker.tests.factories import ActivityFactory, TimeEntryFactory, UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(dt.datetime(2026, 11, 27, 15, 0, tzinfo=dt.UTC)),  # Friday, W48
]

MONDAY = dt.date(2026, 11, 23)
URL = reverse("tracker:my_week")


@pytest.fixture
def alice(client, cast):
    client.force_login(cast.consultant)
    return cast.consultant


def save(client, data, week="2026-W48"):
    return client.post(f"{URL}?week={week}", data, follow=True)


def cell(key, day):
    return f"cell-{key}-{day}"


def test_a_week_of_client_promotion_and_internal_time_in_one_save(client, alice, cast):
    talk = ActivityFactory(consultant=alice, title="Keynote", date=MONDAY)
    token = f"client-{cast.engagement.pk}"  # her engagement's row is there before any time
    response = save(client, {cell(token, 0): "1:30", cell(token, 2): "2",
                             "new-row-1": f"promotion-{talk.pk}", "cell-new1-0": "45m",
                             cell("internal-0", 1): "45m"})
    assert "Week saved: 4 cells changed." in response.content.decode()
    rows = set(TimeEntry.objects.values_list("date", "seconds", "kind", "engagement_id",
                                             "activity_id"))
    assert rows == {
        (MONDAY, 5400, "client", cast.engagement.pk, None),
        (MONDAY + dt.timedelta(days=2), 7200, "client", cast.engagement.pk, None),
        (MONDAY, 2700, "promotion", None, talk.pk),
        (MONDAY + dt.timedelta(days=1), 2700, "internal", None, None),
    }
    assert TimeEntry.objects.get(kind="client", date=MONDAY).billable is True


def test_typing_over_a_cell_updates_and_clearing_deletes(client, alice):
    kept = TimeEntryFactory(consultant=alice, date=MONDAY, seconds=3600, kind=Kind.INTERNAL)
    gone = TimeEntryFactory(consultant=alice, date=MONDAY + dt.timedelta(days=1), seconds=600,
                            kind=Kind.INTERNAL)
    save(client, {cell("internal-0", 0): "2:15", cell("internal-0", 1): ""})
    kept.refresh_from_db()
    assert kept.seconds == 8100
    assert not TimeEntry.objects.filter(pk=gone.pk).exists()


def test_a_cell_typed_over_says_when_its_entry_was_changed(client, alice):
    """updated_at, which exports and the edit forms' versions read, moves on a grid save."""
    entry = TimeEntryFactory(consultant=alice, date=MONDAY, seconds=3600, kind=Kind.INTERNAL)
    long_ago = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    TimeEntry.objects.filter(pk=entry.pk).update(updated_at=long_ago)
    save(client, {cell("internal-0", 0): "2"})
    entry.refresh_from_db()
    assert entry.seconds == 7200
    assert entry.updated_at >= dt.datetime(2026, 11, 27, 15, 0, tzinfo=dt.UTC)


def test_untouched_cells_keep_their_exact_seconds(client, alice):
    entry = TimeEntryFactory(consultant=alice, date=MONDAY, seconds=5415, kind=Kind.INTERNAL)
    page = client.get(URL).content.decode()
    assert 'value="1:30"' in page
    save(client, {cell("internal-0", 0): "1:30"})
    entry.refresh_from_db()
    assert entry.seconds == 5415


def test_one_bad_cell_saves_nothing(client, alice):
    response = save(client, {cell("internal-0", 0): "3", cell("promotion-0", 1): "1h 75x"})
    assert "Nothing was saved" in response.content.decode()
    assert response.context["grid"].rows[-1].cells[0].value == "3"
    assert not TimeEntry.objects.exists()


def test_future_days_are_refused(client, alice):
    response = save(client, {cell("internal-0", 5): "2"})  # Saturday 28 Nov, tomorrow
    assert "cannot be logged in the future" in response.content.decode()
    assert not TimeEntry.objects.exists()


def test_more_than_24_hours_in_a_day_across_rows_is_refused(client, alice, cast):
    response = save(client, {cell(f"client-{cast.engagement.pk}", 0): "20",
                             cell("internal-0", 0): "5"})
    assert "more than 24 hours" in response.content.decode()
    assert not TimeEntry.objects.exists()


def test_a_cell_of_hundreds_of_digits_is_marked_not_a_500(client, alice, settings):
    settings.DEBUG = False
    client.raise_request_exception = False
    response = save(client, {cell("internal-0", 0): "9" * 309 + "h"})
    assert response.status_code == 200
    assert "not a duration" in response.context["grid"].rows[-1].cells[0].error
    assert not TimeEntry.objects.exists()


def test_engagement_not_active_that_day_is_refused(client, alice):
    late = EngagementFactory(name="Starts Wednesday", members=[alice],
                             starts_on=MONDAY + dt.timedelta(days=2))
    response = save(client, {cell(f"client-{late.pk}", 0): "1"})
    assert "is not active on 23 Nov 2026" in response.content.decode()
    assert not TimeEntry.objects.exists()


def test_someone_elses_engagement_cannot_be_added(client, alice, cast):
    theirs = EngagementFactory(name="Not mine", members=[cast.teammate])
    response = save(client, {"new-row-1": f"client-{theirs.pk}", "cell-new1-0": "1"})
    assert "not one you can log time on" in response.content.decode()
    assert not TimeEntry.objects.exists()


def test_a_cell_with_several_entries_opens_its_editor(client, alice):
    TimeEntryFactory(consultant=alice, date=MONDAY, seconds=600, kind=Kind.INTERNAL)
    TimeEntryFactory(consultant=alice, date=MONDAY, seconds=600, kind=Kind.INTERNAL)
    page = client.get(URL).content.decode()
    assert 'grid-cell several' in page and 'title="2 entries: open the cell to change them"' in page
    cell_url = "/week/cell/?week=2026-W48&amp;row=internal-0&amp;day=0"
    assert f'href="{cell_url}"' in page  # its editor, a page without scripts
    response = save(client, {cell("internal-0", 0): "1"})  # a post typed over it anyway
    page = response.content.decode()
    assert "holds 2 entries; open the cell" in page
    assert f'href="{cell_url}" class="several-entries">Open these 2 entries</a>' in page
    response = save(client, {cell("internal-0", 0): ""})
    assert not TimeEntry.objects.exists()


def test_copy_last_weeks_rows(client, alice, cast):
    talk = ActivityFactory(consultant=alice, title="Keynote", date=MONDAY - dt.timedelta(days=9))
    TimeEntryFactory(consultant=alice, date=MONDAY - dt.timedelta(days=7), seconds=3600,
                     kind=Kind.PROMOTION, activity=talk)
    plain = client.get(URL)
    assert f"promotion-{talk.pk}" not in [r.key.token for r in plain.context["grid"].rows]
    copied = client.get(f"{URL}?week=2026-W48&copy=1")
    rows = {r.key.token: r for r in copied.context["grid"].rows}
    assert f"promotion-{talk.pk}" in rows
    assert all(c.value == "" for c in rows[f"promotion-{talk.pk}"].cells)


def test_every_engagement_active_this_week_has_its_row(client, alice, cast):
    ended = EngagementFactory(name="Ended", members=[alice], starts_on=dt.date(2026, 1, 5),
                              ends_on=dt.date(2026, 11, 20))
    later = EngagementFactory(name="Later", members=[alice], starts_on=dt.date(2026, 12, 1))
    theirs = EngagementFactory(name="Bob's", members=[cast.teammate])
    tokens = [row.key.token for row in client.get(URL).context["grid"].rows]
    assert f"client-{cast.engagement.pk}" in tokens
    assert not {f"client-{e.pk}" for e in (ended, later, theirs)} & set(tokens)


def test_a_new_row_that_failed_comes_back_as_a_row_and_saves_after_the_fix(client, alice):
    """The audit's lost hours: a new row, one bad cell, then the corrected page saved."""
    talk = ActivityFactory(consultant=alice, title="Webinar", date=MONDAY)
    token = f"promotion-{talk.pk}"
    first = save(client, {
        "new-row-1": token, "cell-new1-0": "7", "cell-new1-1": "7:30", "cell-new1-2": "abc",
        "cell-new1-3": "6", cell("internal-0", 3): "30m",
    })
    assert "Nothing was saved" in first.content.decode()
    grid = first.context["grid"]
    row = next(row for row in grid.rows if row.key.token == token)
    assert [c.value for c in row.cells[:4]] == ["7", "7:30", "abc", "6"]
    assert row.cells[2].error
    # The totals beside the refused grid add up what was typed (the bad cell as saved: 0).
    assert row.total_seconds == (7 + 7.5 + 6) * 3600
    assert grid.day_totals()[3] == 6.5 * 3600
    assert all(not c.value for line in grid.new_lines for c in line.cells)
    page = first.content.decode()
    assert f'name="cell-{token}-0"' in page and 'value="7:30"' in page
    # The browser posts the page as shown: the row under its own names, empty new lines.
    second = save(client, {
        cell(token, 0): "7", cell(token, 1): "7:30", cell(token, 2): "8", cell(token, 3): "6",
        cell("internal-0", 3): "30m", "new-row-1": "", "cell-new1-0": "",
    })
    assert "Week saved: 5 cells changed." in second.content.decode()
    assert TimeEntry.objects.filter(activity=talk).aggregate(
        total=Sum("seconds"))["total"] == (7 + 7.5 + 8 + 6) * 3600


def test_new_row_hours_without_a_choice_are_kept_and_the_choice_is_marked(client, alice):
    response = save(client, {"cell-new2-0": "2", "cell-new2-1": "3"})
    line = response.context["grid"].new_lines[1]
    assert line.error == "Choose what this row is for, or clear its cells."
    assert [c.value for c in line.cells[:2]] == ["2", "3"]
    page = response.content.decode()
    assert 'id="err_new-row-2"' in page and 'aria-describedby="err_new-row-2"' in page
    assert not TimeEntry.objects.exists()


def test_several_new_rows_in_one_save(client, alice):
    talk = ActivityFactory(consultant=alice, title="Panel", date=MONDAY)
    post = ActivityFactory(consultant=alice, title="Post", date=MONDAY)
    # The same activity on two lines, the same day on both: that day is marked, nothing saved.
    response = save(client, {
        "new-row-1": f"promotion-{talk.pk}", "cell-new1-0": "1",
        "new-row-2": f"promotion-{talk.pk}", "cell-new2-0": "2", "cell-new2-1": "1",
    })
    grid = response.context["grid"]
    row = next(r for r in grid.rows if r.key.token == f"promotion-{talk.pk}")
    assert [c.value for c in row.cells[:2]] == ["1", ""]
    second = grid.new_lines[1]
    assert "on another line too" in second.error
    assert (second.token, [c.value for c in second.cells[:2]]) == (f"promotion-{talk.pk}",
                                                                    ["2", "1"])
    assert f'<option value="promotion-{talk.pk}" selected>' in response.content.decode()
    assert not TimeEntry.objects.exists()
    # On different days the two lines are one row.
    response = save(client, {
        "new-row-1": f"promotion-{talk.pk}", "cell-new1-0": "1",
        "new-row-2": f"promotion-{talk.pk}", "cell-new2-1": "1",
    })
    assert "Week saved: 2 cells changed." in response.content.decode()
    TimeEntry.objects.all().delete()
    response = save(client, {"new-row-1": f"promotion-{talk.pk}", "cell-new1-0": "1",
                             "new-row-3": f"promotion-{post.pk}", "cell-new3-1": "2"})
    assert "Week saved: 2 cells changed." in response.content.decode()
    assert set(TimeEntry.objects.values_list("activity_id", "seconds")) == {
        (talk.pk, 3600), (post.pk, 7200)
    }


def test_figures_match_the_entries(client, alice, cast):
    TimeEntryFactory(consultant=alice, date=MONDAY, seconds=3 * 3600, kind=Kind.CLIENT,
                     engagement=cast.engagement)
    TimeEntryFactory(consultant=alice, date=MONDAY, seconds=3600, kind=Kind.PROMOTION)
    TimeEntryFactory(consultant=alice, date=MONDAY - dt.timedelta(days=14), seconds=3600,
                     kind=Kind.PROMOTION)
    bob = cast.teammate
    TimeEntryFactory(consultant=bob, date=MONDAY, seconds=3600, kind=Kind.PROMOTION)
    TimeEntryFactory(consultant=bob, date=MONDAY, seconds=3600, kind=Kind.CLIENT,
                     engagement=EngagementFactory(members=[bob]))
    carol = UserFactory(username="carol", team=cast.team)
    TimeEntryFactory(consultant=carol, date=MONDAY, seconds=3600, kind=Kind.INTERNAL)
    response = client.get(URL)
    context = response.context
    assert context["total_hours"] == 4
    assert context["share_week"] == pytest.approx(0.25)
    assert context["share_four_weeks"] == pytest.approx(2 / 5)
    # alice 0.4 and bob 0.5; carol logged no client or promotion time and has no share
    assert context["team_median_four_weeks"] == pytest.approx(0.45)
    page = response.content.decode()
    assert 'data-figure="share-week">25%' in page
    assert 'data-figure="team-median">45%' in page


def test_outcomes_and_activities_of_the_week(client, alice, cast):
    talk = ActivityFactory(consultant=alice, title="Delivery at scale", date=MONDAY)
    ActivityFactory(consultant=alice, title="Old talk", date=MONDAY - dt.timedelta(days=8))
    outcome = OutcomeFactory(engagement=cast.engagement, title="Faster releases",
                             status="achieved", achieved_on=MONDAY)
    OutcomeMeasurementFactory(outcome=outcome, date=MONDAY, value=18, recorded_by=alice)
    response = client.get(URL)
    assert list(response.context["activities"]) == [talk]
    page = response.content.decode()
    assert f'<a href="/activities/{talk.pk}/">Delivery at scale</a>' in page
    assert "Achieved: <a" in page and "Faster releases" in page
    assert "Measured Cycle time: 18" in page


def test_other_weeks_are_reachable_and_bad_week_falls_back(client, alice):
    response = client.get(f"{URL}?week=2026-W47")
    assert response.context["start"] == dt.date(2026, 11, 16)
    assert client.get(f"{URL}?week=garbage").context["start"] == MONDAY


@pytest.mark.parametrize("week", ["9999-W52", "0001-W01", "2200-W01"])
def test_a_week_at_the_calendar_edge_shows_this_week_and_says_why(client, alice, settings, week):
    settings.DEBUG = False
    client.raise_request_exception = False
    response = client.get(URL, {"week": week})
    assert response.status_code == 200
    assert response.context["start"] == MONDAY
    assert f"Choose a week from 1900 to 2199, not {week}. Showing this week." in (
        response.content.decode()
    )


def test_a_save_posted_to_a_bad_week_saves_nothing(client, alice):
    response = client.post(f"{URL}?week=9999-W52", {cell("internal-0", 0): "1"}, follow=True)
    assert "Showing this week." in response.content.decode()
    assert not TimeEntry.objects.exists()


def test_my_week_queries_stay_flat(client, alice, cast, django_assert_max_num_queries):
    def fill(n):
        for i in range(n):
            TimeEntryFactory(consultant=alice, date=MONDAY + dt.timedelta(days=i % 5),
                             seconds=60, kind=Kind.PROMOTION,
                             activity=ActivityFactory(consultant=alice, date=MONDAY))
    fill(1)
    with django_assert_max_num_queries(20):
        client.get(URL)
    fill(30)
    with django_assert_max_num_queries(20):
        client.get(URL)


def test_each_figure_links_to_the_entries_it_sums(client, alice, cast):
    import re

    TimeEntryFactory(consultant=alice, date=MONDAY, seconds=5400, kind=Kind.CLIENT,
                     engagement=cast.engagement)
    TimeEntryFactory(consultant=alice, date=MONDAY + dt.timedelta(days=1), seconds=1800,
                     kind=Kind.CLIENT, engagement=cast.engagement)
    TimeEntryFactory(consultant=alice, date=MONDAY - dt.timedelta(days=1), seconds=900,
                     kind=Kind.CLIENT, engagement=cast.engagement)  # last week
    page = client.get(URL).content.decode()
    link = re.search(r'<a href="(/time/\?[^"]*kind=client[^"]*)">([\d.]+)</a>', page)
    url, figure = link.group(1).replace("&amp;", "&"), float(link.group(2))
    listed = client.get(url)
    assert listed.status_code == 200
    assert figure == 2.0 and listed.context["totals"]["total"] == 7200


@pytest.mark.time_machine(dt.datetime(2026, 11, 27, 15, 0, tzinfo=dt.UTC), tick=False)
def test_a_running_timer_shows_on_my_week(client, alice, cast):
    from tracker.models import RunningTimer

    assert 'id="timer"' not in client.get(URL).content.decode()  # no start form here
    RunningTimer.objects.create(user=alice, kind=Kind.CLIENT, engagement=cast.engagement,
                                started_at=dt.datetime(2026, 11, 27, 14, 15, tzinfo=dt.UTC))
    page = client.get(URL).content.decode()
    assert 'id="timer"' in page and "0:45:00" in page
    assert reverse("tracker:timer_stop") in page
    stopped = client.post(reverse("tracker:timer_stop"), {"next": URL})
    assert stopped.status_code == 302 and stopped["Location"] == URL
    assert TimeEntry.objects.get(consultant=alice).seconds == 45 * 60


def test_measurements_of_the_week_show_plain_numbers(client, alice, cast):
    outcome = OutcomeFactory(engagement=cast.engagement, unit="cases")
    OutcomeMeasurementFactory(outcome=outcome, recorded_by=alice, date=MONDAY, value="2100.00")
    page = client.get(URL).content.decode()
    assert "2100 cases" in page and "2100.00" not in page


def test_past_capacity_the_bar_marks_where_capacity_ends(client, alice, cast):
    alice.weekly_capacity_hours = 10
    alice.save()
    TimeEntryFactory(consultant=alice, date=MONDAY, seconds=8 * 3600, kind=Kind.CLIENT,
                     engagement=cast.engagement)
    TimeEntryFactory(consultant=alice, date=MONDAY + dt.timedelta(days=1), seconds=4 * 3600,
                     kind=Kind.INTERNAL)
    response = client.get(URL)
    assert response.context["capacity_mark"] == pytest.approx(100 * 10 / 12)
    page = response.content.decode()
    assert "12.00 h logged of 10.00 h capacity: <strong>2.00 h over</strong>." in page
    widths = [row["percent_of_bar"] for row in response.context["rows"] if row["hours"]]
    assert sum(widths) == pytest.approx(100)  # every kind shows, internal included


class _GridForm(HTMLParser):
    """The fields of the week grid's form, as a browser would post them."""

    def __init__(self):
        super().__init__()
        self.fields, self._in_form, self._select = {}, False, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._in_form = attrs.get("id") == "week-grid"
        elif self._in_form and tag == "input" and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value") or ""
        elif self._in_form and tag == "select":
            self._select = attrs["name"]
            self.fields[self._select] = ""
        elif self._select and tag == "option" and "selected" in attrs:
            self.fields[self._select] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None


def open_week(client, week="2026-W48") -> dict:
    """What the grid holds as shown to `client`: its form fields by name."""
    parser = _GridForm()
    parser.feed(client.get(f"{URL}?week={week}").content.decode())
    return parser.fields


@pytest.fixture
def two_tabs(client, alice):
    """Alice's week open in two sessions (two tabs, or a laptop and a phone)."""
    other = Client()
    other.force_login(alice)
    return client, other


def test_a_stale_save_keeps_what_another_tab_saved_meanwhile(two_tabs, alice):
    """The audit's reproduction: B's save of another cell undid A's new, changed and
    cleared cells."""
    TimeEntryFactory(consultant=alice, date=MONDAY, seconds=5400, kind=Kind.INTERNAL)
    TimeEntryFactory(consultant=alice, date=MONDAY + dt.timedelta(days=2), seconds=3600,
                     kind=Kind.INTERNAL)
    tab_a, tab_b = two_tabs
    page_a, page_b = open_week(tab_a), open_week(tab_b)
    page_a.update({cell("internal-0", 0): "3:00", cell("internal-0", 2): "",
                   cell("internal-0", 3): "2:00"})
    assert "Week saved: 3 cells changed." in save(tab_a, page_a).content.decode()

    page_b[cell("internal-0", 1)] = "0:30"
    response = save(tab_b, page_b)
    assert "Week saved: 1 cell changed." in response.content.decode()
    saved = dict(TimeEntry.objects.values_list("date", "seconds"))
    assert saved == {
        MONDAY: 3 * 3600,  # not put back to 1:30
        MONDAY + dt.timedelta(days=1): 1800,
        MONDAY + dt.timedelta(days=3): 2 * 3600,  # A's new entry, not deleted
    }  # and Wednesday, cleared by A, not logged again
    assert [c.value for c in response.context["grid"].rows[-1].cells[:4]] == [
        "3:00", "0:30", "", "2:00"
    ]


def test_a_stale_edit_of_a_cell_changed_meanwhile_is_refused_and_shown(two_tabs, alice):
    entry = TimeEntryFactory(consultant=alice, date=MONDAY, seconds=5400, kind=Kind.INTERNAL)
    tab_a, tab_b = two_tabs
    page_a, page_b = open_week(tab_a), open_week(tab_b)
    page_a[cell("internal-0", 0)] = "3:00"
    save(tab_a, page_a)

    page_b.update({cell("internal-0", 0): "2:00", cell("internal-0", 1): "1:00"})
    response = save(tab_b, page_b)
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert "changed in another tab or on another device" in page
    monday = response.context["grid"].rows[-1].cells[0]
    assert monday.value == "2:00"  # B's typing kept...
    assert "now 3:00" in monday.error  # ...beside A's value
    assert f'id="err_{monday.name}"' in page and 'value="2:00"' in page
    assert list(TimeEntry.objects.values_list("date", "seconds")) == [(MONDAY, 3 * 3600)]

    # Having seen A's value, B may still put theirs: the page now names the time saved now.
    again = _GridForm()
    again.feed(page)
    assert again.fields[f"was-{cell('internal-0', 0)}"] == str(3 * 3600)
    assert "Week saved: 2 cells changed." in save(tab_b, again.fields).content.decode()
    entry.refresh_from_db()
    assert entry.seconds == 2 * 3600


def test_saving_the_whole_page_in_one_tab_changes_only_what_was_typed(client, alice, cast):
    kept = TimeEntryFactory(consultant=alice, date=MONDAY, seconds=5415, kind=Kind.INTERNAL)
    cleared = TimeEntryFactory(consultant=alice, date=MONDAY + dt.timedelta(days=1),
                               seconds=600, kind=Kind.INTERNAL)
    form = open_week(client)
    form.update({cell("internal-0", 1): "", cell(f"client-{cast.engagement.pk}", 2): "1.5"})
    response = save(client, form)
    assert "Week saved: 2 cells changed." in response.content.decode()
    assert not TimeEntry.objects.filter(pk=cleared.pk).exists()
    kept.refresh_from_db()
    assert kept.seconds == 5415  # untouched: exact to the second
    assert TimeEntry.objects.get(kind=Kind.CLIENT).seconds == 5400


def test_the_last_week_anyone_may_type_has_no_next_week_link(client, cast):
    client.force_login(cast.consultant)
    page = client.get("/", {"week": "2199-W52"})
    assert page.context["next_url"] is False and 'rel="next"' not in page.content.decode()
    assert "2199-W51" in page.context["previous_url"]


def test_a_phone_comes_back_to_the_day_it_showed(client, alice):
    response = client.post(f"{URL}?week=2026-W48&day=3", {cell("internal-0", 3): "1"})
    assert response["Location"] == f"{URL}?week=2026-W48&day=3"
    assert 'data-shown-day="3"' in client.get(response["Location"]).content.decode()
    for odd in ("9", "²", "-1", "x"):  # anything else: today in this week
        page = client.get(f"{URL}?week=2026-W48&day={odd}").content.decode()
        assert 'data-shown-day="4"' in page


# Submitting the week saves what the grid holds first ------------------------------------------


def test_submit_saves_the_typed_cells_then_submits(client, alice):
    response = save(client, {cell("internal-0", 0): "2:30", "submit_week": "1", "note": "All in"})
    page = response.content.decode()
    assert "submitted for approval, 1 cell saved first." in page
    assert TimeEntry.objects.get().seconds == 9000
    approval = WeekApproval.objects.get(consultant=alice, week_start=MONDAY)
    assert (approval.status, approval.note) == (WeekStatus.SUBMITTED, "All in")


def test_submit_with_a_bad_cell_saves_and_submits_nothing_and_keeps_what_was_typed(client, alice):
    response = save(client, {cell("internal-0", 0): "2:30", cell("internal-0", 1): "lots",
                             "submit_week": "1", "note": "All in"})
    page = response.content.decode()
    assert "Nothing was submitted: the timesheet could not be saved." in page
    assert 'value="2:30"' in page and 'value="lots"' in page and "All in" in page
    assert not TimeEntry.objects.exists()
    assert not WeekApproval.objects.filter(status=WeekStatus.SUBMITTED).exists()


def test_a_refused_submit_saves_nothing_either(client, alice):
    # Submitted in another tab meanwhile: this page's Submit is refused, and its cells with it.
    services.week_submit(consultant=alice, week_start=MONDAY)
    response = save(client, {cell("internal-0", 0): "1", "submit_week": "1"})
    page = response.content.decode()
    assert "Nothing was saved or submitted: " in page
    assert 'value="1"' in page
    assert not TimeEntry.objects.exists()


def test_a_grid_save_that_fills_the_timers_day_says_so(client, alice, time_machine):
    # Friday 27 Nov 15:00; the timer has run 30 minutes on the day now typed up to 23:45.
    RunningTimer.objects.create(user=alice, kind=Kind.INTERNAL,
                                started_at=dt.datetime(2026, 11, 27, 14, 30, tzinfo=dt.UTC))
    response = save(client, {cell("internal-0", 4): "23:45"})
    page = response.content.decode()
    assert "Week saved: 1 cell changed." in page
    assert "A timer is running on Fri 27 Nov" in page and "Stop will offer to log what fits" in page


def test_copied_rows_are_counted_and_stay_after_a_save(client, alice, cast):
    talk = ActivityFactory(consultant=alice, title="Keynote", date=MONDAY - dt.timedelta(days=9))
    TimeEntryFactory(consultant=alice, date=MONDAY - dt.timedelta(days=7), seconds=3600,
                     kind=Kind.PROMOTION, activity=talk)
    copied = client.get(f"{URL}?week=2026-W48&copy=1")
    assert "Copied 1 row(s) from last week" in copied.content.decode()
    response = client.post(f"{URL}?week=2026-W48&copy=1", {cell("internal-0", 0): "1"},
                           follow=True)
    assert "Week saved: 1 cell changed." in response.content.decode()
    assert "Copied" not in response.content.decode()  # said once
    assert f"promotion-{talk.pk}" in [r.key.token for r in response.context["grid"].rows]


def test_the_daily_charts_hours_read_as_the_tables_do(client, alice, cast):
    """The hours under each day of My week's chart have two places, as every other figure on
    the page: a day of 9:15 is 9.25 there, not 9.3 beside a total of 9.25."""
    TimeEntryFactory(consultant=cast.consultant, date=MONDAY, seconds=9 * 3600 + 15 * 60,
                     kind=Kind.INTERNAL)
    html = client.get(f"{URL}?week=2026-W48").content.decode()
    chart = html[html.index('<svg class="day-chart"'):]
    chart = chart[:chart.index("</svg>")]
    assert ">9.25</text>" in chart and ">9.3</text>" not in chart
    assert ">0.00</text>" in chart  # a day without time


def test_the_days_after_today_are_shown_not_offered(client, alice, cast):
    """Friday of W48: Saturday's and Sunday's cells are read-only and say why (the rule would
    refuse them at save, after everything else was typed); Friday's are open."""
    ActivityFactory(consultant=alice, date=MONDAY)  # so that the new rows are offered
    page = client.get(f"{URL}?week=2026-W48").content.decode()
    inputs = {re.search(r'name="([^"]+)"', tag).group(1): tag
              for tag in re.findall(r"<input [^>]*>", page) if 'name="' in tag}
    client_row = f"client-{cast.engagement.pk}"
    future = 'title="Time cannot be logged in the future."'
    for day in (5, 6):
        for name in (cell(client_row, day), cell("internal-0", day), f"cell-new1-{day}"):
            assert " readonly" in inputs[name] and future in inputs[name], name
    for name in (cell(client_row, 4), cell("internal-0", 4), "cell-new1-4"):
        assert " readonly" not in inputs[name] and future not in inputs[name], name


def test_a_newcomer_on_no_engagement_is_told_where_client_work_goes(client, cast):
    newcomer = UserFactory(username="zoe", team=cast.team)
    client.force_login(newcomer)
    page = client.get(f"{URL}?week=2026-W48").content.decode()
    assert 'id="grid-no-engagement"' in page and "ask your manager to add you" in page
    client.force_login(cast.consultant)  # alice is on an engagement: a row for it, no note
    assert 'id="grid-no-engagement"' not in client.get(f"{URL}?week=2026-W48").content.decode()
