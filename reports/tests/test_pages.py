import csv
import datetime as dt
import io
import json

import openpyxl
import pytest
from django.core import mail
from django.db import connection
from django_celery_beat.models import PeriodicTask

from clients.tests.factories import EngagementFactory, OutcomeFactory
from reports.models import ReportRun, SavedReport, SavedReportDelivery
from reports.saved import saved_report_send
from tracker.models import Kind
from tracker.tests.factories import ActivityFactory, TimeEntryFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)),
]

URL = "/reports/balance/"
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
CUSTOM = {"period": "custom", "start": "2026-10-05", "end": "2026-11-22"}


@pytest.fixture
def data(cast):
    day = dt.date(2026, 10, 14)
    TimeEntryFactory(consultant=cast.consultant, date=day, seconds=6 * 3600, kind=Kind.CLIENT,
                     engagement=cast.engagement)
    TimeEntryFactory(consultant=cast.consultant, date=day, seconds=5400, kind=Kind.PROMOTION)
    bob_engagement = EngagementFactory(name="Bob's", members=[cast.teammate])
    TimeEntryFactory(consultant=cast.teammate, date=day, seconds=3600, kind=Kind.CLIENT,
                     engagement=bob_engagement)
    TimeEntryFactory(consultant=cast.teammate, date=day, seconds=4 * 3600, kind=Kind.PROMOTION)
    TimeEntryFactory(consultant=cast.outsider, date=day, seconds=3600, kind=Kind.INTERNAL)
    OutcomeFactory(engagement=cast.engagement, status="achieved", achieved_on=day,
                   confirmed_by="CFO", confirmed_on=day)
    ActivityFactory(consultant=cast.teammate, date=day, audience=900)
    return cast


def names(response):
    return [row.consultant for row in response.context["report"].rows]


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_consultant_sees_only_their_row(client, data):
    client.force_login(data.consultant)
    response = client.get(URL, CUSTOM)
    assert response.status_code == 200
    assert names(response) == ["alice"]
    assert 'type="hidden" name="team"' in response.content.decode()
    assert client.get(URL, {**CUSTOM, "consultant": data.consultant.pk}).status_code == 200
    assert client.get(URL, {**CUSTOM, "consultant": data.teammate.pk}).status_code == 404
    assert client.get(URL, {**CUSTOM, "team": data.team.pk}).status_code == 404


def test_manager_sees_the_team_and_flags(client, data):
    client.force_login(data.manager)
    response = client.get(URL, {**CUSTOM, "team": data.team.pk})
    assert names(response) == ["alice", "bob", "maria"]
    page = response.content.decode()
    assert 'data-consultant="bob"' in page and "brand over client" in page
    assert "<svg" in page and "Hours per week by kind" in page


def test_out_of_reach_scopes_are_404(client, data):
    client.force_login(data.manager)
    assert client.get(URL, {**CUSTOM, "team": data.other_team.pk}).status_code == 404
    client.force_login(data.other_manager)
    assert client.get(URL, {**CUSTOM, "consultant": data.consultant.pk}).status_code == 404
    assert client.get(URL, {**CUSTOM, "client": data.engagement.client.pk}).status_code == 404
    assert client.get(URL, {**CUSTOM, "_export": "csv", "team": data.team.pk}).status_code == 404


def test_bad_dates_are_explained_next_to_the_fields(client, data):
    client.force_login(data.manager)
    response = client.get(URL, {"period": "custom", "start": "2026-11-01", "end": "2026-10-01"})
    assert response.status_code == 400
    assert "The last day is before the first." in response.content.decode()
    assert 'value="2026-11-01"' in response.content.decode()
    response = client.get(URL, {"period": "custom"})
    assert "Choose the first day." in response.content.decode()


@pytest.mark.parametrize(("start", "end"), [("9999-12-25", "9999-12-31"),
                                            ("0001-01-01", "0001-01-01")])
def test_dates_at_the_calendar_edge_are_refused_next_to_the_fields(
    client, data, settings, start, end
):
    """They overflowed the week arithmetic: a 500 instead of a message."""
    settings.DEBUG = False
    client.raise_request_exception = False
    client.force_login(data.manager)
    response = client.get(URL, {"period": "custom", "start": start, "end": end})
    assert response.status_code == 400
    assert response.context["form"].errors["start"] == [
        "Enter a date between 1 Jan 1900 and 31 Dec 2199."
    ]
    assert f'value="{start}"' in response.content.decode()


def test_drill_down_lists_total_the_figure(client, data):
    client.force_login(data.manager)
    response = client.get(URL, {**CUSTOM, "team": data.team.pk})
    table = response.context["tables"]["consultants"]
    alice = next(row for row in table.rows if row.record.consultant == "alice")
    link = alice.get_cell("client_hours")
    href = link.split('href="')[1].split('"')[0].replace("&amp;", "&")
    assert href.startswith("/time/?")
    listed = client.get(href)
    assert listed.status_code == 200
    assert "6.00" in listed.content.decode() or "6:00" in listed.content.decode()


def test_exports_are_formula_safe_and_keep_numbers(client, data):
    data.team.name = "=HYPERLINK(\"http://evil\")"
    data.team.save()
    client.force_login(data.manager)
    response = client.get(URL, {**CUSTOM, "team": data.team.pk, "_export": "csv",
                                "table": "consultants"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    alice = next(row for row in rows if row[0] == "alice")
    assert rows[0][:3] == ["Consultant", "Name", "Team"]  # the username, then the name
    assert alice[1] == "Alice Tester" and alice[2].startswith("'=HYPERLINK")
    response = client.get(URL, {**CUSTOM, "team": data.team.pk, "_export": "xlsx",
                                "table": "consultants"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = values[0]
    alice = next(row for row in values if row[0] == "alice")
    assert alice[header.index("Client h")] == 6.0
    response = client.get(URL, {**CUSTOM, "team": data.team.pk, "_export": "json",
                                "table": "teams"})
    body = json.loads(response.content)
    assert body["teams"][0]["client_hours"] == 7.0


def test_page_queries_stay_flat(client, data, django_assert_max_num_queries):
    client.force_login(data.manager)
    params = {"period": "this_quarter", "team": data.team.pk}
    # The session, the user, their teams, the form's menus (one query: tracker.pickers) and
    # the report: its six queries (the time with its hours by source, the unapproved marks,
    # the engagements with which of them the viewer may open, their outcomes, the
    # activities, the people); on PostgreSQL, in a test (whose transaction the report's
    # nests in), a savepoint and its release: none in production.
    budget = 10 + (2 if connection.vendor == "postgresql" else 0)
    with django_assert_max_num_queries(budget):
        assert client.get(URL, params).status_code == 200
    for i in range(60):
        TimeEntryFactory(consultant=data.consultant, date=dt.date(2026, 10, 1) +
                         dt.timedelta(days=i % 50), seconds=600, kind=Kind.CLIENT,
                         engagement=EngagementFactory(members=[data.consultant]))
    with django_assert_max_num_queries(budget):
        assert client.get(URL, params).status_code == 200


def test_admin_everyone_report_is_built_on_post_and_shown_on_get(
        client, data, django_capture_on_commit_callbacks):
    client.force_login(data.admin)
    page = client.get(URL, CUSTOM)
    assert page.status_code == 200 and "report" not in page.context
    assert 'action="/reports/balance/build/"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reports/balance/build/", CUSTOM)
    run = ReportRun.objects.get()
    assert response["Location"] == f"/reports/{run.pk}/"
    run.refresh_from_db()
    assert run.status == "done" and run.progress == 100
    page = client.get(f"/reports/{run.pk}/")
    assert names(page) == ["alice", "bob", "maria", "olga", "omar"]
    assert client.get(f"/reports/{run.pk}/status/").json()["status"] == "done"
    assert f'href="/reports/{run.pk}/"' in client.get("/reports/").content.decode()
    # The report's page now shows the fresh run, and exports it.
    page = client.get(URL, CUSTOM)
    assert names(page) == ["alice", "bob", "maria", "olga", "omar"]
    assert "Built in the background" in page.content.decode()
    export = client.get(URL, {**CUSTOM, "_export": "csv", "table": "consultants"})
    assert export["Content-Disposition"].endswith('.csv"') and b"olga" in export.content
    assert ReportRun.objects.count() == 1


def test_a_get_never_starts_work(client, data):
    client.force_login(data.admin)
    for query in (CUSTOM, {}, {**CUSTOM, "background": "1"}):
        assert client.get(URL, query).status_code == 200
    # Nothing built yet: an export link is not answered with the page.
    assert client.get(URL, {**CUSTOM, "_export": "csv", "table": "consultants"}).status_code == 404
    client.force_login(data.manager)
    assert client.get(URL, {**CUSTOM, "background": "1"}).status_code == 200
    assert client.get("/reports/balance/build/", CUSTOM).status_code == 405
    assert ReportRun.objects.count() == 0


def test_building_needs_the_csrf_token(data):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(data.admin)
    assert browser.post("/reports/balance/build/", CUSTOM).status_code == 403
    page = browser.get(URL, CUSTOM)
    token = page.context["csrf_token"]
    assert f'value="{token}"' in page.content.decode()
    response = browser.post("/reports/balance/build/", {**CUSTOM, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert ReportRun.objects.count() == 1


def test_asking_again_while_queued_reuses_the_run(client, data):
    client.force_login(data.admin)
    # No on_commit callbacks run here: the first run stays queued.
    first = client.post("/reports/balance/build/", CUSTOM)
    again = client.post("/reports/balance/build/", {**CUSTOM, "background": "1"})
    assert first["Location"] == again["Location"]
    run = ReportRun.objects.get()
    page = client.get(URL, CUSTOM)
    assert "being built in the background" in page.content.decode()
    assert f'href="/reports/{run.pk}/"' in page.content.decode()
    # A running one too; another scope is another run.
    ReportRun.objects.filter(pk=run.pk).update(status="running")
    assert client.post("/reports/balance/build/", CUSTOM)["Location"] == first["Location"]
    client.post("/reports/balance/build/", {**CUSTOM, "team": data.team.pk})
    assert ReportRun.objects.count() == 2
    # Once done, building again is a new run.
    ReportRun.objects.filter(pk=run.pk).update(status="done", result={}, finished_at=NOW)
    assert client.post("/reports/balance/build/", CUSTOM)["Location"] != first["Location"]
    assert ReportRun.objects.count() == 3


def test_the_database_holds_one_pending_run_per_report(data):
    from django.db import IntegrityError, transaction

    from reports.models import report_key

    params = {**CUSTOM, "team": None, "consultant": None, "client": None}
    ReportRun.objects.create(requested_by=data.admin, params=params,
                             params_key=report_key(params))
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportRun.objects.create(requested_by=data.admin, params=params,
                                 params_key=report_key({**params, "period": "last_4_weeks"}))
    ReportRun.objects.create(requested_by=data.manager, params=params,
                             params_key=report_key(params))  # another requester's


def test_an_old_run_is_not_shown_as_the_report(client, data):
    client.force_login(data.admin)
    params = {**CUSTOM, "team": None, "consultant": None, "client": None}
    ReportRun.objects.create(requested_by=data.admin, params=params, status="done",
                             result={"rows": []}, params_key=f"{params['start']}/x",
                             finished_at=NOW)  # another report
    from reports.models import report_key

    ReportRun.objects.create(requested_by=data.admin, params=params, status="done",
                             result={"rows": []}, params_key=report_key(params),
                             finished_at=NOW - dt.timedelta(hours=2))
    page = client.get(URL, CUSTOM)
    assert "report" not in page.context
    assert "Build in background" in page.content.decode()


def test_runs_are_private(client, data, django_capture_on_commit_callbacks):
    client.force_login(data.manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/reports/balance/build/", CUSTOM)
    run = ReportRun.objects.get()
    client.force_login(data.teammate)
    assert client.get(f"/reports/{run.pk}/").status_code == 404
    assert client.get(f"/reports/{run.pk}/status/").status_code == 404
    assert client.post(f"/reports/{run.pk}/retry/").status_code == 404
    assert client.post("/reports/balance/build/", {**CUSTOM, "team": data.team.pk}
                       ).status_code == 404


def test_a_failed_run_shows_why_and_can_be_retried(client, data,
                                                   django_capture_on_commit_callbacks):
    client.force_login(data.manager)
    run = ReportRun.objects.create(requested_by=data.manager, status="failed",
                                   error="worker lost", params={**CUSTOM, "team": None,
                                                                "consultant": None,
                                                                "client": None})
    assert "worker lost" in client.get(f"/reports/{run.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/reports/{run.pk}/retry/")
    run.refresh_from_db()
    assert run.status == "done" and run.result["rows"]


def test_retrying_a_report_already_queued_again_follows_that_run(client, data):
    from reports.models import report_key

    params = {**CUSTOM, "team": None, "consultant": None, "client": None}
    failed = ReportRun.objects.create(requested_by=data.manager, status="failed", error="lost",
                                      params=params, params_key=report_key(params))
    queued = ReportRun.objects.create(requested_by=data.manager, params=params,
                                      params_key=report_key(params))
    client.force_login(data.manager)
    response = client.post(f"/reports/{failed.pk}/retry/")
    assert response["Location"] == f"/reports/{queued.pk}/"
    assert ReportRun.objects.get(pk=failed.pk).status == "failed"


def test_saved_report_scheduled_and_sent_once_per_period(client, data):
    client.force_login(data.manager)
    response = client.post("/reports/saved/", {
        "f-period": "last_week", "f-team": data.team.pk, "name": "Team weekly",
        "schedule": "weekly", "recipients": [data.manager.pk, data.consultant.pk],
    })
    assert response.status_code == 302
    saved = SavedReport.objects.get()
    task = PeriodicTask.objects.get(pk=saved.periodic_task_id)
    assert task.task == "reports.tasks.send_saved_report_task"
    assert json.loads(task.args) == [saved.pk]
    assert task.crontab.day_of_week == "1"
    monday = dt.date(2026, 10, 19)
    assert saved_report_send(saved_report_id=saved.pk, today=monday) == 2
    assert saved_report_send(saved_report_id=saved.pk, today=monday) == 0  # fired twice
    assert len(mail.outbox) == 2
    [to_maria] = [m for m in mail.outbox if m.to == [data.manager.email]]
    assert to_maria.subject.startswith("Team weekly: 7.00 h client work, 1 outcome")
    assert SavedReportDelivery.objects.get().period_start == dt.date(2026, 10, 12)
    client.post(f"/reports/saved/{saved.pk}/delete/")
    assert not SavedReport.objects.exists() and not PeriodicTask.objects.filter(
        name__startswith="Saved report").exists()


def test_each_recipient_gets_the_report_as_they_would_see_it(client, data):
    client.force_login(data.manager)
    client.post("/reports/saved/", {
        "f-period": "last_week", "f-team": data.team.pk, "name": "Team weekly",
        "schedule": "weekly", "recipients": [data.manager.pk, data.consultant.pk],
    })
    saved = SavedReport.objects.get()
    assert saved_report_send(saved_report_id=saved.pk, today=dt.date(2026, 10, 19)) == 2
    [to_maria] = [m for m in mail.outbox if m.to == [data.manager.email]]
    [to_alice] = [m for m in mail.outbox if m.to == [data.consultant.email]]
    team_mail = to_maria.body + to_maria.alternatives[0][0]
    assert "Bob Tester" in team_mail and "brand over client" in team_mail
    # alice sees her own row on the page, and only that in her e-mail: not bob's name, his
    # 4 h of promotion, his flag, nor the team's 7 h in total.
    for text in (to_alice.subject, to_alice.body, to_alice.alternatives[0][0]):
        assert "Alice Tester" in text or "6.00 h" in text
        for theirs in ("bob", "Bob", "4.0", "brand over client", "7.0 h"):
            assert theirs not in text, theirs


def test_a_recipient_who_could_see_nothing_of_the_scope_is_refused(client, data):
    client.force_login(data.admin)
    response = client.post("/reports/saved/", {
        "f-period": "last_week", "f-team": data.team.pk, "name": "Public Sector weekly",
        "schedule": "weekly", "recipients": [data.outsider.pk, data.manager.pk],
    })
    assert response.status_code == 400
    page = response.content.decode()
    assert "Olga Tester cannot see any of this report" in page
    assert 'id="id_recipients-error"' in page  # next to the field, the input kept:
    assert 'value="Public Sector weekly"' in page
    assert f'name="f-team" value="{data.team.pk}"' in page
    assert not SavedReport.objects.exists()
    # Someone who sees part of it (alice: her own row) may receive it.
    response = client.post("/reports/saved/", {
        "f-period": "last_week", "f-team": data.team.pk, "name": "Public Sector weekly",
        "schedule": "weekly", "recipients": [data.consultant.pk, data.manager.pk],
    })
    assert response.status_code == 302


def test_a_recipient_who_lost_sight_of_the_scope_is_skipped(data):
    saved = SavedReport.objects.create(owner=data.admin, name="Health", schedule="weekly",
                                       params={"period": "last_week",
                                               "team": data.other_team.pk})
    saved.recipients.set([data.other_manager, data.manager])  # maria never managed Health
    assert saved_report_send(saved_report_id=saved.pk, today=dt.date(2026, 10, 19)) == 1
    assert [m.to for m in mail.outbox] == [[data.other_manager.email]]


def test_saving_needs_a_name_and_recipients_for_a_schedule(client, data):
    client.force_login(data.manager)
    response = client.post("/reports/saved/", {"f-period": "last_week", "name": "",
                                               "schedule": "weekly"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in page and "at least one recipient" in page
    assert not SavedReport.objects.exists()


def test_saved_report_of_another_owner_is_404(client, data):
    saved = SavedReport.objects.create(owner=data.manager, name="Mine", params=CUSTOM)
    client.force_login(data.other_manager)
    assert client.post(f"/reports/saved/{saved.pk}/delete/").status_code == 404
    assert SavedReport.objects.filter(pk=saved.pk).exists()




def test_team_and_outcome_figures_drill_down_to_matching_lists(client, data):
    client.force_login(data.manager)
    response = client.get(URL, {**CUSTOM, "team": data.team.pk})
    report = response.context["report"]
    [team] = report.to_stored()["teams"]
    tables = response.context["fast_tables"]
    team_cells = dict(zip([h["name"] for h in tables["teams"]["header"]],
                          tables["teams"]["rows"][0]["cells"], strict=True))
    listed = client.get(team_cells["client_hours"]["url"])
    assert listed.context["totals"]["total_hours"] == team["client_hours"] == 7.0
    alice = next(r for r in tables["consultants"]["rows"]
                 if r["attrs"]["data-consultant"] == "alice")
    cells = dict(zip([h["name"] for h in tables["consultants"]["header"]], alice["cells"],
                     strict=True))
    outcomes = client.get(cells["outcomes_achieved"]["url"])
    assert outcomes.context["table"].paginator.count == 1
    footer = dict(zip([h["name"] for h in tables["consultants"]["header"]],
                      tables["consultants"]["footer"], strict=True))
    assert 'href="/time/?' in str(footer["total_hours"]["html"])


def test_a_one_consultant_reports_outcome_total_lists_only_theirs(client, data):
    OutcomeFactory(engagement=EngagementFactory(name="Bob's own", members=[data.teammate]),
                   status="achieved", achieved_on=dt.date(2026, 10, 20))
    client.force_login(data.manager)
    response = client.get(URL, {**CUSTOM, "consultant": data.consultant.pk})
    tables = response.context["fast_tables"]
    footer = dict(zip([h["name"] for h in tables["consultants"]["header"]],
                      tables["consultants"]["footer"], strict=True))
    html = str(footer["outcomes_achieved"]["html"])
    href = html.split('href="')[1].split('"')[0].replace("&amp;", "&")
    listed = client.get(href)
    assert listed.status_code == 200
    assert [row.record.engagement.name for row in listed.context["table"].rows] == [
        data.engagement.name
    ]


def test_unoffered_export_formats_are_404(client, data):
    client.force_login(data.manager)
    for url in ("/time/?_export=ods", "/outcomes/?_export=yaml", "/engagements/?_export=xls"):
        assert client.get(url).status_code == 404


def test_a_consultants_filters_show_no_empty_team_or_consultant_box(client, data):
    client.force_login(data.consultant)
    page = client.get(URL).content.decode()
    assert 'for="id_team"' not in page and 'for="id_consultant"' not in page
    assert 'type="hidden" name="team"' in page


def test_a_refused_save_links_back_to_the_report_without_script(client, data):
    """The page's CSP blocks javascript: links; the way back is a plain link with the filters."""
    client.force_login(data.manager)
    response = client.post("/reports/saved/", {"f-period": "last_week", "f-team": data.team.pk,
                                               "name": "", "schedule": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "javascript:" not in page
    assert f'href="/reports/balance/?period=last_week&amp;team={data.team.pk}"' in page
    SavedReport.objects.create(owner=data.manager, name="Mine", params={"period": "last_4_weeks"})
    assert "Last 4 weeks" in client.get("/reports/saved/").content.decode()


def test_figures_are_written_one_way_in_rows_totals_and_summary(client, data):
    """Rows and the totals row both with two places and thousands separators; no '7.0 h'."""
    from reports.tables import shown

    assert (shown(1222.9), shown(243396), shown(None)) == ("1,222.90", "243,396", "—")
    client.force_login(data.manager)
    page = client.get(URL, {**CUSTOM, "team": data.team.pk}).content.decode()
    summary = page[page.index("report-summary"):][:400]
    assert "<strong>7.00 h</strong> client work, 5.50 h promotion" in summary, summary
    footer = page[page.index("<tfoot"):page.index("</tfoot>")]
    assert ">7.00<" in footer and ">5.50<" in footer


@pytest.mark.parametrize("scope", ["consultant", "client", "team"])
def test_every_team_and_engagement_figure_of_a_narrowed_report_lists_its_own_rows(
        client, data, scope):
    """A report of one consultant (or a client, or a team): a team's or an engagement's
    hours link to a list whose total is that figure, not the whole team's or engagement's
    time; where no list can select the figure's people (a team in a client's report), the
    figure links nowhere."""
    TimeEntryFactory(consultant=data.teammate, date=dt.date(2026, 10, 14), seconds=5400,
                     kind=Kind.CLIENT, engagement=data.engagement)
    data.engagement.members.add(data.teammate)
    value = {"consultant": data.consultant.pk, "team": data.team.pk,
             "client": data.engagement.client.pk}[scope]
    client.force_login(data.manager)
    response = client.get(URL, {**CUSTOM, scope: value})
    tables = response.context["fast_tables"]
    checked = 0
    for name, figure_names in [("teams", ["client_hours", "total_hours"]),
                               ("engagements", ["hours"])]:
        header = [h["name"] for h in tables[name]["header"]]
        for row in tables[name]["rows"]:
            cells = dict(zip(header, row["cells"], strict=True))
            for figure in figure_names:
                cell = cells[figure]
                if cell["url"] is None:
                    assert scope == "client" and name == "teams"
                    continue
                listed = client.get(cell["url"])
                assert f"{listed.context['totals']['total_hours']:,.2f}" == cell["text"], (
                    name, figure, cell["url"])
                checked += 1
    assert checked >= (1 if scope == "client" else 3)


def test_a_link_without_a_period_shows_the_period_it_reports_in_the_menu(client, data):
    """/reports/balance/?team=… is the last 4 weeks: the Period menu says so, not its first
    entry."""
    client.force_login(data.manager)
    response = client.get(URL, {"team": data.team.pk})
    assert response.status_code == 200
    page = response.content.decode()
    menu = page[page.index('name="period"'):]
    menu = menu[:menu.index("</select>")]
    assert '<option value="last_4_weeks" selected>' in menu, menu
    report = response.context["report"]
    assert (report.period.end - report.period.start).days == 27
