"""How fast does the REST API log and read time? Prints requests per second and p50/p95 per
phase, and checks the counts; exits 1 if a check fails.

It starts gunicorn (config/gunicorn.conf.py, production settings: DEBUG off) on a free port
against the database DATABASE_URL names, seeds a consultant of its own there (a team, a
client, an engagement and an API token, named bench-api-<time>), then over HTTP with that
one token:

1. logs --entries time entries (POST /api/v1/time-entries/, each with an Idempotency-Key,
   from --concurrency client threads), then sends --replays of them again: each must answer
   200 with the first entry, and nothing is logged twice;
2. reads the balance report over the whole period (--reports times): its hours must equal
   the sum logged;
3. pages through /api/v1/time-entries/ with the cursor: every entry must be listed once.

The server's throttles are raised for the run (API_THROTTLE_TOKEN and API_THROTTLE_ADDRESS
=1000000/minute): the default 1200/minute a token would answer 429 after a second or so.

    createdb -h 127.0.0.1 -U postgres clientfirst_bench_api
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/clientfirst_bench_api
    .venv/bin/python bench/api.py                      # migrates, seeds, 10,000 entries
    .venv/bin/python bench/api.py --concurrency 8 --workers 4

Measured on 2026-11-30 (2 cores shared with other test runs, load average 5-8, PostgreSQL,
gunicorn 3 workers, 4 client threads, 10,000 entries): logging 16 requests/s, p50 218 ms,
p95 455 ms; a replayed key 58/92 ms; the balance report over the 313 days 99/114 ms; cursor
pages of 100 entries 64/96 ms. All checks passed. Expect better on an idle machine.

Without DATABASE_URL it uses the default SQLite database (var/), as `make run` does. Never
point it at the databases named `clientfirst` or `test_clientfirst`: it adds a person and
their entries (each run its own, under a new name).
"""

import argparse
import datetime as dt
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.server import free_port, gunicorn_start, production_env, stop_group  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DEBUG", "1")  # this process only (seeding); the server runs without

THROTTLE = "1000000/minute"
ENTRY_SECONDS = 15 * 60  # a quarter of an hour each, 32 a day at most: within 24 hours
ENTRIES_PER_DAY = 32


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


class Api:
    """JSON over HTTP with one token (stdlib only, as a script of a user's would be)."""

    def __init__(self, base: str, token: str):
        self.base, self.token = base, token

    def call(self, method: str, path: str, body=None, headers=None) -> tuple[int, dict, float]:
        request = urllib.request.Request(
            path if path.startswith("http") else self.base + path, method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json",
                     **({"Content-Type": "application/json"} if body is not None else {}),
                     **(headers or {})},
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        elapsed = (time.perf_counter() - started) * 1000
        return status, json.loads(payload) if payload else {}, elapsed


def seed(entries: int):
    """A consultant with a team, a client and an engagement over the days to log, a token."""
    import django

    django.setup()
    from clients.models import Client, Engagement
    from tracker.models import Team, User
    from tracker.services import api_token_create

    name = f"bench-api-{int(time.time())}"
    last_day = dt.date.today() - dt.timedelta(days=1)
    days = -(-entries // ENTRIES_PER_DAY)
    first_day = last_day - dt.timedelta(days=days - 1)
    team = Team.objects.create(name=name)
    user = User.objects.create_user(username=name, email=f"{name}@bench.invalid", team=team,
                                    password=secrets.token_urlsafe(),
                                    first_name="Bench", last_name="API")
    client = Client.objects.create(name=name)
    engagement = Engagement.objects.create(client=client, name="API bench", team=team,
                                           starts_on=first_day, status=Engagement.Status.ACTIVE)
    engagement.members.add(user)
    _, token = api_token_create(user=user, name="bench")
    return user, engagement, token, first_day, last_day


def row(label: str, timings: list[float], wall: float) -> str:
    return (f"{label:<34}{len(timings):>8,}{len(timings) / wall:>10.0f}"
            f"{statistics.median(timings):>10.1f}{percentile(timings, 0.95):>10.1f}"
            f"{max(timings):>10.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000, help="time entries to log")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads logging")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--replays", type=int, default=200,
                        help="POSTs sent again with the same Idempotency-Key")
    parser.add_argument("--reports", type=int, default=20, help="balance report requests")
    args = parser.parse_args()

    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
                   cwd=ROOT, check=True)
    user, engagement, token, first_day, last_day = seed(args.entries)
    from django.db import connection

    port = free_port()
    log_path = Path(f"/tmp/bench-api-{port}.log")
    server = gunicorn_start(
        port, log_path,
        production_env(API_THROTTLE_TOKEN=THROTTLE, API_THROTTLE_ADDRESS=THROTTLE),
        workers=args.workers,
    )
    api = Api(f"http://127.0.0.1:{port}", token)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']} · gunicorn "
          f"{args.workers} workers on :{port} (log {log_path}) · API throttles {THROTTLE} "
          f"for this run · {args.concurrency} client threads · {os.cpu_count()} CPUs, load "
          f"average {os.getloadavg()[0]:.1f} · seeded {user.username}")
    failures = []

    def check(ok: bool, what: str):
        print(f"  {'ok  ' if ok else 'FAIL'} {what}")
        if not ok:
            failures.append(what)

    def entry(index: int) -> dict:
        # Newest day first, 32 a day; every other entry client work on the engagement.
        body = {"date": (last_day - dt.timedelta(days=index // ENTRIES_PER_DAY)).isoformat(),
                "seconds": ENTRY_SECONDS, "kind": "client" if index % 2 else "internal",
                "note": f"bench {index}"}
        if index % 2:
            body["engagement"] = engagement.pk
        return body

    run = secrets.token_hex(4)

    def log(index: int) -> tuple[int, float]:
        status, body, elapsed = api.call("POST", "/api/v1/time-entries/", entry(index),
                                         headers={"Idempotency-Key": f"{run}-{index}"})
        if status not in (200, 201):
            print(f"  POST #{index}: {status} {body}", file=sys.stderr)
        return status, elapsed

    rows = []
    try:
        with ThreadPoolExecutor(args.concurrency) as pool:
            started = time.perf_counter()
            logged = list(pool.map(log, range(args.entries)))
            wall = time.perf_counter() - started
            rows.append(row("log (POST, new)", [ms for _, ms in logged], wall))
            replay_indexes = range(0, args.entries, max(1, args.entries // args.replays))
            started = time.perf_counter()
            replayed = list(pool.map(log, replay_indexes))
            rows.append(row("log again (same Idempotency-Key)", [ms for _, ms in replayed],
                            time.perf_counter() - started))

        timings, started = [], time.perf_counter()
        query = f"?start={first_day}&end={last_day}&consultant={user.pk}"
        for _ in range(args.reports):
            status, report, elapsed = api.call("GET", f"/api/v1/reports/balance/{query}")
            timings.append(elapsed)
        rows.append(row("balance report", timings, time.perf_counter() - started))

        timings, listed, started = [], [], time.perf_counter()
        url = "/api/v1/time-entries/"
        while url:
            status, page, elapsed = api.call("GET", url)
            if status != 200:
                check(False, f"GET {url} answered {status}: {page}")
                break
            timings.append(elapsed)
            listed += [item["id"] for item in page["results"]]
            url = page["next"]
        rows.append(row("list (cursor pages of 100)", timings, time.perf_counter() - started))
    finally:
        stop_group(server)

    print(f"\n{'phase':<34}{'requests':>8}{'req/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    print("\n".join(rows))
    print("\nchecks:")
    created = sum(1 for status, _ in logged if status == 201)
    check(created == args.entries, f"{created:,} of {args.entries:,} POSTs answered 201")
    check(all(status == 200 for status, _ in replayed),
          f"{len(replayed)} replays answered 200 (the entry already logged)")
    from tracker.models import TimeEntry

    stored = TimeEntry.objects.filter(consultant=user).count()
    check(stored == args.entries, f"{stored:,} entries stored (none twice)")
    check(len(listed) == len(set(listed)) == args.entries,
          f"{len(listed):,} entries listed through the cursor, {len(set(listed)):,} distinct")
    logged_hours = args.entries * ENTRY_SECONDS / 3600
    mine = [r for r in report.get("rows", []) if r.get("consultant") == user.username]
    report_hours = mine[0]["total_hours"] if mine else None
    check(report_hours == logged_hours,
          f"balance report: {report_hours} hours; logged {logged_hours:,.2f}")
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
