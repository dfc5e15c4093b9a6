"""/weeks/: timesheets to approve, and the actions on a week.

Who may do what (the services check it again):
- a consultant submits their own week from My week (POST /weeks/submit/);
- a manager sees and decides on the weeks of the people of the teams they manage, an admin
  on everyone's; nobody on their own (a manager's week goes to another manager of the team
  or an admin). A consultant who manages nobody gets 404 for the list, and anyone gets 404
  for a week they may not decide on;
- an admin reopens an approved week, with a reason.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from .. import figures, history, services
from ..filters import NOT_SUBMITTED, WeekApprovalFilter
from ..forms import WeekDecisionForm, WeekReopenForm, WeekSubmitForm
from ..models import Kind, Team, TimeEntry, User, WeekApproval, WeeklyTotal, WeekStatus
from ..tables import WeekApprovalTable
from ..week import iso_week, parse_iso_week, week_dates, week_start_of
from .lists import FilteredListView
from .time import hours_minutes
from .week import week_records


def _require_approver(request) -> None:
    if not (request.user.is_admin or request.user.is_manager):
        raise Http404


class WeekListView(FilteredListView):
    """The weeks the user may decide on, submitted ones first shown (the default filter)."""

    table_class = WeekApprovalTable
    filterset_class = WeekApprovalFilter
    template_name = "tracker/week_list.html"
    table_pagination = {"per_page": 25}

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            _require_approver(request)
        return super().dispatch(request, *args, **kwargs)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        if "status" not in self.request.GET:
            # What waits for a decision, unless the filter says otherwise ("" is any status).
            data = self.request.GET.copy()
            data["status"] = WeekStatus.SUBMITTED
            kwargs["data"] = data
        return kwargs

    def get_queryset(self):
        return WeekApproval.objects.decidable_by(self.request.user).select_related(
            "consultant", "decided_by", "reopened_by"
        )

    def get_table_data(self):
        """Not submitted or open, for one week: the records, and the people of the user's
        teams with no record of that week at all (an open week has none)."""
        rows = super().get_table_data()
        filters = self.filterset.form.cleaned_data if self.filterset.is_valid() else {}
        week = filters.get("week")
        if filters.get("status") not in (NOT_SUBMITTED, WeekStatus.OPEN) or not week:
            return rows
        people = User.objects.filter(is_active=True, team__isnull=False).exclude(
            pk=self.request.user.pk
        ).exclude(week_approvals__week_start=week).select_related("team")
        if not self.request.user.is_admin:
            people = people.filter(team__in=Team.objects.managed_by(self.request.user))
        if filters.get("consultant"):
            people = people.filter(pk=filters["consultant"].pk)
        return [*rows, *(WeekApproval(consultant=person, week_start=week) for person in people)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filters = self.filterset.form.cleaned_data if self.filterset.is_valid() else {}
        # Weeks not submitted without a week chosen: only those with a record are listed.
        context["choose_a_week"] = (
            filters.get("status") in (NOT_SUBMITTED, WeekStatus.OPEN) and not filters.get("week")
        )
        return context

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        rows = [row.record for row in table.page.object_list] if table.page else []
        # The hours of the weeks on this page: the rollup's, one grouped query.
        seconds = figures.kind_seconds_by_week(WeeklyTotal.objects.filter(
            consultant_id__in={row.consultant_id for row in rows},
            week_start__in={row.week_start for row in rows},
        ))
        for row in rows:
            row.kind_seconds = seconds.get((row.consultant_id, row.week_start),
                                           figures.KindSeconds())
        return table


week_list = login_required(WeekListView.as_view())


def _get_person_for_user(request, username: str) -> User:
    """The person if `request.user` may decide on their weeks; else 404. A name with a NUL is
    nobody's and never reaches the database (PostgreSQL refuses it)."""
    if "\x00" in username:
        raise Http404("No such person.")
    consultant = get_object_or_404(User.objects.select_related("team"), username=username)
    if not services.week_may_decide(request.user, consultant):
        raise Http404("No such week within your reach.")
    return consultant


@login_required
def week_detail(request, username: str, week: str):
    """One person's week: its entries, hours by kind against capacity, that week's outcomes
    and activities; approve or return it (submitted), or reopen it (approved, admins)."""
    consultant = _get_person_for_user(request, username)
    try:
        monday = parse_iso_week(week)
    except ValueError as exc:
        # A typed or mangled address: the person's week of today, saying why (a post does
        # nothing: it was about a week that is none).
        messages.warning(request, f"{exc} Showing this week.")
        this_week = iso_week(week_start_of(request.user.today()))
        return redirect("tracker:week_detail", consultant.username, this_week)
    decision_form = WeekDecisionForm(
        initial={"version": services.week_version(consultant=consultant, week_start=monday)}
    )
    reopen_form = WeekReopenForm()
    if request.method == "POST":
        if request.POST.get("action") == "reopen":
            reopen_form = WeekReopenForm(request.POST)
            form, act = reopen_form, lambda data: services.week_reopen(
                consultant=consultant, week_start=monday, by=request.user, reason=data["reason"])
        else:
            decision_form = WeekDecisionForm(request.POST)
            form, act = decision_form, lambda data: _decide(request, consultant, monday, data)
        if form.is_valid():
            try:
                approval = act(form.cleaned_data)
            except PermissionDenied:
                raise Http404("No such week within your reach.") from None
            except ValidationError as exc:
                form.add_error(None, exc)
                if form is decision_form:
                    # The page below shows the week as it is now: the form names that
                    # version, so approving again after a look approves what was seen
                    # (the posted, stale one would be refused again and again).
                    decision_form.data = decision_form.data.copy()
                    decision_form.data["version"] = services.week_version(
                        consultant=consultant, week_start=monday)
            else:
                messages.success(request, f"Week {approval.iso_week} ({approval.dates}) of "
                                          f"{consultant}: {approval.get_status_display().lower()}.")
                return redirect(request.path)
    return render(request, "tracker/week_detail.html", {
        **_week_context(consultant, monday, viewer=request.user),
        "decision_form": decision_form,
        "reopen_form": reopen_form,
        "refused_forms": (decision_form, reopen_form),
    }, status=400 if request.method == "POST" else 200)


def _decide(request, consultant, monday, data):
    if data["action"] == "approve":
        return services.week_approve(consultant=consultant, week_start=monday, by=request.user,
                                     comment=data["comment"], version=data["version"] or None)
    return services.week_return(consultant=consultant, week_start=monday, by=request.user,
                                comment=data["comment"])


def _week_context(consultant: User, monday: dt.date, *, viewer: User) -> dict:
    sunday = monday + dt.timedelta(days=6)
    entries = list(
        TimeEntry.objects.filter(consultant=consultant).in_period(monday, sunday)
        .select_related("engagement__client", "activity").order_by("date", "pk")
    )
    seconds = figures.KindSeconds.of((entry.kind, entry.seconds) for entry in entries)
    approval = services.week_status(consultant=consultant, week_start=monday)
    return {
        "consultant": consultant,
        "approval": approval,
        "history": history.for_page((history.Type.WEEK, [approval.pk] if approval.pk else [])),
        "start": monday,
        "end": sunday,
        "iso_week": iso_week(monday),
        "entries": [{"entry": e, "duration": hours_minutes(e.seconds)} for e in entries],
        "kind_rows": [
            {"kind": kind.value, "label": kind.label, "hours": figures.hours(seconds.of_kind(kind))}
            for kind in Kind
        ],
        "total_hours": figures.hours(seconds.total),
        "capacity_hours": figures.capacity_hours(figures.capacity_of(consultant, monday, sunday)),
        **week_records(consultant, monday, sunday, viewer=viewer),
    }


@login_required
@require_POST
def week_submit(request):
    """Submit the user's own week (?week=2026-W47), with an optional note; back to My week."""
    back = reverse("tracker:my_week")
    try:
        monday = parse_iso_week(request.GET.get("week", ""))
    except ValueError as exc:
        messages.error(request, f"Nothing was submitted: {exc}")
        return redirect(back)
    back = f"{back}?week={iso_week(monday)}"
    form = WeekSubmitForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Nothing was submitted: " + " ".join(
            message for errors in form.errors.values() for message in errors))
        return redirect(back)
    try:
        services.week_submit(consultant=request.user, week_start=monday,
                             note=form.cleaned_data["note"])
    except ValidationError as exc:
        messages.error(request, "Nothing was submitted: " + " ".join(exc.messages))
    else:
        messages.success(request, f"Week {iso_week(monday)} ({week_dates(monday)}) submitted "
                                  "for approval.")
    return redirect(back)
