"""The import page's path through the real parts: a Celery worker on Redis imports the upload."""

import os
import signal
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import TableLock, wait_for, worker_swept
from tracker.models import ImportBatch, ImportUpload, TimeEntry

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

EXPORTS = Path(__file__).parent / "imports"


def upload_kimai(client) -> ImportUpload:
    name = "kimai_de.csv"
    response = client.post(reverse("tracker:import_list"), {
        "file": SimpleUploadedFile(name, (EXPORTS / name).read_bytes(), "text/csv"),
        "format": "auto", "create_users": "on",
    })
    assert response.status_code == 302, response.content.decode()[:1500]
    return ImportUpload.objects.get()


def test_a_real_worker_imports_a_confirmed_upload(client, cast, settings, tmp_path,
                                                   celery_worker_process):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    celery_worker_process(MEDIA_ROOT=str(settings.MEDIA_ROOT))
    client.force_login(cast.manager)
    upload = upload_kimai(client)
    response = client.post(reverse("tracker:import_confirm", args=[upload.pk]))
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("tracker:import_batch", args=[batch.pk])

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        batch.refresh_from_db()
        if batch.status in (ImportBatch.Status.DONE, ImportBatch.Status.FAILED):
            break
        time.sleep(0.2)
    assert batch.status == ImportBatch.Status.DONE, batch.errors
    status = client.get(reverse("tracker:import_batch_status", args=[batch.pk])).json()
    assert status["status"] == "done" and status["progress"] == 100
    assert TimeEntry.objects.filter(import_batch=batch).count() == status["rows_read"] > 0


def test_a_worker_killed_mid_import_then_a_new_worker_imports_it_exactly_once(
    client, cast, settings, tmp_path, celery_worker_process, table_lock
):
    """kill -9 the worker's process group while its import transaction is inserting the
    entries: nothing of it is committed, the batch stays "running"; once its lease is over
    (2 s here, 15 min by default) a new worker, with no beat, sweeps as it starts and
    imports the file, each row once."""
    settings.MEDIA_ROOT = tmp_path / "uploads"
    lease = 2
    env = {"MEDIA_ROOT": str(settings.MEDIA_ROOT), "IMPORT_BATCH_LEASE_SECONDS": str(lease)}
    first = celery_worker_process(**env)
    assert wait_for(lambda: worker_swept(celery_worker_process), 30)
    client.force_login(cast.manager)
    upload = upload_kimai(client)
    # Reads go on, writes wait: the entries' insert waits in the weekly rollup's trigger.
    rollup = table_lock("reports_weeklytotal", mode="EXCLUSIVE")
    client.post(reverse("tracker:import_confirm", args=[upload.pk]))
    batch = ImportBatch.objects.get()
    assert wait_for(lambda: ImportBatch.objects.get().status == ImportBatch.Status.RUNNING
                    and TableLock.waiting('INSERT INTO "tracker_timeentry"') >= 1, 30)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    rollup.release()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.RUNNING and not TimeEntry.objects.exists()

    time.sleep(max(0.0, lease - (time.time() - batch.started_at.timestamp())) + 0.5)
    celery_worker_process(**env)
    assert wait_for(lambda: ImportBatch.objects.get().status == ImportBatch.Status.DONE, 60), (
        ImportBatch.objects.values("status", "errors").get())
    batch.refresh_from_db()
    entries = TimeEntry.objects.filter(import_batch=batch)
    assert entries.count() == TimeEntry.objects.count() == batch.rows_read > 0
    assert len(set(entries.values_list("external_id", flat=True))) == entries.count()
