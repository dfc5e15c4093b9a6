"""How fast does `seed_demo` fill a database? Prints the figures; asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clientfirst_bench DEBUG=1 \\
        .venv/bin/python bench/seed_demo.py --consultants 400 --weeks 104

    DATABASE_URL=sqlite:////tmp/clientfirst_bench.sqlite3 DEBUG=1 \\
        .venv/bin/python bench/seed_demo.py

On PostgreSQL it creates the database if it is missing (connecting to the `postgres`
database), then, as on SQLite, migrates, empties the database (`flush`) and times
`seed_demo` with the given arguments: total time, time entries per second, and
seed_demo's own breakdown. `--repeat N` runs it N times, emptying the database before each.

Emptying wipes the whole database, so the script refuses a database whose name does not
contain "bench" unless --force is given.
"""

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")


def create_postgres_database(settings: dict) -> None:
    import psycopg
    from psycopg import sql

    params = {
        "host": settings.get("HOST") or None,
        "port": settings.get("PORT") or None,
        "user": settings.get("USER") or None,
        "password": settings.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [settings["NAME"]]
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(settings["NAME"])))
            print(f"Created database {settings['NAME']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--consultants", type=int, default=40)
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--force", action="store_true", help="empty a database whose name lacks 'bench'"
    )
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url:
        print("Set DATABASE_URL to the database to fill (it will be emptied).", file=sys.stderr)
        return 2
    import dj_database_url

    db = dj_database_url.parse(database_url)
    if "bench" not in str(db["NAME"]) and not args.force:
        print(
            f"Refusing to empty {db['NAME']}: use a database named *bench*, or --force.",
            file=sys.stderr,
        )
        return 2
    if db["ENGINE"] == "django.db.backends.postgresql":
        create_postgres_database(db)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tracker.models import TimeEntry

    call_command("migrate", interactive=False, verbosity=0)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version()")
        else:
            cursor.execute("SELECT 'SQLite ' || sqlite_version()")
        server = cursor.fetchone()[0].split(",")[0]
    print(
        f"Database: {connection.vendor} {db['NAME']} ({server}); Python "
        f"{platform.python_version()}; {os.cpu_count()} CPUs"
    )
    print(f"seed_demo --consultants {args.consultants} --weeks {args.weeks} --seed {args.seed}")

    timings = []
    for run in range(1, args.repeat + 1):
        started = time.perf_counter()
        call_command("flush", interactive=False, verbosity=0)
        flushed = time.perf_counter()
        call_command(
            "seed_demo",
            consultants=args.consultants,
            weeks=args.weeks,
            seed=args.seed,
            verbosity=2,
            stdout=sys.stdout,
        )
        elapsed = time.perf_counter() - flushed
        entries = TimeEntry.objects.count()
        timings.append(elapsed)
        print(
            f"Run {run}: flush {flushed - started:.1f} s; seed_demo {elapsed:.1f} s total, "
            f"{entries:,} time entries, {entries / elapsed:,.0f} entries/s"
        )
    if args.repeat > 1:
        print(f"Best of {args.repeat}: {min(timings):.1f} s; worst {max(timings):.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_size_pretty(pg_total_relation_size(%s))", [TimeEntry._meta.db_table]
            )
            print(f"Time entry table with indexes: {cursor.fetchone()[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
