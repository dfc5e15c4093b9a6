"""System checks that need the database: run by `manage.py check` (which checks the default
database unless told otherwise) and by `migrate` before it starts."""

from django.core import checks
from django.db import OperationalError, connections
from django.db.migrations.executor import MigrationExecutor

from .rollup import MISSING, TRIGGER_MIGRATION, trigger_problem


@checks.register(checks.Tags.database)
def rollup_triggers_check(app_configs=None, databases=None, **kwargs):
    """The weekly rollup's triggers are there, and are the ones their migration installs.

    Without them the reports and the /time/ totals stop counting new time, silently; and a
    migration can drop them unseen (SQLite rebuilds a table to alter a column, and the
    rebuild drops the table's triggers). Reported here, never reinstalled behind anyone's back.
    """
    errors = []
    for alias in databases or []:
        try:
            executor = MigrationExecutor(connections[alias])
            graph = executor.loader.graph
            plan = executor.migration_plan(graph.leaf_nodes())
        except OperationalError:
            # `manage.py check` checks the database by default (tracker/management/commands/
            # check.py): a database not there yet (a build, a fresh clone) has no triggers to
            # lose, and migrate will say it is unreachable.
            continue
        if plan:
            # Not fully migrated: migrate installs the triggers, and this check must not stop
            # it. Checked once every migration has run.
            continue
        problem = trigger_problem(connections[alias])
        if problem is None:
            continue
        app_label, name = TRIGGER_MIGRATION
        (previous,) = (
            parent.key[1] for parent in graph.node_map[TRIGGER_MIGRATION].parents
            if parent.key[0] == app_label
        )
        what = (
            "are missing from tracker_timeentry (or disabled)"
            if problem == MISSING
            else f"are not the ones migration {app_label}.{name} installs"
        )
        errors.append(checks.Error(
            f"The weekly rollup's triggers {what} in database '{alias}': reports and the "
            "time list's totals do not follow new time entries.",
            hint=(
                f"Run migration {app_label}.{name} again; it installs them and rebuilds the "
                f"rollup: python manage.py migrate --skip-checks --database {alias} "
                f"{app_label} {previous}, then python manage.py migrate --database {alias}."
            ),
            id="tracker.E001" if problem == MISSING else "tracker.E002",
        ))
    return errors
