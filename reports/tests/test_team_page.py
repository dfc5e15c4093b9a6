"""/team/: a manager's people this week and last (issue 15, "Managers")."""

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from clients.tests.factories import OutcomeFactory
from tracker import services
from tracker.models import Kind, TimeEntry
from tracker.tests.factories import TeamFactory, TimeEntryFactory, UserFactory

pytestmark = [
    pytest.mark.django_db,
    # Wednesday 25 November 2026: this week is 2026-W48 (23-29 Nov), last week 2026-W47.
    pytest.mark.time_machine(dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)),
]

URL = "/team/"
THIS_MONDAY, LAST_MONDAY = dt.date(2026, 11, 23), dt.date(2026, 11, 16)
COLUMNS = ("client", "promotion", "internal", "total", "share", "outcomes")


def person_rows(page: str) -> dict[str, dict]:
    """Each person's row as shown: name, this week's and last week's cells, last entry,
    status, and the links, by username."""
    rows = {}
    for username, body in re.findall(
        r'<tr class="person" data-username="([^"]+)">(.*?)</tr>', page, re.S
    ):
        cells = [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
                 for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", body, re.S)]
        rows[username] = {
            "name": cells[0],
            "this_week": dict(zip(COLUMNS, cells[1:7], strict=True)),
            "last_week": dict(zip(COLUMNS, cells[7:13], strict=True)),
            "last_entry": cells[13],
            "status": cells[14],
            "links": [html.unescape(link) for link in re.findall(r'href="([^"]+)"', body)],
        }
    return rows


def teams_shown(page: str) -> list[str]:
    return re.findall(r'<section class="mb-4 team"[^>]*>\s*<h2 class="h5">([^<]+)</h2>', page)


def get(client, user) -> str:
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def test_a_consultant_who_manages_nobody_gets_404_and_no_menu_link(client, cast):
    client.force_login(cast.consultant)
    assert client.get(URL).status_code == 404
    assert 'href="/team/"' not in client.get("/").content.decode()


def test_a_manager_sees_the_people_of_their_team_only_and_an_admin_every_team(client, cast):
    page = get(client, cast.manager)
    assert 'href="/team/"' in page
    assert teams_shown(page) == ["Public Sector"]
    # By full name: Alice Tester, Bob Tester, Maria Tester.
    assert list(person_rows(page)) == ["alice", "bob", "maria"]
    assert person_rows(page)["alice"]["name"] == "Alice Tester"

    assert list(person_rows(get(client, cast.other_manager))) == ["olga", "omar"]

    page = get(client, cast.admin)
    assert teams_shown(page) == ["Health", "Public Sector"]
    assert list(person_rows(page)) == ["olga", "omar", "alice", "bob", "maria"]


def test_a_member_who_logs_no_time_is_not_listed_unless_they_logged_some(client, cast):
    """Maria manages the team and logs no time: not one of its consultants on the page (as
    the team's count and capacity leave her out), until time of hers falls in its weeks."""
    cast.manager.logs_time = False
    cast.manager.save(update_fields=["logs_time"])
    assert list(person_rows(get(client, cast.manager))) == ["alice", "bob"]
    TimeEntryFactory(consultant=cast.manager, date=cast.manager.today(), seconds=1800,
                     kind=Kind.INTERNAL)
    assert list(person_rows(get(client, cast.manager))) == ["alice", "bob", "maria"]


def test_people_are_sorted_by_full_name_and_shown_by_username_without_one(client, cast):
    UserFactory(username="zed", first_name="Aaron", last_name="Zed", team=cast.team)
    UserFactory(username="anon1", first_name="", last_name="", team=cast.team)
    rows = person_rows(get(client, cast.manager))
    assert [row["name"] for row in rows.values()] == [
        "Aaron Zed", "Alice Tester", "anon1", "Bob Tester", "Maria Tester"]


def seconds_by_kind(consultant, monday) -> dict[str, int]:
    entries = TimeEntry.objects.filter(
        consultant=consultant, date__range=(monday, monday + dt.timedelta(days=6)))
    return dict(entries.values_list("kind").annotate(total=Sum("seconds")).order_by())


def test_the_figures_are_those_of_the_entries_of_each_week(client, cast):
    alice, engagement = cast.consultant, cast.engagement
    TimeEntryFactory(consultant=alice, date=THIS_MONDAY, seconds=2 * 3600, kind=Kind.CLIENT,
                     engagement=engagement)
    TimeEntryFactory(consultant=alice, date=THIS_MONDAY + dt.timedelta(days=1), seconds=3600,
                     kind=Kind.PROMOTION)
    TimeEntryFactory(consultant=alice, date=THIS_MONDAY, seconds=1800, kind=Kind.INTERNAL)
    TimeEntryFactory(consultant=alice, date=LAST_MONDAY + dt.timedelta(days=4), seconds=5400,
                     kind=Kind.CLIENT, engagement=engagement)
    # Before last week: in no week shown, but the last entry date of bob.
    TimeEntryFactory(consultant=cast.teammate, date=dt.date(2026, 11, 3), seconds=3600)
    # Achieved this week on her engagement: credited to her this week, as the report does.
    OutcomeFactory(engagement=engagement, status="achieved", achieved_on=THIS_MONDAY)

    rows = person_rows(get(client, cast.manager))

    this_week = seconds_by_kind(alice, THIS_MONDAY)
    assert this_week == {"client": 7200, "promotion": 3600, "internal": 1800}
    assert rows["alice"]["this_week"] == {
        "client": "2.00", "promotion": "1.00", "internal": "0.50",
        "total": "3.50 / 40.00", "share": "33%", "outcomes": "1",
    }
    assert sum(seconds_by_kind(alice, LAST_MONDAY).values()) == 5400
    assert rows["alice"]["last_week"] == {
        "client": "1.50", "promotion": "0.00", "internal": "0.00",
        "total": "1.50 / 40.00", "share": "0%", "outcomes": "0",
    }
    assert rows["alice"]["last_entry"] == "Tue 24 Nov 2026"
    assert rows["bob"]["this_week"]["total"] == "0.00 / 40.00"
    assert rows["bob"]["this_week"]["share"] == "—"
    assert rows["bob"]["last_entry"] == "Tue 3 Nov 2026"
    assert rows["maria"]["last_entry"] == "never"


def test_last_weeks_status_and_the_links_into_the_entries_and_the_week(client, cast):
    alice, bob = cast.consultant, cast.teammate
    services.week_submit(consultant=alice, week_start=LAST_MONDAY)
    services.week_submit(consultant=bob, week_start=LAST_MONDAY)
    services.week_return(consultant=bob, week_start=LAST_MONDAY, by=cast.manager,
                         comment="Friday is missing")
    outsider = cast.outsider
    services.week_submit(consultant=outsider, week_start=LAST_MONDAY)
    services.week_approve(consultant=outsider, week_start=LAST_MONDAY, by=cast.other_manager)

    rows = person_rows(get(client, cast.manager))
    assert rows["alice"]["status"] == "Submitted"
    assert rows["bob"]["status"] == "Returned not in"
    assert rows["maria"]["status"] == "Open not in"  # no record: open
    assert person_rows(get(client, cast.admin))["olga"]["status"] == "Approved"

    assert rows["alice"]["links"] == [
        f"/time/?date_from=2026-11-23&date_to=2026-11-29&consultant={alice.pk}",
        "/outcomes/?status=achieved&achieved_from=2026-11-23&achieved_to=2026-11-29"
        f"&credited_to={alice.pk}",
        f"/time/?date_from=2026-11-16&date_to=2026-11-22&consultant={alice.pk}",
        "/outcomes/?status=achieved&achieved_from=2026-11-16&achieved_to=2026-11-22"
        f"&credited_to={alice.pk}",
        "/weeks/alice/2026-W47/",
    ]
    # Nobody decides on their own week: the manager's own row opens it on My week.
    assert rows["maria"]["links"][-1] == "/?week=2026-W47"
    # The links lead where they say, for the manager.
    for link in rows["alice"]["links"]:
        assert client.get(link).status_code == 200


def test_a_constant_number_of_queries_whatever_the_number_of_people(
    client, django_assert_max_num_queries
):
    manager = UserFactory(username="boss")
    teams = [TeamFactory(name="North"), TeamFactory(name="South")]
    for team in teams:
        team.managers.add(manager)

    def add_people(first, last):
        for n in range(first, last):
            person = UserFactory(username=f"p{n}", team=teams[n % 2])
            TimeEntryFactory(consultant=person, date=THIS_MONDAY, kind=Kind.PROMOTION)
            TimeEntryFactory(consultant=person, date=LAST_MONDAY, kind=Kind.INTERNAL)
            if n % 3 == 0:
                services.week_submit(consultant=person, week_start=LAST_MONDAY)

    client.force_login(manager)
    add_people(0, 3)
    with CaptureQueriesContext(connection) as three:
        response = client.get(URL)
    assert len(person_rows(response.content.decode())) == 3
    add_people(3, 30)
    with django_assert_max_num_queries(len(three)):
        response = client.get(URL)
    assert len(person_rows(response.content.decode())) == 30
