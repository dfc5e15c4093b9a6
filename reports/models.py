"""Background work a person can see: weekly digest deliveries."""

from django.conf import settings
from django.db import models


class DigestDelivery(models.Model):
    """One weekly digest for one recipient: the row that makes sending exactly-once."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_deliveries"
    )
    week_start = models.DateField(help_text="Monday of the ISO week the digest covers.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "digest deliveries"
        ordering = ["-week_start", "recipient"]
        indexes = [models.Index(fields=["week_start", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "week_start"], name="one_digest_per_recipient_and_week"
            ),
        ]

    def __str__(self):
        return f"{self.recipient} {self.week_start:%G-W%V} {self.status}"


class WeeklyTotal(models.Model):
    """Seconds per consultant, ISO week, kind and engagement: the rollup reports read.

    Kept exact by database triggers on tracker_timeentry (see reports/rollup.py), so every
    write path — forms, imports, the API, the admin, bulk and raw SQL — updates it.
    `engagement_key` is the engagement's id, 0 for time without one.
    """

    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    week_start = models.DateField()
    kind = models.CharField(max_length=10)
    engagement_key = models.BigIntegerField(default=0)
    seconds = models.BigIntegerField(default=0)
    entries = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["consultant", "week_start", "kind", "engagement_key"],
                name="weekly_total_unique_cell",
            ),
        ]
        indexes = [models.Index(fields=["week_start", "consultant"])]

    def __str__(self):
        return f"{self.consultant_id} {self.week_start} {self.kind} {self.seconds}s"
