"""`manage.py check`, with the database checks on by default.

Django runs checks tagged `database` only when a database is named (`--database`), so a plain
`manage.py check` would never say that the weekly rollup's triggers are missing
(tracker/checks.py). Here the default database is checked unless `--database` says which;
where it cannot be reached yet (a fresh clone, an image being built) the static checks run
alone, as Django's own command would, and say so.
"""

from django.core.management.commands.check import Command as DjangoCheckCommand
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections


class Command(DjangoCheckCommand):
    def handle(self, *app_labels, **options):
        if not options.get("databases"):
            try:
                connections[DEFAULT_DB_ALIAS].ensure_connection()
            except OperationalError as exc:
                self.stderr.write(f"Database checks skipped: the database is unreachable ({exc}).")
            else:
                options["databases"] = [DEFAULT_DB_ALIAS]
        super().handle(*app_labels, **options)
