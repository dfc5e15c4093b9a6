from django import forms

from .durations import DurationError, format_duration, parse_duration


class DurationField(forms.CharField):
    """A duration typed as 1:30, 1.5, 90m, 1h30 or 1h 30m; cleaned to whole seconds."""

    default_error_messages = {"too_long": "A time entry cannot be longer than 24 hours."}

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
            seconds = parse_duration(value)
        except DurationError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc
        if seconds > 24 * 3600:
            raise forms.ValidationError(self.error_messages["too_long"], code="too_long")
        return seconds
