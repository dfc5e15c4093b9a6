"""Saved reports: their filters read as labels, edited in place, sent now, and recipients
ticked in a searchable list."""

import datetime as dt
import re

import pytest
from django.core import mail
from django_celery_beat.models import PeriodicTask

from clients.tests.factories import ClientFactory
from reports.models import SavedReportDelivery
from reports.saved import filter_labels, saved_report_create
from tracker.models import Kind
from tracker.tests.factories import TimeEntryFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)),
]


@pytest.fixture
def team_weekly(cast):
    """Maria's weekly report of her team, to herself."""
    TimeEntryFactory(
        consultant=cast.consultant,
        date=dt.date(2026, 11, 17),
        seconds=6 * 3600,
        kind=Kind.CLIENT,
        engagement=cast.engagement,
    )
    return saved_report_create(
        owner=cast.manager,
        name="Team weekly",
        schedule="weekly",
        params={
            "period": "last_4_weeks",
            "start": "2026-10-26",
            "end": "2026-11-22",
            "team": cast.team.pk,
            "consultant": None,
            "client": None,
        },
        recipients=[cast.manager],
    )


def test_filters_are_listed_as_labels_not_codes(client, cast, team_weekly):
    acme = ClientFactory(name="Acme")
    custom = saved_report_create(
        owner=cast.manager,
        name="Alice at Acme",
        schedule="",
        params={
            "period": "custom",
            "start": "2026-10-05",
            "end": "2026-11-22",
            "team": None,
            "consultant": cast.consultant.pk,
            "client": acme.pk,
        },
        recipients=[],
    )
    assert filter_labels([team_weekly, custom]) == {
        team_weekly.pk: "Last 4 weeks · Public Sector",
        custom.pk: "5 Oct 2026 – 22 Nov 2026 · Alice Tester · Acme",
    }
    client.force_login(cast.manager)
    page = client.get("/reports/saved/").content.decode()
    assert "Last 4 weeks · Public Sector" in page
    assert "5 Oct 2026 – 22 Nov 2026 · Alice Tester · Acme" in page
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", page)
    assert not [cell for cell in cells if "last_4_weeks" in cell or "custom" in cell]


def test_the_owner_edits_filters_name_schedule_and_recipients(client, cast, team_weekly):
    client.force_login(cast.manager)
    form = client.get(f"/reports/saved/{team_weekly.pk}/edit/").content.decode()
    assert 'value="Team weekly"' in form
    assert re.search(rf'<option value="{cast.team.pk}" selected>Public Sector', form)
    assert 'type="checkbox" name="recipients"' in form  # ticked, never Ctrl-clicked
    assert "data-picker-search" in form

    response = client.post(
        f"/reports/saved/{team_weekly.pk}/edit/",
        {
            "name": "Alice monthly",
            "f-period": "last_week",
            "f-consultant": cast.consultant.pk,
            "schedule": "monthly",
            "recipients": [cast.manager.pk, cast.consultant.pk],
        },
        follow=True,
    )

    team_weekly.refresh_from_db()
    assert team_weekly.name == "Alice monthly"
    assert team_weekly.params["period"] == "last_week"
    assert team_weekly.params["consultant"] == cast.consultant.pk
    assert team_weekly.params["team"] is None
    assert set(team_weekly.recipients.all()) == {cast.manager, cast.consultant}
    task = PeriodicTask.objects.get(pk=team_weekly.periodic_task_id)
    assert task.crontab.day_of_month == "1" and task.name.endswith("Alice monthly")
    assert "Last week · Alice Tester" in response.content.decode()


def test_unscheduling_removes_the_beat_task(client, cast, team_weekly):
    client.force_login(cast.manager)
    client.post(
        f"/reports/saved/{team_weekly.pk}/edit/",
        {
            "name": "Team weekly",
            "f-period": "last_4_weeks",
            "f-team": cast.team.pk,
            "schedule": "",
            "recipients": [],
        },
    )
    team_weekly.refresh_from_db()
    assert team_weekly.periodic_task_id is None
    assert not PeriodicTask.objects.filter(name__startswith="Saved report").exists()


def test_an_edit_keeps_the_rules_of_saving(client, cast, team_weekly):
    saved_report_create(owner=cast.manager, name="Other", schedule="", params={}, recipients=[])
    client.force_login(cast.manager)
    response = client.post(
        f"/reports/saved/{team_weekly.pk}/edit/",
        {
            "name": "Other",
            "f-period": "last_week",
            "f-team": cast.team.pk,
            "schedule": "weekly",
            "recipients": [cast.outsider.pk],
        },
    )
    page = response.content.decode()
    assert "You already have a saved report of that name." in page
    team_weekly.refresh_from_db()
    assert team_weekly.name == "Team weekly"


@pytest.mark.parametrize("role", ["consultant", "other_manager", "admin"])
def test_nobody_else_edits_or_sends_it(client, cast, team_weekly, role):
    client.force_login(getattr(cast, role))
    assert client.get(f"/reports/saved/{team_weekly.pk}/edit/").status_code == 404
    assert client.post(f"/reports/saved/{team_weekly.pk}/send/").status_code == 404
    assert not mail.outbox


def test_send_now_mails_the_period_as_of_today_and_says_so(client, cast, team_weekly):
    client.force_login(cast.manager)
    response = client.post(f"/reports/saved/{team_weekly.pk}/send/", follow=True)
    page = response.content.decode()
    assert "“Team weekly” (26 Oct 2026 – 22 Nov 2026) is on its way to 1 person" in page
    [sent] = mail.outbox
    assert sent.to == [cast.manager.email]
    assert "26 Oct" in sent.subject and "6.00 h client work" in sent.subject
    # Outside the schedule: the scheduled period is not marked sent.
    assert not SavedReportDelivery.objects.exists()


def test_send_now_without_recipients_says_what_to_do(client, cast, team_weekly):
    team_weekly.recipients.clear()
    client.force_login(cast.manager)
    page = client.post(f"/reports/saved/{team_weekly.pk}/send/", follow=True).content.decode()
    assert "has no recipient with an e-mail address" in page
    assert not mail.outbox


def test_send_now_is_a_post(client, cast, team_weekly):
    client.force_login(cast.manager)
    assert client.get(f"/reports/saved/{team_weekly.pk}/send/").status_code == 405
