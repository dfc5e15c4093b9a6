"""Weekly digests: 5,000 recipients through 2 real Celery worker processes to loopback SMTP.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clientfirst_digestbench \\
    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/digests.py [--recipients 5000]

Creates the database (dropping a leftover one; the name must contain "bench"), migrates,
and generates the recipients: teams of 8 consultants and a manager, four weeks of time (one
to three entries a workday), three engagements a team (about 1 in 6 near or over budget),
outcomes (achieved on 3 engagements in 10) and activities, plus one admin. Then it starts
an aiosmtpd server on loopback and `celery -A config worker --concurrency=2` on Redis
(DEBUG off, a queue of its own), and prints:

- render:  digests rendered in this process, one by one (a sample), ms per digest; and the
           seconds the workers spent rendering and in SMTP, summed from their chunk logs;
- enqueue: the planner creating the week's rows (as `send_digests --week` does), then the
           chunks published to Redis;
- send:    wall clock from the start of enqueueing to the last message received by the SMTP
           server with every row marked sent; and the CPU the workers and the SMTP server
           used per digest, since on a small machine the figure is CPU-bound.

It checks that every recipient got exactly one message, then drops the database (unless
--keep). Figures only: no assertion decides anything.
"""

import argparse
import datetime as dt
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.server import free_port, stop_group  # noqa: E402

WEEK = "2026-W47"
WORKER_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.base",
    "DEBUG": "0",  # production-like: no query log, cached templates
    "SECRET_KEY": "bench-only-" + "x" * 40,
    "ALLOWED_HOSTS": "localhost",
    "CELERY_QUEUE": f"digestbench-{uuid.uuid4().hex[:8]}",
    "LOG_LEVEL": "INFO",
}


def postgres_admin(database_url: str):
    import dj_database_url
    import psycopg

    db = dj_database_url.parse(database_url)
    if "bench" not in db["NAME"]:
        sys.exit(f"Refusing to drop and recreate {db['NAME']!r}: use a name with 'bench'.")
    params = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432,
              "user": db["USER"] or None, "password": db["PASSWORD"] or None}
    return db["NAME"], lambda: psycopg.connect(dbname="postgres", autocommit=True, **params)


def recreate_database(database_url: str) -> None:
    from psycopg import sql

    name, connect = postgres_admin(database_url)
    with connect() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(database_url: str) -> None:
    from psycopg import sql

    name, connect = postgres_admin(database_url)
    with connect() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))


def generate(recipients: int, week_start: dt.date, seed: int = 42) -> dict:
    """Deterministic data for `recipients` opted-in people (bulk inserts)."""
    from decimal import Decimal

    from clients.models import Client, Engagement, Outcome
    from tracker.models import Activity, Kind, Team, TimeEntry, User

    rng = random.Random(seed)
    admin = User(username="admin", email="admin@bench.test", password="!", is_staff=True,
                 is_superuser=True)
    people, team_of, managers = [admin], {}, {}
    teams = []
    index = 0
    while len(people) < recipients:
        team = Team(name=f"Team {len(teams):04d}")
        teams.append(team)
        for role in ["manager"] + ["consultant"] * 8:
            if len(people) >= recipients:
                break
            user = User(username=f"u{index:05d}", email=f"u{index:05d}@bench.test",
                        password="!", timezone=rng.choice(["Europe/London", "Europe/Berlin"]),
                        weekly_capacity_hours=Decimal(rng.choice([32, 40, 40, 40])))
            index += 1
            people.append(user)
            team_of[user.username] = len(teams) - 1
            if role == "manager":
                managers[len(teams) - 1] = user
    Team.objects.bulk_create(teams)
    for user in people[1:]:
        user.team = teams[team_of[user.username]]
    User.objects.bulk_create(people, batch_size=2000)
    Team.managers.through.objects.bulk_create(
        [Team.managers.through(team_id=teams[t].pk, user_id=m.pk) for t, m in managers.items()]
    )
    clients = Client.objects.bulk_create(
        [Client(name=f"Client {i:04d}") for i in range(len(teams))]
    )
    engagements = Engagement.objects.bulk_create([
        Engagement(client=clients[t], name=f"Engagement {t}-{e}", starts_on=dt.date(2026, 1, 5),
                   budget_hours=Decimal(rng.choice([300, 600, 1000, 1500, 2000, 3000])))
        for t in range(len(teams)) for e in range(3)
    ])
    by_team = {t: engagements[3 * t: 3 * t + 3] for t in range(len(teams))}
    consultants = [u for u in people[1:] if managers.get(team_of[u.username]) is not u]
    Engagement.members.through.objects.bulk_create([
        Engagement.members.through(engagement_id=e.pk, user_id=u.pk)
        for u in consultants for e in by_team[team_of[u.username]]
    ], batch_size=5000)
    entries, activities = [], []
    first = week_start - dt.timedelta(days=21)
    for user in consultants:
        mine = by_team[team_of[user.username]]
        promoter = rng.random() < 0.1
        for day in range(28):
            date = first + dt.timedelta(days=day)
            if date.weekday() >= 5:
                continue
            client_hours = rng.choice([2, 4, 6]) if promoter else rng.choice([5, 6, 7])
            entries.append(TimeEntry(consultant=user, date=date, kind=Kind.CLIENT,
                                     engagement=rng.choice(mine), seconds=client_hours * 3600))
            if promoter or rng.random() < 0.3:
                entries.append(TimeEntry(consultant=user, date=date, kind=Kind.PROMOTION,
                                         seconds=rng.choice([1, 2, 3]) * 3600))
            if rng.random() < 0.3:
                entries.append(TimeEntry(consultant=user, date=date, kind=Kind.INTERNAL,
                                         seconds=1800))
        for _ in range(rng.choice([0, 0, 1, 3] if not promoter else [3, 4])):
            activities.append(Activity(
                consultant=user, kind=rng.choice(["talk", "blog_post", "podcast"]),
                title=f"Piece by {user.username}", audience=rng.randrange(50, 5000),
                leads=rng.randrange(0, 3), date=first + dt.timedelta(days=rng.randrange(28)),
            ))
    TimeEntry.objects.bulk_create(entries, batch_size=5000)
    Activity.objects.bulk_create(activities, batch_size=5000)
    outcomes = []
    for engagement in engagements:
        if rng.random() < 0.3:
            day = week_start + dt.timedelta(days=rng.randrange(5))
            verified = rng.random() < 0.5
            outcomes.append(Outcome(
                engagement=engagement, title="Faster claims", metric="days",
                baseline=Decimal(10), target=Decimal(5), direction="decrease",
                status="achieved", achieved_on=day,
                confirmed_by="CFO" if verified else "", confirmed_on=day if verified else None,
            ))
    Outcome.objects.bulk_create(outcomes)
    return {"people": len(people), "teams": len(teams), "entries": len(entries),
            "activities": len(activities), "outcomes": len(outcomes)}


class CountingHandler:
    """Keeps what a check needs (recipient, Message-ID), not the parsed message."""

    def __init__(self):
        self.recipients, self.message_ids, self.last_at = [], [], None

    async def handle_DATA(self, server, session, envelope):
        self.recipients.extend(envelope.rcpt_tos)
        found = re.search(rb"^Message-ID: *(\S+)", envelope.content, re.M | re.I)
        self.message_ids.append(found.group(1) if found else None)
        self.last_at = time.perf_counter()
        return "250 OK"


def start_worker(env: dict, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "w")  # noqa: SIM115 - the worker writes to it until it stops
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency=2",
         "--loglevel=INFO", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if "ready" in log_path.read_text():
            return process
        if process.poll() is not None:
            break
        time.sleep(0.2)
    sys.exit("The worker did not start:\n" + log_path.read_text()[-3000:])


def cpu_seconds(match) -> float:
    """CPU time (user + system) of the live processes whose /proc entry satisfies `match`."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if match(int(pid), int(fields[2]), cmdline):  # fields[2]: the process group
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def render_sample(week_start: dt.date, size: int) -> list[float]:
    from reports import digests
    from tracker.models import User

    users = list(
        User.objects.filter(digest_opt_in=True).select_related("team")
        .prefetch_related("managed_teams").order_by("team_id", "pk")[:size]
    )
    reports = digests.WeekReports()
    timings = []
    for user in users:
        started = time.perf_counter()
        message = digests.digest_message(user=user, week_start=week_start, reports=reports)
        message.message().as_bytes()
        timings.append(time.perf_counter() - started)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=5000)
    parser.add_argument("--sample", type=int, default=300, help="digests rendered in-process")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    database_url, redis_url = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    if not database_url or not database_url.startswith("postgres") or not redis_url:
        sys.exit("Set DATABASE_URL (PostgreSQL, a name with 'bench') and REDIS_URL.")
    port = free_port()
    # This process and the worker share the settings (and so the queue and the lease).
    os.environ.update(WORKER_ENV, EMAIL_URL=f"smtp://127.0.0.1:{port}")
    env = dict(os.environ)

    recreate_database(database_url)
    import django

    django.setup()
    from aiosmtpd.controller import Controller
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    from reports import digests
    from reports.models import DigestDelivery

    week_start = digests.parse_iso_week(WEEK)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrate: {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    counts = generate(args.recipients, week_start)
    print(f"data: {counts['people']:,} recipients in {counts['teams']:,} teams, "
          f"{counts['entries']:,} time entries, {counts['activities']:,} activities, "
          f"{counts['outcomes']:,} outcomes ({time.perf_counter() - started:.1f} s)")

    timings = render_sample(week_start, args.sample)
    ms = sorted(t * 1000 for t in timings)
    print(f"render (in-process, {len(ms)} digests, one by one): "
          f"median {statistics.median(ms):.1f} ms, p95 {ms[int(len(ms) * 0.95) - 1]:.1f} ms, "
          f"mean {statistics.fmean(ms):.1f} ms per digest")

    handler = CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    logs = Path(tempfile.mkdtemp(prefix="digestbench-"))
    worker = start_worker(env, logs / "worker.log")
    def cpu_now() -> dict:
        # (PostgreSQL's share is left out: its backends come and go with the connections.)
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        idle = int(fields[3]) + int(fields[4])
        return {
            "worker": cpu_seconds(lambda pid, group, cmd: group == worker.pid),
            "smtp": time.process_time(),  # this process: the SMTP server's thread, mostly
            "machine": (sum(int(f) for f in fields[:8]) - idle) / os.sysconf("SC_CLK_TCK"),
        }

    try:
        cpu_before = cpu_now()
        started = time.perf_counter()
        week_rows = digests.digests_plan(week_start=week_start)
        planned = time.perf_counter()
        from reports.tasks import enqueue_digest_chunks

        chunks = enqueue_digest_chunks(week_rows)
        enqueued = time.perf_counter()
        print(f"enqueue: {enqueued - started:.2f} s ({len(week_rows):,} rows created in "
              f"{planned - started:.2f} s, {chunks} chunks published in "
              f"{enqueued - planned:.2f} s)")
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if len(handler.recipients) >= len(week_rows) and not (
                DigestDelivery.objects.exclude(status="sent").exists()
            ):
                break
            time.sleep(0.05)
        cpu = {key: value - cpu_before[key] for key, value in cpu_now().items()}
        finished = max(handler.last_at or 0, started)
        total = finished - started
        print(f"send: {total:.1f} s from the start of enqueueing to the last message "
              f"({len(handler.recipients) / total:.0f} digests/s, 2 worker processes)")
        log = (logs / "worker.log").read_text()
        render = sum(float(x) for x in re.findall(r"render ([\d.]+)s", log))
        smtp = sum(float(x) for x in re.findall(r"smtp ([\d.]+)s", log))
        print(f"  in the workers: render {render:.1f} s, SMTP {smtp:.1f} s "
              f"(summed over both processes, wall clock)")
        per_digest = {key: value * 1000 / len(week_rows) for key, value in cpu.items()}
        print(f"  CPU per digest: worker processes {per_digest['worker']:.1f} ms, SMTP server "
              f"(this process) {per_digest['smtp']:.1f} ms, the whole machine "
              f"{per_digest['machine']:.1f} ms (PostgreSQL, Redis and anything else running)")
        print(f"  the machine: {os.cpu_count()} CPUs, busy {cpu['machine'] / total:.2f} of "
              f"them during the send; load average {os.getloadavg()[0]:.1f} at the end")
        statuses = dict(DigestDelivery.objects.values_list("status").annotate(n=Count("pk")))
        unique = len(set(handler.recipients)) == len(handler.recipients) == len(week_rows)
        ids_unique = len(set(handler.message_ids)) == len(handler.message_ids)
        print(f"check: {len(handler.recipients):,} messages for {len(week_rows):,} recipients, "
              f"exactly one each: {unique and ids_unique}; rows {statuses}")
        print(f"result: {'under' if total < 60 else 'OVER'} the 60 s target")
    finally:
        stop_group(worker)
        controller.stop()
        connection.close()
        if not args.keep:
            drop_database(database_url)
        print(f"worker log: {logs / 'worker.log'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
