"""/time/ reads its totals from the weekly rollup and seeks deep pages by week: both must
give exactly what the filtered entries give, for any filters, dates and order."""

import datetime as dt
import random

import pytest
from django.db.models import Count, Sum

from clients.tests.factories import ClientFactory, EngagementFactory
from tracker.models import Kind, TimeEntry, WeekApproval, WeekStatus
from tracker.selection import split_weeks
from tracker.tests.clock import TODAY
from tracker.week import week_start_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_time")]



@pytest.fixture
def weeks_of_entries(cast):
    """About 400 entries over ten weeks for three people, two clients, every kind."""
    acme, globex = ClientFactory(name="Acme"), ClientFactory(name="Globex")
    tax = cast.engagement
    audit = EngagementFactory(name="Audit", client=acme, members=[cast.consultant, cast.teammate])
    rollout = EngagementFactory(name="Rollout", client=globex, members=[cast.outsider])
    work = {cast.consultant: [tax, audit], cast.teammate: [audit], cast.outsider: [rollout]}
    pick = random.Random(7)
    entries = []
    for day in range(70):
        date = TODAY - dt.timedelta(days=day)
        for person, engagements in work.items():
            for _ in range(pick.randint(1, 3)):
                kind = pick.choice(list(Kind))
                entries.append(TimeEntry(
                    consultant=person, date=date, seconds=pick.randint(1, 40) * 300, kind=kind,
                    engagement=pick.choice(engagements) if kind == Kind.CLIENT else None,
                    billable=kind == Kind.CLIENT and pick.random() < 0.7,
                ))
    # Every source, and some weeks approved: the list narrowed by either reads the entries.
    sources = random.Random(11)
    for entry in entries:
        entry.source = sources.choice(["manual", "manual", "timer", "api", "toggl"])
    TimeEntry.objects.bulk_create(entries)
    WeekApproval.objects.bulk_create([
        WeekApproval(consultant=person, week_start=week_start_of(TODAY) - dt.timedelta(weeks=n),
                     status=WeekStatus.APPROVED)
        for person in work for n in (1, 2, 5) if (person, n) != (cast.teammate, 5)
    ])
    return {"tax": tax, "audit": audit, "rollout": rollout, "acme": acme, "globex": globex}


def filter_cases(cast, things):
    return [
        {},
        {"kind": "client"},
        {"billable": "true"},
        {"billable": "false", "kind": "internal"},
        {"period": "last_month"},
        {"period": "this_week"},
        # mid-week to mid-week: two partial weeks around whole ones
        {"date_from": "2026-10-07", "date_to": "2026-11-10"},
        # seven days across a week boundary: no whole week at all
        {"date_from": "2026-11-04", "date_to": "2026-11-10"},
        {"date_from": "2026-11-03", "date_to": "2026-11-05"},  # within one week
        {"date_from": "2026-10-29"},
        {"date_to": "2026-10-01"},
        {"date_from": "2026-11-20", "date_to": "2026-11-01"},  # ends before it starts
        {"engagement": things["audit"].pk},
        {"client": things["acme"].pk, "billable": "true"},
        {"client": things["acme"].pk, "engagement": things["tax"].pk},
        {"consultant": cast.teammate.pk, "period": "last_month"},
        {"team": cast.team.pk, "kind": "promotion"},
        {"date_from": "not a date"},
        {"source": "timer"},
        {"source": "manual", "kind": "client", "date_from": "2026-10-07"},
        {"approved": "yes"},
        {"approved": "no", "billable": "true"},
        {"approved": "yes", "source": "api", "team": cast.team.pk},
        {"approved": "no", "date_from": "2026-11-04", "date_to": "2026-11-10"},
        {"approved": "maybe"},
    ]


@pytest.mark.parametrize("who", ["consultant", "manager", "admin"])
def test_totals_equal_the_filtered_entries_for_any_filters(client, cast, weeks_of_entries, who):
    user = getattr(cast, who)
    client.force_login(user)
    for query in filter_cases(cast, weeks_of_entries):
        response = client.get("/time/", query)
        if who == "consultant" and {"consultant", "team"} & set(query):
            assert response.status_code == 404  # Bob, and the team's menu, are out of reach
            continue
        assert response.status_code == 200, query
        rows = response.context["table"].data.data  # the filtered entries the pages show
        truth = rows.order_by().aggregate(total=Sum("seconds"), count=Count("pk"))
        by_kind = dict(rows.order_by().values_list("kind").annotate(Sum("seconds")))
        totals = response.context["totals"]
        assert (totals["total"], totals["count"]) == (truth["total"] or 0, truth["count"]), query
        assert {row["kind"]: row["seconds"] for row in totals["by_kind"] if row["seconds"]} == (
            by_kind
        ), query


ORDERS = {
    "date": ("date", "pk"),
    "engagement": ("engagement__client__name", "engagement__name", "date", "pk"),
    "kind": ("kind", "date", "pk"),
    "billable": ("billable", "date", "pk"),
}


@pytest.mark.parametrize(
    "sort", ["-date", "date", "engagement", "-engagement", "kind", "-kind", "billable", "-billable"]
)
@pytest.mark.parametrize("who", ["manager", "admin"])
def test_every_page_holds_what_plain_offsets_give(client, cast, weeks_of_entries, who, sort):
    """Pages in date order skip whole weeks, in engagement, kind or billable order whole
    groups: each page must hold exactly the rows a plain ORDER BY ... OFFSET gives."""
    client.force_login(getattr(cast, who))
    prefix = "-" if sort.startswith("-") else ""
    order = [f"{prefix}{field}" for field in ORDERS[sort.lstrip("-")]]
    for query in [{}, {"kind": "client"}, {"date_from": "2026-10-07", "date_to": "2026-11-10"},
                  {"approved": "no", "source": "manual"}]:
        first = client.get("/time/", {**query, "sort": sort})
        rows = first.context["table"].data.data
        expected = list(TimeEntry.objects.filter(pk__in=rows.values("pk")).order_by(*order)
                        .values_list("pk", flat=True))
        assert len(expected) > (50 if "source" in query else 100)  # pages enough to seek
        shown = []
        page = 1
        while True:
            response = client.get("/time/", {**query, "sort": sort, "page": page})
            table_page = response.context["table"].page
            shown += [row.record.pk for row in table_page.object_list]
            if not table_page.has_next():
                break
            page += 1
        assert shown == expected, query


def test_any_other_order_is_total_so_no_row_shows_twice(client, cast, weeks_of_entries):
    client.force_login(cast.admin)
    for sort in ["kind", "-billable", "engagement", "-duration", "consultant"]:
        shown = []
        for page in range(1, 100):
            table_page = client.get("/time/", {"sort": sort, "page": page}).context["table"].page
            shown += [row.record.pk for row in table_page.object_list]
            if not table_page.has_next():
                break
        assert sorted(shown) == sorted(TimeEntry.objects.values_list("pk", flat=True)), sort


def test_pages_are_numbered_to_the_last_and_past_the_end_shows_the_last(client, cast,
                                                                        weeks_of_entries):
    client.force_login(cast.consultant)
    mine = TimeEntry.objects.filter(consultant=cast.consultant).count()
    last = -(-mine // 25)
    response = client.get("/time/", {"page": 999})
    assert response.status_code == 200
    page = response.context["table"].page
    assert (page.number, response.context["table"].paginator.num_pages) == (last, last)
    assert len(page.object_list) == mine - (last - 1) * 25
    assert f"?page={last}" in client.get("/time/").content.decode()  # a link to the last
    for before_the_first in ("0", "-3"):
        assert client.get("/time/", {"page": before_the_first}).context["table"].page.number == 1
    assert client.get("/time/", {"page": "x"}).context["table"].page.number == 1


def test_split_weeks_open_ends():
    wed, tue = dt.date(2026, 11, 4), dt.date(2026, 11, 17)
    assert split_weeks(None, None) == ((None, None), [])
    assert split_weeks(wed, None) == ((dt.date(2026, 11, 9), None), [(wed, dt.date(2026, 11, 8))])
    assert split_weeks(None, tue) == (
        (None, dt.date(2026, 11, 9)), [(dt.date(2026, 11, 16), tue)]
    )
    assert split_weeks(tue, wed) == (None, [])


@pytest.mark.parametrize("sort, sorted_everything", [
    ("kind", 'ORDER BY "tracker_timeentry"."kind"'),
    ("-billable", 'ORDER BY "tracker_timeentry"."billable"'),
    ("engagement", 'ORDER BY "clients_client"."name"'),
])
def test_grouped_orders_read_their_groups_instead_of_sorting_every_entry(
    client, cast, weeks_of_entries, sort, sorted_everything
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(cast.admin)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/time/", {"sort": sort, "page": 5}).status_code == 200
    [page_ids] = [query["sql"] for query in queries.captured_queries
                  if '"tracker_timeentry"."id" AS "pk"' in query["sql"]]
    assert sorted_everything not in page_ids
