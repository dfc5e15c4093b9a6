"""Forms for clients, engagements and outcomes; every input rule lives here (or in the model
clean() a ModelForm runs), so a bad value comes back next to its field with the input kept."""

from django import forms
from django.db.models import Q

from tracker.fields import BoundedDateField, IdsChoiceField
from tracker.models import Activity, Team, User
from tracker.widgets import BootstrapMixin, DateInput, VersionedFormMixin

from .models import (
    Client,
    Engagement,
    Outcome,
    OutcomeMeasurement,
    plain_decimal,
)
from .services import measurement_record


def _not_in_future(value, user, message):
    if value is not None and value > user.today():
        raise forms.ValidationError(message, code="future")
    return value


class ClientForm(VersionedFormMixin, BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Client
        fields = ["name", "sector", "owner", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(is_active=True).by_name()


class EngagementForm(VersionedFormMixin, BootstrapMixin, forms.ModelForm):
    """Managers and admins plan engagements; members are chosen among the people they see."""

    class Meta:
        model = Engagement
        fields = [
            "client", "name", "team", "status", "starts_on", "ends_on", "budget_hours",
            "members", "source_activity",
        ]
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "members": forms.CheckboxSelectMultiple,
        }
        field_classes = {"members": IdsChoiceField}
        help_texts = {"budget_hours": "Hours the client agreed to; leave empty if none."}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.visible_people = User.objects.visible_to(user).filter(is_active=True)
        # An inactive client stays selectable on the engagements it already has.
        self.fields["client"].queryset = Client.objects.visible_to(user).filter(
            Q(active=True) | Q(pk=self.instance.client_id)
        )
        self.fields["members"].queryset = self.visible_people.by_name()
        # A manager plans for the teams they manage, and so keeps the right to edit it.
        teams = self.fields["team"]
        teams.queryset = Team.objects.visible_to(user).order_by("name")
        if not user.is_admin:
            teams.required = True
            teams.empty_label = None
            teams.error_messages["invalid_choice"] = "Choose one of the teams you manage."
        self.fields["source_activity"].queryset = (
            Activity.objects.visible_to(user).select_related("consultant").order_by("-date")
        )
        self.fields["source_activity"].label_from_instance = (
            lambda activity: f"{activity.title} ({activity.consultant}, {activity.date:%-d %b %Y})"
        )
        # Members the editor cannot see (another team's people) are not offered, and must
        # not be dropped when the editor saves.
        self.hidden_members = []
        if self.instance.pk:
            self.hidden_members = list(
                self.instance.members.exclude(pk__in=self.visible_people.values("pk"))
                .values_list("pk", flat=True)
            )

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "An engagement cannot end before it starts.")
        client, name = cleaned.get("client"), cleaned.get("name")
        if client and name:
            clash = Engagement.objects.filter(client=client, name__iexact=name)
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("name", f"{client} already has an engagement called {name!r}.")
        members = cleaned.get("members")
        if not self.user.is_admin and "members" in cleaned and not members:
            # The engagement would vanish from the lists of the person creating it.
            self.add_error(
                "members", "Choose at least one member, or the engagement leaves your lists."
            )
        return cleaned

    def _save_m2m(self):
        super()._save_m2m()
        if self.hidden_members:
            self.instance.members.add(*self.hidden_members)


class OutcomeForm(VersionedFormMixin, BootstrapMixin, forms.ModelForm):
    """What the outcome measures. The target-beyond-baseline rule is Outcome.clean(), which
    this form runs, so the message lands next to the target field."""

    evidence_url = forms.URLField(
        label="Evidence link", max_length=500, required=False, assume_scheme="https",
        help_text="A report, dashboard or message that shows the result.",
    )

    class Meta:
        model = Outcome
        fields = [
            "title", "metric", "unit", "direction", "baseline", "target", "evidence_url",
            "evidence_note",
        ]
        widgets = {
            "baseline": forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            "target": forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            "evidence_note": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"evidence_note": "Evidence note"}
        help_texts = {"direction": "Whether success means the metric going up or down."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("baseline", "target"):
            # 4571, as the pages show it, rather than the column's 4571.00.
            if self.initial.get(name) is not None:
                self.initial[name] = plain_decimal(self.initial[name])


# The three forms of an outcome's card take the same arguments, `(data, user=, outcome=,
# prefix=)`, and save() records what they hold about the outcome.


class MeasurementForm(BootstrapMixin, forms.ModelForm):
    """One reading of the metric; the latest reading becomes the outcome's actual."""

    class Meta:
        model = OutcomeMeasurement
        fields = ["date", "value", "note"]
        widgets = {
            "date": DateInput(),
            # A text input, so a mistyped value reaches the server and gets a clear message.
            "value": forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            "note": forms.TextInput(attrs={"placeholder": "Where the figure comes from"}),
        }
        labels = {"date": "Measured on"}

    def __init__(self, *args, user, outcome, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.outcome = outcome
        self.fields["date"].initial = user.today
        if outcome.unit:
            self.fields["value"].label = f"Value ({outcome.unit})"

    def clean_date(self):
        return _not_in_future(
            self.cleaned_data.get("date"), self.user, "A measurement cannot be in the future."
        )

    def save(self, commit=True) -> OutcomeMeasurement:
        # Through the service: the first reading also starts a planned outcome.
        return measurement_record(
            outcome=self.outcome,
            date=self.cleaned_data["date"],
            value=self.cleaned_data["value"],
            note=self.cleaned_data["note"],
            recorded_by=self.user,
        )


class OutcomeStatusForm(BootstrapMixin, forms.Form):
    """Mark an outcome achieved (on a date) or missed, or reopen it; one button per choice."""

    status = forms.ChoiceField(choices=Outcome.Status.choices, widget=forms.HiddenInput)
    achieved_on = BoundedDateField(
        label="Achieved on", required=False, widget=DateInput(),
        help_text="Only for an achieved outcome.",
    )

    def __init__(self, *args, user, outcome, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.outcome = outcome
        # Today for an outcome not achieved yet: it has no client confirmation to precede.
        self.fields["achieved_on"].initial = outcome.achieved_on or user.today()
        # What save() withdrew: (who, when) of a confirmation of what is no longer achieved.
        self.withdrawn_confirmation = None

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if status == Outcome.Status.ACHIEVED:
            achieved_on = cleaned.get("achieved_on")
            if achieved_on is None and "achieved_on" not in self.errors:
                self.add_error("achieved_on", "Say when the outcome was achieved.")
            elif achieved_on and achieved_on > self.user.today():
                self.add_error("achieved_on", "An outcome cannot be achieved in the future.")
            elif error := self.outcome.achievement_date_error(achieved_on):
                self.add_error("achieved_on", error)
        elif status:
            # The date box is always on the page; it only counts for "achieved".
            cleaned["achieved_on"] = None
            self.errors.pop("achieved_on", None)
        return cleaned

    def save(self) -> Outcome:
        outcome = self.outcome
        outcome.status = self.cleaned_data["status"]
        outcome.achieved_on = self.cleaned_data["achieved_on"]
        outcome.recorded_by = self.user
        if outcome.confirmed_on and outcome.status != Outcome.Status.ACHIEVED:
            # The client confirmed the achievement; reopened or missed, there is none.
            self.withdrawn_confirmation = (outcome.confirmed_by, outcome.confirmed_on)
            outcome.confirmed_by, outcome.confirmed_on = "", None
        outcome.save(update_fields=[
            "status", "achieved_on", "confirmed_by", "confirmed_on", "recorded_by", "updated_at",
        ])
        return outcome


class ConfirmationForm(BootstrapMixin, forms.Form):
    """Who at the client confirmed the outcome, and when: both, or the form says which is
    missing; only on an achieved outcome."""

    confirmed_by = forms.CharField(
        label="Confirmed by (at the client)", max_length=200, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "Name, role"}),
    )
    confirmed_on = BoundedDateField(label="Confirmed on", required=False, widget=DateInput())

    def __init__(self, *args, user, outcome, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.outcome = outcome
        self.fields["confirmed_by"].initial = outcome.confirmed_by
        self.fields["confirmed_on"].initial = outcome.confirmed_on
        if outcome.status != Outcome.Status.ACHIEVED:
            self.fields["confirmed_on"].help_text = "Only for an achieved outcome."

    def clean_confirmed_by(self):
        return self.cleaned_data["confirmed_by"].strip()

    def clean_confirmed_on(self):
        # Not achieved (perhaps reopened since the page was opened) comes first: whatever
        # the date, it cannot be confirmed.
        confirmed_on = self.cleaned_data.get("confirmed_on")
        if error := self.outcome.confirmation_error(confirmed_on):
            raise forms.ValidationError(error, code="not_achieved")
        return _not_in_future(
            confirmed_on, self.user, "A confirmation cannot be dated in the future."
        )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("confirmed_by") and "confirmed_by" not in self.errors:
            self.add_error("confirmed_by", "Say who at the client confirmed it.")
        if cleaned.get("confirmed_on") is None and "confirmed_on" not in self.errors:
            self.add_error("confirmed_on", "Say when the client confirmed it.")
        return cleaned

    def save(self) -> Outcome:
        outcome = self.outcome
        outcome.confirmed_by = self.cleaned_data["confirmed_by"]
        outcome.confirmed_on = self.cleaned_data["confirmed_on"]
        outcome.save(update_fields=["confirmed_by", "confirmed_on", "updated_at"])
        return outcome
