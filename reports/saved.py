"""Saved reports and their scheduled e-mails, delivered once per schedule period."""

import datetime as dt
import json
import logging

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from tracker.models import User

from .balance import Scope, balance_compute
from .emails import make_message
from .models import SavedReport, SavedReportDelivery
from .services import scope_objects

log = logging.getLogger(__name__)

SEND_TASK = "reports.tasks.send_saved_report_task"
CRONTABS = {
    SavedReport.Schedule.WEEKLY: {"minute": "0", "hour": "7", "day_of_week": "1",
                                  "day_of_month": "*", "month_of_year": "*"},
    SavedReport.Schedule.MONTHLY: {"minute": "0", "hour": "7", "day_of_week": "*",
                                   "day_of_month": "1", "month_of_year": "*"},
}


def schedule_period(schedule: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The period a scheduled e-mail covers: last week, or last month."""
    if schedule == SavedReport.Schedule.WEEKLY:
        monday = today - dt.timedelta(days=today.weekday())
        return monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)
    if schedule == SavedReport.Schedule.MONTHLY:
        end = today.replace(day=1) - dt.timedelta(days=1)
        return end.replace(day=1), end
    raise ValueError(f"not a schedule: {schedule!r}")


@transaction.atomic
def saved_report_create(*, owner, name: str, params: dict, schedule: str,
                        recipients: list) -> SavedReport:
    saved = SavedReport.objects.create(owner=owner, name=name, params=params, schedule=schedule)
    saved.recipients.set(recipients)
    if schedule:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            timezone=settings.TIME_ZONE, **CRONTABS[schedule]
        )
        saved.periodic_task = PeriodicTask.objects.create(
            name=f"Saved report {saved.pk}: {name}"[:200],
            task=SEND_TASK,
            crontab=crontab,
            args=json.dumps([saved.pk]),
        )
        saved.save(update_fields=["periodic_task"])
    return saved


def saved_report_delete(*, saved: SavedReport) -> None:
    if saved.periodic_task_id:
        PeriodicTask.objects.filter(pk=saved.periodic_task_id).delete()
    saved.delete()


def saved_report_send(*, saved_report_id: int, today: dt.date | None = None) -> int:
    """E-mail the report for the schedule's last period; 0 when that period was sent."""
    saved = SavedReport.objects.select_related("owner").filter(pk=saved_report_id).first()
    if saved is None or not saved.schedule:
        return 0
    today = today or timezone.localdate()
    start, end = schedule_period(saved.schedule, today)
    delivery, _ = SavedReportDelivery.objects.get_or_create(
        saved_report=saved, period_start=start, defaults={"period_end": end}
    )
    # The claim: of two runners (a beat that fired twice, a retry), one update wins.
    if not SavedReportDelivery.objects.filter(pk=delivery.pk, sent_at__isnull=True).update(
        sent_at=timezone.now()
    ):
        return 0
    params = {**saved.params, "start": start.isoformat(), "end": end.isoformat(),
              "period": "custom"}
    try:
        # The owner's reach picks the scope; each recipient's reach picks the rows they get,
        # as the page would show them: a consultant gets their own row, never a teammate's.
        scope = scope_objects(user=saved.owner, params=params)
        url = settings.SITE_URL + saved.report_url(
            period="custom", start=start.isoformat(), end=end.isoformat()
        )
        messages = []
        for recipient in saved.recipients.exclude(email="").filter(is_active=True):
            if not Scope(viewer=recipient, **scope).sees_any():
                log.info("saved report %s: %s sees nothing of it now, not sent",
                         saved.pk, recipient)
                continue
            report = balance_compute(people=User.objects.visible_to(recipient), start=start,
                                     end=end, **scope)
            context = {
                "saved": saved, "report": report, "start": start, "end": end, "url": url,
                "flagged": report.flagged,
                "recipient": recipient,
            }
            messages.append((recipient, context))
        with get_connection() as connection:
            for recipient, context in messages:
                make_message("saved-report", to=recipient.email, context=context,
                             connection=connection).send()
    except Exception:
        # Nothing went out for sure: release the claim so a retry can send the period.
        SavedReportDelivery.objects.filter(pk=delivery.pk).update(sent_at=None)
        raise
    SavedReportDelivery.objects.filter(pk=delivery.pk).update(recipients=len(messages))
    return len(messages)
