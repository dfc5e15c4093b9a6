"""The load test: 50 people at once on gunicorn and PostgreSQL; prints requests, failures,
requests/s and p50/p95/p99 per page, and PASS or FAIL against the target: no failure, and
p95 under 500 ms on every page.

    .venv/bin/python bench/load.py                          # 50 people, 60 s, the bench DB
    .venv/bin/python bench/load.py --users 5 --duration 15s # a smoke run

It (a) starts gunicorn with config/gunicorn.conf.py and production settings (DEBUG off) on a
free loopback port, against --database-url (default: the demo database seeded by
`bench/seed_demo.py --consultants 400 --weeks 104`, about a million entries) and Redis
(--redis-url: cache and throttles shared by the workers), and waits for /healthz;
(b) picks the log-ins from that database (consultants, managers of a team, admins; every
demo account's password is "demo") and runs Locust headless with bench/locustfile.py;
(c) prints the table from Locust's CSV; (d) stops gunicorn.

Nothing is written to the database but what the pages write: log-ins (a session each) and
the consultants' week grids, one cell of this week (never an approved week).
The target and how to read the table: bench/README.md.
"""

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.server import free_port, gunicorn_start, production_env, stop_group  # noqa: E402

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/clientfirst_bench"
REDIS_URL = "redis://127.0.0.1:6379/5"
TARGET_P95_MS = 500
# 2 cores: each worker waits on PostgreSQL (on the same cores) part of each request, so two
# per core keep both busy; more only add memory and switching. One thread each: the pages
# are CPU-bound Python, which threads would not run in parallel.
WORKERS, THREADS = 4, 1


def collect_static() -> None:
    """Production settings serve static files through a manifest (whitenoise): collect
    them when the manifest is missing or older than a file in static/."""
    manifest = ROOT / "staticfiles" / "staticfiles.json"
    newest = max(path.stat().st_mtime for path in (ROOT / "static").rglob("*") if path.is_file())
    if manifest.exists() and manifest.stat().st_mtime >= newest:
        return
    print("collecting static files (once; about a minute)…", flush=True)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
                   cwd=ROOT, env=production_env(), check=True)


def cast(database_url: str, users: int) -> dict[str, list[str]]:
    """Usernames by role, read from the database (enough for each person to be one)."""
    os.environ.update(DATABASE_URL=database_url, DEBUG="1")  # this process: reading only
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Q

    from tracker.models import User

    active = User.objects.filter(is_active=True).order_by("pk")
    admins = Q(is_superuser=True) | Q(is_staff=True)
    people = {
        "consultant": active.exclude(admins).filter(team__isnull=False,
                                                     managed_teams__isnull=True),
        "manager": active.exclude(admins).filter(managed_teams__isnull=False).distinct(),
        "admin": active.filter(admins),
    }
    found = {role: list(rows.values_list("username", flat=True)[:users])
             for role, rows in people.items()}
    connection.close()
    missing = [role for role, names in found.items() if not names]
    if missing:
        raise SystemExit(f"No {', '.join(missing)} in {database_url}: seed it with "
                         "bench/seed_demo.py.")
    return found


def read_stats(path: Path) -> list[dict]:
    with path.open() as rows:
        return list(csv.DictReader(rows))


def table(stats: list[dict]) -> tuple[str, list[str]]:
    """The per-page table, and the pages that miss the target."""
    head = (f"{'page':<40}{'requests':>9}{'failures':>9}{'req/s':>8}"
            f"{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'max ms':>8}")
    lines, misses = [head, "-" * len(head)], []
    for row in stats:
        name = "Total" if row["Name"] == "Aggregated" else row["Name"]
        if name == "Total":
            lines.append("-" * len(head))
        failures, p95 = int(row["Failure Count"]), float(row["95%"] or 0)
        lines.append(
            f"{name[:39]:<40}{int(row['Request Count']):>9,}{failures:>9,}"
            f"{float(row['Requests/s']):>8.1f}{row['50%']:>8}{row['95%']:>8}{row['99%']:>8}"
            f"{float(row['Max Response Time']):>8.0f}"
        )
        if name != "Total" and (failures or p95 >= TARGET_P95_MS):
            misses.append(f"{name}: {failures} failure(s), p95 {p95:.0f} ms")
    return "\n".join(lines), misses


def server_errors(log_path: Path) -> int:
    """Answers 500 and above in gunicorn's access log."""
    status = re.compile(r'" (5\d\d) ')
    return sum(1 for line in log_path.read_text(errors="replace").splitlines()
               if status.search(line))


def worker_times(log_path: Path) -> str:
    """The time gunicorn's workers spent per path (the access log's last field), p50 and
    p95: set beside Locust's figures, the difference is the time a request waited for a
    free worker."""
    line = re.compile(r'"(GET|POST) ([^ ?"]*)[^"]*" (\d{3}) .* (\d+)ms$')
    times: dict[str, list[int]] = {}
    for text in log_path.read_text(errors="replace").splitlines():
        match = line.search(text)
        if match and match.group(2) != "/healthz":
            key = f"{match.group(1)} {match.group(2)}"
            times.setdefault(key, []).append(int(match.group(4)))
    rows = [f"{'in the worker (gunicorn access log)':<40}{'requests':>9}{'p50 ms':>8}{'p95 ms':>8}"]
    for key, values in sorted(times.items(), key=lambda item: -len(item[1]))[:12]:
        values.sort()
        rows.append(f"{key[:39]:<40}{len(values):>9,}{values[len(values) // 2]:>8}"
                    f"{values[min(len(values) - 1, int(len(values) * 0.95))]:>8}")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50, help="people at once (default 50)")
    parser.add_argument("--spawn-rate", type=float, default=10,
                        help="people starting per second (default 10)")
    parser.add_argument("--duration", default="60s", help="Locust's --run-time (default 60s)")
    parser.add_argument("--workers", type=int, default=WORKERS,
                        help=f"gunicorn worker processes (default {WORKERS})")
    parser.add_argument("--threads", type=int, default=THREADS,
                        help=f"threads per worker (default {THREADS}; above 1: gthread)")
    parser.add_argument("--think", default="2-6",
                        help="seconds a person waits between steps, min-max (default 2-6)")
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL")
                        or DATABASE_URL, help=f"default {DATABASE_URL}")
    parser.add_argument("--redis-url", default=REDIS_URL, help=f"default {REDIS_URL}")
    parser.add_argument("--password", default="demo", help="every log-in's password")
    args = parser.parse_args()

    collect_static()
    people = cast(args.database_url, args.users)
    out = Path(tempfile.mkdtemp(prefix="clientfirst-load-"))
    port = free_port()
    log_path = out / "gunicorn.log"
    server = gunicorn_start(
        port, log_path,
        production_env(DATABASE_URL=args.database_url, REDIS_URL=args.redis_url),
        workers=args.workers, threads=args.threads,
    )
    print(f"gunicorn: {args.workers} workers × {args.threads} thread(s) on :{port} · "
          f"database {args.database_url.rsplit('/', 1)[-1]} · {args.users} people "
          f"({', '.join(f'{len(v)} {k} log-ins' for k, v in people.items())}) · "
          f"{args.duration}, think {args.think} s · {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f} · output in {out}", flush=True)
    started = time.monotonic()
    try:
        with (out / "locust.log").open("w") as locust_log:
            subprocess.run(
                [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"),
                 "--headless", "-u", str(args.users), "-r", str(args.spawn_rate),
                 "-t", args.duration, "--host", f"http://127.0.0.1:{port}",
                 "--csv", str(out / "load"), "--only-summary", "--stop-timeout", "10"],
                cwd=ROOT, stdout=locust_log, stderr=subprocess.STDOUT,
                env={**os.environ, "LOAD_CAST": json.dumps(people),
                     "LOAD_PASSWORD": args.password, "LOAD_THINK": args.think},
            )
    finally:
        stop_group(server)
    stats_path = out / "load_stats.csv"
    if not stats_path.exists():
        print(f"Locust wrote no figures; see {out / 'locust.log'}")
        return 2
    text, misses = table(read_stats(stats_path))
    print(f"\n{text}\n")
    print(f"{worker_times(log_path)}\n")
    failures = read_stats(out / "load_failures.csv")
    for row in failures:
        print(f"failure: {row['Occurrences']}× {row['Method']} {row['Name']}: {row['Error']}")
    errors = server_errors(log_path)
    if errors:
        print(f"{errors} answer(s) 500 or above: tracebacks in {log_path}")
    print(f"load average {os.getloadavg()[0]:.1f} after {time.monotonic() - started:.0f} s")
    if misses:
        print(f"FAIL (target: no failure, p95 < {TARGET_P95_MS} ms on every page):")
        print("\n".join(f"  {miss}" for miss in misses))
        return 1
    print(f"PASS: no failure, p95 < {TARGET_P95_MS} ms on every page")
    return 0


if __name__ == "__main__":
    sys.exit(main())
