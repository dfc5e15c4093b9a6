"""The Celery app: `celery -A config worker` and `celery -A config beat`."""

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("clientfirst")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _create_broker_folders(sender, **kwargs):
    # The filesystem transport needs its folders before the first publish.
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if options.get(key):
            os.makedirs(options[key], exist_ok=True)


@worker_ready.connect
def _sweep_on_start(sender, **kwargs):
    """A worker that starts publishes the sweeps, so what was asked for while the broker or
    every worker was away (report runs, imports, digests) is done without waiting for beat,
    or with no beat at all. Each is idempotent: a row is claimed by one worker, once. New
    digests are left to beat's hourly planner (it plans at each person's Monday 08:00)."""
    from reports.tasks import sweep_digests_task, sweep_report_runs_task
    from tracker.queueing import task_publish
    from tracker.tasks import sweep_import_batches_task

    task_publish(sweep_report_runs_task, 0)
    task_publish(sweep_import_batches_task, 0)
    task_publish(sweep_digests_task)
