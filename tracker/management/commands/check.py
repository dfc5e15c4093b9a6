"""`manage.py check`, with the database checks on by default.

Django runs checks tagged `database` only when a database is named (`--database`), so a plain
`manage.py check` would never say that the weekly rollup's triggers are missing
(tracker/checks.py). Here the default database is checked unless `--database` says which.
"""

from django.core.management.commands.check import Command as DjangoCheckCommand


class Command(DjangoCheckCommand):
    def handle(self, *app_labels, **options):
        if not options.get("databases"):
            options["databases"] = ["default"]
        super().handle(*app_labels, **options)
