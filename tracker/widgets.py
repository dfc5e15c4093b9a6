"""Form widgets, Bootstrap styling and checks shared by every form and filter of the project."""

import copy
import hashlib
from decimal import Decimal

from django import forms
from django.core import validators
from django.core.exceptions import FieldDoesNotExist
from django.forms.models import model_to_dict
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


class PickerSelect(Select):
    """A menu of the viewer's reach (tracker.pickers): the whole <select> while the reach
    is small; above PICKER_LIMIT, a search box beside a <select> holding only the chosen
    option (and the matches of a search sent without JavaScript, `<name>_search`).
    static/js/picker.js turns the box into a combobox fed by the options endpoint.

    `menu` (a pickers.Menu) is set by the form once its menus are read; `kind` names the
    endpoint's list (/options/<kind>/)."""

    def __init__(self, *, kind: str, attrs=None):
        super().__init__(attrs=attrs)
        self.kind = kind
        self.menu = None
        self.search_text = ""

    @property
    def searchable(self) -> bool:
        return self.menu is not None and self.menu.searchable

    def render(self, name, value, attrs=None, renderer=None):
        select = super().render(name, value, attrs, renderer)
        if not self.searchable:
            return select
        from django.urls import reverse  # widgets load before the URLconf

        element_id = (attrs or {}).get("id") or self.attrs.get("id") or f"id_{name}"
        return format_html(
            '<div class="picker-menu" data-picker-menu data-options-url="{}">'
            '<input type="search" name="{}_search" id="{}_search" value="{}" '
            'class="form-control" autocomplete="off" maxlength="100" '
            'placeholder="Type a name" aria-describedby="{}_search_help" data-picker-input>'
            "{}"
            '<div class="form-text" id="{}_search_help" data-picker-help>Type part of a name, '
            "then apply: the menu lists the matches.</div></div>",
            reverse("tracker:options", args=[self.kind]), name, element_id, self.search_text,
            element_id, select, element_id,
        )


def _what(form, name: str) -> str:
    label = form.fields[name].label or name.replace("_", " ")
    return str(label)[:1].upper() + str(label)[1:]


def plain_limit_messages(form) -> None:
    """Django's own wording of a bound ("Ensure this value has at most 200 characters (it
    has 5000)", "Ensure that there are no more than 14 digits in total") in words people
    use: "Title must be at most 200 characters", and for a number with too many digits the
    field's own range ("Enter a value between …"). A message already worded is kept.

    The validators are replaced by reworded copies: a form's fields share theirs with the
    class's and with every other instance."""
    for name, field in form.fields.items():
        if getattr(field, "_plain_limits", False):
            continue
        what = _what(form, name)
        maximum = next(
            (v for v in [*field.validators, *_model_validators(form, name)]
             if isinstance(v, validators.MaxValueValidator)),
            None,
        )
        reworded = []
        for validator in field.validators:
            validator = copy.copy(validator)
            default = getattr(type(validator), "message", None)
            if isinstance(validator, validators.DecimalValidator):
                # Too many digits is too large a number: say the range, as for one too big.
                too_big = (
                    maximum.message if maximum and maximum.message != default
                    else f"{what} is too large a number."
                )
                places = validator.decimal_places
                validator.messages = {
                    **validator.messages,
                    "max_digits": too_big,
                    "max_whole_digits": too_big,
                    "max_decimal_places": f"{what} can have at most {places} "
                    f"decimal{'' if places == 1 else 's'}.",
                }
            elif default is not None and getattr(validator, "message", None) == default:
                limit = getattr(validator, "limit_value", None)
                if isinstance(validator, validators.MaxLengthValidator):
                    validator.message = f"{what} must be at most {limit:,} characters."
                elif isinstance(validator, validators.MaxValueValidator) and _number(limit):
                    validator.message = f"{what} must be at most {limit:,}."
                elif isinstance(validator, validators.MinValueValidator) and _number(limit):
                    validator.message = f"{what} must be at least {limit:,}."
            reworded.append(validator)
        field.validators = reworded
        field._plain_limits = True


def _model_validators(form, name: str) -> list:
    """The validators of the model field behind a ModelForm's field (its worded range)."""
    model = getattr(getattr(form, "_meta", None), "model", None)
    try:
        return model._meta.get_field(name).validators if model else []
    except FieldDoesNotExist:  # a form field of its own
        return []


def _number(value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def style_for_bootstrap(form) -> None:
    """Bootstrap 5 classes on every widget, and `is-invalid` plus ARIA on fields in error;
    plain selects become the fast Select above. The first field in error gets `autofocus`:
    a form low on a long page (the profile's new token) would otherwise come back with its
    message out of sight, and a screen reader starts at the top."""
    plain_limit_messages(form)
    focused = False
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
            if not focused and not widget.is_hidden:
                widget.attrs["autofocus"] = True
                focused = True
            else:
                widget.attrs.pop("autofocus", None)  # restyled after a later error
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

    def add_error(self, field, error):
        super().add_error(field, error)
        # An error added after validation (a service's refusal at save) is marked too.
        style_for_bootstrap(self)


def names_out_of_reach(form, names) -> bool:
    """True when one of the fields `names` got an object the user may not see.

    Their choices are the user's reach, so such an id is an invalid choice; the pages answer
    it with 404 rather than an empty list, which would tell a guessed id from a missing one.
    """
    errors = form.errors.as_data()
    return any(error.code == "invalid_choice" for name in names for error in errors.get(name, []))


class VersionedFormMixin:
    """An edit form that names the version it started from, and refuses a stale one.

    The version is a short digest of each of the form's fields as saved when the form was
    shown (a per-row token: no column to keep up to date, and the week grid's writes count
    too), posted back in the hidden field `version`. On validation the row is read again,
    locked: a field changed elsewhere meanwhile (another tab, another person) and posted
    with another value is refused with the value saved now beside it. The input is kept and
    the form now names the current version, so saving again replaces it knowingly. A post
    without a version (a script that predates it) is not checked.

    The view validates and saves inside one transaction.atomic(), so the lock holds from the
    check to the write and two saves cannot interleave.
    """

    stale_message = (
        "This was changed elsewhere (another tab or person) since you opened it, so nothing "
        "was saved. What is saved now is shown under each field; save again to keep yours."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"] = forms.CharField(
            required=False, widget=forms.HiddenInput, initial=self._version_of(self.instance)
        )

    def _values_of(self, row) -> dict:
        """The row's values of the form's fields, as far as the form offers them: a member
        the editor may not see is kept by the form and neither versioned nor shown."""
        values = model_to_dict(row, fields=self._meta.fields)
        for name, field in self.fields.items():
            if isinstance(field, forms.ModelMultipleChoiceField) and values.get(name):
                offered = set(field.queryset.filter(pk__in=[item.pk for item in values[name]])
                              .values_list("pk", flat=True))
                values[name] = [item for item in values[name] if item.pk in offered]
        return values

    def _version_of(self, row) -> str:
        values = self._values_of(row)
        return ".".join(_digest(values.get(name)) for name in self._meta.fields)

    def clean(self):
        cleaned = super().clean()
        started = (cleaned.get("version") or "").split(".")
        if self.instance.pk and started != [""]:
            saved = (
                type(self.instance)._default_manager.select_for_update()
                .filter(pk=self.instance.pk).first()
            )
            if saved is None:
                raise forms.ValidationError(
                    "This was deleted elsewhere since you opened it.", code="deleted"
                )
            self._refuse_stale(started, saved)
        return cleaned

    def _refuse_stale(self, started: list[str], saved) -> None:
        version = self._version_of(saved)
        now = version.split(".")
        values = self._values_of(saved)
        stale, theirs = [], []
        for index, name in enumerate(self._meta.fields):
            if started[index:index + 1] == now[index:index + 1]:
                continue  # not changed elsewhere: what was posted stands
            if not self.fields[name].has_changed(values.get(name), self[name].data):
                continue  # changed elsewhere to what was posted: nothing is lost
            if started[index:index + 1] == [self._digest_posted(name)]:
                theirs.append(name)  # changed elsewhere only: the other change stands
            else:
                stale.append(name)  # changed here and elsewhere: the person chooses
        for name in theirs:
            self._take_saved(name, saved, values.get(name))
        if not stale:
            return
        self.add_error(None, forms.ValidationError(self.stale_message, code="stale"))
        for name in stale:
            self.add_error(name, forms.ValidationError(
                "Saved now: %(value)s.", code="stale",
                params={"value": self._shown(name, saved, values.get(name))},
            ))
        # Re-shown, the form starts from what is saved now.
        self.data = self.data.copy()
        self.data[self.add_prefix("version")] = version

    def _digest_posted(self, name: str) -> str | None:
        """The digest of the value posted for `name`, as _version_of digests a saved one."""
        if name not in self.cleaned_data:
            return None  # refused on its own: the form is invalid anyway
        value = self.cleaned_data[name]
        if isinstance(self.fields[name], forms.ModelMultipleChoiceField):
            value = list(value or [])
        elif isinstance(self.fields[name], forms.ModelChoiceField):
            value = value.pk if value is not None else None
        return _digest(value)

    def _take_saved(self, name: str, saved, value) -> None:
        """Keep the value saved elsewhere for a field this form did not change: in what is
        saved now, and in the form shown again should another field be refused."""
        field = self.fields[name]
        key = self.add_prefix(name)
        self.data = self.data.copy()
        if isinstance(field, forms.ModelMultipleChoiceField):
            self.cleaned_data[name] = value
            self.data.setlist(key, [str(item.pk) for item in value])
        elif isinstance(field, forms.ModelChoiceField):
            self.cleaned_data[name] = getattr(saved, name)
            self.data[key] = "" if value is None else str(value)
        elif isinstance(field, forms.BooleanField):
            self.cleaned_data[name] = value
            if value:
                self.data[key] = "on"
            else:
                self.data.pop(key, None)
        else:
            self.cleaned_data[name] = value
            prepared = field.prepare_value(value)
            self.data[key] = "" if prepared is None else str(prepared)

    def _shown(self, name: str, saved, value) -> str:
        """The saved value of field `name` as a person reads it."""
        field = self.fields[name]
        if isinstance(field, forms.ModelMultipleChoiceField):
            shown = ", ".join(field.label_from_instance(item) for item in value)
        elif isinstance(field, forms.ModelChoiceField):
            item = getattr(saved, name)
            if item is not None and not field.queryset.filter(pk=item.pk).exists():
                return "one you cannot choose"  # not named: it may be out of the editor's reach
            shown = field.label_from_instance(item) if item is not None else ""
        elif isinstance(field, forms.BooleanField):
            shown = "yes" if value else "no"
        elif getattr(field, "choices", None):
            shown = str(dict(field.choices).get(value, value))
        else:
            shown = str(field.prepare_value(value) or "")
        return shown or "empty"


def _digest(value) -> str:
    if isinstance(value, list):  # many-to-many: the chosen objects, in any order
        value = sorted(getattr(item, "pk", item) for item in value)
    elif isinstance(value, Decimal):  # 200 and 200.0 are one budget
        value = value.normalize()
    return hashlib.sha256(str(value).encode()).hexdigest()[:8]
