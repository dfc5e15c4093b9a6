"""Celery tasks for the records: thin, they fetch by id and call tracker/imports/uploads.py."""

import datetime as dt

from celery import shared_task

from .imports.uploads import PUBLISH_GRACE, import_batch_run, import_batches_to_publish
from .queueing import task_publish
from .rollup import firm_weeks_compact


def import_batch_publish(batch_id: int) -> bool:
    """Hand a queued batch to the broker; False when it does not answer. The batch stays
    queued with its upload, and the sweep publishes it again once the broker is back."""
    return task_publish(import_batch_run_task, batch_id)


@shared_task
def import_batch_run_task(batch_id: int) -> bool:
    return import_batch_run(batch_id=batch_id)


@shared_task
def sweep_import_batches_task(grace_seconds: float | None = None) -> int:
    """Run by beat every minute, and by a worker as it starts (with no grace): an import
    confirmed while the broker was away, or left by a worker that died, is not lost."""
    grace = PUBLISH_GRACE if grace_seconds is None else dt.timedelta(seconds=grace_seconds)
    batch_ids = import_batches_to_publish(grace=grace)
    for batch_id in batch_ids:
        import_batch_publish(batch_id)
    return len(batch_ids)


@shared_task
def firm_weeks_compact_task() -> int:
    """Run by beat every five minutes: the firm's weekly changes folded, one row a week, so
    an admin's /time/ list sums about a hundred rows a year (tracker.FirmWeekTotal)."""
    return firm_weeks_compact()
