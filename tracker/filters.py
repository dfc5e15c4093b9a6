"""Filters of the time and activity lists; every choice is limited to what the user may see."""


import django_filters
from django import forms
from django.http import Http404

from clients.models import Client, Engagement
from reports.selection import Selection

from .fields import EngagementChoiceField, NameChoiceField, PersonChoiceField
from .forms import DateInput
from .models import Activity, ActivityKind, Kind, Team, TimeEntry, User
from .week import period_dates
from .widgets import BootstrapMixin


class FilterForm(BootstrapMixin, forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "This is before the From date.")
        return cleaned


class AnyBooleanWidget(django_filters.widgets.BooleanWidget):
    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", "Any"), ("true", "Yes"), ("false", "No")]


class EngagementFilter(django_filters.ModelChoiceFilter):
    field_class = EngagementChoiceField


class NameFilter(django_filters.ModelChoiceFilter):
    field_class = NameChoiceField


class PersonFilter(django_filters.ModelChoiceFilter):
    field_class = PersonChoiceField


PERIODS = {
    "this_week": "This week",
    "last_week": "Last week",
    "this_month": "This month",
    "last_month": "Last month",
}


def _visible_engagements(request):
    return Engagement.objects.visible_to(request.user).select_related("client")


def _visible_clients(request):
    return Client.objects.visible_to(request.user)


def _visible_people(request):
    return User.objects.visible_to(request.user).by_name()


class ReachFilterSet(django_filters.FilterSet):
    """A list filter whose object choices (people, engagements, clients) are the user's reach.

    Naming an object outside that reach answers 404, as every other page does; a consultant
    sees no consultant menu (only themselves would be in it), but `?consultant=` still works
    for their own id and is 404 for anyone else's.
    """

    REACH_FIELDS = ("consultant", "engagement", "client")

    period = django_filters.ChoiceFilter(
        label="Period", choices=list(PERIODS.items()), empty_label="Any time",
        method="filter_period",
    )
    date_from = django_filters.DateFilter(
        field_name="date", lookup_expr="gte", label="From", widget=DateInput()
    )
    date_to = django_filters.DateFilter(
        field_name="date", lookup_expr="lte", label="To", widget=DateInput()
    )
    consultant = PersonFilter(
        label="Consultant", queryset=_visible_people, empty_label="Everyone I can see"
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = request.user
        self.sees_others = user.is_admin or user.is_manager
        if not self.sees_others:
            self.filters["consultant"].extra["widget"] = forms.HiddenInput()
            if "team" in self.filters:
                self.filters["team"].extra["widget"] = forms.HiddenInput()

    class Meta:
        form = FilterForm

    def filter_period(self, queryset, name, value):
        start, end = period_dates(value, self.request.user.today())
        return queryset.filter(date__range=(start, end))

    def check_reach(self) -> None:
        """Http404 when a filter names a person, engagement or client out of reach."""
        if self.is_bound and not self.form.is_valid():
            errors = self.form.errors.as_data()
            for name in self.REACH_FIELDS:
                if any(error.code == "invalid_choice" for error in errors.get(name, [])):
                    raise Http404("No such object within your reach.")


def _visible_teams(request):
    return Team.objects.visible_to(request.user)


class TimeEntryFilter(ReachFilterSet):
    REACH_FIELDS = ("consultant", "engagement", "client", "team")

    kind = django_filters.ChoiceFilter(label="Kind", choices=Kind.choices, empty_label="Any kind")
    # The balance report's team figures drill down here.
    team = NameFilter(
        label="Team", field_name="consultant__team", queryset=_visible_teams,
        empty_label="Any team",
    )
    engagement = EngagementFilter(
        label="Engagement", queryset=_visible_engagements, empty_label="Any engagement"
    )
    client = NameFilter(
        label="Client", field_name="engagement__client", queryset=_visible_clients,
        empty_label="Any client",
    )
    billable = django_filters.BooleanFilter(label="Billable", widget=AnyBooleanWidget())

    class Meta(ReachFilterSet.Meta):
        model = TimeEntry
        fields = [
            "period", "date_from", "date_to", "kind", "engagement", "client", "billable",
            "consultant", "team",
        ]

    def selection(self, people: list[int] | None) -> Selection:
        """The same entries as `qs`, described for reports.selection (totals from the rollup).

        `people`: the ids of the people within the user's reach, None for everyone.
        """
        if not self.is_bound:
            return Selection(consultants=people)
        if not self.form.is_valid():
            return Selection(empty=True)  # the list shows nothing either (strict filtering)
        data = self.form.cleaned_data
        starts, ends = [data.get("date_from")], [data.get("date_to")]
        if data.get("period"):
            start, end = period_dates(data["period"], self.request.user.today())
            starts.append(start)
            ends.append(end)
        starts, ends = [day for day in starts if day], [day for day in ends if day]

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
            start=max(starts, default=None),
            end=min(ends, default=None),
            kind=data.get("kind") or None,
            billable=data.get("billable"),
            consultants=consultants,
            engagements=engagements,
        )


class ActivityFilter(ReachFilterSet):
    REACH_FIELDS = ("consultant",)

    kind = django_filters.ChoiceFilter(
        label="Kind", choices=ActivityKind.choices, empty_label="Any kind"
    )

    class Meta(ReachFilterSet.Meta):
        model = Activity
        fields = ["period", "date_from", "date_to", "kind", "consultant"]
