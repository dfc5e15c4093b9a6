"""Celery tasks for the records: thin, they fetch by id and call tracker/imports/uploads.py."""

import logging

from celery import shared_task

from .imports.uploads import import_batch_run, import_batches_to_publish

log = logging.getLogger(__name__)


def import_batch_publish(batch_id: int) -> bool:
    """Hand a queued batch to the broker; False when it does not answer. The batch stays
    queued with its upload, and the sweep publishes it again once the broker is back."""
    try:
        import_batch_run_task.delay(batch_id)
    except Exception as exc:  # noqa: BLE001 - any broker failure: the sweep publishes later
        log.warning("import batch %s stays queued: could not publish (%s)", batch_id, exc)
        return False
    return True


@shared_task
def import_batch_run_task(batch_id: int) -> bool:
    return import_batch_run(batch_id=batch_id)


@shared_task
def sweep_import_batches_task() -> int:
    """Run by beat every minute: an import confirmed while the broker was away is not lost."""
    batch_ids = import_batches_to_publish()
    for batch_id in batch_ids:
        import_batch_publish(batch_id)
    return len(batch_ids)
