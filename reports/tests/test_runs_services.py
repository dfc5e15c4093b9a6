"""Report runs through the real parts: a Celery worker on Redis, and a broker that is down."""

import datetime as dt
import os
import signal
import time

import pytest
from django.test import Client

from conftest import TableLock, need_service, wait_for, worker_swept
from reports.models import ReportRun
from reports.services import report_request, report_runs_sweep
from tracker.models import Kind
from tracker.tests.factories import TimeEntryFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

PARAMS = {"period": "custom", "start": "2026-10-05", "end": "2026-11-01", "team": None,
          "consultant": None, "client": None}


@pytest.fixture
def entries(cast):
    TimeEntryFactory(consultant=cast.consultant, date=dt.date(2026, 10, 6), seconds=7200,
                     kind=Kind.CLIENT, engagement=cast.engagement)
    return cast


def test_a_real_worker_builds_the_run(entries, celery_worker_process):
    celery_worker_process()
    run = report_request(user=entries.admin, params=PARAMS)  # autocommit: published now
    assert wait_for(lambda: ReportRun.objects.get(pk=run.pk).status == "done")
    run.refresh_from_db()
    assert run.progress == 100 and run.attempts == 1
    alice = next(row for row in run.result["rows"] if row["consultant"] == "alice")
    assert alice["client_hours"] == 2.0


@pytest.fixture
def broker_down(celery_broker):
    """Point the Celery app at a Redis port where nothing listens: a real refusal."""
    import os

    if not os.environ.get("REDIS_URL"):
        need_service("the broker-down path is exercised against Redis (REDIS_URL)")
    celery_broker("redis://127.0.0.1:1/0")
    return celery_broker


def test_broker_down_keeps_the_run_queued_and_the_sweep_publishes_it(
    entries, broker_down, celery_worker_process, settings
):
    client = Client()
    client.force_login(entries.admin)
    started = time.monotonic()
    query = {key: value for key, value in PARAMS.items() if value is not None}
    response = client.post("/reports/balance/build/", query)
    assert time.monotonic() - started < 10  # the request does not hang on the broker
    run = ReportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/{run.pk}/"
    page = client.get(f"/reports/{run.pk}/")
    assert page.status_code == 200 and "Queued" in page.content.decode()
    assert run.status == "queued" and run.published_at is None

    broker_down(settings.CELERY_BROKER_URL)  # the broker is back
    ReportRun.objects.filter(pk=run.pk).update(created_at=run.created_at - dt.timedelta(minutes=1))
    assert report_runs_sweep() == 1  # beat's sweep, a minute later
    celery_worker_process()
    assert wait_for(lambda: ReportRun.objects.get(pk=run.pk).status == "done")
    assert ReportRun.objects.get(pk=run.pk).attempts == 1


def test_a_worker_killed_mid_run_then_a_new_worker_builds_it_exactly_once(
    entries, celery_worker_process, table_lock
):
    """kill -9 the worker's process group while it builds a run: the run stays "running";
    once its lease is over (2 s here, 10 min by default) a new worker, with no beat, sweeps
    as it starts and builds it. The killed worker's message comes back only after Redis's
    visibility timeout, and then finds the run done."""
    lease = 2
    first = celery_worker_process(REPORT_RUN_LEASE_SECONDS=str(lease))
    assert wait_for(lambda: worker_swept(celery_worker_process), 30)
    # The report's query waits behind this lock: the worker is caught mid-run.
    time_entries = table_lock("tracker_timeentry", "reports_weeklytotal",
                              "tracker_runningyeartotal")
    run = report_request(user=entries.admin, params=PARAMS)
    assert wait_for(lambda: ReportRun.objects.get(pk=run.pk).status == "running"
                    and TableLock.waiting() >= 1, 30)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    time_entries.release()
    run.refresh_from_db()
    assert run.status == "running" and run.attempts == 1 and run.result is None

    time.sleep(max(0.0, lease - (time.time() - run.started_at.timestamp())) + 0.5)
    celery_worker_process(REPORT_RUN_LEASE_SECONDS=str(lease))
    assert wait_for(lambda: ReportRun.objects.get(pk=run.pk).status == "done", 60)
    run.refresh_from_db()
    assert run.attempts == 2 and run.progress == 100 and ReportRun.objects.count() == 1
    alice = next(row for row in run.result["rows"] if row["consultant"] == "alice")
    assert alice["client_hours"] == 2.0


def test_two_requests_racing_for_one_report_queue_one_run(entries):
    """B looks before A's run is committed, so B inserts too: the unique index makes B wait
    for A, refuses B's row, and B follows A's run."""
    import threading

    from django.db import connection, transaction

    from reports.models import report_key

    if connection.vendor != "postgresql":
        need_service("the race is played on PostgreSQL (DATABASE_URL)")
    a_inserted, a_may_commit = threading.Event(), threading.Event()
    found = {}

    def request_a():
        try:
            with transaction.atomic():
                found["a"] = ReportRun.objects.create(
                    requested_by=entries.admin, params=PARAMS, params_key=report_key(PARAMS)
                ).pk
                a_inserted.set()
                a_may_commit.wait(30)
        finally:
            connection.close()

    def request_b():
        try:
            found["b"] = report_request(user=entries.admin, params=PARAMS).pk
        finally:
            connection.close()

    a = threading.Thread(target=request_a)
    a.start()
    assert a_inserted.wait(30)
    b = threading.Thread(target=request_b)
    b.start()
    # B is blocked on the unique index, behind A's uncommitted row.
    with connection.cursor() as cursor:
        assert wait_for(lambda: cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'") or cursor.fetchone()[0] == 1, seconds=30)
    a_may_commit.set()
    a.join(30)
    b.join(30)
    assert found["a"] == found["b"]
    assert ReportRun.objects.count() == 1
