"""Filters for the lists. Every choice offered (clients, engagements, people, teams) is drawn
from what the person filtering may see, so a drop-down never names someone else's client; and
naming one out of reach in the address answers 404, in the page and its exports alike."""

import django_filters as filters
from django import forms
from django.db.models import Q
from django.http import Http404

from tracker.models import Kind, Team, TimeEntry, User
from tracker.widgets import style_for_bootstrap

from .forms import date_widget
from .models import VERIFIED, Client, Engagement, Outcome

YES_NO = (("yes", "Yes"), ("no", "No"))


def visible_clients(request):
    return Client.objects.visible_to(request.user)


def visible_engagements(request):
    # Engagement.__str__ names the client: fetched with it, not once per option.
    return Engagement.objects.visible_to(request.user).select_related("client")


def visible_people(request):
    # Shown by their names: in the order of those names, not of the usernames behind them.
    return User.objects.visible_to(request.user).by_name()


def visible_teams(request):
    return Team.objects.visible_to(request.user)


class FilterForm(forms.Form):
    """The filters' form: a period's "…_to" date before its "…_from" date is refused next to
    the "to" field, as /time/ does; the list then shows nothing (strict filtering)."""

    def clean(self):
        cleaned = super().clean()
        for start_name in [name for name in self.fields if name.endswith("_from")]:
            end_name = start_name.removesuffix("_from") + "_to"
            start, end = cleaned.get(start_name), cleaned.get(end_name)
            if start and end and end < start:
                self.add_error(end_name, "This is before the From date.")
        return cleaned


class StyledFilterSet(filters.FilterSet):
    """A list's filters, styled for Bootstrap.

    `for_managers` name the filters by person or team that only someone seeing others needs:
    a consultant gets no menu (only themselves would be in it), yet the filter still works
    for their own id, as a report's drill-down link uses it, and is 404 for anyone else's.
    """

    for_managers: tuple[str, ...] = ()

    class Meta:
        form = FilterForm

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if not (request.user.is_admin or request.user.is_manager):
            for name in self.for_managers:
                self.filters[name].extra["widget"] = forms.HiddenInput()

    @property
    def form(self):
        form = super().form
        style_for_bootstrap(form)
        return form

    def check_reach(self) -> None:
        """Http404 when a filter names a client, engagement, person or team out of reach.

        Their choices are the user's reach, so such an id is an invalid choice; filtering
        strictly would answer an empty list, which tells a guessed id from a missing one.
        """
        if not self.is_bound or self.form.is_valid():
            return
        errors = self.form.errors.as_data()
        for name, list_filter in self.filters.items():
            if isinstance(list_filter, filters.ModelChoiceFilter) and any(
                error.code == "invalid_choice" for error in errors.get(name, [])
            ):
                raise Http404("No such object within your reach.")


class ClientFilter(StyledFilterSet):
    q = filters.CharFilter(method="search", label="Name contains")
    sector = filters.CharFilter(lookup_expr="icontains", label="Sector")
    active = filters.BooleanFilter(
        label="Active",
        widget=forms.Select(choices=(("", "Any"), ("true", "Active"), ("false", "Inactive"))),
    )

    class Meta(StyledFilterSet.Meta):
        model = Client
        fields = ["q", "sector", "active"]

    def search(self, queryset, name, value):
        return queryset.filter(name__icontains=value.strip())


class EngagementFilter(StyledFilterSet):
    client = filters.ModelChoiceFilter(queryset=visible_clients, empty_label="All clients")
    status = filters.ChoiceFilter(choices=Engagement.Status.choices, empty_label="Any status")
    # Together, a period: engagements running at any time in it (both alike: on that day).
    active_from = filters.DateFilter(
        method="running_from", label="Running on or after", widget=date_widget()
    )
    active_to = filters.DateFilter(
        method="running_to", label="Running on or before", widget=date_widget()
    )
    member = filters.ModelChoiceFilter(
        field_name="members", queryset=visible_people, empty_label="Anyone",
        label="Member",
    )
    # The balance report's "engagements sourced" drills down to these three.
    sourced_by = filters.ModelChoiceFilter(
        field_name="source_activity__consultant", queryset=visible_people,
        empty_label="Anyone", label="Brought in by",
    )
    starts_from = filters.DateFilter(
        field_name="starts_on", lookup_expr="gte", label="Starts from", widget=date_widget()
    )
    starts_to = filters.DateFilter(
        field_name="starts_on", lookup_expr="lte", label="Starts until", widget=date_widget()
    )

    for_managers = ("member",)

    class Meta(StyledFilterSet.Meta):
        model = Engagement
        fields = ["client", "status", "active_from", "active_to", "member", "sourced_by",
                  "starts_from", "starts_to"]

    def running_from(self, queryset, name, value):
        return queryset.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=value))

    def running_to(self, queryset, name, value):
        return queryset.filter(starts_on__lte=value)


class OutcomeFilter(StyledFilterSet):
    status = filters.ChoiceFilter(choices=Outcome.Status.choices, empty_label="Any status")
    client = filters.ModelChoiceFilter(
        field_name="engagement__client", queryset=visible_clients,
        empty_label="All clients", label="Client",
    )
    engagement = filters.ModelChoiceFilter(
        queryset=visible_engagements, empty_label="All engagements"
    )
    achieved_from = filters.DateFilter(
        field_name="achieved_on", lookup_expr="gte", label="Achieved from", widget=date_widget()
    )
    achieved_to = filters.DateFilter(
        field_name="achieved_on", lookup_expr="lte", label="Achieved until", widget=date_widget()
    )
    verified = filters.ChoiceFilter(
        choices=YES_NO, method="filter_verified", empty_label="Either",
        label="Confirmed by the client",
    )
    # As the balance report credits outcomes: to whoever logged client time on the
    # engagement within the achieved-from/until period.
    credited_to = filters.ModelChoiceFilter(
        queryset=visible_people, method="filter_credited", empty_label="Anyone",
        label="Credited to",
    )
    team = filters.ModelChoiceFilter(
        queryset=visible_teams, method="filter_credited", empty_label="Any team",
        label="Credited to team",
    )

    for_managers = ("credited_to", "team")

    class Meta(StyledFilterSet.Meta):
        model = Outcome
        fields = ["status", "client", "engagement", "achieved_from", "achieved_to", "verified",
                  "credited_to", "team"]

    def filter_verified(self, queryset, name, value):
        return queryset.filter(VERIFIED) if value == "yes" else queryset.exclude(VERIFIED)

    def filter_credited(self, queryset, name, value):
        worked = TimeEntry.objects.filter(kind=Kind.CLIENT)
        worked = worked.filter(consultant=value) if name == "credited_to" else worked.filter(
            consultant__team=value
        )
        data = self.form.cleaned_data
        if data.get("achieved_from"):
            worked = worked.filter(date__gte=data["achieved_from"])
        if data.get("achieved_to"):
            worked = worked.filter(date__lte=data["achieved_to"])
        return queryset.filter(engagement__in=worked.values("engagement_id"))
