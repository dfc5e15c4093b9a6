"""Saved reports and their scheduled e-mails, delivered once per schedule period."""

import datetime as dt
import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django_celery_beat.models import CrontabSchedule, PeriodicTask, PeriodicTasks

from clients.models import Client
from tracker.models import Team, User
from tracker.queueing import task_publish
from tracker.week import period_dates

from .balance import Scope, balance_compute
from .emails import make_message
from .models import PERIOD_LABELS, SavedReport, SavedReportDelivery
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


def filter_labels(reports) -> dict[int, str]:
    """Each saved report's filters as people read them, by its id: "Last 4 weeks · Public
    Sector · Alice Tester · Acme", or "2 Nov 2026 – 29 Nov 2026 · …" for custom dates.
    The names come from three queries for all `reports`, whatever their number."""
    reports = list(reports)
    wanted = {"team": set(), "consultant": set(), "client": set()}
    for report in reports:
        for key, ids in wanted.items():
            if isinstance(report.params.get(key), int):
                ids.add(report.params[key])
    names = {
        "team": dict(Team.objects.filter(pk__in=wanted["team"]).values_list("pk", "name")),
        "consultant": {
            person.pk: str(person)
            for person in User.objects.filter(pk__in=wanted["consultant"]).only(
                "pk", "username", "first_name", "last_name"
            )
        },
        "client": dict(Client.objects.filter(pk__in=wanted["client"]).values_list("pk", "name")),
    }
    labels = {}
    for report in reports:
        params = report.params
        if params.get("period") == "custom":
            parts = [_dates_label(params.get("start"), params.get("end"))]
        else:
            parts = [report.period_label or PERIOD_LABELS["last_4_weeks"]]
        for key in ("team", "consultant", "client"):
            if params.get(key) is not None:
                parts.append(names[key].get(params[key], "(no longer there)"))
        labels[report.pk] = " · ".join(parts)
    return labels


def _dates_label(start: str | None, end: str | None) -> str:
    try:
        first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    except (TypeError, ValueError):
        return PERIOD_LABELS["custom"]
    return f"{date_format(first, 'j M Y')} – {date_format(last, 'j M Y')}"


def _schedule(saved: SavedReport) -> None:
    """Give the report the beat task of its schedule, or none: created, moved to the other
    crontab, renamed or deleted to match `saved.schedule`."""
    if not saved.schedule:
        if saved.periodic_task_id:
            PeriodicTask.objects.filter(pk=saved.periodic_task_id).delete()
            saved.periodic_task = None
            saved.save(update_fields=["periodic_task"])
        return
    crontab, _ = CrontabSchedule.objects.get_or_create(
        timezone=settings.TIME_ZONE, **CRONTABS[saved.schedule]
    )
    name = f"Saved report {saved.pk}: {saved.name}"[:200]
    if saved.periodic_task_id:
        PeriodicTask.objects.filter(pk=saved.periodic_task_id).update(
            name=name, crontab=crontab, enabled=True
        )
        PeriodicTasks.update_changed()  # beat reads the schedule again
        return
    saved.periodic_task = PeriodicTask.objects.create(
        name=name, task=SEND_TASK, crontab=crontab, args=json.dumps([saved.pk])
    )
    saved.save(update_fields=["periodic_task"])


@transaction.atomic
def saved_report_create(*, owner, name: str, params: dict, schedule: str,
                        recipients: list) -> SavedReport:
    saved = SavedReport.objects.create(owner=owner, name=name, params=params, schedule=schedule)
    saved.recipients.set(recipients)
    _schedule(saved)
    return saved


@transaction.atomic
def saved_report_update(*, saved: SavedReport, name: str, params: dict, schedule: str,
                        recipients: list) -> SavedReport:
    """New filters, name, schedule or recipients for a saved report; its beat task follows
    the schedule. Periods already e-mailed stay sent."""
    saved.name, saved.params, saved.schedule = name, params, schedule
    saved.full_clean(exclude=["periodic_task", "owner"])
    saved.save(update_fields=["name", "params", "schedule"])
    saved.recipients.set(recipients)
    _schedule(saved)
    return saved


@dataclass(frozen=True)
class SendNow:
    addressed: int  # recipients with an e-mail address
    queued: bool  # the broker took the send (False: nobody to send to, or it did not answer)
    start: dt.date
    end: dt.date


def saved_report_send_now(*, saved: SavedReport, today: dt.date) -> SendNow:
    """Queue one e-mailing of the report, now, for its own period as of `today` (a custom
    report: its dates), to its recipients, through the scheduled e-mail's own path. Outside
    the schedule: the scheduled e-mail of the period still goes out. Nothing is written, so
    the answer is whether the broker took it, and the person can simply ask again."""
    from .tasks import send_saved_report_now_task

    start, end = report_period(saved, today)
    addressed = _addressees(saved).count()
    queued = bool(addressed) and task_publish(
        send_saved_report_now_task, saved.pk, start.isoformat(), end.isoformat()
    )
    return SendNow(addressed=addressed, queued=queued, start=start, end=end)


def report_period(saved: SavedReport, today: dt.date) -> tuple[dt.date, dt.date]:
    """The period the saved filters name on `today`: a preset counts from today."""
    params = saved.params
    if params.get("period") == "custom":
        return dt.date.fromisoformat(params["start"]), dt.date.fromisoformat(params["end"])
    return period_dates(params.get("period") or "last_4_weeks", today)


def _addressees(saved: SavedReport):
    return saved.recipients.exclude(email="").filter(is_active=True)


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
    try:
        sent = _mail(saved, start, end)
    except Exception:
        # Nothing went out for sure: release the claim so a retry can send the period.
        SavedReportDelivery.objects.filter(pk=delivery.pk).update(sent_at=None)
        raise
    SavedReportDelivery.objects.filter(pk=delivery.pk).update(recipients=sent)
    return sent


def saved_report_send_period(*, saved_report_id: int, start: dt.date, end: dt.date) -> int:
    """E-mail the report for `start`–`end` now ("send now"); 0 if the report is gone."""
    saved = SavedReport.objects.select_related("owner").filter(pk=saved_report_id).first()
    return 0 if saved is None else _mail(saved, start, end)


def _mail(saved: SavedReport, start: dt.date, end: dt.date) -> int:
    """Send the report for the period to each recipient who sees any of it; how many."""
    params = {**saved.params, "start": start.isoformat(), "end": end.isoformat(),
              "period": "custom"}
    # The owner's reach picks the scope; each recipient's reach picks the rows they get,
    # as the page would show them: a consultant gets their own row, never a teammate's.
    scope = scope_objects(user=saved.owner, params=params)
    url = settings.SITE_URL + saved.report_url(
        period="custom", start=start.isoformat(), end=end.isoformat()
    )
    messages = []
    for recipient in _addressees(saved):
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
    return len(messages)
