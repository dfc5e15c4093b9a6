"""Names and numbers, one way (issue 15): the same person and figure read the same on the
report page, the team page, the digest's subject and body, and in the exports; capacity
counts only people who log time, from their start date.

Every figure is read as a person sees it (the HTML, the e-mail, the CSV), never from a
context variable.
"""

import csv
import datetime as dt
import html
import io
import re
from decimal import Decimal

import pytest

from reports import digests
from tracker.models import Kind
from tracker.tests.factories import TimeEntryFactory

pytestmark = [
    pytest.mark.django_db,
    # Wednesday 25 November 2026: last week is 2026-W47 (16-22 Nov).
    pytest.mark.time_machine(dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)),
]

WEEK = dt.date(2026, 11, 16)
SUNDAY = WEEK + dt.timedelta(days=6)
REPORT = {"period": "custom", "start": WEEK.isoformat(), "end": SUNDAY.isoformat()}


def text_of(cell: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())


def table(page: str, table_id: str) -> list[dict]:
    """The rows of a table of the page as {header: cell text} (the footer row last)."""
    body = re.search(rf'<table[^>]*id="{table_id}".*?</table>', page, re.S).group(0)
    headers = [text_of(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", body, re.S)]
    headers = [h.rstrip(" ▲▼") for h in headers]
    return [
        dict(
            zip(
                headers,
                [text_of(c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)],
                strict=False,
            )
        )
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body.split("</thead>", 1)[1], re.S)
    ]


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def week(cast):
    """alice: 35 h client and 5 h promotion (a share of 12.5%, exactly half a percent) and
    15 min internal: 40.25 h. Her engagement's budget is 40 h and 43.4 h are logged on it in
    all: a burn of 108.5%. bob joined on Wednesday; maria manages the team and logs no time."""
    alice, bob, maria = cast.consultant, cast.teammate, cast.manager
    cast.engagement.budget_hours = Decimal("40")
    cast.engagement.save()
    for day in range(5):
        date = WEEK + dt.timedelta(days=day)
        TimeEntryFactory(
            consultant=alice,
            date=date,
            seconds=7 * 3600,
            kind=Kind.CLIENT,
            engagement=cast.engagement,
        )
        TimeEntryFactory(consultant=alice, date=date, seconds=3600, kind=Kind.PROMOTION)
    TimeEntryFactory(consultant=alice, date=WEEK, seconds=900, kind=Kind.INTERNAL)
    # The week before: the rest of the 43.4 h on the engagement.
    TimeEntryFactory(
        consultant=alice,
        date=WEEK - dt.timedelta(days=7),
        seconds=int(8.4 * 3600),
        kind=Kind.CLIENT,
        engagement=cast.engagement,
    )
    bob.started_on = WEEK + dt.timedelta(days=2)
    bob.save()
    TimeEntryFactory(
        consultant=bob, date=WEEK + dt.timedelta(days=3), seconds=8 * 3600, kind=Kind.INTERNAL
    )
    maria.logs_time = False
    maria.save()
    return cast


def test_the_same_name_and_figures_on_every_page_e_mail_and_export(client, week):
    client.force_login(week.manager)

    # The balance report's page: people by name, hours with two places, whole percentages.
    page = client.get("/reports/balance/", {**REPORT, "team": week.team.pk}).content.decode()
    people = {row["Consultant"]: row for row in table(page, "consultants")}
    assert "Alice Tester" in people and "alice" not in people
    alice = people["Alice Tester"]
    assert alice["Total h"] == "40.25" and alice["Promotion share %"] == "13%"
    assert alice["Capacity h"] == "40.00"
    [engagement] = table(page, "engagements")
    assert engagement["Burn %"] == "109%"  # 108.5%, rounded half up; never "108%"
    summary = text_of(page[page.index('id="report-summary"') :].split("</p>", 1)[0])
    assert "35.00 h client work, 5.00 h promotion, 8.25 h internal" in summary

    # The team page: the same row, the same figures.
    team_page = client.get("/team/").content.decode()
    row = re.search(r'<tr class="person" data-username="alice">(.*?)</tr>', team_page, re.S)
    cells = [text_of(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(1), re.S)]
    assert cells[0] == "Alice Tester"
    last_week = cells[7:13]  # client, promotion, internal, total / capacity, share, outcomes
    assert last_week[3] == "40.25 / 40.00" and last_week[4] == "13%"

    # The engagement's own page.
    engagement_page = client.get(f"/engagements/{week.engagement.pk}/").content.decode()
    assert "109%" in engagement_page and "108%" not in engagement_page

    # Alice's digest: its subject and body say what the pages say.
    message = digests.digest_message(user=week.consultant, week_start=WEEK)
    assert message.subject.startswith("Your week 2026-W47: 40.25 h logged, 13% promotion")
    assert "Total              40.25 h  of 40.00 h capacity" in message.body
    assert "Promotion share 13%" in message.body
    assert "(109%, over)" in message.body
    # The manager's digest names people in full.
    team_mail = digests.digest_message(user=week.manager, week_start=WEEK)
    assert "Alice Tester" in team_mail.body and "  alice " not in team_mail.body

    # The exports: the same numbers, plain; the username for scripts and the name beside it.
    exported = csv_rows(
        client.get(
            "/reports/balance/",
            {**REPORT, "team": week.team.pk, "_export": "csv", "table": "consultants"},
        )
    )
    [alice_row] = [r for r in exported if r["Consultant"] == "alice"]
    assert alice_row["Name"] == "Alice Tester"
    assert float(alice_row["Total h"]) == 40.25 and float(alice_row["Promotion share %"]) == 13
    [burn_row] = csv_rows(
        client.get(
            "/reports/balance/",
            {**REPORT, "team": week.team.pk, "_export": "csv", "table": "engagements"},
        )
    )
    assert float(burn_row["Burn %"]) == 109
    time_export = csv_rows(
        client.get(
            "/time/",
            {
                "date_from": WEEK.isoformat(),
                "date_to": SUNDAY.isoformat(),
                "consultant": week.consultant.pk,
                "_export": "csv",
            },
        )
    )
    assert {(r["Consultant"], r["Name"]) for r in time_export} == {("alice", "Alice Tester")}


def test_capacity_counts_only_people_who_log_time_from_their_start_date(client, week):
    client.force_login(week.manager)
    page = client.get("/reports/balance/", {**REPORT, "team": week.team.pk}).content.decode()
    people = {row["Consultant"]: row for row in table(page, "consultants")}
    # bob from Wednesday: 5 of the week's 7 days of 40 h; maria logs no time: none.
    assert people["Bob Tester"]["Capacity h"] == "28.57"
    assert people["Maria Tester"]["Capacity h"] == "0.00"
    [team] = [row for row in table(page, "teams") if row.get("Team") == "Public Sector"]
    assert team["Capacity h"] == "68.57"  # 40 + 28.57, not 40 + 40 + 40

    team_page = client.get("/team/").content.decode()
    rows = dict(
        re.findall(r'<tr class="person" data-username="([^"]+)">(.*?)</tr>', team_page, re.S)
    )
    bob = [text_of(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", rows["bob"], re.S)]
    assert bob[4] == "0.00 / 40.00"  # this week: all of it after his start
    assert bob[10] == "8.00 / 28.57"  # last week: from Wednesday
    assert "maria" not in rows  # logs no time: not one of the team's people there

    # The manager's digest: the team's capacity the same.
    team_mail = digests.digest_message(user=week.manager, week_start=WEEK)
    assert "of 68.57 h capacity" in team_mail.body


def test_someone_who_starts_after_the_period_has_no_capacity_in_it(week):
    from tracker import figures

    bob = week.teammate
    assert figures.capacity_of(bob, WEEK - dt.timedelta(days=7), WEEK - dt.timedelta(days=1)) == 0
    assert figures.capacity_of(bob, WEEK, SUNDAY) == Decimal(40) * 5 / 7
    bob.started_on = None
    assert figures.capacity_of(bob, WEEK, SUNDAY) == Decimal(40)
    assert figures.capacity_of(week.manager, WEEK, SUNDAY) == 0


def test_an_admin_sets_who_logs_time_and_from_when(client, cast):
    """The admin's user page edits both; the change shows in the team's capacity."""
    client.force_login(cast.admin)
    url = f"/admin/tracker/user/{cast.manager.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("password", "groups", "user_permissions")
    }
    data.update(
        logs_time="",
        started_on="2026-11-18",
        team=cast.team.pk,
        date_joined_0="2026-11-01",
        date_joined_1="09:00:00",
        last_login_0="",
        last_login_1="",
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    cast.manager.refresh_from_db()
    assert cast.manager.logs_time is False
    assert cast.manager.started_on == dt.date(2026, 11, 18)
    listed = client.get("/admin/tracker/user/", {"logs_time__exact": "0"}).content.decode()
    assert "maria" in listed and ">alice<" not in listed
    # Her profile says so.
    client.force_login(cast.manager)
    profile = text_of(client.get("/accounts/profile/").content.decode())
    assert "Does not log time: not counted in your team's capacity" in profile
