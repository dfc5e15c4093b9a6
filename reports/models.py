"""Background work a person can see: weekly digest deliveries."""

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.db import models
from django.urls import reverse

from tracker.models import validate_single_line


class DigestDelivery(models.Model):
    """One weekly e-mail for one recipient: the row that makes sending exactly-once.

    Two kinds share the machinery (reports/digests/): the weekly digest, and the reminder
    of a week left unsubmitted (reports/digests/reminders.py). One row per recipient, week
    and kind."""

    class Kind(models.TextChoices):
        DIGEST = "digest", "Weekly digest"
        REMINDER = "reminder", "Timesheet reminder"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        # Nothing to send any more: a reminded week was submitted before it went out.
        SKIPPED = "skipped", "Skipped"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_deliveries"
    )
    week_start = models.DateField(help_text="Monday of the ISO week the digest covers.")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.DIGEST)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    claimed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the current (or last) attempt took the row."
    )
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="A failed attempt is retried from then (backoff)."
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "digest deliveries"
        ordering = ["-week_start", "recipient"]
        indexes = [models.Index(fields=["week_start", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "week_start", "kind"],
                name="one_delivery_per_recipient_week_and_kind",
            ),
        ]

    def __str__(self):
        return f"{self.recipient} {self.iso_week} {self.kind} {self.status}"

    @property
    def iso_week(self) -> str:
        return f"{self.week_start:%G-W%V}"


# A finished run is shown instead of the report's page for this long; after that the page
# offers to build it again (time logged since is not in it).
RUN_FRESH_FOR = dt.timedelta(hours=1)
PENDING = ("queued", "running")


def report_key(params: dict) -> str:
    """What a report is of: the dates and the scope (not the preset's name, which gives the
    same dates). Two runs with one key and one requester are the same report."""
    return "{start}/{end}/team={team}/consultant={consultant}/client={client}".format(
        **{name: params.get(name) or "" for name in
           ("start", "end", "team", "consultant", "client")}
    )


class ReportRunQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The runs `user` may follow: their own; an admin's, everyone's."""
        if user.is_superuser or user.is_staff:
            return self.all()
        return self.filter(requested_by=user)

    def pending(self):
        return self.filter(status__in=PENDING)

    def of(self, *, user, params: dict):
        return self.filter(requested_by=user, params_key=report_key(params))

    def latest_fresh(self, *, user, params: dict, now: dt.datetime):
        """The user's newest run of this report still being built or built lately, or None."""
        return self.of(user=user, params=params).filter(
            models.Q(status__in=PENDING)
            | models.Q(status=ReportRun.Status.DONE, finished_at__gte=now - RUN_FRESH_FOR)
        ).first()


class ReportRun(models.Model):
    """A balance report built in the background: who asked, for what, how far it got."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_runs"
    )
    params = models.JSONField(help_text="start, end and the scope (team, consultant, client).")
    params_key = models.CharField(
        max_length=200, default="", editable=False,
        help_text="report_key(params): one pending run per requester and key.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ReportRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="report_run_progress_percent"
            ),
            # Asking twice for a report that is being built reuses it (report_request):
            # the database, not a look-then-insert, keeps it to one.
            models.UniqueConstraint(
                fields=["requested_by", "params_key"], condition=models.Q(status__in=PENDING),
                name="one_pending_run_per_report",
            ),
        ]

    def __str__(self):
        return f"Report #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


# The balance report's periods, as a person reads them (the form's menu, the saved list).
PERIOD_LABELS = {
    "last_week": "Last week",
    "last_4_weeks": "Last 4 weeks",
    "this_quarter": "This quarter",
    "last_quarter": "Last quarter",
    "year_to_date": "Year to date",
    "custom": "Custom dates",
}


class SavedReport(models.Model):
    """A named set of report filters, optionally e-mailed on a schedule."""

    class Schedule(models.TextChoices):
        NONE = "", "Not scheduled"
        WEEKLY = "weekly", "Weekly (Monday, covering last week)"
        MONTHLY = "monthly", "Monthly (1st, covering last month)"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_reports"
    )
    name = models.CharField(max_length=120, validators=[validate_single_line])
    params = models.JSONField(help_text="period preset and scope, as in the report's filters")
    schedule = models.CharField(max_length=10, choices=Schedule.choices, blank=True, default="")
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="saved_reports_received", blank=True
    )
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_report_name_per_owner"),
        ]

    def __str__(self):
        return self.name

    @property
    def period_label(self) -> str:
        period = self.params.get("period") or ""
        return PERIOD_LABELS.get(period, period)

    def report_url(self, **overrides) -> str:
        """The balance report page with these filters (a preset keeps counting from today)."""
        params = {**self.params, **overrides}
        if params.get("period") != "custom":
            params.pop("start", None)
            params.pop("end", None)
        query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
        return f"{reverse('reports:balance')}?{query}"


class SavedReportDelivery(models.Model):
    """One e-mailing of a saved report for one schedule period: sent once, whatever fires."""

    saved_report = models.ForeignKey(
        SavedReport, on_delete=models.CASCADE, related_name="deliveries"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["saved_report", "period_start"], name="saved_report_once_per_period"
            ),
        ]

    def __str__(self):
        return f"{self.saved_report} {self.period_start}–{self.period_end}"
