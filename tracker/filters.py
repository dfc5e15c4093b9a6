"""The lists' filters. Every choice offered (people, teams, clients, engagements) is drawn
from what the person filtering may see; naming one out of reach in the address answers 404,
in the page and its exports alike. The client, engagement and outcome lists build on the
same ReachFilterSet (clients/filters.py)."""


import datetime as dt

import django_filters
from django import forms
from django.http import Http404

from clients.models import Client, Engagement

from .approvals import UNSUBMITTED
from .fields import (
    BoundedDateField,
    EngagementChoiceField,
    NameChoiceField,
    PersonChoiceField,
    YesNoField,
)
from .models import (
    Activity,
    ActivityKind,
    Change,
    Kind,
    Team,
    TimeEntry,
    User,
    WeekApproval,
    WeekStatus,
    entry_week_approved,
)
from .pickers import read_form_menus
from .selection import Selection
from .week import parse_iso_week, period_dates
from .widgets import BootstrapMixin, DateInput, PickerSelect, names_out_of_reach


class FilterForm(BootstrapMixin, forms.Form):
    """A list's filter form: a "…_to" date before its "…_from" date is refused next to the
    "to" field, and the list then shows nothing (strict filtering).

    A value that is no choice is refused without being written back (a link can carry
    5,000 characters, or text that turns the message around); the error of a filter whose
    field is hidden (a consultant's own `consultant=`) is said above the list."""

    INVALID_CHOICE = "Choose one of the listed values."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if "invalid_choice" in field.error_messages:
                field.error_messages["invalid_choice"] = self.INVALID_CHOICE

    def clean(self):
        cleaned = super().clean()
        for start_name in [name for name in self.fields if name.endswith("_from")]:
            end_name = start_name.removesuffix("_from") + "_to"
            start, end = cleaned.get(start_name), cleaned.get(end_name)
            if start and end and end < start:
                self.add_error(end_name, "This is before the From date.")
        for name, field in self.fields.items():
            if field.widget.is_hidden and name in self.errors:
                self.add_error(None, f"The {field.label or name} filter is not valid: "
                                     "the list shows nothing.")
        return cleaned


class AnyBooleanWidget(django_filters.widgets.BooleanWidget):
    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", "Any"), ("true", "Yes"), ("false", "No")]

    def value_from_datadict(self, data, files, name):
        known = super().value_from_datadict(data, files, name)
        typed = data.get(name)
        # Neither true nor false: kept as typed, for YesNoField to refuse.
        return typed if known is None and typed else known


class BooleanFilter(django_filters.BooleanFilter):
    """Yes, no or any; another value is an error next to the field (a 400 in the API)."""

    field_class = YesNoField


class YesNoWordsWidget(forms.Select):
    """Any, yes or no, spelled `yes` and `no` in the address (?approved=yes, as the balance
    report links to the list); another value is kept as typed, for the field to refuse."""

    WORDS = {"yes": True, "no": False}

    def __init__(self, attrs=None):
        super().__init__(attrs, [("", "Any"), ("yes", "Yes"), ("no", "No")])

    def format_value(self, value):
        spelled = {flag: word for word, flag in self.WORDS.items()}
        return super().format_value(spelled.get(value, value))

    def value_from_datadict(self, data, files, name):
        typed = data.get(name)
        return self.WORDS.get(typed.lower(), typed or None) if isinstance(typed, str) else typed


class YesNoWordsField(YesNoField):
    message = "Choose yes or no."


class YesNoWordsFilter(BooleanFilter):
    field_class = YesNoWordsField


class DateFilter(django_filters.DateFilter):
    """A date filter within the dates anyone may type (BoundedDateField)."""

    field_class = BoundedDateField


class PickerFilter(django_filters.ModelChoiceFilter):
    """A filter by one object of the viewer's reach, whose menu is a PickerSelect of
    `kind` (tracker.pickers): listed in full while the reach is small, searched beyond."""

    def __init__(self, *args, kind: str, **kwargs):
        kwargs.setdefault("widget", PickerSelect(kind=kind))
        super().__init__(*args, **kwargs)


class EngagementFilter(PickerFilter):
    field_class = EngagementChoiceField


class NameFilter(PickerFilter):
    field_class = NameChoiceField


class PersonFilter(PickerFilter):
    field_class = PersonChoiceField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, kind="person", **kwargs)


PERIODS = {
    "this_week": "This week",
    "last_week": "Last week",
    "this_month": "This month",
    "last_month": "Last month",
}


def visible_engagements(request):
    return Engagement.objects.visible_to(request.user).select_related("client")


def visible_clients(request):
    return Client.objects.visible_to(request.user)


def time_engagements(request):
    """The engagements whose time the user may filter by, past ones included (a report's
    drill-down names an engagement its viewer has left)."""
    return Engagement.objects.time_visible_to(request.user).select_related("client")


def time_clients(request):
    return Client.objects.time_visible_to(request.user)


def visible_people(request):
    return User.objects.visible_to(request.user).by_name()


def visible_teams(request):
    return Team.objects.visible_to(request.user)


class ReachFilterSet(django_filters.FilterSet):
    """A list's filters whose object menus are the user's reach.

    Naming an object out of that reach answers 404 (check_reach()). `for_managers` names
    the filters by person or team that only someone who sees others needs: a consultant gets
    no menu (only themselves would be in it), yet the filter still works for their own id,
    as a report's drill-down link uses it.
    """

    for_managers: tuple[str, ...] = ()
    # The filters (from, to) whose dates are the list's period: its export file's name says it.
    period_filters: tuple[str, str] | None = None

    class Meta:
        form = FilterForm

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = request.user
        self.sees_others = user.is_admin or user.is_manager
        if not self.sees_others:
            for name in self.for_managers:
                self.filters[name].extra["widget"] = forms.HiddenInput()

    def read_menus(self) -> None:
        """Read the form's object menus, in one query, for a page that shows them
        (tracker.pickers): an export or the API never renders them, nor reads them."""
        form = self.form
        names = [name for name, field in form.fields.items()
                 if isinstance(field.widget, PickerSelect)]
        rows = {name: form.fields[name].queryset for name in names}
        for name, menu in read_form_menus(form, self.request.user, names, rows).items():
            field = form.fields[name]
            field.choices = [("", field.empty_label)] + menu.options

    def check_reach(self) -> None:
        """Http404 when a filter names a person, team, client or engagement out of reach."""
        object_filters = [
            name for name, list_filter in self.filters.items()
            if isinstance(list_filter, django_filters.ModelChoiceFilter)
        ]
        if self.is_bound and names_out_of_reach(self.form, object_filters):
            raise Http404("No such object within your reach.")

    def date_range(self) -> tuple[dt.date | None, dt.date | None]:
        """The first and last day the filters select (None where a side is open)."""
        if self.period_filters is None or not self.is_bound or not self.form.is_valid():
            return None, None
        data = self.form.cleaned_data
        return tuple(data.get(name) for name in self.period_filters)


class PeriodFilterSet(ReachFilterSet):
    """Time entries and activities: by period or dates, and by person."""

    period = django_filters.ChoiceFilter(
        label="Period", choices=list(PERIODS.items()), empty_label="Any time",
        method="filter_period",
    )
    date_from = DateFilter(
        field_name="date", lookup_expr="gte", label="From", widget=DateInput()
    )
    date_to = DateFilter(
        field_name="date", lookup_expr="lte", label="To", widget=DateInput()
    )
    consultant = PersonFilter(
        label="Consultant", queryset=visible_people, empty_label="Everyone I can see"
    )

    for_managers = ("consultant",)
    period_filters = ("date_from", "date_to")

    def filter_period(self, queryset, name, value):
        start, end = period_dates(value, self.request.user.today())
        return queryset.filter(date__range=(start, end))

    def date_range(self):
        """A preset period and the dates together: the days both allow."""
        if not self.is_bound or not self.form.is_valid():
            return None, None
        start, end = super().date_range()
        preset = self.form.cleaned_data.get("period")
        if not preset:
            return start, end
        first, last = period_dates(preset, self.request.user.today())
        return max(filter(None, [start, first])), min(filter(None, [end, last]))


class TimeEntryFilter(PeriodFilterSet):
    for_managers = ("consultant", "team")

    kind = django_filters.ChoiceFilter(label="Kind", choices=Kind.choices, empty_label="Any kind")
    # The balance report's team figures drill down here.
    team = NameFilter(
        label="Team", field_name="consultant__team", queryset=visible_teams,
        empty_label="Any team", kind="team",
    )
    engagement = EngagementFilter(
        label="Engagement", queryset=time_engagements, empty_label="Any engagement",
        kind="time-engagement",
    )
    client = NameFilter(
        label="Client", field_name="engagement__client", queryset=time_clients,
        empty_label="Any client", kind="time-client",
    )
    billable = BooleanFilter(label="Billable", widget=AnyBooleanWidget())
    # Provenance (the balance report links here with ?source= and ?approved=yes|no).
    source = django_filters.ChoiceFilter(
        label="Source", choices=TimeEntry.Source.choices, empty_label="Any source"
    )
    approved = YesNoWordsFilter(label="Week approved", method="filter_approved",
                                widget=YesNoWordsWidget())

    class Meta(PeriodFilterSet.Meta):
        model = TimeEntry
        fields = [
            "period", "date_from", "date_to", "kind", "engagement", "client", "billable",
            "source", "approved", "consultant", "team",
        ]

    def filter_approved(self, queryset, name, value):
        return queryset.filter(entry_week_approved() if value else ~entry_week_approved())

    def selection(self, people: list[int] | None) -> Selection:
        """The same entries as `qs`, described for tracker.selection (totals from the rollup).

        `people`: the ids of the people within the user's reach, None for everyone.
        """
        if not self.is_bound:
            return Selection(consultants=people)
        if not self.form.is_valid():
            return Selection(empty=True)  # the list shows nothing either (strict filtering)
        data = self.form.cleaned_data
        start, end = self.date_range()

        consultants = people
        if data.get("consultant"):
            consultants = [pk for pk in [data["consultant"].pk] if people is None or pk in people]
        if data.get("team"):
            members = User.objects.filter(team=data["team"])
            if consultants is not None:
                members = members.filter(pk__in=consultants)
            consultants = members.values("pk")

        engagements = None
        if data.get("engagement") or data.get("client"):
            engagements = Engagement.objects.all()
            if data.get("engagement"):
                engagements = engagements.filter(pk=data["engagement"].pk)
            if data.get("client"):
                engagements = engagements.filter(client=data["client"])
            engagements = engagements.values("pk")

        return Selection(
            start=start,
            end=end,
            kind=data.get("kind") or None,
            billable=data.get("billable"),
            consultants=consultants,
            engagements=engagements,
            source=data.get("source") or None,
            approved=data.get("approved"),
        )


class ActivityFilter(PeriodFilterSet):

    kind = django_filters.ChoiceFilter(
        label="Kind", choices=ActivityKind.choices, empty_label="Any kind"
    )

    class Meta(PeriodFilterSet.Meta):
        model = Activity
        fields = ["period", "date_from", "date_to", "kind", "consultant"]


class IsoWeekField(forms.CharField):
    """A week typed as 2026-W47: its Monday, or the reason it is no week."""

    def __init__(self, **kwargs):
        super().__init__(max_length=20, **kwargs)
        self.widget.attrs.setdefault("placeholder", "2026-W47")
        # Too long to be a week is not a week: said as such, not as a length.
        self.error_messages["max_length"] = "This is not an ISO week like 2026-W47."

    def clean(self, value):
        value = super().clean(value)  # the text, its length checked
        if not value:
            return None
        try:
            return parse_iso_week(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None


class IsoWeekFilter(django_filters.Filter):
    field_class = IsoWeekField


# Open (no record, or reopened) or returned: what the digest counts as not submitted.
NOT_SUBMITTED = "unsubmitted"


class WeekApprovalFilter(ReachFilterSet):
    """The Approvals page: by status (submitted unless said), week and person."""

    status = django_filters.ChoiceFilter(
        label="Status", empty_label="Any status", method="filter_status",
        choices=[*WeekStatus.choices, (NOT_SUBMITTED, "Not submitted (open or returned)")],
    )
    week = IsoWeekFilter(field_name="week_start", label="Week")
    consultant = PersonFilter(
        label="Consultant", queryset=visible_people, empty_label="Everyone I can see"
    )

    class Meta(ReachFilterSet.Meta):
        model = WeekApproval
        fields = ["status", "week", "consultant"]

    def date_range(self):
        """The week filtered by, Monday to Sunday."""
        valid = self.is_bound and self.form.is_valid()
        week = self.form.cleaned_data.get("week") if valid else None
        return (week, week + dt.timedelta(days=6)) if week else (None, None)

    def filter_status(self, queryset, name, value):
        if value == NOT_SUBMITTED:
            return queryset.filter(status__in=UNSUBMITTED)
        return queryset.filter(status=value)


class ChangeFilter(ReachFilterSet):
    """The history list (/history/): by who made the change, whose object it is, the type of
    object, the action, the path and the period."""

    by = PersonFilter(label="Changed by", field_name="user", queryset=visible_people,
                      empty_label="Anyone")
    owner = PersonFilter(label="Whose", field_name="owner", queryset=visible_people,
                         empty_label="Anyone's")
    object_type = django_filters.ChoiceFilter(
        label="Object", choices=Change.ObjectType.choices, empty_label="Any object"
    )
    action = django_filters.ChoiceFilter(
        label="Action", choices=Change.Action.choices, empty_label="Any action"
    )
    via = django_filters.ChoiceFilter(
        label="Through", choices=Change.Via.choices, empty_label="Any way"
    )
    # Days in the viewer's timezone (the middleware activates it).
    date_from = DateFilter(field_name="at__date", lookup_expr="gte", label="From",
                           widget=DateInput())
    date_to = DateFilter(field_name="at__date", lookup_expr="lte", label="To",
                         widget=DateInput())

    period_filters = ("date_from", "date_to")

    class Meta(ReachFilterSet.Meta):
        model = Change
        fields = ["date_from", "date_to", "object_type", "action", "via", "by", "owner"]
