"""Clients, the engagements we run for them, and the outcomes they gained (with evidence)."""

import datetime as dt
import hashlib
import json
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import (
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Cast, NullIf
from django.utils.dateformat import format as date_format

from tracker.limits import DATE_VALIDATORS, MAX_BUDGET_HOURS, MAX_OUTCOME_VALUE, at_most, within
from tracker.models import (
    Kind,
    Team,
    TimeEntry,
    WeeklyTotal,
    subquery_total,
    validate_single_line,
)


def outcome_progress(actual, baseline, target) -> float | None:
    """Share of the way from baseline to target (1.0 = reached); the sign of target - baseline
    carries the direction, so a decrease progresses as the value falls."""
    if actual is None:
        return None
    return float((actual - baseline) / (target - baseline))


def plain_decimal(value) -> Decimal | None:
    """`value` as a Decimal without trailing zeros after the point (2100, 12.5), the one way
    outcome figures are shown and exported, whatever the database hands back; None stays."""
    if value is None or value == "":
        return None
    plain = Decimal(str(value))
    if plain == plain.to_integral_value():
        # quantize, not normalize(), which writes 2100 as 2.1E+3; + 0 drops a "-0"'s sign.
        return plain.quantize(Decimal(1)) + 0
    return plain.normalize()


class ClientQuerySet(models.QuerySet):
    def with_counts(self, user):
        """Engagements and outcomes (achieved / total) per client, counting only what `user`
        may see, in the same query."""
        engagements = Engagement.objects.visible_to(user).filter(client=OuterRef("pk"))
        outcomes = Outcome.objects.visible_to(user).filter(engagement__client=OuterRef("pk"))
        return self.annotate(
            engagements_count=subquery_total(engagements, "client"),
            outcomes_total=subquery_total(outcomes, "engagement__client"),
            outcomes_achieved=subquery_total(
                outcomes.filter(status=Outcome.Status.ACHIEVED), "engagement__client"
            ),
        )

    def visible_to(self, user):
        """Clients the user owns or works for (directly or through a team they manage)."""
        if user.is_superuser or user.is_staff:
            return self.all()
        return self.filter(
            Q(owner=user) | Q(pk__in=Engagement.objects.visible_to(user).values("client_id"))
        )

    def time_visible_to(self, user):
        """Clients whose time `user` may see some of: visible_to(), and the clients of
        Engagement.objects.time_visible_to() (an engagement they have left, say)."""
        if user.is_superuser or user.is_staff:
            return self.all()
        return self.filter(
            Q(owner=user)
            | Q(pk__in=Engagement.objects.time_visible_to(user).values("client_id"))
        )


class Client(models.Model):
    name = models.CharField(max_length=200, unique=True, validators=[validate_single_line])
    sector = models.CharField(max_length=100, blank=True, validators=[validate_single_line])
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_clients",
        help_text="Who looks after the relationship.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


def _engagement_ids_of(user, *more):
    """The ids of the engagements `user` is on and of those their managed teams' people are
    on, and of `more` (querysets of one column of engagement ids), as one UNION whose every
    part reads its own index. Not one membership query with "theirs OR a managed team's": that
    OR across the user table made PostgreSQL join every membership to every person (15 ms of
    each menu at 10M entries). Nor an OR of IN subqueries: that made it test every engagement
    against each (a sequential scan of all 10,500, 5-7 ms a menu)."""
    members = Engagement.members.through.objects
    return members.filter(user=user).values_list("engagement_id").union(
        members.filter(user__team__in=Team.objects.managed_by(user)).values_list("engagement_id"),
        *more,
    )


class EngagementQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Engagements the user is on, or that members of teams they manage are on."""
        if user.is_superuser or user.is_staff:
            return self.all()
        return self.filter(pk__in=_engagement_ids_of(user))

    def time_visible_to(self, user):
        """Engagements whose time `user` may see some of, for filtering that time: those
        visible_to() them, and those on which someone within their reach (themselves, a
        managed team's people) logged time, such as one they have since left. Seeing that
        time is not seeing the engagement: its page stays visible_to()'s."""
        if user.is_superuser or user.is_staff:
            return self.all()
        # The people as a list of ids (read once per request): a subquery there kept
        # PostgreSQL from the rollup's consultant index (47 ms at 1M entries, against <1 ms).
        logged = WeeklyTotal.objects.filter(
            consultant_id__in=user.people_in_reach, entries__gt=0
        ).values_list("engagement_key")
        return self.filter(pk__in=_engagement_ids_of(user, logged))

    def editable_by(self, user):
        """Engagements `user` may edit: those of the teams they manage; all for admins.

        Seeing an engagement (a member of it, or the manager of one) is not planning it: a
        manager whose consultant helps on another team's engagement sees it read-only.
        """
        if user.is_superuser or user.is_staff:
            return self.all()
        return self.filter(team__in=Team.objects.managed_by(user))

    def recordable_by(self, user):
        """Engagements whose outcomes `user` may add, edit and record on: those they work on,
        those of the teams they manage; all for admins. A manager who sees another team's
        engagement through one of their people reads its outcomes, and changes none."""
        if user.is_superuser or user.is_staff:
            return self.all()
        return self.filter(
            Q(pk__in=Engagement.members.through.objects.filter(user=user)
              .values("engagement_id"))
            | Q(team__in=Team.objects.managed_by(user))
        )

    def with_totals(self):
        """Logged client hours, burn and outcome counts on each engagement, in the same query.

        Scalar subqueries rather than joins: joining time entries and outcomes together would
        multiply one by the other.
        """
        client_time = TimeEntry.objects.filter(engagement=OuterRef("pk"), kind=Kind.CLIENT)
        outcomes = Outcome.objects.filter(engagement=OuterRef("pk"))
        return (
            self.select_related("client")
            .annotate(
                logged_seconds=subquery_total(client_time, "engagement", Sum("seconds")),
                outcomes_total=subquery_total(outcomes, "engagement"),
                outcomes_achieved=subquery_total(
                    outcomes.filter(status=Outcome.Status.ACHIEVED), "engagement"
                ),
            )
            .annotate(
                logged_hours=ExpressionWrapper(
                    Cast("logged_seconds", FloatField()) / 3600.0, output_field=FloatField()
                ),
            )
            .annotate(
                # NULL without a budget (or a zero one) rather than a division by zero.
                burn=ExpressionWrapper(
                    F("logged_hours") / NullIf(Cast("budget_hours", FloatField()), 0.0),
                    output_field=FloatField(),
                ),
            )
        )

    def active_on(self, date):
        """Engagements time can be logged on for `date`: active, started, not yet ended
        (Engagement.is_active_on for one row)."""
        return self.filter(
            Q(status=Engagement.Status.ACTIVE),
            Q(starts_on__lte=date),
            Q(ends_on__isnull=True) | Q(ends_on__gte=date),
        )

    def loggable_by(self, consultant, date):
        """What `consultant` may log client time on for `date`: the engagements they are a
        member of that are active on that day. The time rules (tracker/rules.py) refuse
        anything else, and the forms' menus offer exactly these."""
        return self.filter(
            pk__in=Engagement.members.through.objects.filter(user=consultant).values(
                "engagement_id"
            )
        ).active_on(date)

    def in_state(self, state: str, today):
        """By the state people read (Engagement.state_on): "active" leaves out those past
        their end date, "ended" is only those."""
        ended = Q(status=Engagement.Status.ACTIVE, ends_on__lt=today)
        if state == Engagement.ENDED:
            return self.filter(ended)
        return self.filter(status=state).exclude(ended)


class Engagement(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACTIVE = "active", "Active"
        CLOSED = "closed", "Closed"

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="engagements")
    name = models.CharField(max_length=200, validators=[validate_single_line])
    starts_on = models.DateField(validators=DATE_VALIDATORS)
    ends_on = models.DateField(null=True, blank=True, validators=DATE_VALIDATORS)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    budget_hours = models.DecimalField(
        max_digits=8, decimal_places=1, null=True, blank=True,
        validators=at_most(MAX_BUDGET_HOURS, "a budget in hours"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="engagements", blank=True
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="engagements",
        help_text="The team that runs it: its managers plan and edit it.",
    )
    source_activity = models.ForeignKey(
        "tracker.Activity",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="engagements_sourced",
        help_text="The talk or post that brought this engagement in.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EngagementQuerySet.as_manager()

    class Meta:
        ordering = ["client__name", "name"]
        indexes = [models.Index(fields=["starts_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "name"],
                name="engagement_name_unique_per_client",
                violation_error_message="This client already has an engagement of that name.",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="engagement_ends_after_start",
                violation_error_message="An engagement cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=Q(budget_hours__isnull=True) | Q(budget_hours__gte=0),
                name="engagement_budget_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["proposed", "active", "closed"]),
                name="engagement_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.client.name} — {self.name}"

    def can_be_edited_by(self, user) -> bool:
        """EngagementQuerySet.editable_by for this one row, from the user's cached teams."""
        return user.is_admin or any(team.pk == self.team_id for team in user.managed_team_list)

    def can_record_outcomes(self, user) -> bool:
        """EngagementQuerySet.recordable_by for this one row (members from the prefetch, if
        the page made one)."""
        return self.can_be_edited_by(user) or any(
            member.pk == user.pk for member in self.members.all()
        )

    # An active engagement past its end date reads "Ended": nobody has to close it by hand.
    ENDED = "ended"
    STATES = [*Status.choices[:2], (ENDED, "Ended"), Status.choices[2]]

    def state_on(self, today) -> str:
        """Its status as of `today`: "ended" once an active engagement is past its end."""
        if self.status == self.Status.ACTIVE and self.ends_on and self.ends_on < today:
            return self.ENDED
        return self.status

    def state_label(self, today) -> str:
        return dict(self.STATES)[self.state_on(today)]

    def is_active_on(self, date) -> bool:
        return (
            self.status == self.Status.ACTIVE
            and self.starts_on <= date
            and (self.ends_on is None or self.ends_on >= date)
        )


# A reading this far outside its engagement's dates, or this many times the outcome's usual
# figures, is shown back for a second look before it is saved (Outcome.unusual_reading).
READING_DATE_SLACK = dt.timedelta(days=366)
READING_VALUE_FACTOR = 100


class OutcomeQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(engagement__in=Engagement.objects.visible_to(user))

    def with_progress(self):
        """The latest measurement as `actual_value`, and the share of the way from baseline to
        target as `progress_ratio`, in SQL for sorting (pages show `Outcome.progress`, the
        same figure)."""

        def as_float(expression):
            return Cast(expression, FloatField())

        return (
            self.with_actual()
            .select_related("engagement__client", "recorded_by", "client_answer__contact")
            .annotate(
                progress_ratio=ExpressionWrapper(
                    (as_float("actual_value") - as_float("baseline"))
                    / (as_float("target") - as_float("baseline")),
                    output_field=FloatField(),
                )
            )
        )

    def with_actual(self):
        """Annotate `actual_value`: the latest measurement, in one query."""
        latest = OutcomeMeasurement.objects.filter(outcome=OuterRef("pk")).order_by(
            "-date", "-pk"
        )
        return self.annotate(actual_value=Subquery(latest.values("value")[:1]))


class Outcome(models.Model):
    """A measurable result for the client: a metric, where it started and where it should go."""

    class Direction(models.TextChoices):
        INCREASE = "increase", "Increase"
        DECREASE = "decrease", "Decrease"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        ACHIEVED = "achieved", "Achieved"
        MISSED = "missed", "Missed"

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="outcomes")
    title = models.CharField(max_length=200, validators=[validate_single_line])
    metric = models.CharField(
        max_length=200, help_text="What is measured, e.g. 'cycle time'.",
        validators=[validate_single_line],
    )
    unit = models.CharField(max_length=40, blank=True, validators=[validate_single_line])
    baseline = models.DecimalField(
        max_digits=14, decimal_places=2, validators=within(MAX_OUTCOME_VALUE, "a baseline")
    )
    target = models.DecimalField(
        max_digits=14, decimal_places=2, validators=within(MAX_OUTCOME_VALUE, "a target")
    )
    direction = models.CharField(
        max_length=10, choices=Direction.choices, default=Direction.INCREASE
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    achieved_on = models.DateField(null=True, blank=True, validators=DATE_VALIDATORS)
    evidence_url = models.URLField(max_length=500, blank=True)
    evidence_note = models.TextField(blank=True)
    confirmed_by = models.CharField(
        "confirmed by (at the client)", max_length=200, blank=True,
        validators=[validate_single_line],
    )
    confirmed_on = models.DateField(null=True, blank=True, validators=DATE_VALIDATORS)
    # The client's own answer in force (docs/confirmations.md): the latest a contact gave
    # through a confirmation link. A confirmation stops being in force when the figures it
    # was given for change (the services clear it); a dispute stays until a new answer.
    client_answer = models.ForeignKey(
        "ConfirmationRequest", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name="client's answer",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outcomes_recorded",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OutcomeQuerySet.as_manager()

    class Meta:
        ordering = ["engagement", "title"]
        indexes = [models.Index(fields=["status", "achieved_on"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(direction="increase", target__gt=F("baseline"))
                    | Q(direction="decrease", target__lt=F("baseline"))
                ),
                name="outcome_target_beyond_baseline",
                violation_error_message=(
                    "The target must be above the baseline for an increase, below it for a "
                    "decrease."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status="achieved", achieved_on__isnull=False)
                | (~Q(status="achieved") & Q(achieved_on__isnull=True)),
                name="outcome_achieved_on_iff_achieved",
                violation_error_message="An achieved outcome needs the date it was achieved.",
            ),
            models.CheckConstraint(
                condition=Q(confirmed_on__isnull=True, confirmed_by="")
                | (Q(confirmed_on__isnull=False) & ~Q(confirmed_by="")),
                name="outcome_confirmation_complete",
                violation_error_message="A client confirmation needs both who and when.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["planned", "in_progress", "achieved", "missed"]),
                name="outcome_status_valid",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_verified(self) -> bool:
        """VERIFIED for this one row: achieved, and confirmed by a client contact through
        their link. A confirmation typed in by the firm is only "reported"."""
        answer = self.client_answer
        return (self.status == self.Status.ACHIEVED and answer is not None
                and answer.decision == ConfirmationRequest.Decision.CONFIRMED)

    @property
    def is_disputed(self) -> bool:
        answer = self.client_answer
        return answer is not None and answer.decision == ConfirmationRequest.Decision.DISPUTED

    def figures(self, measurements=None) -> dict:
        """What a client contact is shown and asked to confirm, as plain JSON values: a
        confirmation holds for exactly these (figures_digest)."""
        if measurements is None:
            measurements = self.measurements.order_by("date", "pk")
        return {
            "title": self.title, "metric": self.metric, "unit": self.unit,
            "direction": self.direction, "baseline": str(plain_decimal(self.baseline)),
            "target": str(plain_decimal(self.target)), "status": self.status,
            "achieved_on": self.achieved_on.isoformat() if self.achieved_on else None,
            "evidence_url": self.evidence_url, "evidence_note": self.evidence_note,
            "measurements": [[m.date.isoformat(), str(plain_decimal(m.value))]
                             for m in measurements],
        }

    def figures_digest(self) -> str:
        return figures_digest(self.figures())

    def progress(self, actual: Decimal | None) -> float | None:
        """Share of the way from baseline to target, respecting direction (1.0 = reached)."""
        return outcome_progress(actual, self.baseline, self.target)

    # The client confirms what was achieved: only once it is recorded as achieved, never dated
    # before it was; reopening it or marking it missed withdraws the confirmation.

    def confirmation_error(self, confirmed_on) -> str | None:
        """Why the client cannot have confirmed this outcome (on `confirmed_on`), if so."""
        if self.status != self.Status.ACHIEVED:
            return "Only an achieved outcome can be confirmed: mark it achieved first."
        if self.achieved_on and confirmed_on and confirmed_on < self.achieved_on:
            return (
                "The client cannot have confirmed it before it was achieved "
                f"({date_format(self.achieved_on, 'j M Y')})."
            )
        return None

    def achievement_date_error(self, achieved_on) -> str | None:
        """Why this outcome cannot have been achieved on `achieved_on`, if so."""
        if self.confirmed_on and achieved_on and achieved_on > self.confirmed_on:
            return (
                f"The client confirmed it on {date_format(self.confirmed_on, 'j M Y')}: "
                "it cannot have been achieved later."
            )
        return None

    def unusual_reading(self, date, value, *, exclude_pk=None) -> dict[str, str]:
        """Field -> why a reading looks mistyped, next to this outcome's other figures: dated
        far outside the engagement (a year 1900 typo), or a value a hundred times the
        outcome's usual size (the median of its baseline, target and other readings). Not a
        refusal: the form shows it and saves once the person says the reading is right."""
        warnings = {}
        engagement = self.engagement
        earliest = engagement.starts_on - READING_DATE_SLACK
        latest = (engagement.ends_on or date) + READING_DATE_SLACK
        if date is not None and not earliest <= date <= latest:
            warnings["date"] = (
                f"{date_format(date, 'j M Y')} is more than a year outside the engagement "
                f"({date_format(engagement.starts_on, 'j M Y')} – "
                f"{date_format(engagement.ends_on, 'j M Y') if engagement.ends_on else 'open'})"
                ": is the year right?"
            )
        if value is not None:
            others = self.measurements.all()
            if exclude_pk is not None:
                others = others.exclude(pk=exclude_pk)
            sizes = sorted(
                abs(figure)
                for figure in [self.baseline, self.target, *others.values_list("value", flat=True)]
                if figure
            )
            usual = sizes[len(sizes) // 2] if sizes else 0
            if usual and abs(value) > READING_VALUE_FACTOR * usual:
                warnings["value"] = (
                    f"{plain_decimal(value):,} is over {READING_VALUE_FACTOR} times this "
                    f"outcome's usual figures (around {plain_decimal(usual):,}): "
                    "is a digit or the decimal point off?"
                )
        return warnings

    def clean(self):
        errors = {}
        if self.baseline is not None and self.target is not None:
            if self.direction == self.Direction.INCREASE and self.target <= self.baseline:
                errors["target"] = "For an increase, the target must be above the baseline."
            if self.direction == self.Direction.DECREASE and self.target >= self.baseline:
                errors["target"] = "For a decrease, the target must be below the baseline."
        if self.status == self.Status.ACHIEVED and not self.achieved_on:
            errors["achieved_on"] = "Say when the outcome was achieved."
        if self.status != self.Status.ACHIEVED and self.achieved_on:
            errors["achieved_on"] = "Only an achieved outcome has an achievement date."
        if bool(self.confirmed_by) != bool(self.confirmed_on):
            field = "confirmed_on" if self.confirmed_by else "confirmed_by"
            errors[field] = "A client confirmation needs both who confirmed it and when."
        elif self.confirmed_on and (error := self.confirmation_error(self.confirmed_on)):
            errors["confirmed_on"] = error
        if errors:
            raise ValidationError(errors)


def figures_digest(figures: dict) -> str:
    return hashlib.sha256(
        json.dumps(figures, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


# Confirmed by a client contact through their link, and achieved: what the lists, the
# balance report, the exports, the digests and the API call verified (the one definition).
# `confirmed_by`/`confirmed_on`, typed in by the firm, are "reported", never verified.
VERIFIED = Q(status=Outcome.Status.ACHIEVED, client_answer__decision="confirmed")
DISPUTED = Q(client_answer__decision="disputed")


class OutcomeMeasurement(models.Model):
    """One reading of an outcome's metric; the latest is the outcome's actual."""

    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="measurements")
    date = models.DateField(validators=DATE_VALIDATORS)
    value = models.DecimalField(
        max_digits=14, decimal_places=2, validators=within(MAX_OUTCOME_VALUE, "a value")
    )
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["outcome", "date", "pk"]
        # (…, id): an outcome's latest reading (with_actual: by date, then id) read off the
        # end of the index, not sorted; a year's report reads 9,000 outcomes' at 10M entries.
        indexes = [
            models.Index(fields=["outcome", "date", "id"], name="outcome_measurement_latest"),
        ]

    def __str__(self):
        return f"{self.outcome}: {plain_decimal(self.value)} on {self.date}"


class ClientContactQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(client__in=Client.objects.visible_to(user))


class ClientContact(models.Model):
    """A person at the client who may be asked to confirm an outcome."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200, validators=[validate_single_line])
    email = models.EmailField("e-mail", max_length=254)
    role = models.CharField(
        max_length=200, blank=True, validators=[validate_single_line],
        help_text="Their role at the client, e.g. 'Head of operations'.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClientContactQuerySet.as_manager()

    class Meta:
        ordering = ["client", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "email"], name="contact_email_unique_per_client",
                violation_error_message="This client already has a contact with that e-mail.",
            ),
        ]

    def __str__(self):
        return f"{self.name}, {self.role}" if self.role else self.name


class ConfirmationRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(outcome__in=Outcome.objects.visible_to(user))


class ConfirmationRequest(models.Model):
    """One outcome put to one client contact, by e-mail with a signed link, and their answer.

    The e-mail and its one reminder are sent exactly once (`sent_at`, `reminded_at` claimed
    by a conditional update as the message goes out: reports/confirmations.py)."""

    class Decision(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        DISPUTED = "disputed", "Disputed"

    outcome = models.ForeignKey(
        Outcome, on_delete=models.CASCADE, related_name="confirmation_requests"
    )
    contact = models.ForeignKey(
        ClientContact, on_delete=models.PROTECT, related_name="confirmation_requests"
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    asked_at = models.DateTimeField()
    # The figures the contact is asked about, and their digest (the link is bound to it).
    figures = models.JSONField()
    figures_hash = models.CharField(max_length=64)
    sent_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    comment = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    # With the contact's consent: a public card of the confirmed outcome at /cards/<slug>/,
    # naming them (name and role) only if they agreed to that too.
    consent_card = models.BooleanField(default=False)
    consent_name = models.BooleanField(default=False)
    card_slug = models.CharField(max_length=32, blank=True)

    objects = ConfirmationRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-asked_at", "-pk"]
        indexes = [models.Index(fields=["answered_at", "reminded_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["card_slug"], condition=~Q(card_slug=""), name="card_slug_unique"
            ),
            models.CheckConstraint(
                condition=Q(decision="", answered_at__isnull=True)
                | Q(decision__in=["confirmed", "disputed"], answered_at__isnull=False),
                name="confirmation_answer_complete",
            ),
        ]

    def __str__(self):
        if self.decision:
            return f"{self.get_decision_display()} by {self.contact}"
        return f"Asked of {self.contact}"

    @property
    def expires_at(self):
        return self.asked_at + CONFIRMATION_LINK_AGE

    def is_expired(self, now) -> bool:
        return now >= self.expires_at

    @property
    def reminder_due_at(self):
        return self.asked_at + CONFIRMATION_REMINDER_AFTER


CONFIRMATION_LINK_AGE = dt.timedelta(days=30)
CONFIRMATION_REMINDER_AFTER = dt.timedelta(days=7)
