"""Forms for logging time, running a timer and keeping the promotion log.

Every logging rule lives in tracker/rules.py; the forms put each message next to its field,
then save through tracker/services.py, which checks again and writes.
"""

import datetime as dt

from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator

from clients.models import Engagement

from . import services
from .fields import DurationField, EngagementChoiceField, FeaturedEngagementChoiceField
from .limits import MAX_API_TOKEN_DAYS, MAX_AUDIENCE, MAX_LEADS
from .models import Activity, ApiToken, Kind, RunningTimer, TimeEntry, User
from .rules import day_full_error, time_entry_errors
from .widgets import BootstrapMixin, DateInput, VersionedFormMixin


class ActivityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, activity):
        return f"{activity.title} ({activity.get_kind_display()}, {activity.date:%-d %b %Y})"


def engagement_choices(consultant, *, on: dt.date | None = None, keep=None):
    """Active engagements the consultant is a member of (only those active `on` that day,
    if given: Engagement.objects.loggable_by), plus `keep` (the one being edited)."""
    if on is not None:
        engagements = Engagement.objects.loggable_by(consultant, on)
    else:
        engagements = Engagement.objects.filter(
            members=consultant, status=Engagement.Status.ACTIVE
        )
    if keep is not None:
        engagements = Engagement.objects.filter(pk__in=engagements.values("pk")) | (
            Engagement.objects.filter(pk=keep)
        )
    return engagements.select_related("client").order_by("client__name", "name")


class EngagementPeriodSelect(forms.Select):
    """The engagement menu of a dated form: each option carries the engagement's dates, and
    one not active on the form's date is disabled and hidden, since the time rules would
    refuse it (Engagement.objects.loggable_by). static/js/engagement_dates.js re-checks the
    options when the date changes; without JavaScript a changed date is checked on save."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.periods: dict[int, tuple[dt.date, dt.date | None]] = {}
        self.on: dt.date | None = None

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        period = self.periods.get(getattr(value, "value", value))
        if period is not None:
            starts, ends = period
            option["attrs"]["data-starts"] = starts.isoformat()
            option["attrs"]["data-ends"] = ends.isoformat() if ends else ""
            if self.on and not (starts <= self.on and (ends is None or self.on <= ends)):
                option["attrs"].update(disabled=True, hidden=True)
        return option


def offer_engagements_on(form, consultant, day: dt.date | None) -> None:
    """Give the form's engagement menu its dates, for `day` (the form's date)."""
    field = form.fields["engagement"]
    field.widget = EngagementPeriodSelect(attrs={**field.widget.attrs, "data-date-field": "date"})
    field.widget.choices = field.choices
    field.widget.periods = {
        pk: (starts, ends)
        for pk, starts, ends in field.queryset.values_list("pk", "starts_on", "ends_on")
    }
    field.widget.on = day


def _form_date(form, default: dt.date) -> dt.date:
    """The date a form is about: as posted (if it is a date), else as it starts."""
    if form.is_bound:
        given = form.data.get(form.add_prefix("date"))
    else:  # a date, or the text of one from the address (?date=2026-11-02)
        given = form.get_initial_for_field(form.fields["date"], "date")
    try:
        return form.fields["date"].clean(given) or default
    except ValidationError:
        return default


def activity_choices(consultant):
    return Activity.objects.filter(consultant=consultant).order_by("-date", "-pk")


def featured_engagement_choices(consultant, *, keep=None):
    """The engagements an activity may feature: the consultant's (any status: a case study
    may be a finished one), plus `keep` (the one it features now)."""
    engagements = Engagement.objects.filter(members=consultant)
    if keep is not None:
        engagements = Engagement.objects.filter(pk__in=engagements.values("pk")) | (
            Engagement.objects.filter(pk=keep)
        )
    return engagements.select_related("client").order_by("client__name", "name")


# The box means nothing on other kinds: the services store them as not billable.
BILLABLE_HELP = "Client work only: internal and promotion time is never billable."


def _add_rule_errors(form, errors: dict[str, str]) -> None:
    # A field that already failed (a bad choice, a duration that is no duration) keeps its
    # own message; a rule about the value it would have had adds nothing.
    for field, message in errors.items():
        if field in form.fields and field not in form.errors:
            form.add_error(field, message)
        elif field not in form.fields:
            form.add_error(None, message)


def _add_lock_errors(form, consultant, date) -> None:
    """An approved week refuses the form, named with its approver: the week the row is in now
    (an edit) and the one it would go to. The service checks again when it saves."""
    pairs = [(consultant.pk, date)]
    if form.instance.pk:  # clean() runs before the form's values reach the instance
        pairs.append((form.instance.consultant_id, form.instance.date))
    for message in services.week_lock_errors(pairs):
        form.add_error(None, ValidationError(message, code="locked"))


class TimeEntryForm(VersionedFormMixin, BootstrapMixin, forms.ModelForm):
    """One entry of someone's own time; the rules of tracker/rules.py decide what is allowed."""

    seconds = DurationField(label="Duration")
    engagement = EngagementChoiceField(
        queryset=Engagement.objects.none(),
        required=False,
        help_text="For client work: an active engagement you are a member of.",
        error_messages={"invalid_choice": "Choose an active engagement you are a member of."},
    )
    activity = ActivityChoiceField(
        queryset=Activity.objects.none(),
        required=False,
        help_text="For promotion time: the talk, post or podcast it went into.",
        error_messages={"invalid_choice": "Choose one of your own activities."},
    )

    class Meta:
        model = TimeEntry
        fields = ["date", "seconds", "kind", "engagement", "activity", "note", "billable"]
        widgets = {
            "date": DateInput(),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, consultant, **kwargs):
        # The entry belongs to `consultant` (the person logging it; an admin may correct
        # someone else's entry, and then that person's engagements and day count).
        self.consultant = consultant
        super().__init__(*args, **kwargs)
        self.instance.consultant = consultant
        self.fields["engagement"].queryset = engagement_choices(
            consultant, keep=self.instance.engagement_id
        )
        self.fields["activity"].queryset = activity_choices(consultant)
        self.fields["date"].widget.attrs["max"] = consultant.today().isoformat()
        offer_engagements_on(self, consultant, _form_date(self, consultant.today()))
        self.fields["billable"].help_text = BILLABLE_HELP

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date") and cleaned.get("kind"):
            errors = time_entry_errors(
                consultant=self.consultant,
                date=cleaned["date"],
                seconds=cleaned.get("seconds") or 0,  # 0: no day total to check yet
                kind=cleaned["kind"],
                engagement=cleaned.get("engagement"),
                activity=cleaned.get("activity"),
                exclude_pk=self.instance.pk,
            )
            _add_rule_errors(self, errors)
        _add_lock_errors(self, self.consultant, cleaned.get("date"))
        return cleaned

    def _post_clean(self):
        failed = {name: list(errors.data) for name, errors in self._errors.items()}
        super()._post_clean()
        # TimeEntry.clean() checks again the rules the form already applied, on an instance
        # without the values that failed: a field that failed keeps its own message alone
        # (not "not active on 1 Aug" and "needs an engagement"), and each message shows once.
        for name, errors in self._errors.items():
            kept = failed.get(name, errors.data)
            unique = list({error.message % (error.params or {}): error for error in kept}.values())
            self._errors[name] = self.error_class(unique, renderer=self.renderer)

    def save(self) -> TimeEntry:
        values = {name: self.cleaned_data[name] for name in self._meta.fields}
        if self.instance.pk:
            return services.time_entry_update(entry=self.instance, **values)
        return services.time_entry_create(consultant=self.consultant, **values)


def entry_initial(entry: TimeEntry, **overrides) -> dict:
    """A new-entry form prefilled from an existing entry (duplicate)."""
    initial = {
        "date": entry.date,
        "seconds": entry.seconds,
        "kind": entry.kind,
        "engagement": entry.engagement_id,
        "activity": entry.activity_id,
        "note": entry.note,
        "billable": entry.billable,
    }
    initial.update(overrides)
    return initial


class TimerStartForm(BootstrapMixin, forms.ModelForm):
    """What the running timer is for; checked by the same rules as an entry of today."""

    engagement = EngagementChoiceField(
        queryset=Engagement.objects.none(),
        required=False,
        error_messages={"invalid_choice": "Choose an active engagement you are a member of."},
    )
    activity = ActivityChoiceField(
        queryset=Activity.objects.none(),
        required=False,
        error_messages={"invalid_choice": "Choose one of your own activities."},
    )

    class Meta:
        model = RunningTimer
        fields = ["kind", "engagement", "activity", "note", "billable"]
        widgets = {"note": forms.TextInput()}

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, prefix="timer", **kwargs)
        self.instance.user = user
        self.fields["kind"].initial = Kind.CLIENT
        self.fields["billable"].initial = services.billable_default(Kind.CLIENT)
        self.fields["billable"].help_text = BILLABLE_HELP
        # A timer logs today: only what may be logged today.
        self.fields["engagement"].queryset = engagement_choices(user, on=user.today())
        self.fields["activity"].queryset = activity_choices(user)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind"):
            errors = time_entry_errors(
                consultant=self.user,
                date=self.user.today(),
                seconds=0,  # nothing logged yet: the day's total is checked on stop
                kind=cleaned["kind"],
                engagement=cleaned.get("engagement"),
                activity=cleaned.get("activity"),
            )
            _add_rule_errors(self, errors)
        if full := day_full_error(consultant=self.user, date=self.user.today()):
            self.add_error(None, ValidationError(full, code="day_full"))
        return cleaned

    def save(self) -> RunningTimer:
        """Start the timer; ValidationError (code "running") when one already runs."""
        return services.timer_start(
            consultant=self.user,
            **{name: self.cleaned_data[name] for name in self._meta.fields},
        )


class ActivityForm(VersionedFormMixin, BootstrapMixin, forms.ModelForm):
    url = forms.URLField(
        label="Link", max_length=500, required=False, assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    engagement = FeaturedEngagementChoiceField(
        queryset=Engagement.objects.none(),
        required=False,
        label="Engagement featured",
        help_text="The engagement this presents as a case study, if any.",
        error_messages={"invalid_choice": "Choose one of your engagements."},
    )

    class Meta:
        model = Activity
        fields = [
            "kind", "title", "date", "venue", "url", "audience", "interactions", "leads",
            "engagement", "note",
        ]
        widgets = {
            "date": DateInput(),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, consultant, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.consultant = consultant
        self.fields["engagement"].queryset = featured_engagement_choices(
            consultant, keep=self.instance.engagement_id
        )
        for name, limit in (("audience", MAX_AUDIENCE), ("interactions", MAX_AUDIENCE),
                            ("leads", MAX_LEADS)):
            # The model's validators refuse less or more, with one message for both ends
            # ("Enter an audience from 0 to 1,000,000,000."); the box says so first.
            field = self.fields[name]
            field.validators = [v for v in field.validators
                                if not isinstance(v, MinValueValidator)]
            field.widget.attrs.update({"min": 0, "max": limit, "inputmode": "numeric"})

    def clean(self):
        cleaned = super().clean()
        _add_lock_errors(self, self.instance.consultant, cleaned.get("date"))
        return cleaned

    def save(self) -> Activity:
        values = {name: self.cleaned_data[name] for name in self._meta.fields}
        if self.instance.pk:
            return services.activity_update(activity=self.instance, **values)
        return services.activity_create(consultant=self.instance.consultant, **values)


class WeekReminderForm(BootstrapMixin, forms.ModelForm):
    """The profile page's switch for the Monday-noon timesheet reminder."""

    class Meta:
        model = User
        fields = ["week_reminder_opt_in"]
        labels = {"week_reminder_opt_in": "Remind me when last week's timesheet is not submitted"}


class ApiTokenForm(BootstrapMixin, forms.ModelForm):
    """A new personal API token (the profile page): its name and when it stops working."""

    EXPIRY_CHOICES = [("", "Never"), (7, "In 7 days"), (30, "In 30 days"), (90, "In 90 days"),
                      (365, "In a year")]

    expires_in = forms.TypedChoiceField(
        label="Expires", choices=EXPIRY_CHOICES, coerce=int, empty_value=None, required=False,
    )
    expires_on = forms.DateField(
        label="Or on this date", required=False, widget=DateInput(),
        help_text="It works through that day, in your timezone.",
    )

    class Meta:
        model = ApiToken
        fields = ["name"]
        help_texts = {"name": "What it is for, e.g. “laptop sync script”."}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        today = user.today()
        self.fields["expires_on"].widget.attrs.update({
            "min": (today + dt.timedelta(days=1)).isoformat(),
            "max": (today + dt.timedelta(days=MAX_API_TOKEN_DAYS)).isoformat(),
        })

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        today = self.user.today()
        if day is not None and not today < day <= today + dt.timedelta(days=MAX_API_TOKEN_DAYS):
            raise forms.ValidationError(
                f"Choose a day after today, at most {MAX_API_TOKEN_DAYS // 365} years ahead."
            )
        return day

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("expires_in") and cleaned.get("expires_on"):
            self.add_error("expires_on", "Choose a number of days or a date, not both.")
        return cleaned

    def expires_at(self) -> dt.datetime | None:
        day = self.cleaned_data["expires_on"]
        if day is None:
            return None
        # The first moment of the next day where the person is.
        return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), self.user.tzinfo)

    def save(self) -> tuple[ApiToken, str] | None:
        """The token and its secret; None, with the message next to the name, when refused."""
        try:
            return services.api_token_create(
                user=self.user, name=self.cleaned_data["name"],
                expires_in_days=self.cleaned_data["expires_in"], expires_at=self.expires_at(),
            )
        except ValidationError as exc:
            # Each field was checked above; what the service adds is the rule across rows,
            # one active token per name, and that message belongs next to the name.
            self.add_error("name", exc.messages)
            return None


# Week approval ---------------------------------------------------------------------------------

# As the services bound them (tracker/approvals.py), so the box says so before a post.
COMMENT_MAX = services.MAX_COMMENT


class WeekSubmitForm(BootstrapMixin, forms.Form):
    note = forms.CharField(
        label="Note for your manager (optional)", required=False, max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class WeekDecisionForm(BootstrapMixin, forms.Form):
    """Approve or return a submitted week; returning needs a comment. `version` is the
    week as the page showed it (services.week_version): an edit since is not approved."""

    action = forms.ChoiceField(choices=[("approve", "Approve"), ("return", "Return")],
                               widget=forms.HiddenInput)
    comment = forms.CharField(
        label="Comment", required=False, max_length=COMMENT_MAX,
        help_text="Required to return a week: say what to fix.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "return" and not (cleaned.get("comment") or "").strip():
            self.add_error("comment", "Say what to fix: returning a week needs a comment.")
        return cleaned


class WeekReopenForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label="Reason for reopening", max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why: reopening an approved week needs a reason."},
    )


# Django's password forms (its validators and messages) in the app's styling.
class PasswordChangeForm(BootstrapMixin, auth_forms.PasswordChangeForm):
    pass


class SetPasswordForm(BootstrapMixin, auth_forms.SetPasswordForm):
    pass


class PasswordResetForm(BootstrapMixin, auth_forms.PasswordResetForm):
    pass


class CellEntryForm(BootstrapMixin, forms.Form):
    """One entry of a week-grid cell, in the cell's editor: its duration (emptied, or
    "Remove" ticked, deletes it) and its note. `read_at` names the version shown."""

    seconds = DurationField(label="Duration", required=False, help_text="")
    note = forms.CharField(label="Note", required=False, max_length=2000)
    remove = forms.BooleanField(label="Remove", required=False)
    read_at = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, entry: TimeEntry, **kwargs):
        self.entry = entry
        kwargs.setdefault("initial", {
            "seconds": entry.seconds, "note": entry.note, "read_at": entry.updated_at.isoformat()
        })
        super().__init__(*args, prefix=f"entry-{entry.pk}", **kwargs)

    def edit(self) -> services.CellEntryEdit:
        try:
            read_at = dt.datetime.fromisoformat(self.cleaned_data["read_at"])
        except ValueError:
            read_at = None  # not a version we wrote: refused as changed meanwhile
        removed = self.cleaned_data["remove"] or not self.cleaned_data["seconds"]
        return services.CellEntryEdit(
            entry_id=self.entry.pk,
            seconds=0 if removed else self.cleaned_data["seconds"],
            note=self.cleaned_data["note"],
            read_at=read_at,
        )


class CellNewEntryForm(BootstrapMixin, forms.Form):
    """Another entry for the cell: a duration and a note (both empty: none)."""

    seconds = DurationField(label="Duration", required=False, help_text="")
    note = forms.CharField(label="Note", required=False, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="new", **kwargs)
        # Not "1:30": in the empty line under entries that would read as time already there.
        self.fields["seconds"].widget.attrs["placeholder"] = "e.g. 1:30"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("note") and not cleaned.get("seconds") and "seconds" not in self.errors:
            self.add_error("seconds", "Enter the time this note goes with, e.g. 1:30.")
        return cleaned
