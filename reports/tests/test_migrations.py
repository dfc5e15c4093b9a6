"""Migrations that change rows: tried on rows as they were before."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("reports", "0007_weekly_total_billable")]
AFTER = [("reports", "0008_report_run_one_pending")]


def migrate(targets=None):
    """Migrate to the targets (None: to the latest), returning the apps of that state."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_identical_queued_runs_are_folded_into_the_newest(cast):
    params = {"period": "custom", "start": "2026-10-05", "end": "2026-11-01", "team": None,
              "consultant": None, "client": None}
    apps = migrate(BEFORE)
    try:
        ReportRun = apps.get_model("reports", "ReportRun")
        # Each GET of an admin's everyone-report queued one: three of one report.
        older = [ReportRun.objects.create(requested_by_id=cast.admin.pk, params=params).pk
                 for _ in range(2)]
        newest = ReportRun.objects.create(requested_by_id=cast.admin.pk, params=params).pk
        done = ReportRun.objects.create(requested_by_id=cast.admin.pk, params=params,
                                        status="done").pk
        other = ReportRun.objects.create(requested_by_id=cast.admin.pk,
                                         params={**params, "team": cast.team.pk}).pk
        apps = migrate(AFTER)
    finally:
        migrate()  # leave the schema as the other tests expect it: all migrations applied
    ReportRun = apps.get_model("reports", "ReportRun")
    runs = {run.pk: run for run in ReportRun.objects.all()}
    assert runs[newest].status == "queued" and runs[other].status == "queued"
    assert runs[done].status == "done"
    for pk in older:
        assert runs[pk].status == "failed" and f"#{newest}" in runs[pk].error
    assert runs[newest].params_key == "2026-10-05/2026-11-01/team=/consultant=/client="
