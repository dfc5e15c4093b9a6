"""Forms for clients, engagements and outcomes; every input rule lives here (or in the model
clean() a ModelForm runs), so a bad value comes back next to its field with the input kept."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q

from tracker.fields import BoundedDateField, IdsChoiceField
from tracker.models import Activity, Team, User
from tracker.widgets import BootstrapMixin, DateInput, VersionedFormMixin, style_for_bootstrap

from .models import (
    Client,
    ClientContact,
    Engagement,
    Outcome,
    OutcomeMeasurement,
    plain_decimal,
)
from .services import (
    client_create,
    client_update,
    confirmation_ask_error,
    contact_create,
    contact_update,
    engagement_create,
    engagement_update,
    measurement_update,
    outcome_confirmation_set,
    outcome_create,
    outcome_measure,
    outcome_status_set,
    outcome_update,
)


def _not_in_future(value, user, message):
    if value is not None and value > user.today():
        raise forms.ValidationError(message, code="future")
    return value


class ServiceForm:
    """A form that saves through a service (clients/services.py): save() returns what it
    wrote, or None when the service refused, its message now on the form next to the
    field it names (above the form for a field the form does not have)."""

    def save(self):
        try:
            return self.write()
        except ValidationError as refusal:
            for field, errors in refusal.update_error_dict({}).items():
                on_form = field in self.fields and field != NON_FIELD_ERRORS
                self.add_error(field if on_form else None, errors)
            style_for_bootstrap(self)
            return None

    def write(self):
        raise NotImplementedError

    def _posted(self) -> dict:
        """The model fields of the form, as validated."""
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class ClientForm(ServiceForm, VersionedFormMixin, BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Client
        fields = ["name", "sector", "owner", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(is_active=True).by_name()

    def write(self) -> Client:
        if self.instance.pk:
            return client_update(client=self.instance, data=self._posted())
        return client_create(**self._posted())


class EngagementForm(ServiceForm, VersionedFormMixin, BootstrapMixin, forms.ModelForm):
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
        # Members the editor cannot see (another team's people) are not offered; the
        # service keeps them when the editor saves.
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
        return cleaned

    def write(self) -> Engagement:
        # The team and members rules are the service's (engagement_create's `editor`).
        if self.instance.pk:
            return engagement_update(
                engagement=self.instance, data=self._posted(), editor=self.user
            )
        return engagement_create(**self._posted(), editor=self.user)


class OutcomeForm(ServiceForm, VersionedFormMixin, BootstrapMixin, forms.ModelForm):
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

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for name in ("baseline", "target"):
            # 4571, as the pages show it, rather than the column's 4571.00.
            if self.initial.get(name) is not None:
                self.initial[name] = plain_decimal(self.initial[name])

    def write(self) -> Outcome:
        if self.instance.pk:
            return outcome_update(outcome=self.instance, data=self._posted())
        return outcome_create(
            engagement=self.instance.engagement, **self._posted(), recorded_by=self.user
        )


# The three forms of an outcome's card take the same arguments, `(data, user=, outcome=,
# prefix=)`, and save() records what they hold about the outcome.


class MeasurementForm(ServiceForm, BootstrapMixin, forms.ModelForm):
    """One reading of the metric, new or corrected; the latest reading becomes the outcome's
    actual. A reading that looks mistyped (Outcome.unusual_reading) comes back with its
    warning and a "save anyway" box, ticked to save it as it is."""

    save_anyway = forms.BooleanField(
        label="Save anyway: the reading is right", required=False,
    )

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
        # Set by clean(): the reading looked mistyped, so the page offers "save anyway".
        self.unusual = False

    def clean_date(self):
        return _not_in_future(
            self.cleaned_data.get("date"), self.user, "A measurement cannot be in the future."
        )

    def _post_clean(self):
        super()._post_clean()
        # After the model's own bounds (a value past a hundred billion is refused, not
        # questioned): only a reading that could be saved gets the second look.
        if self.errors or self.cleaned_data.get("save_anyway"):
            return
        warnings = self.outcome.unusual_reading(
            self.cleaned_data["date"], self.cleaned_data["value"], exclude_pk=self.instance.pk
        )
        for field, message in warnings.items():
            self.add_error(field, ValidationError(message, code="unusual"))
        self.unusual = bool(warnings)

    def write(self) -> OutcomeMeasurement:
        if self.instance.pk:
            return measurement_update(
                measurement=self.instance,
                data={name: self.cleaned_data[name] for name in ("date", "value", "note")},
            )
        # Through the service: the first reading also starts a planned outcome.
        return outcome_measure(
            outcome=self.outcome,
            date=self.cleaned_data["date"],
            value=self.cleaned_data["value"],
            note=self.cleaned_data["note"],
            recorded_by=self.user,
        )


class OutcomeStatusForm(ServiceForm, BootstrapMixin, forms.Form):
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

    def write(self) -> Outcome:
        done = outcome_status_set(
            outcome=self.outcome,
            status=self.cleaned_data["status"],
            achieved_on=self.cleaned_data["achieved_on"],
            recorded_by=self.user,
        )
        self.withdrawn_confirmation = done.withdrawn_confirmation
        return done.outcome


class ConfirmationForm(ServiceForm, BootstrapMixin, forms.Form):
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

    def write(self) -> Outcome:
        return outcome_confirmation_set(
            outcome=self.outcome,
            confirmed_by=self.cleaned_data["confirmed_by"],
            confirmed_on=self.cleaned_data["confirmed_on"],
        )


class ContactForm(ServiceForm, BootstrapMixin, forms.ModelForm):
    """A person at the client who may be asked to confirm outcomes (managers and admins)."""

    class Meta:
        model = ClientContact
        fields = ["name", "email", "role"]

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client
        self.instance.client = client

    def write(self) -> ClientContact:
        if self.instance.pk:
            return contact_update(contact=self.instance, data=self._posted())
        return contact_create(client=self.client, **self._posted())


class ConfirmationAskForm(ServiceForm, BootstrapMixin, forms.Form):
    """Ask one of the client's contacts to confirm an achieved outcome; `send` is the
    service that records and e-mails it (reports/confirmations.py)."""

    contact = forms.ModelChoiceField(
        queryset=ClientContact.objects.none(), label="Ask",
        empty_label="Choose a contact at the client",
        error_messages={"invalid_choice": "Choose a contact of this engagement's client."},
    )

    def __init__(self, *args, user, outcome, send=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.outcome, self.send = user, outcome, send
        self.fields["contact"].queryset = ClientContact.objects.filter(
            client_id=outcome.engagement.client_id
        )

    def clean(self):
        cleaned = super().clean()
        errors = confirmation_ask_error(self.outcome, cleaned.get("contact"))
        if "outcome" in errors:
            raise forms.ValidationError(errors["outcome"], code="not_achieved")
        return cleaned

    def write(self):
        return self.send(outcome=self.outcome, contact=self.cleaned_data["contact"],
                         asked_by=self.user)


class ConfirmationAnswerForm(BootstrapMixin, forms.Form):
    """The client contact's answer on /confirm/<token>/. Styled as every form is
    (templates/_field.html lays a checkbox out beside its label by its form-check-input
    class, and marks a field in error for screen readers)."""

    decision = forms.ChoiceField(
        choices=[("confirm", "Confirm"), ("dispute", "Dispute")],
        error_messages={"required": "Confirm the outcome, or dispute it."},
    )
    comment = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
        label="Comment", help_text="Required to dispute: say what is not right.",
    )
    consent_card = forms.BooleanField(
        required=False, label="Publish a read-only card of this confirmed result",
        help_text="The metric, the result and the date of your confirmation, at a link the "
                  "consultant may share.",
    )
    consent_name = forms.BooleanField(
        required=False, label="Show my name, role and organisation on that card",
    )

    DECISIONS = {"confirm": "confirmed", "dispute": "disputed"}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "dispute" and not (cleaned.get("comment") or "").strip():
            self.add_error("comment", "Say what is not right, so it can be corrected.")
        return cleaned

    @property
    def answer(self) -> str:
        return self.DECISIONS[self.cleaned_data["decision"]]
