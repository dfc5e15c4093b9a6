"""Engagements end by themselves: past its end date an active engagement reads "Ended" on
its list and page, and every engagement menu of a dated form offers exactly what the time
rules accept on that date."""

import datetime as dt
import re

import pytest
import time_machine

from clients.models import Engagement
from clients.tests.factories import EngagementFactory
from tracker.forms import ActivityForm, TimeEntryForm, TimerStartForm
from tracker.models import Kind
from tracker.rules import time_entry_errors

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 25)


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def ended(cast):
    """Alice's engagement that ran in October and nobody closed."""
    return EngagementFactory(
        name="Audit",
        members=[cast.consultant],
        team=cast.team,
        starts_on=dt.date(2026, 10, 1),
        ends_on=dt.date(2026, 10, 30),
    )


def test_past_its_end_an_engagement_reads_ended(client, cast, ended):
    assert ended.status == Engagement.Status.ACTIVE  # nobody changed it
    assert ended.state_on(TODAY) == Engagement.ENDED
    assert ended.state_on(dt.date(2026, 10, 30)) == Engagement.Status.ACTIVE
    client.force_login(cast.consultant)

    page = client.get(f"/engagements/{ended.pk}/").content.decode()
    assert re.search(r'id="engagement-state">Ended<', page)

    listed = client.get("/engagements/").content.decode()
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*Audit(?:(?!</tr>).)*</tr>", listed, re.S).group(0)
    assert ">Ended<" in row

    only_ended = client.get("/engagements/?status=ended").context["table"].data
    assert [e.pk for e in only_ended] == [ended.pk]
    only_active = client.get("/engagements/?status=active").context["table"].data
    assert [e.pk for e in only_active] == [cast.engagement.pk]

    export = client.get("/engagements/?_export=csv").content.decode("utf-8-sig")
    assert "Ended" in export.splitlines()[1] + export.splitlines()[2]


def offered(form) -> set[int]:
    """The engagements a person can choose in the form's menu as the server renders it."""
    html = str(form["engagement"])
    options = re.findall(r'<option value="(\d+)"([^>]*)>', html)
    return {int(pk) for pk, attrs in options if "disabled" not in attrs}


@pytest.mark.parametrize(
    "day",
    [
        dt.date(2026, 9, 30),
        dt.date(2026, 10, 1),
        dt.date(2026, 10, 30),
        dt.date(2026, 10, 31),
        dt.date(2026, 11, 24),
    ],
)
def test_the_time_form_offers_exactly_what_the_rules_accept(cast, ended, day):
    EngagementFactory(name="Closed", members=[cast.consultant], status=Engagement.Status.CLOSED)
    EngagementFactory(name="Later", members=[cast.consultant], starts_on=dt.date(2026, 11, 2))
    EngagementFactory(name="Not hers", members=[cast.teammate])
    accepted = {
        engagement.pk
        for engagement in Engagement.objects.all()
        if "engagement"
        not in time_entry_errors(
            consultant=cast.consultant,
            date=day,
            seconds=0,
            kind=Kind.CLIENT,
            engagement=engagement,
        )
    }
    unbound = TimeEntryForm(initial={"date": day}, consultant=cast.consultant)
    posted = TimeEntryForm({"date": day.isoformat(), "kind": "client"}, consultant=cast.consultant)
    assert offered(unbound) == accepted
    assert offered(posted) == accepted
    assert (ended.pk in accepted) == (dt.date(2026, 10, 1) <= day <= dt.date(2026, 10, 30))


def test_the_new_entry_page_hides_an_ended_engagement_until_its_dates(client, cast, ended):
    client.force_login(cast.consultant)
    today = client.get("/time/new/").content.decode()
    option = re.search(rf'<option value="{ended.pk}"[^>]*>', today).group(0)
    assert "disabled" in option and "hidden" in option
    assert 'data-ends="2026-10-30"' in option
    in_october = client.get("/time/new/?date=2026-10-15").content.decode()
    assert "disabled" not in re.search(rf'<option value="{ended.pk}"[^>]*>', in_october).group(0)
    assert "js/engagement_dates.js" in today


def test_a_refusal_says_when_the_engagement_ended(client, cast, ended):
    client.force_login(cast.consultant)
    response = client.post(
        "/time/new/",
        {
            "date": "2026-11-24",
            "seconds": "1h",
            "kind": "client",
            "engagement": ended.pk,
        },
    )
    assert response.context["form"].errors["engagement"] == [
        f"{ended} is not active on 24 Nov 2026: it ended on 30 Oct 2026."
    ]


def test_the_timer_offers_only_what_runs_today(cast, ended):
    form = TimerStartForm(user=cast.consultant)
    assert set(form.fields["engagement"].queryset) == {cast.engagement}


def test_an_activity_may_feature_an_ended_engagement_and_says_so(cast, ended):
    form = ActivityForm(consultant=cast.consultant)
    labels = dict(form.fields["engagement"].choices)
    assert labels[ended.pk].endswith("— Audit (ended 30 Oct 2026)")
