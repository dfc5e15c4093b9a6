"""How fast does the /time/ list answer? Prints p50/p95 per scenario; asserts nothing.

Target: under 150 ms at the 95th percentile with a million entries on PostgreSQL.

Against PostgreSQL seeded with the big demo data set (about 1M time entries; never use the
databases named `clientfirst` or `test_clientfirst`, they belong to `make run` and the tests):

    createdb -h 127.0.0.1 -U postgres clientfirst_timebench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/clientfirst_timebench DEBUG=1
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_demo --consultants 400 --weeks 104
    .venv/bin/python bench/time_list.py                      # 50 requests per scenario
    .venv/bin/python bench/time_list.py --requests 200 --activities

On the default SQLite database (`make run`'s demo data) it runs the same way without
DATABASE_URL.

Measured on 2026-11-26 (2 cores, PostgreSQL 15, 1,040,176 entries, 100 requests a scenario,
load average 0.7-1.7, the app frozen out of the garbage collector as gunicorn.conf.py does),
p95: consultant (2,599 entries visible) 28-51 ms; manager (20,859) 36-57 ms; admin (all
1,040,176) 46-72 ms for the default, filtered, deep, oldest-first and billable pages, 130 ms
sorted by engagement, 133 ms sorted by duration (a top-N sort of every entry: the one order
with no index or rollup to seek by); /activities/ 28-72 ms. Without the freeze, a full
garbage collection now and then put 50-70 ms on one request (the admin's engagement sort
measured 158-182 ms at p95). Before the rollup-backed totals and seeks the admin's deep page
took 407 ms and its default page 213 ms.

At 10M entries (2026-12-01, 4,000 people, `clientfirst_scale_10m` of bench/scale.py, 30
requests a scenario, every page loaded before the freeze as gunicorn does), worst p95:
consultant 97 ms, manager 124 ms (sorted by engagement), admin 86 ms; the admin's default
page 75 ms, the consultant's 90 ms.

Each scenario is one URL requested by one person through the Django test Client, the whole
stack (middleware, session, templates) included but no network: the demo log-ins
`consultant` and `manager` (`--consultant`/`--manager` pick others), and `admin` for
reference. "deep" is a page about 80 % of the way to the end of that person's list. Five
requests warm each scenario up before it is timed. Template debugging is off, as in
production, whatever DEBUG says.
"""

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DEBUG", "1")  # only for the development SECRET_KEY; see below

PER_PAGE = 25


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
    return ordered[index]


class QueryCounter:
    """A database execute wrapper counting the queries of one request."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50, help="timed requests per scenario")
    parser.add_argument("--consultant", default="consultant")
    parser.add_argument("--manager", default="manager")
    parser.add_argument("--admin", default="admin")
    parser.add_argument("--activities", action="store_true", help="also time /activities/")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from config.warmup import load_every_page
    from tracker.models import TimeEntry, User

    # As config/gunicorn.conf.py does in production: every page loaded, then the app frozen
    # out of the garbage collector's generations before serving (without it a full
    # collection now and then adds 50-70 ms to one request: the p95 of the admin's pages).
    load_every_page()
    gc.collect()
    gc.freeze()

    # DEBUG keeps every query in memory and renders templates in debug mode; production
    # does neither.
    settings.DEBUG = False

    engine = connection.vendor
    entries = TimeEntry.objects.count()
    print(f"database: {engine} {connection.settings_dict['NAME']} · {entries:,} time entries"
          f" · {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")

    rows = []
    for role in ("consultant", "manager", "admin"):
        username = getattr(args, role)
        user = User.objects.filter(username=username).first()
        if user is None:
            print(f"  (no user {username!r}: skipping the {role})")
            continue
        visible = TimeEntry.objects.visible_to(user).count()
        deep_page = max(1, int(visible / PER_PAGE * 0.8))
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        scenarios = [
            ("default", "/time/"),
            ("filtered", "/time/?kind=client&period=last_month"),
            ("deep page", f"/time/?page={deep_page}"),
            ("filtered deep", f"/time/?kind=client&page={max(1, deep_page // 2)}"),
            ("oldest first, deep", f"/time/?sort=date&page={deep_page}"),
            ("billable, this month", "/time/?billable=true&period=this_month"),
            ("sorted by duration", "/time/?sort=-duration"),
            ("sorted by engagement", "/time/?sort=-engagement"),
        ]
        if args.activities:
            scenarios.append(("activities", "/activities/"))
        for label, url in scenarios:
            for _ in range(5):
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
            queries = QueryCounter()
            with connection.execute_wrapper(queries):
                client.get(url)
            timings = []
            for _ in range(args.requests):
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            rows.append(
                (role, f"{visible:,}", label, url, queries.count,
                 statistics.median(timings), percentile(timings, 0.95), max(timings))
            )

    header = ("who", "visible", "scenario", "url", "queries", "p50 ms", "p95 ms", "max ms")
    widths = [max(len(str(row[i])) if i < 5 else 8 for row in [header, *rows])
              for i in range(len(header))]
    print()
    print("  ".join(h.ljust(w) if i < 4 else h.rjust(w)
                    for i, (h, w) in enumerate(zip(header, widths, strict=True))))
    for row in rows:
        cells = [str(cell) for cell in row[:5]] + [f"{value:.1f}" for value in row[5:]]
        print("  ".join(c.ljust(w) if i < 4 else c.rjust(w)
                        for i, (c, w) in enumerate(zip(cells, widths, strict=True))))
    print(f"\n{args.requests} timed requests per scenario; load average "
          f"{os.getloadavg()[0]:.1f} at the end; target: p95 under 150 ms.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
