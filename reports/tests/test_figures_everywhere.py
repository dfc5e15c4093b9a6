"""One definition per figure: the balance report, My week and the digest show the same
hours, promotion share, team median and flag for the same person and week.

Each figure is computed here once, from the raw rows (time entries, outcomes), as
CONTRACT.md defines it; every surface is then read as a person sees it.
"""

import datetime as dt
import statistics
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest

from clients.models import Outcome
from clients.tests.factories import EngagementFactory, OutcomeFactory
from reports import digests
from reports.digests import content
from tracker.models import Kind, TimeEntry
from tracker.tests.factories import TimeEntryFactory

pytestmark = pytest.mark.django_db

WEEK = dt.date(2026, 11, 16)  # Monday of 2026-W47
SUNDAY = WEEK + dt.timedelta(days=6)


def whole_percent(share):
    return int((Decimal(share) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@pytest.fixture
def week(cast):
    """alice: a share of 12.496% (0.125 once rounded to the JSON's 3 places), no flag;
    bob: 40% promotion and no outcome, flagged; maria: internal time only (no share)."""
    alice, bob = cast.consultant, cast.teammate
    TimeEntryFactory(consultant=alice, date=WEEK, seconds=20000, kind=Kind.CLIENT,
                     engagement=cast.engagement)
    TimeEntryFactory(consultant=alice, date=WEEK + dt.timedelta(days=1), seconds=11491,
                     kind=Kind.CLIENT, engagement=cast.engagement)
    TimeEntryFactory(consultant=alice, date=WEEK + dt.timedelta(days=2), seconds=4497,
                     kind=Kind.PROMOTION)
    TimeEntryFactory(consultant=alice, date=WEEK + dt.timedelta(days=3), seconds=1800,
                     kind=Kind.INTERNAL)
    bobs = EngagementFactory(name="Bob's engagement", members=[bob], team=cast.team)
    TimeEntryFactory(consultant=bob, date=WEEK, seconds=6 * 3600, kind=Kind.CLIENT,
                     engagement=bobs)
    TimeEntryFactory(consultant=bob, date=WEEK + dt.timedelta(days=4), seconds=4 * 3600,
                     kind=Kind.PROMOTION)
    TimeEntryFactory(consultant=cast.manager, date=WEEK, seconds=3600, kind=Kind.INTERNAL)
    # Achieved on an engagement alice worked on: hers, not bob's.
    OutcomeFactory(engagement=cast.engagement, status="achieved",
                   achieved_on=WEEK + dt.timedelta(days=2))
    return cast


def expected_figures(team, start, end):
    """Each figure once, from the raw rows: {consultant_id: (seconds by kind, share, flag)},
    and the team's median share."""
    seconds = defaultdict(lambda: dict.fromkeys(Kind.values, 0))
    worked = defaultdict(set)
    for entry in TimeEntry.objects.filter(date__range=(start, end), consultant__team=team):
        seconds[entry.consultant_id][entry.kind] += entry.seconds
        if entry.kind == Kind.CLIENT:
            worked[entry.consultant_id].add(entry.engagement_id)
    achieved = Outcome.objects.filter(status="achieved", achieved_on__range=(start, end))
    figures = {}
    for consultant_id, kinds in seconds.items():
        both = kinds["client"] + kinds["promotion"]
        share = kinds["promotion"] / both if both else None
        credited = [o for o in achieved if o.engagement_id in worked[consultant_id]]
        flagged = share is not None and share > team.promotion_threshold and not credited
        figures[consultant_id] = (kinds, share, "brand_over_client" if flagged else None)
    shares = [share for _, share, _ in figures.values() if share is not None]
    return figures, statistics.median(shares)


def test_report_my_week_and_digest_show_the_same_figures(client, week):
    expected, median = expected_figures(week.team, WEEK, SUNDAY)
    alice, bob = week.consultant, week.teammate
    assert expected[alice.pk][2] is None and expected[bob.pk][2] == "brand_over_client"
    # The team's median is the same week's on My week's 4 weeks: nobody logged time before.
    assert not TimeEntry.objects.filter(date__lt=WEEK).exists()

    for person in (alice, bob):
        kinds, share, flag = expected[person.pk]
        client.force_login(person)

        # The balance report, on its page, for this week.
        page = client.get("/reports/balance/", {"period": "custom", "start": WEEK.isoformat(),
                                                "end": SUNDAY.isoformat()})
        row = page.context["report"].row_of(person.pk)
        assert row.seconds.client == kinds["client"]
        assert row.seconds.promotion == kinds["promotion"]
        assert row.seconds.internal == kinds["internal"]
        assert row.promotion_share == share and row.flag == flag

        # My week.
        my_week = client.get("/", {"week": "2026-W47"})
        shown = my_week.content.decode()
        hours = {r["kind"]: r["hours"] for r in my_week.context["rows"]}
        assert hours == {kind: getattr(row, f"{kind}_hours") for kind in Kind.values}
        assert f'data-figure="share-week">{whole_percent(share)}%' in shown
        assert f'data-figure="team-median">{whole_percent(median)}%' in shown
        assert my_week.context["flag"] == flag
        assert ('data-figure="flag"' in shown) is (flag is not None)

        # The digest.
        section = content.consultant_section(user=person, week_start=WEEK,
                                             reports=digests.WeekReports())
        assert section["row"] == row  # the very same figures, hours and flag included
        assert section["share_pct"] == whole_percent(share)
        assert section["team_median_pct"] == whole_percent(median)
        message = content.digest_message(user=person, week_start=WEEK, preview=True)
        assert f"Promotion share {whole_percent(share)}%" in message.body
