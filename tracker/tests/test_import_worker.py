"""The import page's path through the real parts: a Celery worker on Redis imports the upload."""

import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tracker.models import ImportBatch, ImportUpload, TimeEntry

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

EXPORTS = Path(__file__).parent / "imports"


def test_a_real_worker_imports_a_confirmed_upload(client, cast, settings, tmp_path,
                                                   celery_worker_process):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    celery_worker_process(MEDIA_ROOT=str(settings.MEDIA_ROOT))
    client.force_login(cast.manager)
    name = "kimai_de.csv"
    response = client.post(reverse("tracker:import_list"), {
        "file": SimpleUploadedFile(name, (EXPORTS / name).read_bytes(), "text/csv"),
        "format": "auto", "create_users": "on",
    })
    assert response.status_code == 302, response.content.decode()[:1500]
    upload = ImportUpload.objects.get()
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
