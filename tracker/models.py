"""People and their time: User, Team, TimeEntry and the self-promotion Activity log."""

import datetime as dt
import unicodedata
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Concat, Lower, NullIf, Trim
from django.utils.crypto import salted_hmac
from django.utils.functional import cached_property
from django.utils.timezone import now as timezone_now

from .limits import (  # SECONDS_PER_DAY: where forms and rules import it from
    DATE_VALIDATORS,
    MAX_AUDIENCE,
    MAX_LEADS,
    SECONDS_PER_DAY,
    at_most,
)
from .week import week_dates


def subquery_total(queryset, group_by: str, aggregate=None):
    """A correlated aggregate as a scalar subquery, 0 when there is nothing to aggregate:
    `queryset` filtered on an OuterRef and grouped by the column it is correlated on
    (`group_by`); COUNT(*) unless `aggregate` says otherwise.

    A subquery rather than a join: joining two sets of rows to one object (its time and
    its outcomes) would multiply one by the other.
    """
    grouped = queryset.order_by().values(group_by).annotate(total=aggregate or Count("pk"))
    return Coalesce(Subquery(grouped.values("total")[:1], output_field=IntegerField()), Value(0))


def validate_timezone(value: str) -> None:
    # Checked against tzdata at run time rather than stored as choices, so a tzdata
    # update never changes the schema.
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known timezone, e.g. Europe/London.")


# Bidirectional overrides and isolates: they make a name read as another in a list or a subject.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def validate_single_line(value: str) -> None:
    """A name or title is one line of text: no line break, tab or other control character
    (a CR/LF in a saved report's name broke every e-mail of it), no bidi override."""
    # Cc: control characters (CR, LF, tab, escape…); Zl, Zp: the line and paragraph
    # separators U+2028 and U+2029, line breaks all the same.
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") or c in BIDI_CONTROLS for c in value):
        raise ValidationError(
            "Use one line of plain text: no line breaks, tabs or control characters.",
            code="control_characters",
        )


def default_timezone() -> str:
    return settings.TIME_ZONE


def default_start_date() -> dt.date:
    """A new person's start date: the day they join (in the site's timezone)."""
    return timezone_now().astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()


class TeamQuerySet(models.QuerySet):
    def managed_by(self, user):
        return self.filter(managers=user)

    def visible_to(self, user):
        """The teams whose reports and lists `user` may filter by: all for admins."""
        if user.is_superuser or user.is_staff:
            return self.all()
        return self.managed_by(user)


class Team(models.Model):
    name = models.CharField(max_length=120, unique=True, validators=[validate_single_line])
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="managed_teams", blank=True
    )
    promotion_threshold = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.30"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Promotion share above which a consultant with no outcome is flagged.",
    )

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(promotion_threshold__gte=0, promotion_threshold__lte=1),
                name="team_threshold_is_a_share",
            ),
        ]

    def __str__(self):
        return self.name


class UserQuerySet(models.QuerySet):
    def by_name(self):
        """In the order of the names they are shown by (str(user): the full name, else the
        username), ignoring case; the username breaks ties."""
        full_name = Trim(Concat("first_name", Value(" "), "last_name"))
        return self.order_by(
            Lower(Coalesce(NullIf(full_name, Value("")), "username")), "username"
        )

    def visible_to(self, user):
        """The people whose data `user` may see: themselves, their teams' members, or all."""
        if user.is_superuser or user.is_staff:
            return self.all()
        return self.filter(Q(pk=user.pk) | Q(team__in=Team.objects.managed_by(user)))


class ClientFirstUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    class Role(models.TextChoices):
        CONSULTANT = "consultant", "Consultant"
        MANAGER = "manager", "Manager"
        ADMIN = "admin", "Admin"

    email = models.EmailField("email address", unique=True)
    first_name = models.CharField(
        "first name", max_length=150, blank=True, validators=[validate_single_line]
    )
    last_name = models.CharField(
        "last name", max_length=150, blank=True, validators=[validate_single_line]
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    timezone = models.CharField(
        max_length=64, default=default_timezone, validators=[validate_timezone]
    )
    weekly_capacity_hours = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        default=Decimal("40"),
        validators=[MinValueValidator(0), MaxValueValidator(168)],
    )
    # Capacity counts only people who log time (tracker.figures.capacity): a manager or an
    # admin who logs none is not a zero-hour consultant in their team's capacity.
    logs_time = models.BooleanField(
        "logs time", default=True,
        help_text="Counts toward the team's capacity. Off for managers and admins who log "
                  "no time of their own.",
    )
    started_on = models.DateField(
        "start date", null=True, blank=True, default=default_start_date,
        help_text="Capacity counts from this day (someone joining mid-period has capacity "
                  "from here). Blank: every period.",
    )
    digest_opt_in = models.BooleanField("weekly digest", default=True)
    week_reminder_opt_in = models.BooleanField(
        "timesheet reminder", default=True,
        help_text="An e-mail on Monday at noon when last week is not submitted yet.",
    )
    # Mixed into the hash every session of this user carries (get_session_auth_hash): a new
    # value ends them all (services.user_sessions_end). Blank: the hash is Django's own.
    session_epoch = models.CharField(max_length=32, blank=True, default="", editable=False)

    objects = ClientFirstUserManager()

    class Meta:
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekly_capacity_hours__gte=0, weekly_capacity_hours__lte=168),
                name="user_capacity_within_a_week",
            ),
            # Imports match people by e-mail: Dana@x and dana@x must be one person.
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_unique_ignoring_case",
                violation_error_message="A user with that e-mail address already exists.",
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    def _get_session_auth_hash(self, secret=None):
        """Django's HMAC of the password hash, with the session epoch after it: a new password
        or a new epoch, and the sessions that carry the old hash are over."""
        key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        return salted_hmac(key_salt, self.password + self.session_epoch, secret=secret,
                           algorithm="sha256").hexdigest()

    @property
    def is_admin(self) -> bool:
        return self.is_superuser or self.is_staff

    @cached_property
    def people_in_reach(self) -> list[int] | None:
        """The ids of the people this user may see, read once per request; None for an
        admin, who sees everyone. visible_to() stays the permission check: its OR across
        the user table hides the consultant indexes from PostgreSQL (it reads every row of
        the entries or the rollup), where this literal list lets it read only theirs."""
        if self.is_admin:
            return None
        return list(User.objects.visible_to(self).values_list("pk", flat=True))

    @cached_property
    def managed_team_list(self) -> list:
        """The teams this user manages, read once per request (role, menus and filters)."""
        return list(self.managed_teams.all())

    @property
    def is_manager(self) -> bool:
        return bool(self.managed_team_list)

    @property
    def role(self) -> str:
        if self.is_admin:
            return self.Role.ADMIN
        if self.is_manager:
            return self.Role.MANAGER
        return self.Role.CONSULTANT

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def today(self) -> dt.date:
        from django.utils import timezone

        return timezone.now().astimezone(self.tzinfo).date()


class Kind(models.TextChoices):
    CLIENT = "client", "Client work"
    PROMOTION = "promotion", "Promotion"
    INTERNAL = "internal", "Internal"


# The kinds' values, read once: Kind.values builds a new list at every access, which the
# reports' loops paid some 10,000 times a year's report (a third of its Python time).
KIND_VALUES = tuple(Kind.values)


def _visible_by_consultant(queryset, user, field="consultant"):
    if user.is_superuser or user.is_staff:
        return queryset.all()
    return queryset.filter(
        Q(**{field: user}) | Q(**{f"{field}__team__in": Team.objects.managed_by(user)})
    )


class ActivityKind(models.TextChoices):
    TALK = "talk", "Talk"
    PANEL = "panel", "Panel"
    WEBINAR = "webinar", "Webinar"
    PODCAST = "podcast", "Podcast"
    BLOG_POST = "blog_post", "Blog post"
    SOCIAL_POST = "social_post", "Social post"
    NEWSLETTER = "newsletter", "Newsletter"
    AWARD = "award", "Award"
    OTHER = "other", "Other"


class ActivityQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _visible_by_consultant(self, user)

    def in_period(self, start: dt.date, end: dt.date):
        return self.filter(date__range=(start, end))


class Activity(models.Model):
    """A piece of self-promotion: a talk, a post, a podcast... and what it reached."""

    Kind = ActivityKind

    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="activities",
        db_index=False,  # (consultant, date) covers it
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200, validators=[validate_single_line])
    date = models.DateField(validators=DATE_VALIDATORS)
    venue = models.CharField(
        "venue or channel", max_length=200, blank=True, validators=[validate_single_line]
    )
    url = models.URLField("link", max_length=500, blank=True)
    # Summed over teams and periods by the lists and the balance report: bounded, so one
    # typo (9223372036854775807) cannot overflow everyone's sum.
    audience = models.PositiveIntegerField(
        "audience reached", default=0, validators=at_most(MAX_AUDIENCE, "an audience")
    )
    interactions = models.PositiveIntegerField(
        default=0, validators=at_most(MAX_AUDIENCE, "interactions")
    )
    leads = models.PositiveIntegerField(default=0, validators=at_most(MAX_LEADS, "leads"))
    engagement = models.ForeignKey(
        "clients.Engagement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="featured_in",
        help_text="The engagement this features as a case study, if any.",
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "activities"
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["consultant", "date"]), models.Index(fields=["date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ActivityKind.values),
                name="activity_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title}"


class ImportUpload(models.Model):
    """A file uploaded on the import page, kept with the options chosen and its dry-run
    preview until someone confirms it (then its ImportBatch runs from the stored file, in a
    worker, and again after a broker outage)."""

    file = models.FileField(upload_to="imports/%Y/%m/")
    file_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField("SHA-256", max_length=64)
    format = models.CharField(max_length=10)
    create_users = models.BooleanField(default=False)
    mapping = models.TextField("map (TOML)", blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="import_uploads",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The dry run's figures: rows, entries and hours by kind, what would be created, the
    # first problems and how many there were (tracker/imports/uploads.py writes it).
    preview = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.file_name} ({self.format})"

    @property
    def confirmable(self) -> bool:
        return bool(self.preview) and not self.preview.get("problem_count")


class ImportBatchQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The import pages' reach: an admin sees every batch, a manager the ones they ran."""
        return self.all() if user.is_admin else self.filter(created_by=user)


class ImportBatch(models.Model):
    """One run of an import (manage.py import_timesheet or the import page): what file, who
    ran it, what it brought in, and whether it was undone. Its entries point back at it."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        UNDONE = "undone", "Undone"

    file_name = models.CharField(max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    format = models.CharField(max_length=10)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_batches",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When a worker took it: one "running" far longer than a task may run lost its worker.
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_read = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(
        default=0, help_text="Rows already imported by an earlier batch."
    )
    client_entries = models.PositiveIntegerField(default=0)
    client_seconds = models.BigIntegerField(default=0)
    promotion_entries = models.PositiveIntegerField(default=0)
    promotion_seconds = models.BigIntegerField(default=0)
    internal_entries = models.PositiveIntegerField(default=0)
    internal_seconds = models.BigIntegerField(default=0)
    people_created = models.PositiveIntegerField(default=0)
    clients_created = models.PositiveIntegerField(default=0)
    engagements_created = models.PositiveIntegerField(default=0)
    # "row N, column C: message", sorted by row: why a failed batch wrote nothing.
    errors = models.JSONField(default=list, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    # The page's imports run from the stored upload; the command's have none.
    upload = models.OneToOneField(
        ImportUpload,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="batch",
    )
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "import batches"

    def __str__(self):
        return f"{self.file_name} ({self.format}, {self.get_status_display()})"

    def seen_by(self, user) -> bool:
        """May `user` open this batch's page? The import pages (managers and admins only)
        with ImportBatchQuerySet.visible_to's reach, for one batch and no query."""
        return user.is_admin or (user.is_manager and self.created_by_id == user.pk)

    @property
    def entries(self) -> int:
        return self.client_entries + self.promotion_entries + self.internal_entries

    @property
    def seconds(self) -> int:
        return self.client_seconds + self.promotion_seconds + self.internal_seconds


class EntrySource(models.TextChoices):
    """Where a time entry came from (its provenance): a form or the week grid, the timer, an
    import of one of these tools (with its batch), the API (with its token)."""

    MANUAL = "manual", "Manual"
    TIMER = "timer", "Timer"
    TOGGL = "toggl", "Toggl"
    HARVEST = "harvest", "Harvest"
    CLOCKIFY = "clockify", "Clockify"
    KIMAI = "kimai", "Kimai"
    API = "api", "API"


IMPORTED_SOURCES = (EntrySource.TOGGL, EntrySource.HARVEST, EntrySource.CLOCKIFY,
                    EntrySource.KIMAI)


class WeekStart(models.Func):
    """The Monday of a date's ISO week, in SQL: the expression the rollup's and the week
    lock's triggers use. Not TruncWeek, which SQLite runs in Python for every row."""

    output_field = models.DateField()
    arity = 1
    template = "date(%(expressions)s, 'weekday 0', '-6 days')"  # SQLite: Sunday, back 6 days

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection,
                           template="date_trunc('week', %(expressions)s)::date", **extra_context)


def _entry_week_approvals():
    """The approval record of an outer time entry's week (at most one row)."""
    return WeekApproval.objects.filter(
        consultant=OuterRef("consultant_id"), week_start=WeekStart(OuterRef("date"))
    )


def entry_week_status():
    """An expression for a time entry's week status ("open" for a week without a record):
    a correlated subquery on the approvals' unique (consultant, week) index, so a page of
    entries, an export or an API list reads every row's status in its own query."""
    return Coalesce(
        Subquery(_entry_week_approvals().values("status")[:1]), Value(WeekStatus.OPEN),
        output_field=models.CharField(),
    )


def entry_week_approved():
    """A condition: the time entry's week is approved (~ for "is not")."""
    return Exists(_entry_week_approvals().filter(status=WeekStatus.APPROVED))


# Read once: TextChoices builds .values and .choices anew on each access, which was a fifth of
# a 43,000-row export's time when asked per row.
SOURCE_LABELS = dict(EntrySource.choices)


def source_text(source: str, batch_id: int | None = None, token_name: str | None = None) -> str:
    """Where an entry came from, as the time list and its exports say it: "Manual",
    "Timer", "Toggl import #12", "API · laptop" (the token's name, never its secret)."""
    label = SOURCE_LABELS.get(source, source)
    if source in IMPORTED_SOURCES:
        return f"{label} import #{batch_id}" if batch_id else f"{label} import"
    if source == EntrySource.API and token_name:
        return f"{label} · {token_name}"
    return label


class TimeEntryQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _visible_by_consultant(self, user)

    def in_period(self, start: dt.date, end: dt.date):
        """Entries dated from start to end, both inclusive."""
        return self.filter(date__range=(start, end))

    def in_cell_order(self):
        """The order of a week grid cell's entries, oldest first: its dialog lists them so and
        its tooltip joins their notes so (tracker/grid.py, views/week.py week_cell)."""
        return self.order_by("date", "pk")


class TimeEntry(models.Model):
    Source = EntrySource

    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="time_entries",
        db_index=False,  # (consultant, date) covers it
    )
    date = models.DateField(validators=DATE_VALIDATORS)
    seconds = models.PositiveIntegerField(
        validators=[
            MinValueValidator(1, "A time entry needs some time: more than 0 seconds."),
            MaxValueValidator(SECONDS_PER_DAY, "A time entry cannot be longer than 24 hours."),
        ]
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    engagement = models.ForeignKey(
        "clients.Engagement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="time_entries",
        db_index=False,  # (engagement, date) covers it
    )
    activity = models.ForeignKey(
        Activity,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="time_entries",
        help_text="The promotion activity this time was spent on.",
    )
    note = models.TextField(blank=True)
    billable = models.BooleanField(default=False)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    external_id = models.CharField(max_length=100, blank=True, default="")
    # Provenance: the import that brought the entry in. PROTECT: a batch is never deleted
    # under its entries; undoing it deletes them (import_batch_undo) and keeps the record.
    import_batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="time_entries",
    )
    # Provenance: the API token that created the entry (None through a browser session).
    # SET_NULL: the entry stays when its person is deleted with their tokens.
    api_token = models.ForeignKey(
        "ApiToken",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # the partial index below: most entries have none
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TimeEntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "time entries"
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["consultant", "date"]),
            # The list's own order (newest first, then the id): its first page reads 25 rows
            # off this index, where the date alone made it sort the newest day's every entry
            # (20,000 for an admin at 10M: 11 ms).
            models.Index(fields=["date", "id"], name="time_entry_date_order"),
            models.Index(fields=["engagement", "date"]),
            # The list sorted by duration (either way) reads its first page off this index
            # instead of a top-N sort of every entry in reach (727 ms for an admin at 10M).
            models.Index(fields=["seconds", "date", "id"], name="time_entry_duration_order"),
            # What a token's deletion sets to NULL (SET_NULL), found without a table scan.
            models.Index(fields=["api_token"], condition=Q(api_token__isnull=False),
                         name="time_entry_api_token"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(seconds__gt=0, seconds__lte=SECONDS_PER_DAY),
                name="time_entry_seconds_within_a_day",
                violation_error_message="A time entry must be more than 0 and at most 24 hours.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=Kind.values),
                name="time_entry_kind_valid",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind=Kind.CLIENT, engagement__isnull=False)
                    | (~Q(kind=Kind.CLIENT) & Q(engagement__isnull=True))
                ),
                name="time_entry_engagement_iff_client",
                violation_error_message=(
                    "Client work needs an engagement; promotion and internal time have none."
                ),
            ),
            models.CheckConstraint(
                condition=Q(activity__isnull=True) | Q(kind=Kind.PROMOTION),
                name="time_entry_activity_only_for_promotion",
                violation_error_message="Only promotion time can link to an activity.",
            ),
            models.CheckConstraint(
                condition=Q(source__in=EntrySource.values),
                name="time_entry_source_valid",
            ),
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="time_entry_unique_import_row",
                violation_error_message="This row was already imported.",
            ),
        ]

    def __str__(self):
        return f"{self.consultant} {self.date} {self.hours:.2f} h {self.kind}"

    @property
    def hours(self) -> float:
        return self.seconds / 3600

    @property
    def source_text(self) -> str:
        """source_text() of this entry (its token read: select_related("api_token"))."""
        token = self.api_token if self.api_token_id else None
        return source_text(self.source, self.import_batch_id, token and token.name)

    def clean(self):
        errors = {}
        if self.kind == Kind.CLIENT and not self.engagement_id:
            errors["engagement"] = "Client work needs an engagement."
        if self.kind != Kind.CLIENT and self.engagement_id:
            errors["engagement"] = "Only client work is logged on an engagement."
        if self.activity_id and self.kind != Kind.PROMOTION:
            errors["activity"] = "Only promotion time can link to an activity."
        if errors:
            raise ValidationError(errors)


class WeeklyTotal(models.Model):
    """Seconds and entries per consultant, ISO week, kind, engagement and billable: the
    rollup reports and the time list's totals read.

    Kept exact by database triggers on tracker_timeentry (see tracker/rollup.py), so every
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
    billable = models.BooleanField(default=False)
    seconds = models.BigIntegerField(default=0)
    entries = models.IntegerField(default=0)

    class Meta:
        # The table kept the name it had under reports/ (the model moved in migration
        # tracker 0006 without touching the database): the triggers' SQL, frozen in their
        # migrations, names it, and a rename would have to replace them on every database.
        db_table = "reports_weeklytotal"
        constraints = [
            models.UniqueConstraint(
                fields=["consultant", "week_start", "kind", "engagement_key", "billable"],
                name="weekly_total_unique_cell",
            ),
        ]
        indexes = [
            models.Index(fields=["week_start", "consultant"]),
            models.Index(fields=["engagement_key"]),
            # "Engagements their people logged time on" (the /time/ list's menus): read
            # from the index alone, not from thousands of rollup rows scattered on disk.
            models.Index(fields=["consultant", "engagement_key"], condition=Q(entries__gt=0),
                         name="weekly_total_worked_on"),
        ]

    def __str__(self):
        return f"{self.consultant_id} {self.week_start} {self.kind} {self.seconds}s"


class WeeklySourceTotal(models.Model):
    """Seconds by kind and entries per consultant, ISO week and source: a coarser rollup than
    WeeklyTotal (about 1.5 rows per person-week against 4) for totals that need neither the
    engagement nor billable — the report's hours by kind, its weekly series, its unapproved
    marks, its hours by source — kept exact by the same triggers (tracker/rollup.py), with its
week's approval kept by triggers on the approvals."""

    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    week_start = models.DateField()
    source = models.CharField(max_length=10)
    # One column a kind (Kind): a new kind needs a migration of the triggers anyway.
    client_seconds = models.BigIntegerField(default=0)
    promotion_seconds = models.BigIntegerField(default=0)
    internal_seconds = models.BigIntegerField(default=0)
    # Entries by kind (0022), for /time/'s counts of a selection narrowed by a kind.
    client_entries = models.IntegerField(default=0)
    promotion_entries = models.IntegerField(default=0)
    internal_entries = models.IntegerField(default=0)
    entries = models.IntegerField(default=0)
    # Whether the person's week is approved (0024): kept by triggers on the approvals, so
    # the report's "not yet approved" marks read these rows alone. A row the entries add
    # starts unapproved (the database default): the week lock refuses time in an approved
    # week.
    approved = models.BooleanField(default=False, db_default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["consultant", "week_start", "source"],
                name="weekly_source_total_unique_cell",
            ),
        ]
        indexes = [
            models.Index(fields=["week_start", "consultant"], name="tracker_wee_week_st_src_idx"),
            # The report's "not yet approved" marks read only these rows: a few weeks a
            # person once the older ones are approved. Not on `entries`, which every time
            # entry changes: the triggers' updates of a row stay in place (HOT).
            models.Index(fields=["week_start", "consultant"], condition=Q(approved=False),
                         name="weekly_source_unapproved"),
        ]

    def __str__(self):
        return f"{self.consultant_id} {self.week_start} {self.source} {self.entries} entries"


class FirmWeekTotal(models.Model):
    """Everyone's seconds and entries by kind per ISO week and source, as changes to sum: a
    week's figures are the SUM of its rows. For the /time/ list of a selection narrowed by
    nothing but dates and a kind (an admin's whole list), and for the weekly series and the
    hours by source of a report of everyone: a few hundred rows a year instead of grouping
    the coarse rollup's 830,000 (240-360 ms at 10M entries).

    Rows, not one row a week kept up to date: that row would be every writer's in the week
    (an import holding it for seconds would stall everyone's saves). The triggers on the
    entries (tracker/rollup.py) only ever insert: each change of an entry adds its
    difference (a new entry +, a deleted one -, a moved one both). firm_weeks_compact(),
    run by beat every few minutes, folds them into one row a week."""

    week_start = models.DateField()
    source = models.CharField(max_length=10)
    # The coarse rollup's columns (WeeklySourceTotal): one a kind.
    client_seconds = models.BigIntegerField(default=0)
    promotion_seconds = models.BigIntegerField(default=0)
    internal_seconds = models.BigIntegerField(default=0)
    client_entries = models.BigIntegerField(default=0)
    promotion_entries = models.BigIntegerField(default=0)
    internal_entries = models.BigIntegerField(default=0)
    entries = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.week_start} {self.source} {self.entries:+} entries"


class WeekSums(models.Field):
    """53 running sums of seconds, one an ISO week: element w (1-based) holds weeks 1..w of
    the year, so the weeks a..b are element b less element a-1. PostgreSQL's integer[]: a
    person's year on one engagement holds at most 366 days of 24 hours, 31.6M seconds, far
    inside it (an entry is at most a day, a database constraint says so). On SQLite, where
    the table is neither kept nor read, text."""

    def db_type(self, connection):
        return "integer[]" if connection.vendor == "postgresql" else "text"


class RunningYearTotal(models.Model):
    """Seconds by kind per consultant, engagement (0: none) and ISO year, as running sums by
    week (WeekSums), on PostgreSQL: the time of any run of whole weeks, per person and
    engagement, in one or two rows a pair (a year across two ISO years), where the fine
    rollup (WeeklyTotal) holds one a week. A year's report of 4,000 people grouped 850,000
    of those rows at 10M entries, 300-550 ms; these are 56,000.

    Kept exact by triggers on tracker_timeentry (tracker/rollup.py, migration tracker 0028)
    that add each statement's changes of the entries to every week from theirs to the
    year's end, once a statement. Not kept on SQLite (no arrays): the report reads the fine
    rollup there. A kind with no time in the pair's year has no sums (NULL). No count of
    entries: every entry holds more than 0 seconds (a database constraint), so the weeks
    with entries are the weeks with seconds."""

    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        db_index=False,  # the unique constraint's index serves it; one index less to write
    )
    engagement_key = models.BigIntegerField(default=0)
    iso_year = models.IntegerField()
    client = WeekSums(null=True)
    promotion = WeekSums(null=True)
    internal = WeekSums(null=True)

    class Meta:
        constraints = [
            # Person first: a team's report reads its people's rows of a range of years; a
            # report of everyone reads every row of them.
            models.UniqueConstraint(fields=["consultant", "iso_year", "engagement_key"],
                                    name="running_year_total_unique_cell"),
        ]

    def __str__(self):
        return f"{self.consultant_id} {self.engagement_key} {self.iso_year}"


class EngagementTotal(models.Model):
    """Seconds and entries logged on an engagement, all time and by everyone: its budget's
    burn. Kept exact by the same triggers as WeeklyTotal (tracker/rollup.py), so a report
    reads one row per engagement instead of summing the rollup's weeks of each."""

    engagement_key = models.BigIntegerField(primary_key=True)  # the engagement's id
    seconds = models.BigIntegerField(default=0)
    entries = models.IntegerField(default=0)

    def __str__(self):
        return f"{self.engagement_key} {self.seconds}s"


class WeekStatus(models.TextChoices):
    OPEN = "open", "Open"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned"


class WeekApprovalQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _visible_by_consultant(self, user)

    def decidable_by(self, user):
        """The weeks `user` may approve or return: their teams' people's (every team's for
        an admin), never their own: a manager's week goes to another manager or an admin."""
        rows = self.exclude(consultant=user)
        if user.is_superuser or user.is_staff:
            return rows
        return rows.filter(consultant__team__in=Team.objects.managed_by(user))


class WeekApproval(models.Model):
    """A consultant's ISO week on its way to sign-off: submitted by them, approved or returned
    (with a comment) by a manager of their team or an admin, reopened by an admin (with a
    reason). No row is an open week. An approved week is locked: tracker/approvals.py refuses
    every write into it, and database triggers refuse what bypasses the services.

    The last decision (who, when, the comment) stays on the row when an admin reopens the
    week, next to who reopened it and why.
    """

    Status = WeekStatus

    # PROTECT: the sign-off records outlive nothing they vouch for; a person who has left is
    # deactivated, not deleted (the admin's delete page names the weeks that stop it).
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="week_approvals",
        db_index=False,  # (consultant, week_start) covers it
    )
    week_start = models.DateField("week", help_text="The Monday of the ISO week.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    submitted_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField("consultant's note", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField("manager's comment", blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopen_reason = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WeekApprovalQuerySet.as_manager()

    class Meta:
        ordering = ["-week_start", "consultant"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultant", "week_start"],
                name="week_approval_one_per_week",
                violation_error_message="This week already has its approval record.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=WeekStatus.values),
                name="week_approval_status_valid",
            ),
        ]
        # The approvals page lists a status across people and weeks.
        indexes = [models.Index(fields=["status", "week_start"])]

    def __str__(self):
        return f"{self.consultant} {self.week_start:%G-W%V} {self.get_status_display()}"

    @property
    def iso_week(self) -> str:
        return f"{self.week_start:%G-W%V}"

    @property
    def dates(self) -> str:
        """Its days, '16–22 Nov 2026': what people read beside the ISO week."""
        return week_dates(self.week_start)

    @property
    def locked(self) -> bool:
        return self.status == self.Status.APPROVED


class RunningTimer(models.Model):
    """A stopwatch someone started on /time/; stopping it logs a TimeEntry.

    One per person (the user is the primary key), kept in the database so it survives a page
    reload, a closed tab and a different device.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="running_timer",
    )
    started_at = models.DateTimeField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    engagement = models.ForeignKey(
        "clients.Engagement", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    activity = models.ForeignKey(
        Activity, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    billable = models.BooleanField(default=False)

    def __str__(self):
        return f"{self.user} since {self.started_at:%Y-%m-%d %H:%M}"


class ApiTokenQuerySet(models.QuerySet):
    def active(self, now: dt.datetime | None = None):
        """Not revoked and not expired: the tokens that authenticate."""
        from django.utils import timezone

        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A personal API token. Only the SHA-256 of its secret is stored: the secret is shown
    once, when it is made (services.api_token_create), and cannot be read back."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, validators=[validate_single_line])
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=12, editable=False)  # to tell tokens apart in lists
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["user", "name"]
        constraints = [
            # A revoked token keeps its row (when it was last used) and frees its name.
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=Q(revoked_at__isnull=True),
                name="api_token_unique_active_name",
                violation_error_message="You already have a token with this name.",
            ),
        ]

    def __str__(self):
        return f"{self.user} {self.name} ({self.prefix}…)"

    @property
    def status(self) -> str:
        """"revoked", "expired" or "active" (ApiTokenQuerySet.active, for this one row)."""
        from django.utils import timezone

        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return "expired"
        return "active"


class Change(models.Model):
    """One change of a time entry, an activity, an outcome, a measurement, a client, an
    engagement or a week's approval: who, when, through what, and each field's old and new
    value. Written by the write services only (tracker/history.py); never changed or deleted
    through the app (the admin shows it read-only).

    The object is named by type and id, with its label copied, so the record outlives it.
    `owner`, `team` and `engagement_key` say whose it was, for the reach of a deleted object
    (history.changes_visible_to)."""

    class ObjectType(models.TextChoices):
        # CONTRACT.md's names (/api/v1/history/?object=<type>:<id>)
        TIME_ENTRY = "time-entry", "Time entry"
        ACTIVITY = "activity", "Activity"
        OUTCOME = "outcome", "Outcome"
        MEASUREMENT = "measurement", "Measurement"
        CLIENT = "client", "Client"
        ENGAGEMENT = "engagement", "Engagement"
        WEEK = "week", "Week"
        CONTACT = "contact", "Client contact"
        CONFIRMATION = "confirmation", "Confirmation request"

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        DELETE = "delete", "Deleted"
        SUBMIT = "submit", "Submitted"
        APPROVE = "approve", "Approved"
        RETURN = "return", "Returned"
        REOPEN = "reopen", "Reopened"

    class Via(models.TextChoices):
        PAGE = "page", "Page"
        GRID = "grid", "Week grid"
        TIMER = "timer", "Timer"
        API = "api", "API"
        IMPORT = "import", "Import"
        ADMIN = "admin", "Admin"
        COMMAND = "command", "Command"
        SYSTEM = "system", "System"
        # A client contact's answer through their signed link (docs/confirmations.md).
        LINK = "link", "Client's link"

    object_type = models.CharField(max_length=12, choices=ObjectType.choices)
    object_id = models.PositiveBigIntegerField()
    object_label = models.CharField(max_length=300, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    at = models.DateTimeField(default=timezone_now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    # Kept when the account goes: "who" must not turn into nobody.
    username = models.CharField(max_length=150, blank=True)
    via = models.CharField(max_length=10, choices=Via.choices)
    # The API token (id and name), the import batch, the command: which one of the `via`.
    via_ref = models.CharField("reference", max_length=200, blank=True)
    # {field: [old, new]} in plain JSON: dates ISO, decimals as strings, links as ids.
    changes = models.JSONField(default=dict, blank=True)
    # {field: [old, new]} for the links only, as their labels read then (a page shows them).
    labels = models.JSONField(default=dict, blank=True)
    # Whose it is: the consultant of a time entry, an activity or a week.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    # The engagement an engagement, an outcome or a measurement belongs to, and its team.
    engagement_key = models.BigIntegerField(null=True, blank=True)
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "at"]),
            models.Index(fields=["at"]),
            models.Index(fields=["owner", "at"]),
            models.Index(fields=["user", "at"]),
        ]

    def __str__(self):
        by = self.username or "the system"
        return f"{self.get_action_display()} {self.object_type} {self.object_id} by {by}"
