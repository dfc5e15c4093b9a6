"""The importer on the real database, fed ImportRow objects as the parsers give them: who
each row belongs to, its kind and engagement, idempotence, all or nothing, undo, dry runs,
and the operator command."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from clients.models import Client, Engagement
from reports.balance import balance_compute
from tracker import services
from tracker.imports.formats import ImportRow, RowProblem
from tracker.imports.importer import ImportMapping, import_timesheet
from tracker.models import ImportBatch, Kind, TimeEntry, User, WeeklyTotal

from .factories import TimeEntryFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 9, 21)


def row(n=2, **values) -> ImportRow:
    fields = {
        "row": n, "person_email": "alice@example.test", "person_name": "Alice Tester",
        "client": "", "project": "", "task": "", "tags": (), "description": "",
        "date": DAY, "seconds": 3600, "billable": None, "external_id": "",
        **values,
    }
    return ImportRow(**fields)


def run(rows, **options):
    options.setdefault("format", "toggl")
    return import_timesheet(rows=rows, file_name="export.csv", sha256="0" * 64, **options)


def test_people_are_matched_by_email_ignoring_case_else_by_full_name(cast):
    result = run([
        row(2, person_email="ALICE@Example.test", person_name="Someone Else"),
        row(3, person_email="", person_name="  bob   tester "),
    ], format="harvest")

    assert result.ok, result.problems
    by_person = dict(TimeEntry.objects.values_list("consultant__username", "seconds"))
    assert by_person == {"alice": 3600, "bob": 3600}


def test_an_unknown_person_is_refused_with_its_row_and_nothing_is_written(cast):
    result = run([row(2), row(3, person_email="dana@elsewhere.test", person_name="Dana Okafor")])

    assert result.problems == [
        "row 3, column Email: no one here has the e-mail 'dana@elsewhere.test' (add them, "
        "name them in the map's [people], or let the import create them: --create-users, "
        "or the page's 'Create people who are not here yet')"
    ]
    assert not TimeEntry.objects.exists()
    assert not ImportBatch.objects.exists()


def test_create_users_makes_usernames_from_the_email_or_first_dot_last(cast):
    UserFactory(username="dana", email="dana@example.test")  # taken: the new one is dana2
    result = run([
        row(2, person_email="Dana@elsewhere.test", person_name="Dana Okafor"),
        row(3, person_email="", person_name="Kwame Mensah"),
        row(4, person_email="", person_name="Kwame Mensah", seconds=60),
    ], format="harvest", create_users=True)

    assert result.ok, result.problems
    assert result.new_people == ["dana2", "kwame.mensah"]
    dana = User.objects.get(username="dana2")
    assert (dana.email, dana.first_name, dana.last_name) == (
        "Dana@elsewhere.test", "Dana", "Okafor"
    )
    assert not dana.has_usable_password()
    assert TimeEntry.objects.filter(consultant__username="kwame.mensah").count() == 2
    assert result.batch.people_created == 2


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"client": "Acme", "project": "Rollout"}, Kind.CLIENT),
        ({"client": "Acme", "project": "Rollout", "task": "Conference talk prep"}, Kind.PROMOTION),
        ({"client": "Acme", "tags": ("LinkedIn",)}, Kind.PROMOTION),
        ({"project": "Internal tooling"}, Kind.INTERNAL),
        ({"client": "Own Company"}, Kind.INTERNAL),
        ({"project": "Something"}, Kind.INTERNAL),  # no client: internal
        # The description never decides.
        ({"client": "Acme", "description": "wrote a blog post about the webinar"}, Kind.CLIENT),
        ({"description": "conference call"}, Kind.INTERNAL),
    ],
)
def test_kind_by_keywords_in_client_project_task_and_tags_never_the_description(
    cast, fields, kind
):
    result = run([row(**fields)])

    assert result.ok, result.problems
    entry = TimeEntry.objects.get()
    assert entry.kind == kind
    assert (entry.engagement is not None) == (kind == Kind.CLIENT)
    assert entry.billable == (kind == Kind.CLIENT)


def test_one_engagement_per_client_and_project_created_when_missing(cast):
    existing = cast.engagement  # "Tax portal", its client made by the factory
    result = run([
        row(2, client="Acme", project="Rollout"),
        row(3, client="ACME ", project="rollout", person_email="bob@example.test"),
        row(4, client="Acme", project="Audit"),
        row(5, client=existing.client.name, project="TAX PORTAL", person_email="bob@example.test"),
    ])

    assert result.ok, result.problems
    assert result.new_clients == ["Acme"]
    assert result.new_engagements == ["Acme — Audit", "Acme — Rollout"]
    assert Client.objects.filter(name__iexact="acme").count() == 1
    rollout = Engagement.objects.get(client__name="Acme", name="Rollout")
    assert rollout.starts_on == DAY
    assert set(rollout.members.values_list("username", flat=True)) == {"alice", "bob"}
    assert rollout.time_entries.count() == 2
    assert existing.time_entries.get().consultant == cast.teammate
    assert cast.teammate in existing.members.all()  # logged on it, so now on it


def test_the_map_replaces_the_keywords_and_names_people(cast):
    mapping = ImportMapping.from_toml(
        '[kinds]\npromotion = ["pitch"]\ninternal = ["bench"]\n'
        '[people]\n"Dana Okafor" = "bob"\n'
    )
    result = run([
        row(2, client="Acme", task="Pitch deck"),
        row(3, client="Acme", task="Conference talk"),  # no longer a promotion keyword
        row(4, client="Acme", task="Bench time"),
        row(5, person_email="", person_name="Dana Okafor", client="Acme"),
    ], mapping=mapping)

    assert result.ok, result.problems
    kinds = list(TimeEntry.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == [Kind.PROMOTION, Kind.CLIENT, Kind.INTERNAL, Kind.CLIENT]
    assert TimeEntry.objects.order_by("pk").last().consultant == cast.teammate


def test_a_map_that_is_not_toml_is_a_plain_error():
    with pytest.raises(ValueError, match="not valid TOML"):
        ImportMapping.from_toml("[kinds\n")


def test_importing_the_same_rows_twice_adds_nothing(cast):
    rows = [row(2, client="Acme"), row(3, external_id="tg-1"), row(4), row(5)]  # 4, 5 equal

    first = run(rows)
    second = run(rows)

    assert first.entries == 4
    assert (second.entries, second.rows_skipped) == (0, 4)
    assert TimeEntry.objects.count() == 4
    assert set(TimeEntry.objects.values_list("source", flat=True)) == {"toggl"}


def test_an_overlapping_later_export_adds_only_its_new_rows(cast):
    run([row(2, date=DAY), row(3, date=DAY + dt.timedelta(days=1))])

    later = run([
        row(2, date=DAY + dt.timedelta(days=1)),
        row(3, date=DAY + dt.timedelta(days=2)),
        row(4, date=DAY + dt.timedelta(days=3)),
    ])

    assert (later.entries, later.rows_skipped) == (2, 1)
    assert TimeEntry.objects.count() == 4
    assert later.batch.time_entries.count() == 2


def test_one_bad_row_writes_nothing_and_every_problem_is_listed_by_row(cast):
    TimeEntryFactory(consultant=cast.teammate, date=DAY, seconds=20 * 3600)
    result = run([
        row(6, person_email="nobody@x.test"),
        row(2, client="Acme"),
        RowProblem(row=3, column="Duration", message="'7,5x' is not a duration"),
        row(4, date=dt.date(2999, 1, 1)),
        row(5, person_email="bob@example.test", seconds=5 * 3600),  # 25 h with the 20 logged
    ])

    assert result.problems == [
        "row 3, column Duration: '7,5x' is not a duration",
        "row 4, column Date: 2999-01-01 is not between 1900 and 2199",
        "row 5, column Duration: that makes 25:00 hours for bob on 2026-09-21, more than 24 "
        "(counting time already logged that day)",
        "row 6, column Email: no one here has the e-mail 'nobody@x.test' (add them, name "
        "them in the map's [people], or let the import create them: --create-users, or the page's "
        "'Create people who are not here yet')",
    ]
    assert TimeEntry.objects.count() == 1
    assert not Client.objects.filter(name="Acme").exists()
    assert not ImportBatch.objects.exists()


def test_after_an_import_the_balance_report_hours_per_kind_equal_the_rows_sums(cast):
    rows = [
        row(2, client="Acme", project="Rollout", seconds=7 * 3600 + 1799),
        row(3, client="Acme", project="Rollout", seconds=1, date=DAY - dt.timedelta(days=1)),
        row(4, task="Webinar", seconds=5400 + 17),
        row(5, project="Holiday", seconds=8 * 3600, person_email="bob@example.test"),
    ]
    result = run(rows)

    report = balance_compute(people=User.objects.all(), start=DAY - dt.timedelta(days=7),
                             end=DAY).totals.to_json()
    assert report["client_hours"] == round((7 * 3600 + 1800) / 3600, 2)
    assert report["promotion_hours"] == round((5400 + 17) / 3600, 2)
    assert report["internal_hours"] == 8.0
    assert result.seconds_by_kind == {"client": 7 * 3600 + 1800, "promotion": 5417,
                                      "internal": 8 * 3600}
    assert sum(WeeklyTotal.objects.values_list("seconds", flat=True)) == sum(
        r.seconds for r in rows
    )


def test_undo_removes_exactly_one_batch_and_the_reports_follow(cast):
    run([row(2, seconds=3600)])
    second = run([row(3, seconds=1800, date=DAY - dt.timedelta(days=1))]).batch
    TimeEntryFactory(consultant=cast.consultant, date=DAY, seconds=60)  # typed by hand

    services.import_batch_undo(batch=second, user=cast.manager)

    assert sorted(TimeEntry.objects.values_list("seconds", flat=True)) == [60, 3600]
    second.refresh_from_db()
    assert (second.status, second.undone_by) == (ImportBatch.Status.UNDONE, cast.manager)
    assert sum(WeeklyTotal.objects.values_list("seconds", flat=True)) == 3660
    with pytest.raises(ValidationError):
        services.import_batch_undo(batch=second, user=cast.manager)


def test_a_dry_run_writes_nothing_and_says_what_would_be_created(cast):
    result = run([
        row(2, client="Acme", project="Rollout", seconds=5400),
        row(3, person_email="", person_name="Kwame Mensah", task="Podcast"),
    ], create_users=True, dry_run=True)

    assert result.ok
    assert (result.new_people, result.new_clients, result.new_engagements) == (
        ["kwame.mensah"], ["Acme"], ["Acme — Rollout"]
    )
    assert result.entries_by_kind == {"client": 1, "promotion": 1}
    assert result.hours("client") == 1.5
    assert not TimeEntry.objects.exists()
    assert not User.objects.filter(username="kwame.mensah").exists()
    assert Client.objects.count() == 1  # only the cast engagement's client
    assert not ImportBatch.objects.exists()


def test_the_batch_records_the_file_who_and_the_counts(cast):
    result = import_timesheet(
        rows=[row(2, client="Acme", seconds=5400), row(3, task="talk", seconds=600)],
        format="clockify", file_name="detailed.csv", sha256="ab" * 32, user=cast.manager,
    )

    batch = ImportBatch.objects.get()
    assert batch == result.batch
    assert (batch.file_name, batch.sha256, batch.format, batch.created_by) == (
        "detailed.csv", "ab" * 32, "clockify", cast.manager
    )
    assert batch.status == ImportBatch.Status.DONE
    assert (batch.client_entries, batch.client_seconds) == (1, 5400)
    assert (batch.promotion_entries, batch.promotion_seconds) == (1, 600)
    assert (batch.clients_created, batch.engagements_created) == (1, 1)
    assert set(TimeEntry.objects.values_list("import_batch", flat=True)) == {batch.pk}


def test_the_bulk_service_refuses_what_the_model_would(cast):
    entries = [
        TimeEntry(consultant=cast.consultant, date=DAY, seconds=0, kind=Kind.INTERNAL),
        TimeEntry(consultant=cast.consultant, date=DAY, seconds=60, kind=Kind.CLIENT),
    ]
    with pytest.raises(ValidationError) as refused:
        services.time_entries_import(entries=entries)

    assert refused.value.messages == [
        "entry 1: A time entry must be more than 0 and at most 24 hours.",
        "entry 2: Client work needs an engagement; promotion and internal time have none.",
    ]
    assert not TimeEntry.objects.exists()


# The command -----------------------------------------------------------------------------------
# The parsers (formats.read_export) are another module's, tested with real export files
# there; here a stand-in gives the command rows as they would, so this tests the command's
# own part: its arguments, its output and its exit status.


@pytest.fixture
def export(tmp_path):
    """A real export on disk, in the tool's own columns, holding the rows given (a bad date
    written as `bad_date=` for a row the parser must refuse)."""

    def given(rows, chosen="toggl"):
        path = tmp_path / "export.csv"
        lines = []
        if chosen == "toggl":
            lines.append("User,Email,Client,Project,Task,Description,Billable,Start date,"
                         "Start time,End date,End time,Duration,Tags")
            for item in rows:
                day = item.get("bad_date") or item["row"].date.isoformat()
                r = item["row"]
                seconds = r.seconds
                duration = f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
                lines.append(",".join([
                    r.person_name, r.person_email, r.client, r.project, r.task, r.description,
                    "Yes" if r.billable else "No", day, "09:00:00", day, "10:00:00", duration,
                    '"' + ", ".join(r.tags) + '"',
                ]))
        else:  # harvest: names, no e-mails
            lines.append("Date,Client,Project,Project Code,Task,Notes,Hours,Hours Rounded,"
                         "Billable?,Invoiced?,Approved?,First Name,Last Name,Roles,Employee?")
            for item in rows:
                r = item["row"]
                first, _, last = r.person_name.partition(" ")
                lines.append(",".join([
                    r.date.isoformat(), r.client, r.project, "", r.task, r.description,
                    f"{r.seconds / 3600:g}", f"{r.seconds / 3600:g}", "Yes", "No", "No",
                    first, last, "", "Yes",
                ]))
        path.write_text("\n".join(lines) + "\n")
        return path

    return given


def line(n=2, bad_date="", **values) -> dict:
    return {"row": row(n, **values), "bad_date": bad_date}


def command(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_timesheet", *map(str, args), stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def test_the_command_imports_and_prints_the_format_and_a_summary(cast, export):
    path = export([line(2, client="Acme", seconds=5400), line(3, task="Webinar", seconds=900)])

    status, out, _ = command(path, "--user", "maria")

    assert status == 0
    assert out.startswith("Format: toggl (detected)\n")
    assert "Imported 2 entries: client work 1 (1.50 h), promotion 1 (0.25 h), internal 0" in out
    assert "Created clients: Acme" in out
    assert ImportBatch.objects.get().created_by == cast.manager
    status, out, _ = command(path)  # again: nothing new
    assert status == 0
    assert "Read 2 rows; 2 already imported." in out
    assert TimeEntry.objects.count() == 2


def test_the_command_exits_1_listing_every_problem_and_writes_nothing(cast, export):
    path = export([
        line(2),
        line(3, bad_date="31.02.2026"),
        line(4, person_email="nobody@x.test"),
    ])

    status, _, err = command(path)

    assert status == 1
    problems = err.splitlines()
    assert problems[0].startswith("row 3, column Start date: '31.02.2026'")
    assert problems[1] == (
        "row 4, column Email: no one here has the e-mail 'nobody@x.test' (add them, name "
        "them in the map's [people], or let the import create them: --create-users, or the page's "
        "'Create people who are not here yet')"
    )
    assert "nothing was imported" in err
    assert not TimeEntry.objects.exists()


def test_the_command_names_the_headers_of_a_file_it_does_not_know(cast, tmp_path):
    path = tmp_path / "mystery.csv"
    path.write_text("When,Who,How long\n2026-09-21,Alice,1:00\n")

    status, _, err = command(path)

    assert status == 1
    assert "'When', 'Who', 'How long'" in err


def test_the_command_dry_run_writes_nothing(cast, export, tmp_path):
    path = export([line(2, person_email="", person_name="Dana Okafor", client="Acme")],
                  chosen="harvest")
    map_file = tmp_path / "map.toml"
    map_file.write_text('[people]\n"dana okafor" = "bob"\n')

    status, out, _ = command(path, "--format", "harvest", "--map", map_file, "--dry-run")

    assert status == 0
    assert "Format: harvest (as given)" in out
    assert "Would import 1 entries: client work 1 (1.00 h)" in out
    assert "Dry run: nothing was written." in out
    assert not TimeEntry.objects.exists()
    assert not ImportBatch.objects.exists()


def test_the_command_refuses_a_map_that_is_not_toml(cast, export, tmp_path):
    path = export([line(2)])
    map_file = tmp_path / "map.toml"
    map_file.write_text("[kinds\n")

    status, _, err = command(path, "--map", map_file)

    assert status == 1
    assert "not valid TOML" in err


FIXTURES = __import__("pathlib").Path(__file__).parent / "imports"


@pytest.mark.parametrize("name", [
    "toggl_detailed.csv", "toggl_detailed_bom.csv", "harvest_detailed.csv",
    "clockify_detailed.csv", "clockify_detailed_eu.csv", "kimai_en.csv", "kimai_de.csv",
])
def test_each_tools_export_imports_with_the_tools_own_totals(cast, name):
    """The real files through the command: the report's hours per kind equal the file's."""
    from tracker.imports.formats import read_export

    with (FIXTURES / name).open("rb") as stream:
        parsed = [item for item in read_export(stream).rows]
    assert all(isinstance(item, ImportRow) for item in parsed)
    file_seconds = sum(item.seconds for item in parsed)

    status, out, err = command(FIXTURES / name, "--create-users")
    assert status == 0, err
    assert TimeEntry.objects.count() == len(parsed)
    days = [item.date for item in parsed]
    report = balance_compute(people=User.objects.all(), start=min(days), end=max(days))
    assert report.totals.seconds.total == file_seconds
    assert command(FIXTURES / name, "--create-users")[0] == 0  # again: nothing added
    assert TimeEntry.objects.count() == len(parsed)


@pytest.mark.parametrize("name,where", [
    ("broken_bad_date.csv", "row 3, column"),
    ("broken_bad_duration.csv", "row "),
    ("broken_not_utf8.csv", "row 3"),
    ("broken_unknown_headers.csv", "headers"),
])
def test_each_broken_file_writes_nothing_and_says_where(cast, name, where):
    status, _, err = command(FIXTURES / name, "--create-users")
    assert status == 1
    assert where in err
    assert not TimeEntry.objects.exists() and not ImportBatch.objects.exists()
