"""The approval pages (My week's submit and status, /weeks/ and a week's page: who reaches
what, bad input keeps the form) and the lock through every page and the admin."""

import datetime as dt
import html

import pytest
from django.urls import reverse

from clients.tests.factories import EngagementFactory, OutcomeMeasurementFactory
from tracker import services
from tracker.imports.formats import ImportRow
from tracker.imports.importer import import_timesheet
from tracker.models import Activity, Kind, RunningTimer, TimeEntry, WeekApproval, WeekStatus
from tracker.tests.clock import TODAY
from tracker.tests.factories import ActivityFactory, TimeEntryFactory
from tracker.week import week_dates

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_time")]

MONDAY = dt.date(2026, 11, 16)  # last week, seen from TODAY
WEEK = "2026-W47"
LOCKED = "Week 2026-W47 of Alice Tester was approved by Maria Tester on 25 Nov 2026"


def week_url(cast, week=WEEK):
    return reverse("tracker:week_detail", args=[cast.consultant.username, week])


def submit(cast):
    return services.week_submit(consultant=cast.consultant, week_start=MONDAY)


def approved(cast):
    submit(cast)
    return services.week_approve(consultant=cast.consultant, week_start=MONDAY, by=cast.manager)


def listed(response) -> set:
    return {(row.record.consultant.username, row.record.iso_week)
            for row in response.context["table"].paginated_rows}


# Who reaches what --------------------------------------------------------------------------------


@pytest.mark.parametrize("who, status, sees_alice", [
    ("consultant", 404, None), ("teammate", 404, None), ("outsider", 404, None),
    ("manager", 200, True), ("other_manager", 200, False), ("admin", 200, True),
])
def test_the_approvals_list(client, cast, who, status, sees_alice):
    TimeEntryFactory(consultant=cast.consultant, date=MONDAY, seconds=5400, kind=Kind.CLIENT,
                     engagement=cast.engagement)
    submit(cast)
    services.week_submit(consultant=cast.outsider, week_start=MONDAY)
    client.force_login(getattr(cast, who))
    response = client.get(reverse("tracker:week_list"))
    assert response.status_code == status
    if status == 200:
        assert (("alice", WEEK) in listed(response)) is sees_alice
        assert (("olga", WEEK) in listed(response)) is (who in ("other_manager", "admin"))
    if sees_alice:
        row = next(row for row in response.context["table"].paginated_rows
                   if row.record.consultant == cast.consultant)
        assert (row.get_cell("client"), row.get_cell("total")) == (
            "1.50", "1.50 <span class=\"text-body-secondary small\">of 40.00</span>")
        # The week by its name and its days, and the person's name, both open the week.
        url = week_url(cast)
        assert f'href="{url}">{WEEK}</a>' in row.get_cell("week_start")
        assert "16–22 Nov 2026" in row.get_cell("week_start")
        assert f'href="{url}">Alice Tester</a>' in row.get_cell("consultant")


def test_the_list_shows_submitted_weeks_unless_filtered(client, cast):
    approved(cast)
    services.week_submit(consultant=cast.teammate, week_start=MONDAY)
    client.force_login(cast.manager)
    assert listed(client.get(reverse("tracker:week_list"))) == {("bob", WEEK)}
    assert listed(client.get(reverse("tracker:week_list"), {"status": "approved"})) == {
        ("alice", WEEK)}
    assert listed(client.get(reverse("tracker:week_list"), {"status": ""})) == {
        ("alice", WEEK), ("bob", WEEK)}
    assert listed(client.get(reverse("tracker:week_list"), {
        "status": "", "consultant": cast.teammate.pk, "week": WEEK})) == {("bob", WEEK)}
    for typed in ("next tuesday", "<script>alert(1)</script>"):
        response = client.get(reverse("tracker:week_list"), {"week": typed})
        assert "is not an ISO week" in response.content.decode()
        assert listed(response) == set()
    # Naming someone out of reach answers 404, as every list does.
    assert client.get(reverse("tracker:week_list"),
                      {"consultant": cast.outsider.pk}).status_code == 404


def test_open_weeks_of_a_chosen_week_include_the_people_with_no_record(client, cast):
    """An open week nobody touched has no record: "Open" for a chosen week lists those
    people too (as "Not submitted" does); without a week, the page says to choose one."""
    services.week_submit(consultant=cast.teammate, week_start=MONDAY)
    client.force_login(cast.manager)
    page = client.get(reverse("tracker:week_list"), {"status": "open", "week": WEEK})
    assert listed(page) == {("alice", WEEK)}  # bob submitted; maria's own week is not hers
    page = client.get(reverse("tracker:week_list"), {"status": "open"})
    assert listed(page) == set() and 'id="choose-a-week"' in page.content.decode()
    page = client.get(reverse("tracker:week_list"), {"status": "submitted"})
    assert 'id="choose-a-week"' not in page.content.decode()


def test_the_list_is_not_for_anonymous(client, cast):
    assert client.get(reverse("tracker:week_list")).status_code == 302


@pytest.mark.parametrize("who, status", [
    ("manager", 200), ("admin", 200), ("other_manager", 404), ("teammate", 404),
    ("consultant", 404),
])
def test_a_weeks_page(client, cast, who, status):
    TimeEntryFactory(consultant=cast.consultant, date=MONDAY, note="Workshop prep")
    ActivityFactory(consultant=cast.consultant, date=MONDAY, title="Keynote in Ghent")
    submit(cast)
    client.force_login(getattr(cast, who))
    response = client.get(week_url(cast))
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert "Workshop prep" in page and "Keynote in Ghent" in page
        assert 'id="week-decision"' in page


@pytest.mark.parametrize("who", ["consultant", "teammate", "other_manager", "outsider"])
@pytest.mark.parametrize("action", ["approve", "return", "reopen"])
def test_nobody_but_a_manager_of_the_team_or_an_admin_decides_by_posting(client, cast, who,
                                                                          action):
    """Whatever the form says, a POST to someone's week by whoever may not decide on it is
    404, as its GET, and changes nothing; alice herself included."""
    submit(cast)
    client.force_login(getattr(cast, who))
    response = client.post(week_url(cast), {"action": action, "comment": "ok",
                                            "reason": "ok"})
    assert response.status_code == 404
    assert WeekApproval.objects.get().status == "submitted"


def test_a_weeks_page_shows_only_outcomes_its_reader_may_see(client, cast):
    """Alice recorded on another team's engagement and has left it since: her week's page
    shows her manager what Maria may see, and not that outcome (its title, its metric)."""
    health = EngagementFactory(name="Clinic app", team=cast.other_team,
                               members=[cast.consultant, cast.outsider])
    seen = OutcomeMeasurementFactory(outcome__engagement=cast.engagement,
                                     outcome__title="Shorter queues", date=MONDAY,
                                     recorded_by=cast.consultant)
    hidden = OutcomeMeasurementFactory(outcome__engagement=health,
                                       outcome__title="Fewer missed appointments",
                                       outcome__metric="No-show rate", date=MONDAY,
                                       recorded_by=cast.consultant)
    health.members.remove(cast.consultant)
    submit(cast)
    client.force_login(cast.manager)
    page = client.get(week_url(cast)).content.decode()
    assert seen.outcome.title in page
    assert hidden.outcome.title not in page and "No-show rate" not in page
    client.force_login(cast.other_manager)  # who sees the clinic, and decides on nobody here
    assert client.get(week_url(cast)).status_code == 404
    client.force_login(cast.admin)
    assert hidden.outcome.title in client.get(week_url(cast)).content.decode()


def test_a_person_who_is_not_there_is_404(client, cast):
    client.force_login(cast.admin)
    assert client.get(reverse("tracker:week_detail", args=["nobody", WEEK])).status_code == 404


@pytest.mark.parametrize("week, message", [
    ("2026-W99", "'2026-W99' is not an ISO week like 2026-W47. Showing this week."),
    ("47", "'47' is not an ISO week like 2026-W47. Showing this week."),
    ("9999-W52", "Choose a week from 1900 to 2199, not 9999-W52. Showing this week."),
])
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_week_that_is_not_a_week_shows_this_week_and_says_why(client, cast, week, message,
                                                                 method):
    submit(cast)
    client.force_login(cast.manager)
    response = getattr(client, method)(
        reverse("tracker:week_detail", args=[cast.consultant.username, week]),
        {"action": "approve"} if method == "post" else None, follow=True,
    )
    assert response.status_code == 200
    assert response.redirect_chain == [(week_url(cast, "2026-W48"), 302)]  # TODAY's week
    assert message in html.unescape(response.content.decode())
    assert WeekApproval.objects.get().status == WeekStatus.SUBMITTED  # nothing decided


def test_a_bad_week_of_someone_out_of_reach_is_404_all_the_same(client, cast):
    client.force_login(cast.manager)
    url = reverse("tracker:week_detail", args=[cast.outsider.username, "2026-W99"])
    assert client.get(url).status_code == 404


def test_the_nav_links_approvals_for_managers_and_admins(client, cast):
    for who, shown in (("consultant", False), ("manager", True), ("admin", True)):
        client.force_login(getattr(cast, who))
        assert (b'href="/weeks/"' in client.get("/").content) is shown


# The flow on the pages ------------------------------------------------------------------------


def test_submit_return_resubmit_approve(client, cast):
    client.force_login(cast.consultant)
    response = client.post(f"{reverse('tracker:week_submit')}?week={WEEK}",
                           {"note": "Tuesday was a holiday"})
    assert response.status_code == 302
    assert WeekApproval.objects.get().status == "submitted"
    page = client.get(f"/?week={WEEK}").content.decode()
    assert "waiting for approval" in page and 'id="week-submit"' not in page
    assert f"Week {WEEK} (16–22 Nov 2026) submitted for approval." in page

    client.force_login(cast.manager)
    # Returning needs a comment: the form comes back, nothing changes.
    response = client.post(week_url(cast), {"action": "return", "comment": " "})
    assert response.status_code == 400
    assert "returning a week needs a comment" in response.content.decode()
    assert WeekApproval.objects.get().status == "submitted"
    response = client.post(week_url(cast), {"action": "return",
                                            "comment": "Log the <b>workshop</b>"}, follow=True)
    assert WeekApproval.objects.get().status == "returned"
    assert f"Week {WEEK} (16–22 Nov 2026) of Alice Tester: returned." in \
        response.content.decode()

    client.force_login(cast.consultant)
    # Landing on this week, they are told which week came back and why, with a link to it.
    page = client.get("/").content.decode()
    assert 'id="returned-weeks"' in page
    assert (f'href="/?week={WEEK}">Week {WEEK} (16–22 Nov 2026)</a>, returned by Maria Tester'
            in page)
    assert "Log the &lt;b&gt;workshop&lt;/b&gt;" in page  # escaped
    page = client.get(f"/?week={WEEK}").content.decode()
    assert 'id="returned-weeks"' not in page  # the week itself says it in its status
    assert "Log the &lt;b&gt;workshop&lt;/b&gt;" in page  # escaped
    assert "Submit week again" in page
    client.post(f"{reverse('tracker:week_submit')}?week={WEEK}", {"note": ""})
    assert 'id="returned-weeks"' not in client.get("/").content.decode()

    client.force_login(cast.manager)
    version = client.get(week_url(cast)).context["decision_form"]["version"].value()
    response = client.post(week_url(cast), {"action": "approve", "comment": "",
                                            "version": version})
    assert response.status_code == 302
    assert WeekApproval.objects.get().status == "approved"

    client.force_login(cast.consultant)
    page = client.get(f"/?week={WEEK}").content.decode()
    assert 'id="grid-locked"' in page and "Save week" not in page and " readonly" in page


def test_an_approval_of_a_week_changed_since_it_was_shown_is_refused(client, cast):
    submit(cast)
    client.force_login(cast.manager)
    version = client.get(week_url(cast)).context["decision_form"]["version"].value()
    services.time_entry_create(consultant=cast.consultant, date=MONDAY, seconds=60,
                               kind=Kind.INTERNAL)
    response = client.post(week_url(cast), {"action": "approve", "version": version})
    assert response.status_code == 400
    assert "was changed since you opened it" in response.content.decode()
    assert WeekApproval.objects.get().status == "submitted"

    # The refusal shows the week as it is now and names that version: approving it after
    # that look works (the stale version would be refused again and again).
    version = response.context["decision_form"]["version"].value()
    assert client.post(week_url(cast), {"action": "approve", "version": version}).status_code == 302
    assert WeekApproval.objects.get().status == "approved"


@pytest.mark.parametrize("second", [
    {"action": "approve", "comment": ""},
    {"action": "return", "comment": "Fix Tuesday, please"},
])
def test_a_decision_from_a_second_tab_is_told_why_it_was_refused(client, cast, second):
    """Two tabs (or two managers) on one submitted week: the first approval wins; the second
    click is told the week was already approved and by whom, above the page, with the
    comment it would have sent, though the week no longer offers the form it came from."""
    submit(cast)
    client.force_login(cast.manager)
    version = client.get(week_url(cast)).context["decision_form"]["version"].value()
    assert client.post(week_url(cast), {"action": "approve",
                                        "version": version}).status_code == 302
    response = client.post(week_url(cast), {**second, "version": version})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="decision-refused"' in page
    assert f"Week {WEEK} of Alice Tester was approved by Maria Tester" in page
    if second["comment"]:
        assert "Your comment was not sent: “Fix Tuesday, please”" in page
    assert WeekApproval.objects.get().status == "approved"


def test_a_managers_own_week_cannot_be_decided_by_them(client, cast):
    services.week_submit(consultant=cast.manager, week_start=MONDAY)
    client.force_login(cast.manager)
    response = client.post(reverse("tracker:week_detail", args=["maria", WEEK]),
                           {"action": "approve"})
    assert response.status_code == 404
    assert WeekApproval.objects.get().status == "submitted"


def test_reopen_is_offered_to_admins_only_and_needs_a_reason(client, cast):
    approved(cast)
    client.force_login(cast.manager)
    assert 'id="week-reopen"' not in client.get(week_url(cast)).content.decode()
    assert client.post(week_url(cast), {"action": "reopen", "reason": "x"}).status_code == 404
    client.force_login(cast.admin)
    response = client.post(week_url(cast), {"action": "reopen", "reason": ""})
    assert response.status_code == 400
    assert "reopening an approved week needs a reason" in response.content.decode()
    response = client.post(week_url(cast), {"action": "reopen", "reason": "Client dispute"})
    assert response.status_code == 302
    approval = WeekApproval.objects.get()
    assert (approval.status, approval.reopen_reason, approval.decided_by) == (
        "open", "Client dispute", cast.manager)
    client.force_login(cast.consultant)
    page = client.get(f"/?week={WEEK}").content.decode()
    assert "Client dispute" in page and 'id="week-submit"' in page
    # Landing on another week, they are told this one came back to them, and why.
    page = client.get("/").content.decode()
    assert 'id="returned-weeks"' in page
    assert (f'href="/?week={WEEK}">Week {WEEK} (16–22 Nov 2026)</a>, reopened by Root Tester: '
            "“Client dispute”") in page
    # On Approvals the reopened week reads as open, reopened by whom: not as its last round.
    client.force_login(cast.manager)
    row = client.get(reverse("tracker:week_list"), {"status": "open", "week": WEEK})
    [cells] = [[str(cell) for _, cell in r.items()]
               for r in row.context["table"].page.object_list if r.record.pk]
    assert "Reopened by Root Tester" in cells and "Maria Tester" not in cells
    client.force_login(cast.consultant)
    client.post(f"{reverse('tracker:week_submit')}?week={WEEK}", {"note": ""})
    assert 'id="returned-weeks"' not in client.get("/").content.decode()


def test_submitting_a_week_not_begun_says_why(client, cast):
    client.force_login(cast.consultant)
    response = client.post(f"{reverse('tracker:week_submit')}?week=2026-W49", follow=True)
    assert "has not begun" in response.content.decode()
    assert not WeekApproval.objects.exists()


# The lock, through every page -------------------------------------------------------------------


def test_the_time_form_refuses_an_approved_week(client, cast):
    approved(cast)
    client.force_login(cast.consultant)
    response = client.post(reverse("tracker:time_new"), {
        "date": MONDAY.isoformat(), "seconds": "1:00", "kind": "internal"})
    assert response.status_code == 200
    assert LOCKED in response.content.decode()
    assert not TimeEntry.objects.exists()


def test_the_time_form_refuses_moving_an_entry_out_of_an_approved_week(client, cast):
    entry = TimeEntryFactory(consultant=cast.consultant, date=MONDAY)
    approved(cast)
    client.force_login(cast.consultant)
    response = client.post(reverse("tracker:time_edit", args=[entry.pk]), {
        "date": TODAY.isoformat(), "seconds": "1:00", "kind": "internal"})
    assert LOCKED in response.content.decode()
    entry.refresh_from_db()
    assert entry.date == MONDAY


@pytest.mark.parametrize("view, button", [("time_edit", "Save"), ("time_delete", "Delete")])
def test_an_entry_of_an_approved_week_says_so_before_anything_is_typed(client, cast, view,
                                                                      button):
    entry = TimeEntryFactory(consultant=cast.consultant, date=MONDAY)
    client.force_login(cast.consultant)
    url = reverse(f"tracker:{view}", args=[entry.pk])
    assert f'>{button}</button>' in client.get(url).content.decode()  # open: offered
    approved(cast)
    page = client.get(url).content.decode()
    assert 'id="entry-locked"' in page and LOCKED in page
    assert f'>{button}</button>' not in page  # nothing offered that would be refused


def test_the_delete_page_refuses(client, cast):
    entry = TimeEntryFactory(consultant=cast.consultant, date=MONDAY)
    approved(cast)
    client.force_login(cast.consultant)
    response = client.post(reverse("tracker:time_delete", args=[entry.pk]), follow=True)
    assert LOCKED in response.content.decode()
    assert TimeEntry.objects.filter(pk=entry.pk).exists()


def test_the_grid_refuses_a_post_into_an_approved_week(client, cast):
    approved(cast)
    client.force_login(cast.consultant)
    response = client.post(f"/?week={WEEK}", {"cell-internal-0-0": "1:00",
                                              "was-cell-internal-0-0": "0"})
    assert response.status_code == 200
    page = response.content.decode()
    assert LOCKED in page
    # The page says why, not "correct the marked cells" (no cell is wrong), and marks the
    # typed time it still shows as not saved.
    assert "Nothing was saved: the week was approved meanwhile." in page
    assert "correct the marked cells" not in page
    cell = next(cell for row in response.context["grid"].rows for cell in row.cells
                if cell.name == "cell-internal-0-0")
    assert cell.value == "1:00" and cell.error == "Not saved: the week is approved."
    assert not TimeEntry.objects.exists()
    assert not TimeEntry.objects.exists()


def test_the_timer_page_refuses_to_stop_into_an_approved_week(client, cast, frozen_time):
    frozen_time.move_to(dt.datetime(2026, 11, 22, 23, 0, tzinfo=dt.UTC))  # Sunday night
    services.timer_start(consultant=cast.consultant, kind=Kind.INTERNAL)
    frozen_time.move_to(dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC))
    approved(cast)
    client.force_login(cast.consultant)
    response = client.post(reverse("tracker:timer_stop"), follow=True)
    assert f"The timer was not stopped: {LOCKED.replace('25 Nov', '23 Nov')}" in \
        response.content.decode()
    assert RunningTimer.objects.exists() and not TimeEntry.objects.exists()


def test_the_timer_does_not_start_in_an_approved_week_and_keeps_the_form(client, cast,
                                                                         frozen_time):
    frozen_time.move_to(dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.UTC))  # inside week 47
    approved(cast)
    client.force_login(cast.consultant)
    response = client.post(reverse("tracker:timer_start"), {
        "timer-kind": Kind.INTERNAL, "timer-note": "planning"})
    page = response.content.decode()
    assert response.status_code == 200
    assert LOCKED.replace("25 Nov", "18 Nov") in page  # an error beside the form, not a note
    assert response.context["timer_form"]["note"].value() == "planning"  # nothing retyped
    assert not RunningTimer.objects.exists()


def test_an_import_names_its_rows_in_approved_weeks_and_writes_nothing(cast):
    approved(cast)
    rows = [
        ImportRow(row=2, date=TODAY, seconds=600, person_email=cast.consultant.email,
                  person_name="", client="", project="", task="Admin", tags="",
                  description="", billable=False, external_id="a"),
        ImportRow(row=3, date=MONDAY, seconds=600, person_email=cast.consultant.email,
                  person_name="", client="", project="", task="Admin", tags="",
                  description="", billable=False, external_id="b"),
    ]
    result = import_timesheet(rows=rows, format="toggl", file_name="t.csv", sha256="0")
    assert result.problems == [f"row 3, column Date: {LOCKED}; ask an admin to reopen it."]
    assert not TimeEntry.objects.exists()


def test_undoing_an_import_into_an_approved_week_is_refused_on_its_page(client, cast):
    batch = services.ImportBatch.objects.create(file_name="t.csv", sha256="0", format="toggl",
                                                status="done", created_by=cast.manager)
    services.time_entries_import(batch=batch, entries=[
        TimeEntry(consultant=cast.consultant, date=MONDAY, seconds=60, kind=Kind.INTERNAL)])
    approved(cast)
    client.force_login(cast.manager)
    response = client.post(reverse("tracker:import_batch_undo", args=[batch.pk]), follow=True)
    assert LOCKED in response.content.decode()
    assert TimeEntry.objects.count() == 1


def test_the_activity_forms_refuse_an_approved_week(client, cast):
    activity = ActivityFactory(consultant=cast.consultant, date=MONDAY, title="Keynote")
    approved(cast)
    client.force_login(cast.consultant)
    form = {"kind": "talk", "title": "Panel", "date": MONDAY.isoformat(), "audience": 0,
            "interactions": 0, "leads": 0}
    assert LOCKED in client.post(reverse("tracker:activity_new"), form).content.decode()
    response = client.post(reverse("tracker:activity_edit", args=[activity.pk]),
                           {**form, "title": "Renamed"})
    assert LOCKED in response.content.decode()
    response = client.post(reverse("tracker:activity_delete", args=[activity.pk]), follow=True)
    assert LOCKED in response.content.decode()
    assert list(Activity.objects.values_list("title", flat=True)) == ["Keynote"]


def admin_entry(cast, **values) -> dict:
    return {"consultant": cast.consultant.pk, "date": MONDAY.isoformat(), "seconds": 3600,
            "kind": "internal", "engagement": "", "activity": "", "note": "", "source": "",
            "external_id": "", **values}


def test_the_admin_change_form_refuses_an_approved_week(client, cast):
    entry = TimeEntryFactory(consultant=cast.consultant, date=MONDAY)
    approved(cast)
    client.force_login(cast.admin)
    response = client.post(f"/admin/tracker/timeentry/{entry.pk}/change/",
                           admin_entry(cast, seconds=7200))
    assert response.status_code == 200
    assert LOCKED in str(response.context["adminform"].form.non_field_errors())
    response = client.post("/admin/tracker/timeentry/add/", admin_entry(cast))
    assert LOCKED in str(response.context["adminform"].form.non_field_errors())
    entry.refresh_from_db()
    assert (entry.seconds, TimeEntry.objects.count()) == (3600, 1)


def test_the_admin_deletes_refuse_an_approved_week(client, cast):
    locked = TimeEntryFactory(consultant=cast.consultant, date=MONDAY)
    free = TimeEntryFactory(consultant=cast.consultant, date=TODAY)
    activity = ActivityFactory(consultant=cast.consultant, date=MONDAY)
    approved(cast)
    client.force_login(cast.admin)
    response = client.post("/admin/tracker/timeentry/", {
        "action": "delete_selected", "_selected_action": [free.pk, locked.pk], "post": "yes",
    }, follow=True)
    assert LOCKED in response.content.decode()
    assert TimeEntry.objects.count() == 2  # all or nothing
    response = client.post(f"/admin/tracker/timeentry/{locked.pk}/delete/", {"post": "yes"},
                           follow=True)
    assert LOCKED in response.content.decode()
    response = client.post(f"/admin/tracker/activity/{activity.pk}/delete/", {"post": "yes"},
                           follow=True)
    assert LOCKED in response.content.decode()
    # A person with signed-off weeks is deactivated, not deleted: the page names the weeks.
    response = client.post(f"/admin/tracker/user/{cast.consultant.pk}/delete/", {"post": "yes"},
                           follow=True)
    page = response.content.decode()
    assert "Cannot delete user" in page and "Alice Tester 2026-W47 Approved" in page
    assert (TimeEntry.objects.count(), Activity.objects.count()) == (2, 1)
    assert type(cast.consultant).objects.filter(pk=cast.consultant.pk).exists()


def test_the_admin_shows_approvals_read_only(client, cast):
    approved(cast)
    client.force_login(cast.admin)
    assert client.get("/admin/tracker/weekapproval/").status_code == 200
    pk = WeekApproval.objects.get().pk
    client.post(f"/admin/tracker/weekapproval/{pk}/change/", {"status": "open"})
    assert client.post(f"/admin/tracker/weekapproval/{pk}/delete/",
                       {"post": "yes"}).status_code == 403
    client.post("/admin/tracker/weekapproval/", {
        "action": "delete_selected", "_selected_action": [pk], "post": "yes"})
    assert WeekApproval.objects.get().status == "approved"


@pytest.mark.parametrize("monday, shown", [
    (dt.date(2026, 11, 16), "16–22 Nov 2026"),
    (dt.date(2026, 11, 30), "30 Nov – 6 Dec 2026"),
    (dt.date(2026, 12, 28), "28 Dec 2026 – 3 Jan 2027"),
])
def test_a_week_is_shown_with_its_days(monday, shown):
    assert week_dates(monday) == shown


@pytest.mark.parametrize("monday, title", [
    (dt.date(2026, 11, 16), "Mon 16 Nov – Sun 22 Nov 2026"),
    (dt.date(2026, 12, 28), "Mon 28 Dec 2026 – Sun 3 Jan 2027"),
])
def test_a_weeks_title_names_both_years_across_new_year(client, cast, monday, title):
    """My week and the week's page write a week one way, both years where it spans two."""
    week = f"{monday:%G-W%V}"
    TimeEntryFactory(consultant=cast.consultant, date=monday)
    assert week_dates(monday, weekdays=True) == title
    client.force_login(cast.consultant)
    assert f"<small class=\"text-body-secondary\">{title}</small>" in \
        client.get(f"/?week={week}").content.decode()
    client.force_login(cast.manager)
    assert f"<small class=\"text-body-secondary\">{title}</small>" in \
        client.get(week_url(cast, week)).content.decode()
