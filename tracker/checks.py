"""System checks that need the database: run by `manage.py check` (which checks the default
database unless told otherwise) and by `migrate` before it starts."""

from django.core import checks
from django.db import OperationalError, connections
from django.db.migrations.executor import MigrationExecutor

from .lock_triggers import TRIGGER_MIGRATION as LOCK_TRIGGER_MIGRATION
from .lock_triggers import lock_trigger_problem
from .rollup import (
    APPROVAL_TRIGGER_MIGRATION,
    FIRM_TRIGGER_MIGRATION,
    MISSING,
    RUNNING_TRIGGER_MIGRATION,
    TRIGGER_MIGRATION,
    approval_trigger_problem,
    firm_trigger_problem,
    running_trigger_problem,
    trigger_problem,
)


def _migrated(alias):
    """The migration graph of database `alias` when every migration has run on it, else None:
    a database not there yet (a build, a fresh clone; `manage.py check` checks the database
    by default, tracker/management/commands/check.py) has no triggers to lose, and one not
    fully migrated gets them from migrate, which this check must not stop."""
    try:
        executor = MigrationExecutor(connections[alias])
        graph = executor.loader.graph
        plan = executor.migration_plan(graph.leaf_nodes())
    except OperationalError:
        return None
    return None if plan else graph


# The triggers the database must hold, each with the function that looks for them and what
# their absence breaks.
TRIGGER_SETS = (
    {
        "problem": trigger_problem, "migration": TRIGGER_MIGRATION,
        "subject": "The weekly rollup's triggers", "table": "tracker_timeentry",
        "harm": "reports and the time list's totals do not follow new time entries.",
        "also": "; the rollup is rebuilt from the entries", "ids": ("tracker.E001", "tracker.E002"),
    },
    {
        "problem": lock_trigger_problem, "migration": LOCK_TRIGGER_MIGRATION,
        "subject": "The week lock's triggers", "table": "tracker_timeentry or tracker_activity",
        "harm": "only the write services refuse changes to an approved week, not bulk "
                "updates or raw SQL.",
        "also": "", "ids": ("tracker.E003", "tracker.E004"),
    },
    {
        "problem": approval_trigger_problem, "migration": APPROVAL_TRIGGER_MIGRATION,
        "subject": "The week approvals' triggers", "table": "tracker_weekapproval",
        "harm": "the reports' \"not yet approved\" marks do not follow approvals, returns "
                "and reopenings.",
        "also": "; the rollup is rebuilt from the entries and the approvals",
        "ids": ("tracker.E005", "tracker.E006"),
    },
    {
        "problem": firm_trigger_problem, "migration": FIRM_TRIGGER_MIGRATION,
        "subject": "The firm's weekly totals' triggers", "table": "tracker_timeentry",
        "harm": "the time list's totals of everyone's time (an admin's whole list) do not "
                "follow new time entries.",
        "also": "; the rollup is rebuilt from the entries", "ids": ("tracker.E007", "tracker.E008"),
    },
    {
        "problem": running_trigger_problem, "migration": RUNNING_TRIGGER_MIGRATION,
        "subject": "The running sums' triggers", "table": "tracker_timeentry",
        "harm": "the balance reports' hours by person and engagement do not follow new time "
                "entries.",
        "also": "; the rollup is rebuilt from the entries", "ids": ("tracker.E009", "tracker.E010"),
    },
)


def _trigger_error(*, alias, graph, problem, migration, subject, table, harm, also, ids):
    app_label, name = migration
    what = (
        f"are missing from {table} (or disabled)"
        if problem == MISSING
        else f"are not the ones migration {app_label}.{name} installs"
    )
    return checks.Error(
        f"{subject} {what} in database '{alias}': {harm}",
        # Not "roll the migration back and run it again": that would drop every later table.
        hint=(
            f"Reinstall them with the SQL migration {app_label}.{name} froze (nothing is rolled "
            f"back){also}: python manage.py install_triggers --database {alias}"
        ),
        id=ids[0] if problem == MISSING else ids[1],
    )


@checks.register(checks.Tags.database)
def triggers_check(app_configs=None, databases=None, **kwargs):
    """The weekly rollup's triggers and the week lock's are there, and are the ones their
    migrations install.

    Without the rollup's, the reports and the /time/ totals stop counting new time, silently;
    without the lock's, a write that bypasses the services (a bulk update, raw SQL) can change
    an approved week. A migration can drop them unseen (SQLite rebuilds a table to alter a
    column, and the rebuild drops the table's triggers). Reported here, never reinstalled
    behind anyone's back.
    """
    errors = []
    for alias in databases or []:
        graph = _migrated(alias)
        if graph is None:
            continue
        for triggers in TRIGGER_SETS:
            problem = triggers["problem"](connections[alias])
            if problem:
                details = {k: v for k, v in triggers.items() if k != "problem"}
                errors.append(_trigger_error(alias=alias, graph=graph, problem=problem,
                                             **details))
    return errors
