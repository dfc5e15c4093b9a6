"""Filters for the lists. Every choice offered (clients, engagements, people, teams) is drawn
from what the person filtering may see, so a drop-down never names someone else's client; and
naming one out of reach in the address answers 404, in the page and its exports alike."""

import django_filters as filters
from django import forms
from django.db.models import Q

from tracker.filters import (
    DateFilter,
    ReachFilterSet,
    visible_clients,
    visible_engagements,
    visible_people,
    visible_teams,
)
from tracker.models import Kind, TimeEntry
from tracker.widgets import DateInput

from .models import VERIFIED, Client, Engagement, Outcome

YES_NO = (("yes", "Yes"), ("no", "No"))


class ClientFilter(ReachFilterSet):
    q = filters.CharFilter(method="search", label="Name contains")
    sector = filters.CharFilter(lookup_expr="icontains", label="Sector")
    active = filters.BooleanFilter(
        label="Active",
        widget=forms.Select(choices=(("", "Any"), ("true", "Active"), ("false", "Inactive"))),
    )

    class Meta(ReachFilterSet.Meta):
        model = Client
        fields = ["q", "sector", "active"]

    def search(self, queryset, name, value):
        return queryset.filter(name__icontains=value.strip())


class EngagementFilter(ReachFilterSet):
    client = filters.ModelChoiceFilter(queryset=visible_clients, empty_label="All clients")
    # By the state people read: "Active" leaves out those past their end date, "Ended".
    status = filters.ChoiceFilter(
        choices=Engagement.STATES, empty_label="Any status", method="in_state"
    )
    # Together, a period: engagements running at any time in it (both alike: on that day).
    active_from = DateFilter(
        method="running_from", label="Running on or after", widget=DateInput()
    )
    active_to = DateFilter(
        method="running_to", label="Running on or before", widget=DateInput()
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
    starts_from = DateFilter(
        field_name="starts_on", lookup_expr="gte", label="Starts from", widget=DateInput()
    )
    starts_to = DateFilter(
        field_name="starts_on", lookup_expr="lte", label="Starts until", widget=DateInput()
    )

    for_managers = ("member",)
    period_filters = ("active_from", "active_to")

    class Meta(ReachFilterSet.Meta):
        model = Engagement
        fields = ["client", "status", "active_from", "active_to", "member", "sourced_by",
                  "starts_from", "starts_to"]

    def in_state(self, queryset, name, value):
        return queryset.in_state(value, self.request.user.today())

    def running_from(self, queryset, name, value):
        return queryset.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=value))

    def running_to(self, queryset, name, value):
        return queryset.filter(starts_on__lte=value)


class OutcomeFilter(ReachFilterSet):
    status = filters.ChoiceFilter(choices=Outcome.Status.choices, empty_label="Any status")
    client = filters.ModelChoiceFilter(
        field_name="engagement__client", queryset=visible_clients,
        empty_label="All clients", label="Client",
    )
    engagement = filters.ModelChoiceFilter(
        queryset=visible_engagements, empty_label="All engagements"
    )
    achieved_from = DateFilter(
        field_name="achieved_on", lookup_expr="gte", label="Achieved from", widget=DateInput()
    )
    achieved_to = DateFilter(
        field_name="achieved_on", lookup_expr="lte", label="Achieved until", widget=DateInput()
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
    period_filters = ("achieved_from", "achieved_to")

    class Meta(ReachFilterSet.Meta):
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
