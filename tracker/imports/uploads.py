"""The import page's writes: keep an upload with its dry-run preview, queue it as an import
batch once confirmed, run that batch (in a Celery worker), and find the batches the broker
never got. The importer itself (importer.py) does the work; this is its page-side plumbing."""

import datetime as dt
import hashlib
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from django.utils import timezone

from tracker.models import ImportBatch, ImportUpload, Kind, User

from . import formats
from .importer import ImportMapping, ImportResult, import_timesheet

log = logging.getLogger(__name__)

PREVIEW_PROBLEMS = 20  # the first problems shown; the count says how many more
# A queued batch older than this with no worker on it was never published (broker down).
PUBLISH_GRACE = dt.timedelta(minutes=1)
PROGRESS_EVERY = 1000  # rows between progress writes (the importer reports per 1000)


def running_lease() -> dt.timedelta:
    """A batch "running" longer than this lost its worker (the task's hard time limit is
    6 min, so 15 min by default)."""
    return dt.timedelta(seconds=getattr(settings, "IMPORT_BATCH_LEASE_SECONDS", 900))


def file_sha256(stream) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def preview_of(result: ImportResult) -> dict:
    """What the preview page shows of a dry run, as stored on the upload."""
    return {
        "format": result.format,
        "rows_read": result.rows_read,
        "rows_skipped": result.rows_skipped,
        "kinds": [
            {"kind": kind, "label": label, "entries": result.entries_by_kind[kind],
             "seconds": result.seconds_by_kind[kind]}
            for kind, label in Kind.choices
        ],
        "entries": result.entries,
        "seconds": sum(result.seconds_by_kind.values()),
        "new_people": result.new_people,
        "new_clients": result.new_clients,
        "new_engagements": result.new_engagements,
        "problems": result.problems[:PREVIEW_PROBLEMS],
        "problem_count": len(result.problems),
    }


def _mapping(upload: ImportUpload) -> ImportMapping | None:
    return ImportMapping.from_toml(upload.mapping) if upload.mapping else None


def _dry_run(upload: ImportUpload) -> dict:
    with upload.file.open("rb") as stream:
        try:
            export = formats.read_export(stream, format=upload.format)
            result = import_timesheet(
                rows=export.rows, format=export.format, file_name=upload.file_name,
                sha256=upload.sha256, user=upload.uploaded_by, mapping=_mapping(upload),
                create_users=upload.create_users, dry_run=True,
            )
        except ValueError as exc:  # not UTF-8 further down, unknown headers
            result = ImportResult(format=upload.format, dry_run=True, problems=[str(exc)])
    return preview_of(result)


def import_upload_create(
    *, user: User, file: UploadedFile, format: str, create_users: bool, mapping: str = ""
) -> ImportUpload:
    """Store the uploaded file and its options, and the dry run of importing it: nothing else
    is written. `format` is the one the form detected (or was told)."""
    upload = ImportUpload(
        file_name=(file.name or "export.csv")[:255], size=file.size, sha256=file_sha256(file),
        format=format, create_users=create_users, mapping=mapping, uploaded_by=user,
    )
    upload.file.save(upload.file_name, file, save=False)
    upload.save()
    upload.preview = _dry_run(upload)
    upload.save(update_fields=["preview"])
    return upload


def import_upload_confirm(*, upload: ImportUpload, user: User) -> ImportBatch:
    """The upload's import batch, queued (or the one already made: a second click is the
    same import). The caller publishes it once committed."""
    if not upload.confirmable:
        raise ValidationError(
            "This file has problems: fix them in the export and upload it again.",
            code="problems",
        )
    batch, _created = ImportBatch.objects.get_or_create(
        upload=upload,
        defaults={"file_name": upload.file_name, "sha256": upload.sha256,
                  "format": upload.format, "created_by": user,
                  "status": ImportBatch.Status.QUEUED},
    )
    return batch


def import_batch_run(*, batch_id: int) -> bool:
    """Run a queued batch from its upload; False when another worker has it or it is
    finished. A file with problems by now (someone logged time meanwhile) fails the batch
    with them listed, nothing written, as the command does."""
    now = timezone.now()
    claimed = ImportBatch.objects.filter(pk=batch_id, upload__isnull=False).filter(
        Q(status=ImportBatch.Status.QUEUED)
        | Q(status=ImportBatch.Status.RUNNING, started_at__lt=now - running_lease())
    ).update(status=ImportBatch.Status.RUNNING, started_at=now, rows_read=0)
    if not claimed:
        return False
    batch = ImportBatch.objects.select_related("upload", "created_by").get(pk=batch_id)
    upload = batch.upload
    read = 0

    def progress(rows: int) -> None:
        nonlocal read
        read += rows
        ImportBatch.objects.filter(pk=batch_id).update(rows_read=read)

    try:
        with upload.file.open("rb") as stream:
            export = formats.read_export(stream, format=upload.format)
            import_timesheet(
                rows=export.rows, format=export.format, file_name=upload.file_name,
                sha256=upload.sha256, user=batch.created_by, mapping=_mapping(upload),
                create_users=upload.create_users, progress=progress, batch=batch,
            )
    except Exception as exc:
        log.exception("import batch %s failed", batch_id)
        ImportBatch.objects.filter(pk=batch_id).update(
            status=ImportBatch.Status.FAILED, errors=[str(exc) or exc.__class__.__name__],
            finished_at=timezone.now(),
        )
    return True


def import_batches_to_publish(*, grace: dt.timedelta = PUBLISH_GRACE) -> list[int]:
    """Batches the broker never got (queued longer than `grace`) and batches whose worker
    died. A batch published twice runs once: import_batch_run claims it."""
    now = timezone.now()
    stale = ImportBatch.objects.filter(upload__isnull=False).filter(
        Q(status=ImportBatch.Status.QUEUED, created_at__lt=now - grace)
        | Q(status=ImportBatch.Status.RUNNING, started_at__lt=now - running_lease())
    )
    return list(stale.values_list("pk", flat=True)[:100])
