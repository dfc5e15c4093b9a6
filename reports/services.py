"""Writes with side effects: requesting, building and sweeping report runs."""

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone

from clients.models import Client
from tracker.models import Team, User
from tracker.queueing import task_publish

from .balance import Report, balance_compute
from .models import ReportRun, report_key

log = logging.getLogger(__name__)

# A queued run not picked up after PUBLISH_GRACE is published again (the broker may have been
# down); a run still "running" after running_lease() was held by a worker that died.
PUBLISH_GRACE = dt.timedelta(seconds=30)


def running_lease() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "REPORT_RUN_LEASE_SECONDS", 600))


def scope_objects(*, user, params: dict) -> dict:
    """The team, consultant and client a report's params name, each within the user's reach.

    Anything out of reach is Http404, exactly as a page would answer.
    """
    objects = {"team": None, "consultant": None, "client": None}
    if params.get("team"):
        objects["team"] = Team.objects.visible_to(user).filter(pk=params["team"]).first()
    if params.get("consultant"):
        objects["consultant"] = User.objects.visible_to(user).filter(
            pk=params["consultant"]
        ).first()
    if params.get("client"):
        objects["client"] = Client.objects.visible_to(user).filter(pk=params["client"]).first()
    for name, obj in objects.items():
        if params.get(name) and obj is None:
            raise Http404(f"No such {name} within your reach.")
    return objects


def report_compute(*, user, params: dict) -> Report:
    return balance_compute(
        people=User.objects.visible_to(user),
        start=dt.date.fromisoformat(params["start"]),
        end=dt.date.fromisoformat(params["end"]),
        **scope_objects(user=user, params=params),
    )


def _publish(run_id: int) -> None:
    """Hand the run to the broker; when it does not answer the run stays queued, unpublished,
    and the sweep publishes it later."""
    from .tasks import build_report_task

    if task_publish(build_report_task, run_id):
        ReportRun.objects.filter(pk=run_id).update(published_at=timezone.now())


def report_request(*, user, params: dict) -> ReportRun:
    """Store a queued run and publish it once the row is committed; the same report asked
    for again while it is queued or running is that run, not a second one."""
    scope_objects(user=user, params=params)  # refuse out-of-reach scopes before queueing
    pending = ReportRun.objects.pending().of(user=user, params=params)
    for _attempt in range(3):
        run = pending.first()
        if run is not None:
            return run
        try:
            with transaction.atomic():
                run = ReportRun.objects.create(requested_by=user, params=params,
                                               params_key=report_key(params))
        except IntegrityError:
            # one_pending_run_per_report: another request queued it meanwhile; take that one.
            continue
        transaction.on_commit(lambda run_id=run.pk: _publish(run_id))
        return run
    raise RuntimeError("could not queue the report, nor find the run queued for it")


def report_build(*, run_id: int) -> bool:
    """Build a queued run; False when another worker has it or it is finished."""
    now = timezone.now()
    claimed = ReportRun.objects.filter(pk=run_id).filter(
        Q(status=ReportRun.Status.QUEUED)
        | Q(status=ReportRun.Status.RUNNING, started_at__lt=now - running_lease())
    ).update(
        status=ReportRun.Status.RUNNING, started_at=now, progress=10, attempts=F("attempts") + 1
    )
    if not claimed:
        return False
    run = ReportRun.objects.select_related("requested_by").get(pk=run_id)
    try:
        result = report_compute(user=run.requested_by, params=run.params).to_stored()
    except Exception as exc:
        message = str(exc) or exc.__class__.__name__
        ReportRun.objects.filter(pk=run_id).update(
            status=ReportRun.Status.FAILED, error=message, finished_at=timezone.now()
        )
        log.exception("report run %s failed", run_id)
        return True
    ReportRun.objects.filter(pk=run_id).update(
        status=ReportRun.Status.DONE, result=result, progress=100, error="",
        finished_at=timezone.now(),
    )
    return True


def report_retry(*, run: ReportRun) -> ReportRun:
    """Queue a failed run again; the run to follow (the same report may be pending already)."""
    try:
        with transaction.atomic():
            ReportRun.objects.filter(pk=run.pk, status=ReportRun.Status.FAILED).update(
                status=ReportRun.Status.QUEUED, error="", progress=0, published_at=None
            )
    except IntegrityError:
        pending = ReportRun.objects.pending().filter(
            requested_by_id=run.requested_by_id, params_key=run.params_key
        ).first()
        if pending is not None:
            return pending
        raise
    transaction.on_commit(lambda: _publish(run.pk))
    run.refresh_from_db()
    return run


def report_runs_sweep(*, grace: dt.timedelta = PUBLISH_GRACE) -> int:
    """Publish runs the broker never got, and runs whose worker died; returns how many.

    `grace` spares a run just queued, whose request may still be publishing it; a worker
    that starts sweeps with none (a run published twice is built once: report_build claims).
    """
    now = timezone.now()
    lease = running_lease()
    stale = ReportRun.objects.filter(
        Q(status=ReportRun.Status.QUEUED, created_at__lt=now - grace)
        & (Q(published_at__isnull=True) | Q(published_at__lt=now - lease))
        | Q(status=ReportRun.Status.RUNNING, started_at__lt=now - lease)
    ).values_list("pk", flat=True)
    run_ids = list(stale[:500])
    for run_id in run_ids:
        _publish(run_id)
    return len(run_ids)
