"""Import a time tracker's export: Toggl Track, Harvest, Clockify or Kimai.

    python manage.py import_timesheet FILE [--format auto|toggl|harvest|clockify|kimai]
        [--map MAP.toml] [--create-users] [--dry-run] [--user USERNAME]

All or nothing: any invalid row exits with status 1, every problem on stderr as
"row N, column C: what is wrong", and nothing written. Importing the same file again adds
nothing. CONTRACT.md "Imports" says how people, kinds and engagements are found.
"""

import hashlib
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from tracker import history
from tracker.imports import formats
from tracker.imports.importer import ImportMapping, ImportResult, import_timesheet
from tracker.models import Kind, User


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Command(BaseCommand):
    help = (
        "Import a Toggl Track, Harvest, Clockify or Kimai export, all or nothing; rows "
        "imported before are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE")
        parser.add_argument(
            "--format", default="auto", choices=("auto", *formats.FORMATS),
            help="the tool that wrote the file (default: detected from its header row)",
        )
        parser.add_argument("--map", metavar="MAP.toml", help="keywords and people, as TOML")
        parser.add_argument(
            "--create-users", action="store_true", help="create the people no one here matches"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="say what would be imported; write nothing"
        )
        parser.add_argument("--user", metavar="USERNAME", help="who runs the import")

    def handle(self, *args, file, format, map, create_users, dry_run, user, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file.", returncode=1)
        mapping = None
        if map:
            try:
                mapping = ImportMapping.from_toml(Path(map).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                raise CommandError(f"{map}: {exc}", returncode=1) from None
        runner = None
        if user:
            runner = User.objects.filter(username=user).first()
            if runner is None:
                raise CommandError(f"There is no user {user!r}.", returncode=1)

        with path.open("rb") as stream:
            try:
                export = formats.read_export(stream, format=format)
            except formats.UnknownFormat as exc:
                raise CommandError(
                    f"Not an export this command knows: {exc}", returncode=1
                ) from None
            except ValueError as exc:  # not UTF-8, no header row, …
                raise CommandError(f"{file}: {exc}", returncode=1) from None
            how = "detected" if format == "auto" else "as given"
            self.stdout.write(f"Format: {export.format} ({how})")
            # On a terminal only: tqdm turns itself off when stderr is a file or a pipe.
            with (
                tqdm(unit=" rows", file=sys.stderr, disable=None, leave=False) as bar,
                history.acting(via=history.Via.COMMAND, ref="import_timesheet", user=runner),
            ):
                try:
                    result = import_timesheet(
                        rows=export.rows, format=export.format, file_name=path.name,
                        sha256=file_sha256(path), user=runner, mapping=mapping,
                        create_users=create_users, dry_run=dry_run, progress=bar.update,
                    )
                except ValueError as exc:  # the file went bad mid-way (its encoding)
                    raise CommandError(f"{file}: {exc}", returncode=1) from None

        if not result.ok:
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"{len(result.problems)} problem(s) in {path.name}; nothing was imported.",
                returncode=1,
            )
        self.stdout.write(self.summary(result))

    @staticmethod
    def summary(result: ImportResult) -> str:
        verb = "Would import" if result.dry_run else "Imported"
        kinds = ", ".join(
            f"{label.lower()} {result.entries_by_kind[kind]} ({result.hours(kind):.2f} h)"
            for kind, label in Kind.choices
        )
        lines = [
            f"Read {result.rows_read} rows; {result.rows_skipped} already imported.",
            f"{verb} {result.entries} entries: {kinds}.",
        ]
        for what, names in (
            ("people", result.new_people),
            ("clients", result.new_clients),
            ("engagements", result.new_engagements),
        ):
            if names:
                lines.append(f"{'Would create' if result.dry_run else 'Created'} {what}: "
                             + ", ".join(names))
        if result.dry_run:
            lines.append("Dry run: nothing was written.")
        else:
            lines.append(f"Import batch #{result.batch.pk}.")
        return "\n".join(lines)
