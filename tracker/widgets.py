"""Form widgets, Bootstrap styling and checks shared by every form and filter of the project."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe


class DateInput(forms.DateInput):
    """The browser's own date picker; ISO values whatever the locale."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class Select(forms.Select):
    """Django's <select>, drawn in Python instead of one template render per option.

    The template path costs about 50 µs an option: an admin's filters on /time/ hold some
    1,700 options (every engagement, person, client and team), which made the page slower
    than its database queries. The markup is Django's own, option for option.
    """

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        html = [format_html('<select name="{}"{}>', name, attributes)]
        for group, options in self._groups():
            if group is not None:
                html.append(format_html('<optgroup label="{}">', group))
            for option_value, label in options:
                value = "" if option_value is None else str(option_value)
                selected = value in chosen
                if selected and not self.allow_multiple_selected:
                    chosen = set()  # a single select marks its first match only
                mark = " selected" if selected else ""
                html.append(f'<option value="{escape(value)}"{mark}>{escape(label)}</option>')
            if group is not None:
                html.append("</optgroup>")
        html.append("</select>")
        return mark_safe("".join(html))

    def _groups(self):
        for option_value, label in self.choices:
            if isinstance(label, list | tuple):
                yield option_value, label
            else:
                yield None, [(option_value, label)]


def style_for_bootstrap(form) -> None:
    """Bootstrap 5 classes on every widget, and `is-invalid` plus ARIA on fields in error;
    plain selects become the fast Select above."""
    for name, field in form.fields.items():
        widget = field.widget
        if type(widget) is forms.Select:
            widget.__class__ = Select  # same state, a faster render()
        checks = forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect
        if isinstance(widget, checks):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
        else:
            css = "form-control"
        classes = widget.attrs.get("class", "").split()
        if css not in classes:
            classes.append(css)
        # Only once validation has run: reading form.errors here would validate too early.
        if form._errors is not None and name in form._errors:
            bound = form[name]
            if "is-invalid" not in classes:
                classes.append("is-invalid")
            widget.attrs["aria-invalid"] = "true"
            described = [f"{bound.auto_id}_error"]
            if field.help_text:
                described.append(f"{bound.auto_id}_helptext")
            widget.attrs["aria-describedby"] = " ".join(described)
        widget.attrs["class"] = " ".join(classes)


class BootstrapMixin:
    """A form styled by style_for_bootstrap(), before and after validation."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_for_bootstrap(self)

    def full_clean(self):
        super().full_clean()
        # Rendering happens after validation: mark the fields in error now.
        style_for_bootstrap(self)


def names_out_of_reach(form, names) -> bool:
    """True when one of the fields `names` got an object the user may not see.

    Their choices are the user's reach, so such an id is an invalid choice; the pages answer
    it with 404 rather than an empty list, which would tell a guessed id from a missing one.
    """
    errors = form.errors.as_data()
    return any(error.code == "invalid_choice" for name in names for error in errors.get(name, []))
