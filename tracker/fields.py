from django import forms
from django.db import connection
from django.forms.models import ModelChoiceIterator
from django.utils import timezone

from .durations import DurationError, format_duration, parse_duration
from .limits import DATE_VALIDATORS


class BoundedDateField(forms.DateField):
    """A date from 1900 to 2199 (tracker/limits.py): every date a person types, in forms and
    filters, so none reaches a date library or a query at the edge of what a date can be."""

    default_validators = DATE_VALIDATORS


class YesNoField(forms.NullBooleanField):
    """Yes, no or any (empty). Anything else is refused, where Django's NullBooleanField
    reads it as "any": `?billable=maybe` must not quietly list every entry."""

    message = "Choose true or false."

    def to_python(self, value):
        if isinstance(value, str) and value:
            raise forms.ValidationError(self.message, code="invalid")
        return super().to_python(value)


class DurationField(forms.CharField):
    """A duration typed as 1:30, 1.5, 90m, 1h30 or 1h 30m; cleaned to whole seconds."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={
            "inputmode": "decimal", "placeholder": "1:30", "autocomplete": "off", "size": 6,
        }))
        kwargs.setdefault("help_text", "e.g. 1:30, 1.5, 90m or 1h 30m")
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, int):
            return format_duration(value)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_duration(value)  # at most 24 hours
        except DurationError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """Several objects chosen by id (members, recipients). An id past the database's integer
    range is refused as an invalid choice before the query: `pk__in` with one is an
    OverflowError on SQLite (a 500), where a single id's lookup just finds nothing."""

    def _check_values(self, value):
        low, high = connection.ops.integer_field_range("BigIntegerField")
        for pk in value:
            try:
                number = int(str(pk))
            except ValueError:
                continue  # not a number (or thousands of digits): Django's own message
            if not low <= number <= high:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice",
                    params={"value": f"{str(pk)[:20]}…"},
                )
        return super()._check_values(value)


class ValuesChoiceIterator(ModelChoiceIterator):
    """A menu's options read with values_list(): no model instance per option (an admin's
    /time/ filters list some 1,700 engagements, people, clients and teams)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for pk, *values in self.queryset.values_list("pk", *self.field.label_fields):
            yield (pk, self.field.label_from_values(*values))


class ValuesChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose menu reads only the columns of its labels.

    Subclasses name them in `label_fields` and write the label in label_from_values();
    label_from_instance() gives the same label from an object.
    """

    iterator = ValuesChoiceIterator
    label_fields: tuple[str, ...] = ()

    def label_from_values(self, *values) -> str:
        raise NotImplementedError

    def label_from_instance(self, obj) -> str:
        values = []
        for path in self.label_fields:
            value = obj
            for name in path.split("__"):
                value = getattr(value, name)
            values.append(value)
        return self.label_from_values(*values)


class NameChoiceField(ValuesChoiceField):
    """Clients, teams: by their name."""

    label_fields = ("name",)

    def label_from_values(self, name):
        return name


class PersonChoiceField(ValuesChoiceField):
    """People by the name they are shown by (User.__str__: full name, else username)."""

    label_fields = ("first_name", "last_name", "username")

    def label_from_values(self, first_name, last_name, username):
        return f"{first_name} {last_name}".strip() or username


class EngagementChoiceField(ValuesChoiceField):
    label_fields = ("client__name", "name")

    def label_from_values(self, client, name):
        return f"{client} — {name}"


class FeaturedEngagementChoiceField(EngagementChoiceField):
    """Engagements of any state (a case study may present a finished one), each saying
    when it is no longer running: "Acme — Portal (ended 30 Oct 2026)"."""

    label_fields = ("client__name", "name", "status", "ends_on")

    def label_from_values(self, client, name, status, ends_on):
        label = super().label_from_values(client, name)
        if status == "closed":
            return f"{label} (closed)"
        if status == "active" and ends_on and ends_on < timezone.localdate():
            return f"{label} (ended {ends_on:%-d %b %Y})"
        return label
