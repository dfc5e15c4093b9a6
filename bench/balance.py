"""How fast is the balance report? Prints a table of figures; asserts nothing.

Seed a database first (400 consultants × 104 weeks ≈ 1M entries), then run, e.g.:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clientfirst_bench DEBUG=1 \\
        .venv/bin/python bench/seed_demo.py --consultants 400 --weeks 104
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clientfirst_bench DEBUG=1 \\
        .venv/bin/python bench/balance.py

    DATABASE_URL=sqlite:////tmp/clientfirst_bench.sqlite3 DEBUG=1 .venv/bin/python bench/balance.py

It measures, in one process and side by side:
1. the bare `SELECT consultant_id, kind, SUM(seconds) … GROUP BY consultant_id, kind` over the
   last 52 whole weeks of data, and `balance_compute` over the same period for everyone,
   checking that both give identical totals by kind;
2. reports over other scopes and periods (a team over a quarter, a consultant, odd dates);
3. the report page for a manager's team over a quarter through Django's test client, with
   its SQL query count.
Each figure is the median (and 95th percentile) of --repeat runs after one warm-up.
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")


def timed(function, repeat: int) -> tuple[list[float], object]:
    result = function()  # warm-up, also the result we check
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--page-requests", type=int, default=50)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from reports.balance import balance_compute
    from tracker.figures import hours
    from tracker.models import Team, TimeEntry, User

    last = TimeEntry.objects.order_by("-date").values_list("date", flat=True).first()
    if last is None:
        print("No time entries: seed the database first (see the docstring).")
        return 1
    end = last - dt.timedelta(days=(last.weekday() + 1) % 7)  # the last whole week's Sunday
    start = end - dt.timedelta(days=52 * 7 - 1)
    everyone = User.objects.visible_to(User.objects.filter(is_superuser=True).first())
    entries = TimeEntry.objects.count()
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"{engine}, {entries:,} time entries, period {start} – {end}, "
          f"median of {args.repeat} runs\n")

    def bare():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT consultant_id, kind, SUM(seconds) FROM tracker_timeentry "
                "WHERE date BETWEEN %s AND %s GROUP BY consultant_id, kind",
                [start, end],
            )
            return cursor.fetchall()

    bare_times, bare_rows = timed(bare, args.repeat)
    report_times, report = timed(
        lambda: balance_compute(people=everyone, start=start, end=end), args.repeat
    )
    by_kind = {}
    for _, kind, seconds in bare_rows:
        by_kind[kind] = by_kind.get(kind, 0) + seconds
    same = all(
        getattr(report.totals, f"{kind}_hours") == hours(by_kind.get(kind, 0))
        for kind in ("client", "promotion", "internal")
    )
    rows = [
        ("bare GROUP BY consultant, kind (1 year)", bare_times),
        ("balance_compute, everyone (1 year)", report_times),
    ]

    team = Team.objects.filter(managers__isnull=False).order_by("name").first()
    manager = team.managers.order_by("username").first()
    quarter_start = end - dt.timedelta(days=13 * 7 - 1)
    odd_start, odd_end = start + dt.timedelta(days=3), end - dt.timedelta(days=2)
    consultant = User.objects.filter(team=team).exclude(pk=manager.pk).order_by("username").first()
    for label, kwargs in (
        ("balance_compute, a team (quarter)", {"people": User.objects.visible_to(manager),
                                               "start": quarter_start, "end": end,
                                               "team": team}),
        ("balance_compute, a consultant (1 year)", {"people": everyone, "start": start,
                                                    "end": end, "consultant": consultant}),
        ("balance_compute, everyone (1 year, odd dates)", {"people": everyone,
                                                           "start": odd_start, "end": odd_end}),
    ):
        times, _ = timed(lambda kwargs=kwargs: balance_compute(**kwargs), args.repeat)
        rows.append((label, times))

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(manager)
    url = (f"/reports/balance/?period=custom&start={quarter_start}&end={end}&team={team.pk}")
    client.get(url)
    page_times = []
    from django.core.signals import request_started
    from django.db import reset_queries

    request_started.disconnect(reset_queries)  # it would empty the capture mid-request
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    query_count = len(queries)
    request_started.connect(reset_queries)
    assert response.status_code == 200, response.status_code
    for _ in range(args.page_requests):
        started = time.perf_counter()
        client.get(url)
        page_times.append((time.perf_counter() - started) * 1000)
    rows.append((f"report page, a team (quarter), {query_count} SQL queries", page_times))

    print(f"{'measure':<58} {'median ms':>10} {'p95 ms':>9}")
    for label, times in rows:
        print(f"{label:<58} {statistics.median(times):>10.1f} {p95(times):>9.1f}")
    ratio = statistics.median(report_times) / statistics.median(bare_times)
    print(f"\nreport / bare GROUP BY: {ratio:.2f}× (target ≤ 1.5×, aim 1.2×); "
          f"totals identical: {'yes' if same else 'NO'}")
    totals = report.totals
    print(f"totals: client {totals.client_hours} h, promotion {totals.promotion_hours} h, "
          f"internal {totals.internal_hours} h, {len(report.rows)} consultants")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
