"""Handing work to the Celery broker: the one place the apps publish a task.

The row (ReportRun, ImportBatch, DigestDelivery) is the record of what was asked for; the
message only wakes a worker. So a publish never raises: when the broker is down or does not
answer, it is logged and the row stays queued for a sweep (beat's, or a worker's on start)
to publish again. How long a publish may wait is bounded by the broker's socket timeouts and
retry policy (settings: CELERY_BROKER_TRANSPORT_OPTIONS, CELERY_TASK_PUBLISH_RETRY_POLICY),
so a broker that accepts connections and never answers holds a web request under a second.
"""

import logging
import time

log = logging.getLogger(__name__)


def task_publish(task, *args, countdown: float | None = None) -> bool:
    """Publish `task(*args)`; False (logged) when the broker did not take it."""
    started = time.monotonic()
    try:
        task.apply_async(args, countdown=countdown)
    except Exception as exc:  # noqa: BLE001 - any broker failure: the row stays queued
        log.warning("%s%r not published after %.2fs, left for the sweep: %s: %s",
                    task.name, args, time.monotonic() - started, type(exc).__name__, exc)
        return False
    return True

