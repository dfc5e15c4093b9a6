"""A cell of My week's grid, on its own page (what the dialog shows, and the page itself
without scripts): its entries with their notes, edited, removed and added through the
services; the timer refused on a full day; dates said with their year when not this one."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from clients.tests.factories import EngagementFactory
from tracker import services
from tracker.models import Change, Kind, RunningTimer, TimeEntry
from tracker.tests.factories import TimeEntryFactory
from tracker.week import day_label

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(dt.datetime(2026, 11, 27, 15, 0, tzinfo=dt.UTC)),  # Friday, W48
]

MONDAY = dt.date(2026, 11, 23)
URL = "/week/cell/?week=2026-W48&row=internal-0&day=0"


@pytest.fixture
def alice(client, cast):
    client.force_login(cast.consultant)
    return cast.consultant


def entry_data(entry, **values) -> dict:
    data = {
        f"entry-{entry.pk}-seconds": "1:00",
        f"entry-{entry.pk}-note": entry.note,
        f"entry-{entry.pk}-read_at": entry.updated_at.isoformat(),
    }
    data.update({f"entry-{entry.pk}-{name}": value for name, value in values.items()})
    return data


def test_the_cell_page_lists_its_entries_with_their_notes(client, alice):
    TimeEntryFactory(
        consultant=alice, date=MONDAY, seconds=3600, kind=Kind.INTERNAL, note="Hiring panel"
    )
    TimeEntryFactory(consultant=alice, date=MONDAY, seconds=1800, kind=Kind.INTERNAL)
    TimeEntryFactory(
        consultant=alice, date=MONDAY + dt.timedelta(days=1), seconds=600, kind=Kind.INTERNAL
    )  # another day: another cell
    page = client.get(URL).content.decode()
    assert "Monday 23 November 2026" in page
    assert page.count('class="border rounded p-2 cell-entry"') == 2 + 1  # two, and a new one
    assert 'value="Hiring panel"' in page and 'value="1:00"' in page and 'value="0:30"' in page


def test_entries_are_edited_removed_and_added_in_one_save(client, alice):
    kept = TimeEntryFactory(consultant=alice, date=MONDAY, seconds=3600, kind=Kind.INTERNAL)
    gone = TimeEntryFactory(consultant=alice, date=MONDAY, seconds=1800, kind=Kind.INTERNAL)
    data = {
        **entry_data(kept, seconds="1.5", note="Planning"),
        **entry_data(gone, seconds="", note=""),
        "new-seconds": "20m",
        "new-note": "Retro",
        "next": "/?week=2026-W48&day=0",
    }
    response = client.post(URL, data)
    assert response.status_code == 302 and response["Location"] == "/?week=2026-W48&day=0"
    assert set(TimeEntry.objects.values_list("seconds", "note")) == {
        (5400, "Planning"),
        (1200, "Retro"),
    }
    assert set(Change.objects.values_list("action", "via")) == {
        ("update", "grid"),
        ("delete", "grid"),
        ("create", "grid"),
    }
    page = client.get("/?week=2026-W48").content.decode()
    assert "Internal, Mon 23 Nov: 3 changes saved." in page


def test_an_entry_changed_meanwhile_refuses_the_save(client, alice):
    entry = TimeEntryFactory(consultant=alice, date=MONDAY, seconds=3600, kind=Kind.INTERNAL)
    data = entry_data(entry, seconds="2")
    services.time_entry_update(entry=entry, seconds=600)  # another tab
    response = client.post(URL, data)
    assert "changed meanwhile" in response.content.decode()
    entry.refresh_from_db()
    assert entry.seconds == 600


def test_more_than_24_hours_that_day_is_refused_with_the_reason(client, alice, cast):
    TimeEntryFactory(
        consultant=alice,
        date=MONDAY,
        seconds=23 * 3600,
        kind=Kind.CLIENT,
        engagement=cast.engagement,
    )
    response = client.post(URL, {"new-seconds": "2", "new-note": "Late"})
    page = response.content.decode()
    assert "That makes more than 24 hours on 23 Nov; 1:00 left that day." in page
    assert 'value="Late"' in page  # what was typed is kept
    assert TimeEntry.objects.count() == 1


def test_an_approved_week_shows_its_cell_and_saves_nothing(client, alice, cast):
    entry = TimeEntryFactory(consultant=alice, date=MONDAY, seconds=3600, kind=Kind.INTERNAL)
    services.week_submit(consultant=alice, week_start=MONDAY)
    services.week_approve(by=cast.manager, consultant=alice, week_start=MONDAY)
    page = client.get(URL).content.decode()
    assert "it is locked" in page and ">Save</button>" not in page
    assert f'name="entry-{entry.pk}-seconds" value="1:00"' in page and "disabled" in page
    client.post(URL, entry_data(entry, seconds=""))
    assert TimeEntry.objects.filter(pk=entry.pk).exists()
    with pytest.raises(ValidationError):
        services.time_entries_save_cell(
            consultant=alice, day=MONDAY, kind=Kind.INTERNAL, new_seconds=60
        )


def test_another_persons_engagement_or_a_made_up_row_is_404(client, alice, cast):
    theirs = EngagementFactory(name="Not mine", members=[cast.teammate])
    assert client.get(f"/week/cell/?week=2026-W48&row=client-{theirs.pk}&day=0").status_code == 404
    for query in (
        "row=internal-3&day=0",
        "row=client-0&day=0",
        "row=internal-0&day=7",
        "row=internal-0&day=x",
        "row=internal-0&day=²",
        "row=nothing&day=0",
    ):
        assert client.get(f"/week/cell/?week=2026-W48&{query}").status_code == 404


@pytest.mark.parametrize("week", ["9999-W52", "2026-W99", ""])
def test_a_cell_of_a_week_that_is_not_a_week_goes_to_this_week_saying_why(client, alice, week):
    response = client.get(f"/week/cell/?week={week}&row=internal-0&day=0", follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert "Showing this week." in response.content.decode()


def test_a_timer_cannot_start_on_a_day_already_at_24_hours(client, alice):
    TimeEntryFactory(
        consultant=alice, date=dt.date(2026, 11, 27), seconds=24 * 3600, kind=Kind.INTERNAL
    )
    with pytest.raises(ValidationError, match="already logged 24 hours on Fri 27 Nov"):
        services.timer_start(consultant=alice, kind=Kind.INTERNAL)
    response = client.post("/time/timer/start/", {"row": "internal-0", "next": "/"}, follow=True)
    assert "The timer was not started: You have already logged 24 hours" in (
        response.content.decode()
    )
    assert not RunningTimer.objects.exists()


def test_a_timer_starts_from_a_row_with_that_rows_engagement(client, alice, cast):
    response = client.post(
        "/time/timer/start/", {"row": f"client-{cast.engagement.pk}", "next": "/"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    timer = RunningTimer.objects.get()
    assert (timer.kind, timer.engagement_id, timer.billable) == (
        Kind.CLIENT,
        cast.engagement.pk,
        True,
    )


def test_discarding_the_timer_asks_first(client, alice):
    services.timer_start(consultant=alice, kind=Kind.INTERNAL)
    page = client.get("/time/timer/discard/?next=/").content.decode()
    assert "Discard the timer?" in page and "Keep it running" in page
    assert RunningTimer.objects.exists()  # a GET discards nothing
    client.post("/time/timer/discard/", {"next": "/"})
    assert not RunningTimer.objects.exists()


def test_a_confirmation_names_the_year_when_it_is_not_this_one(client, alice):
    assert day_label(dt.date(2026, 11, 23), dt.date(2026, 11, 27)) == "Mon 23 Nov"
    assert day_label(dt.date(2025, 11, 24), dt.date(2026, 11, 27)) == "Mon 24 Nov 2025"
    response = client.post(
        "/time/new/", {"date": "2025-11-24", "seconds": "1", "kind": "internal"}, follow=True
    )
    assert "Logged 1:00 on Mon 24 Nov 2025." in response.content.decode()


@pytest.mark.parametrize("date", ["1899-12-31", "2200-01-01", "0001-01-01", "2026-11-28"])
def test_an_entry_date_outside_the_window_is_refused(client, alice, date):
    response = client.post("/time/new/", {"date": date, "seconds": "1", "kind": "internal"})
    assert response.status_code == 200
    assert response.context["form"].errors["date"]
    assert not TimeEntry.objects.exists()


def test_a_stale_save_keeps_what_was_typed_and_names_the_entry_changed(client, alice):
    first = TimeEntryFactory(consultant=alice, date=MONDAY, seconds=3600, kind=Kind.INTERNAL)
    second = TimeEntryFactory(consultant=alice, date=MONDAY, seconds=1800, kind=Kind.INTERNAL)
    data = {**entry_data(first, seconds="2", note="Mine"), **entry_data(second, note="Also")}
    services.time_entry_update(entry=second, seconds=600, note="Theirs")  # another tab
    response = client.post(URL, data)
    page = response.content.decode()
    assert "Entry 2 changed meanwhile (another tab or device): now 0:10 “Theirs”." in page
    assert "Entry 1 changed" not in page
    forms = response.context["entry_forms"]
    assert [form["note"].value() for form in forms] == ["Mine", "Also"]  # typed, kept
    assert forms[0]["seconds"].value() == "2"
    # Saving again replaces the other change with what was typed (1:00 "Also").
    again = {f"{form.prefix}-{name}": form[name].value() or "" for form in forms
             for name in ("seconds", "note", "read_at")}
    assert client.post(URL, again).status_code == 302
    assert set(TimeEntry.objects.values_list("seconds", "note")) == {(7200, "Mine"),
                                                                    (3600, "Also")}


def test_a_save_after_the_week_was_approved_names_the_approver_and_keeps_what_was_typed(
    client, alice, cast
):
    """The dialog opened on a submitted week, the manager approved it, then Save: refused,
    saying who approved it, with what was typed still in view (nothing written)."""
    entry = TimeEntryFactory(consultant=alice, date=MONDAY, seconds=3600, kind=Kind.INTERNAL)
    services.week_submit(consultant=alice, week_start=MONDAY)
    services.week_approve(by=cast.manager, consultant=alice, week_start=MONDAY)
    data = {**entry_data(entry, seconds="2:15", note="Typed before"),
            "new-seconds": "0:40", "new-note": "Added late"}
    page = client.post(URL, data).content.decode()
    assert "Nothing was saved" in page
    assert f"Week 2026-W48 of {alice} was approved by {cast.manager}" in page
    assert 'value="2:15"' in page and 'value="Typed before"' in page
    assert 'value="0:40"' in page and 'value="Added late"' in page
    assert ">Save</button>" not in page
    assert TimeEntry.objects.get().seconds == 3600
