"""`manage.py install_triggers [--database ALIAS]`: put back the database triggers that
`manage.py check` reports missing or changed (tracker.E001-E010) — the weekly rollup's, then
the rollup rebuilt from the entries, the approvals' (the weeks' approved flags set again), the
firm's weekly totals' (summed again from the rollup), the running sums' (PostgreSQL; summed
again from the rollup), the rollup's current version (0029: on PostgreSQL, the engagements'
totals once a statement) and the week lock's — with the SQL their migrations froze.

Nothing is rolled back, so no table is dropped: rolling the migrations back to run them
again, as the check once advised, would also have dropped every later table (the import
batches, the API tokens, the week approvals, the history). Never run behind anyone's back:
an operator runs it when the check says so (tracker/checks.py)."""

import importlib

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections, transaction

# The migrations that install triggers, in order; each install() drops its triggers first.
TRIGGER_MIGRATIONS = (
    "tracker.migrations.0022_source_total_kind_entries",
    "tracker.migrations.0024_source_total_week_approved",
    "tracker.migrations.0026_firm_week_totals",
    "tracker.migrations.0028_running_year_totals",
    "tracker.migrations.0029_engagement_total_per_statement",
    "tracker.migrations.0012_week_lock_triggers",
)


class _Statements:
    """What a migration's install() uses of a schema editor: its connection and execute().
    A plain cursor, not a schema editor: SQLite's refuses to open inside a transaction."""

    def __init__(self, connection):
        self.connection = connection

    def execute(self, sql, params=None):
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)


class Command(BaseCommand):
    help = (
        "Reinstall the rollup's, the approvals', the firm's weeks', the running sums' and the "
        "week lock's triggers (see `check`)."
    )
    requires_system_checks = []  # the very check this repairs must not stop it

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS,
                            help="The database to repair (default: %(default)s).")

    def handle(self, *args, database, **options):
        statements = _Statements(connections[database])
        with transaction.atomic(using=database):
            for path in TRIGGER_MIGRATIONS:
                importlib.import_module(path).install(apps, statements)
                self.stdout.write(f"Installed the triggers of {path.rsplit('.', 1)[1]}.")
        self.stdout.write(self.style.SUCCESS(
            "Done; the rollup is rebuilt from the entries. `manage.py check` should be clean."
        ))
