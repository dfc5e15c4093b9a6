"""A team's "Consultants" are the people who log time, as its capacity counts them, on the
team page and in the balance report alike (issue 15, "Capacity counts only people who log
time"): a manager who logs no time is neither. Chromium at 1280 and 390 px; screenshots
under var/screenshots/ (CI artifacts)."""

import datetime as dt

import pytest
from django.conf import settings

from tracker.models import Kind
from tracker.tests.factories import TimeEntryFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SHOTS = settings.VAR_DIR / "screenshots"


@pytest.fixture
def team(cast):
    """Alice and Bob log time; Maria, their manager, logs none."""
    cast.manager.logs_time = False
    cast.manager.save()
    monday = cast.consultant.today() - dt.timedelta(days=cast.consultant.today().weekday())
    for person in (cast.consultant, cast.teammate):
        TimeEntryFactory(consultant=person, date=monday - dt.timedelta(days=7), seconds=3600,
                         kind=Kind.INTERNAL)
    return cast, monday


@pytest.mark.parametrize("width", [1280, 390])
def test_a_teams_consultants_are_those_who_log_time_on_the_team_page_and_the_report(
    team, log_in, live_server, width
):
    cast, monday = team
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = log_in(cast.manager)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/team/")
    page.screenshot(path=SHOTS / f"team-consultants-{width}.png", full_page=True)
    line = page.locator(f"#team-{cast.team.pk} .team-figures")
    assert line.is_visible()
    # Two consultants of 40 h a week: Maria is listed (her week's status counts) but is not
    # one of them, nor in the capacity.
    assert line.inner_text() == (
        "2 consultants (people who log time), capacity 80.00 h this week, 80.00 h last week."
    )

    start, end = monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)
    page.goto(f"{live_server.url}/reports/balance/?period=custom&start={start}&end={end}")
    page.screenshot(path=SHOTS / f"report-team-consultants-{width}.png", full_page=True)
    teams = page.locator("#teams")
    headers = [text.strip() for text in teams.locator("thead th").all_inner_texts()]
    row = teams.locator("tbody tr", has_text="Public Sector")
    cells = dict(zip(headers, [text.strip() for text in row.locator("td").all_inner_texts()],
                     strict=False))
    assert cells["Consultants"] == "2"
    assert cells["Capacity h"] == "80.00"
