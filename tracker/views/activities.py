"""/activities/: the self-promotion log, with the time spent on each piece.

An activity is seen by its owner, their managers and admins; it is changed by its owner (or
an admin). Anything else answers 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from .. import history, services
from ..filters import ActivityFilter
from ..forms import ActivityForm
from ..models import Activity, Kind, TimeEntry, subquery_total
from ..tables import ActivityTable
from .time import ReachListView, activity_time_url, hours_minutes, save_form, within_reach


def with_time_spent(activities):
    """Annotate `spent_seconds`: the promotion time linked to each activity (one query)."""
    spent = TimeEntry.objects.filter(activity=OuterRef("pk"), kind=Kind.PROMOTION)
    return activities.annotate(spent_seconds=subquery_total(spent, "activity", Sum("seconds")))


def activity_totals(activities) -> dict:
    """Count, reach, interactions and leads of the activities, and the promotion time linked
    to them: two aggregates. Summing the per-row `spent_seconds` instead would run its
    subquery once per activity, 18,000 index lookups for an admin (180 ms)."""
    rows = activities.order_by()
    totals = rows.aggregate(
        count=Count("pk"),
        reach=Sum("audience"),
        interactions=Sum("interactions"),
        leads=Sum("leads"),
    )
    totals.update(
        TimeEntry.objects.filter(kind=Kind.PROMOTION, activity__in=rows.values("pk")).aggregate(
            seconds=Sum("seconds")
        )
    )
    totals = {name: value or 0 for name, value in totals.items()}
    totals["time_text"] = hours_minutes(totals["seconds"])
    return totals


def _get_activity_for_user(request, pk, *, change: bool = False) -> Activity:
    """The activity if the user may see it (or, with `change`, edit it); else 404."""
    activities = Activity.objects.select_related("consultant", "engagement__client")
    if change and not request.user.is_admin:
        activities = activities.filter(consultant=request.user)
    else:
        activities = activities.visible_to(request.user)
    return get_object_or_404(activities, pk=pk)


class ActivityListView(ReachListView):
    table_class = ActivityTable
    filterset_class = ActivityFilter
    template_name = "tracker/activity_list.html"
    export_name = "activities"

    def get_queryset(self):
        activities = within_reach(Activity.objects, self.request.user)
        return with_time_spent(activities.select_related("consultant", "engagement__client"))

    def get_table_data(self):
        if not self.exporting:
            # Read before the page: their count numbers the pages (no COUNT(*) of its own).
            self.totals = activity_totals(self.object_list)
        return super().get_table_data()

    def row_count(self) -> int:
        return self.totals["count"]

    def get_extra_context(self):
        return {"totals": self.totals}


activity_list = ActivityListView.as_view()


@login_required
def activity_detail(request, pk):
    activity = _get_activity_for_user(request, pk)
    entries = list(activity.time_entries.select_related("consultant").order_by("-date", "-pk"))
    may_change = request.user.is_admin or activity.consultant_id == request.user.pk
    return render(
        request,
        "tracker/activity_detail.html",
        {
            "activity": activity,
            "entries": [
                {"entry": entry, "duration": hours_minutes(entry.seconds)} for entry in entries
            ],
            "spent_text": hours_minutes(sum(entry.seconds for entry in entries)),
            "may_change": may_change,
            "history": history.for_page((history.Type.ACTIVITY, [activity.pk])),
            "log_time_url": (
                activity_time_url(activity) if activity.consultant_id == request.user.pk else ""
            ),
        },
    )


@login_required
def activity_new(request):
    form = ActivityForm(request.POST or None, consultant=request.user)
    activity = request.method == "POST" and form.is_valid() and save_form(form)
    if activity:
        messages.success(request, f"Logged “{activity.title}”. Now log the time it took.")
        return redirect("tracker:activity_detail", pk=activity.pk)
    return render(
        request,
        "tracker/activity_form.html",
        {"form": form, "title": "Log an activity", "action": reverse("tracker:activity_new")},
    )


@login_required
def activity_edit(request, pk):
    activity = _get_activity_for_user(request, pk, change=True)
    form = ActivityForm(request.POST or None, instance=activity, consultant=activity.consultant)
    with transaction.atomic():  # the version check locks the row until it is saved
        saved = request.method == "POST" and form.is_valid() and save_form(form)
    if saved:
        messages.success(request, "Activity saved.")
        return redirect("tracker:activity_detail", pk=activity.pk)
    return render(
        request,
        "tracker/activity_form.html",
        {"form": form, "title": "Edit activity", "action": request.path, "activity": activity,
         # Said when the page opens, as the time form does, not after a change is typed.
         "locked": services.week_lock_errors([(activity.consultant_id, activity.date)])},
    )


@login_required
def activity_delete(request, pk):
    activity = _get_activity_for_user(request, pk, change=True)
    if request.method == "POST":
        try:
            services.activity_delete(activity=activity)
        except ValidationError as exc:  # its week, or its time's, is approved (WeekLocked)
            messages.error(request, "Nothing was deleted: " + " ".join(exc.messages))
            return redirect("tracker:activity_detail", pk=activity.pk)
        messages.success(request, f"Deleted “{activity.title}”; its time stays logged.")
        return redirect("tracker:activity_list")
    return render(
        request,
        "tracker/activity_confirm_delete.html",
        {"activity": activity, "entry_count": activity.time_entries.count(),
         # Said when the page opens, as the time entry's delete page does.
         "locked": services.week_lock_errors(services.activity_delete_weeks(activity))},
    )
