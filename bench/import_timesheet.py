"""How fast does the importer take 100,000 rows into PostgreSQL? Prints the figures; asserts
nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clientfirst_bench DEBUG=1 \\
        .venv/bin/python bench/import_timesheet.py [--rows 100000] [--people 50]

Creates the database if missing, migrates and empties it (so it refuses a database whose
name lacks "bench"), makes the people, then generates the rows as the parsers give them
(ImportRow objects: the parsing is timed by the parsers' own bench, not here) and times
`import_timesheet` on them: reading, checking, creating the clients and engagements and
inserting the entries. For comparison, it then times a bare COPY of the same rows into
tracker_timeentry (in a transaction rolled back): the floor no importer goes under.
"""

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

TASKS = ("Development", "Workshop", "Analysis", "Conference talk", "Internal meeting",
         "LinkedIn post", "Review")


def generate(rows: int, people: list[tuple[str, str]], seed: int = 7):
    """`rows` ImportRows, a few a workday per person, going back from last month."""
    from tracker.imports.formats import ImportRow

    rng = random.Random(seed)
    per_day = 4
    last = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    made = 0
    day = last
    while made < rows:
        if day.weekday() < 5:
            for email, name in people:
                for _ in range(per_day):
                    if made == rows:
                        return
                    made += 1
                    client = rng.randrange(20)
                    yield ImportRow(
                        row=made + 1, person_email=email, person_name=name,
                        client=f"Client {client}", project=f"Project {client}-{rng.randrange(3)}",
                        task=rng.choice(TASKS), tags=(),
                        description=f"note {made}, with a comma",
                        date=day, seconds=rng.randrange(900, 7200), billable=None,
                        external_id=str(10_000_000 + made),
                    )
        day -= dt.timedelta(days=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=50)
    args = parser.parse_args()

    import dj_database_url

    db = dj_database_url.parse(os.environ.get("DATABASE_URL", ""))
    if db.get("ENGINE") != "django.db.backends.postgresql":
        print("Set DATABASE_URL to a PostgreSQL database (it will be emptied).", file=sys.stderr)
        return 2
    if "bench" not in str(db["NAME"]):
        print(f"Refusing to empty {db['NAME']}: use a database named *bench*.", file=sys.stderr)
        return 2
    from seed_demo import create_postgres_database

    create_postgres_database(db)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from tracker.imports.importer import import_timesheet
    from tracker.models import TimeEntry, User

    call_command("migrate", interactive=False, verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    people = [(f"person{n}@bench.test", f"Person{n} Bench") for n in range(args.people)]
    User.objects.bulk_create(
        User(username=f"person{n}", email=email, first_name=f"Person{n}", last_name="Bench")
        for n, (email, _) in enumerate(people)
    )
    rows = list(generate(args.rows, people))
    print(f"PostgreSQL {db['NAME']}; {len(rows):,} rows, {args.people} people; "
          f"{os.cpu_count()} CPUs")

    started = time.perf_counter()
    result = import_timesheet(rows=iter(rows), format="toggl", file_name="bench.csv",
                              sha256="0" * 64)
    imported = time.perf_counter() - started
    assert result.ok, result.problems[:5]
    print(f"import_timesheet: {imported:.1f} s, {result.entries:,} entries, "
          f"{result.entries / imported:,.0f} rows/s")

    # The floor: the same rows, already resolved, COPY'd straight into the table.
    resolved = list(TimeEntry.objects.values_list(
        "consultant_id", "date", "seconds", "kind", "engagement_id", "billable", "external_id"
    ))
    columns = ("consultant_id, date, seconds, kind, engagement_id, note, billable, source, "
               "external_id, created_at, updated_at")
    stamp = dt.datetime.now(dt.UTC).isoformat()
    started = time.perf_counter()
    with transaction.atomic():
        with connection.connection.cursor() as cursor, cursor.copy(
            f"COPY tracker_timeentry ({columns}) FROM STDIN"
        ) as copy:
            for consultant, date, seconds, kind, engagement, billable, external_id in resolved:
                copy.write_row((consultant, date, seconds, kind, engagement, "note",
                                billable, "bench", external_id, stamp, stamp))
        copied = time.perf_counter() - started
        transaction.set_rollback(True)
    print(f"bare COPY of the same rows (rollup triggers on): {copied:.1f} s, "
          f"{len(resolved) / copied:,.0f} rows/s")
    print(f"import / COPY: {imported / copied:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
