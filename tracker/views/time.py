"""/time/: the list of logged time, its exports, entry forms and the start/stop timer.

Who may do what:
- everyone sees the entries of the people they may see (themselves; a manager their teams';
  an admin everyone) in the list and its exports;
- an entry is changed (edited, duplicated, deleted) only by the person who logged it, or by
  an admin correcting it. A manager sees the team's entries but does not change them: a
  timesheet is its owner's statement of their time. Anything else answers 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from clients.models import Engagement

from .. import history, services
from ..durations import decimal_hours, format_duration
from ..filters import TimeEntryFilter
from ..forms import TimeEntryForm, TimerStartForm, entry_initial
from ..grid import RowKey
from ..models import Activity, Kind, RunningTimer, TimeEntry, entry_week_status
from ..paging import (
    CountedPaginator,
    GroupOrder,
    PagedByIdsQuerySet,
    engagement_order,
    value_order,
)
from ..selection import entries_by_week
from ..tables import TimeEntryTable
from ..week import day_label
from .lists import FilteredListView

PER_PAGE = 25
GROUPED_COLUMNS = ("engagement", "kind", "billable")  # sorted pages seek by group


def _get_entry_for_user(request, pk) -> TimeEntry:
    """The entry `pk` if the user may change it (their own, or any for an admin); else 404."""
    entries = TimeEntry.objects.select_related(
        "consultant", "engagement__client", "activity", "import_batch", "api_token"
    )
    if not request.user.is_admin:
        entries = entries.filter(consultant=request.user)
    return get_object_or_404(entries, pk=pk)


def people_within_reach(user) -> list[int] | None:
    """The ids of the people `user` may see; None for an admin (User.people_in_reach)."""
    return user.people_in_reach


def within_reach(manager, user, people: list[int] | None = None):
    """`manager.visible_to(user)`, narrowed to people_within_reach() spelled out."""
    rows = manager.visible_to(user)
    if user.is_admin:
        return rows
    if people is None:
        people = people_within_reach(user)
    return rows.filter(consultant_id__in=people)


def _next_url(request, default: str) -> str:
    """Where to go after a form: a same-site `next` (e.g. back to an activity), else default."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def kind_totals(week_totals) -> dict:
    """Seconds by kind, in total and the number of entries, from Selection.week_totals()."""
    seconds = {kind.value: 0 for kind in Kind}
    count = 0
    for total in week_totals:
        seconds[total.kind] += total.seconds
        count += total.entries
    total = sum(seconds.values())
    return {
        "count": count,
        "total": total,
        "total_text": hours_minutes(total),
        "total_hours": decimal_hours(total),
        "by_kind": [
            {
                "kind": kind.value,
                "label": kind.label,
                "seconds": seconds[kind.value],
                "text": hours_minutes(seconds[kind.value]),
                "hours": decimal_hours(seconds[kind.value]),
            }
            for kind in Kind
        ],
    }


def hours_minutes(seconds: int | None) -> str:
    return format_duration(seconds) or "0:00"


def running_timer(user) -> RunningTimer | None:
    return (
        RunningTimer.objects.filter(user=user)
        .select_related("engagement__client", "activity")
        .first()
    )


def timer_elapsed(timer: RunningTimer) -> int:
    """Whole seconds the timer has run (never negative, should clocks disagree)."""
    return max(int((timezone.now() - timer.started_at).total_seconds()), 0)


def timer_context(request, start_form=None, *, offer_start: bool = True) -> dict:
    """The running timer and its elapsed time, or (with `offer_start`) the form to start one."""
    timer = running_timer(request.user)
    context = {"timer": timer}
    if timer is not None:
        elapsed = timer_elapsed(timer)
        context["timer_elapsed"] = elapsed
        context["timer_elapsed_text"] = (
            f"{elapsed // 3600}:{elapsed % 3600 // 60:02d}:{elapsed % 60:02d}"
        )
    elif offer_start:
        context["timer_form"] = start_form or TimerStartForm(user=request.user)
    return context


class ReachListView(FilteredListView):
    """A list of time entries or activities, paginated without COUNT(*): row_count() comes
    from figures the page reads anyway. The consultant column only for those who see others."""

    table_pagination = {"per_page": PER_PAGE, "paginator_class": CountedPaginator}

    def row_count(self) -> int:
        raise NotImplementedError

    def get_table_pagination(self, table):
        pagination = super().get_table_pagination(table)
        if pagination:  # not an export
            pagination = {**pagination, "count": self.row_count()}
        return pagination

    def get_table_kwargs(self):
        if self.filterset.sees_others:
            return {}
        return {"exclude": ("consultant", "name")}  # one's own list: no person columns


class TimeListView(ReachListView):
    """The entries the user may see, their totals by kind, and the user's timer."""

    table_class = TimeEntryTable
    filterset_class = TimeEntryFilter
    template_name = "tracker/time_list.html"
    export_name = "time"

    def get_queryset(self):
        self.people = people_within_reach(self.request.user)
        entries = within_reach(TimeEntry.objects, self.request.user, self.people)
        # The week's status is a subquery of the rows read: a page's 25 entries, or an
        # export's every row, in the same query (no query per row, none for the ids).
        return PagedByIdsQuerySet.of(
            entries.select_related(
                "consultant", "engagement__client", "activity", "import_batch", "api_token"
            ).annotate(week_status=entry_week_status())
        )

    def get_table_data(self):
        if self.exporting:
            return self.object_list
        # One query for the totals and the entries per week that deep pages seek by.
        selection = self.filterset.selection(self.people)
        self.week_totals = selection.week_totals()
        return self.object_list.with_counts(
            entries_by_week(self.week_totals), self._group_order(selection)
        )

    def _group_order(self, selection) -> GroupOrder | None:
        """How a list sorted by engagement, kind or billable seeks its pages (see paging)."""
        column = self.request.GET.get("sort", "").lstrip("-")
        if column not in GROUPED_COLUMNS:
            return None
        order = tuple(map(str, self.get_table_class().base_columns[column].order_by))
        if column == "engagement":
            return engagement_order(
                selection.entries_by("engagement", total=self.row_count()), order)
        if column == "kind":
            counts: dict = {}
            for total in self.week_totals:  # already read: no query
                counts[total.kind] = counts.get(total.kind, 0) + total.entries
            return value_order("kind", counts, order)
        return value_order("billable", selection.entries_by("billable"), order)

    def row_count(self) -> int:
        # The rollup counted the filtered entries: number every page, no COUNT(*).
        return sum(total.entries for total in self.week_totals)

    def get_extra_context(self):
        return {
            "totals": kind_totals(self.week_totals),
            "hidden_seconds": self._hidden_seconds(),
            **timer_context(self.request),
        }

    def _hidden_seconds(self) -> int:
        """On one engagement, the time of its members out of the viewer's reach: the report's
        all-time hours and burn count it, so the list drilled to says how much it leaves out
        rather than seem to disagree with the figure."""
        data = self.filterset.form.cleaned_data if self.filterset.is_valid() else {}
        if self.people is None or not data.get("engagement") or (
            data.get("consultant") or data.get("team")
        ):
            return 0
        # Only where the viewer sees the engagement's page, which shows those hours: one
        # they have left is their own time, not the whole engagement's.
        if not Engagement.objects.visible_to(self.request.user).filter(
            pk=data["engagement"].pk
        ).exists():
            return 0
        # The same filters, already validated, on everyone else's entries: no second form,
        # whose menus would be read again.
        others = self.filterset.filter_queryset(
            TimeEntry.objects.exclude(consultant_id__in=self.people)
        )
        return others.order_by().aggregate(seconds=Sum("seconds"))["seconds"] or 0


time_list = TimeListView.as_view()


def save_form(form):
    """The form saved, or None with the service's refusal on the form (a week approved
    between the form's check and the save: WeekLocked)."""
    try:
        return form.save()
    except ValidationError as exc:
        form.add_error(None, exc)
        return None


def _render_form(request, form, *, title, action, entry=None):
    return render(
        request,
        "tracker/time_form.html",
        {
            "form": form,
            "title": title,
            "action": action,
            "entry": entry,
            "locked": _lock_messages(entry),
            "next": _next_url(request, ""),
            # Its history, on the edit page (the one page of an entry).
            "history": entry and history.for_page((history.Type.TIME_ENTRY, [entry.pk])),
        },
    )


def _lock_messages(entry: TimeEntry | None) -> list[str]:
    """Why a saved entry cannot be changed, if its week is approved: said when the page
    opens, rather than after the person has typed a change (the services refuse it anyway)."""
    if entry is None or entry.pk is None:
        return []
    return services.week_lock_errors([(entry.consultant_id, entry.date)])


def _initial_from_query(request) -> dict:
    """Prefill a new entry from the address, e.g. ?kind=promotion&activity=12 (from an
    activity's page); the form validates whatever is posted back."""
    initial = {"date": request.user.today(), "kind": Kind.CLIENT}
    for name in ("date", "kind", "engagement", "activity", "note", "billable", "seconds"):
        if name in request.GET:
            initial[name] = request.GET[name]
    initial.setdefault("billable", services.billable_default(initial["kind"]))
    return initial


@login_required
def time_new(request):
    if request.method == "POST":
        form = TimeEntryForm(request.POST, consultant=request.user)
        entry = form.is_valid() and save_form(form)
        if entry:
            messages.success(request, f"Logged {format_duration(entry.seconds)} on "
                             f"{day_label(entry.date, request.user.today())}.")
            return redirect(_next_url(request, reverse("tracker:time_list")))
    else:
        form = TimeEntryForm(initial=_initial_from_query(request), consultant=request.user)
    return _render_form(request, form, title="Log time", action=reverse("tracker:time_new"))


@login_required
def time_edit(request, pk):
    entry = _get_entry_for_user(request, pk)
    form = TimeEntryForm(request.POST or None, instance=entry, consultant=entry.consultant)
    with transaction.atomic():  # the version check locks the row until it is saved
        saved = request.method == "POST" and form.is_valid() and save_form(form)
    if saved:
        messages.success(request, "Entry saved.")
        return redirect(_next_url(request, reverse("tracker:time_list")))
    return _render_form(
        request, form, title="Edit time entry", action=request.path, entry=entry
    )


@login_required
def time_duplicate(request, pk):
    """A new-entry form holding a copy of the entry, dated today."""
    entry = _get_entry_for_user(request, pk)
    form = TimeEntryForm(
        initial=entry_initial(entry, date=request.user.today()), consultant=request.user
    )
    return _render_form(request, form, title="Log time (copy)", action=reverse("tracker:time_new"))


@login_required
def time_delete(request, pk):
    entry = _get_entry_for_user(request, pk)
    if request.method == "POST":
        try:
            services.time_entry_delete(entry=entry)
        except ValidationError as exc:  # its week is approved (WeekLocked)
            messages.error(request, "Nothing was deleted: " + " ".join(exc.messages))
        else:
            messages.success(request, "Entry deleted.")
        return redirect(_next_url(request, reverse("tracker:time_list")))
    return render(
        request,
        "tracker/time_confirm_delete.html",
        {"entry": entry, "duration": hours_minutes(entry.seconds), "next": _next_url(request, ""),
         "locked": _lock_messages(entry)},
    )


@login_required
def timer_start(request):
    """GET shows the start form alone (and its errors); POST starts the user's one timer.

    My week's rows post `row` (a grid row's token) instead of the form's fields, and `next`
    to come back to: a refusal is then said there, above the row."""
    if request.method == "POST" and "row" in request.POST:
        return _timer_start_from_row(request)
    if request.method == "POST":
        form = TimerStartForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                form.save()
            except ValidationError as exc:
                if exc.error_list[0].code != "running":
                    # Refused for this start, e.g. today's week is approved: the form again,
                    # with the reason and what was typed.
                    form.add_error(None, exc)
                    return render(request, "tracker/time_timer.html",
                                  timer_context(request, start_form=form))
                # One timer per person: a second start (another tab) shows the one running.
                messages.info(request, " ".join(exc.messages))
            else:
                messages.success(request, "Timer started.")
            return redirect("tracker:time_list")
    else:
        form = TimerStartForm(user=request.user)
    context = timer_context(request, start_form=form)
    return render(request, "tracker/time_timer.html", context)


def _timer_start_from_row(request):
    back = _next_url(request, reverse("tracker:my_week"))
    try:
        data = RowKey.from_token(request.POST["row"]).timer_data()
    except ValueError:
        data = {}
    form = TimerStartForm(data, user=request.user)
    try:
        started = form.is_valid() and form.save()
    except ValidationError as exc:
        form.add_error(None, exc)
        started = None
    if started:
        messages.success(request, "Timer started.")
    else:
        problems = [problem for errors in form.errors.values() for problem in errors]
        messages.error(request, "The timer was not started: " + " ".join(problems))
    return redirect(back)


@login_required
@require_POST
def timer_stop(request):
    """Stop and log. When a day it ran on cannot take all of it (time logged meanwhile in the
    grid or a form), a page says so and offers to log what fits (fit=1), the time form
    prefilled, or discarding: a timer is never left impossible to stop."""
    back = _next_url(request, reverse("tracker:time_list"))  # My week's Stop comes back there
    fit = request.POST.get("fit") == "1"
    try:
        entries = services.timer_stop(consultant=request.user, fit=fit)
    except RunningTimer.DoesNotExist:
        messages.info(request, "No timer is running.")
        return redirect(back)
    except ValidationError as exc:
        parts = _timer_parts_over(request.user)
        if parts and not fit:
            return render(request, "tracker/timer_stop_fit.html", {
                **timer_context(request, offer_start=False), "back": back, "parts": parts,
                "fits": sum(part.fits for part in parts), "errors": exc.messages,
                "form_url": _timer_form_url(request.user, parts, back),
            })
        for error in exc.messages:
            messages.error(request, f"The timer was not stopped: {error}")
        return redirect(back)
    today = request.user.today()
    logged = " and ".join(
        f"{format_duration(entry.seconds)} on {day_label(entry.date, today)}" for entry in entries
    )
    if fit:
        messages.success(request, f"Timer stopped: logged {logged or 'nothing'}, what fit in "
                         "the day's 24 hours; the rest was not logged.")
    else:
        messages.success(request, f"Timer stopped: logged {logged}.")
    return redirect(back)


def _timer_parts_over(user) -> list:
    """The running timer's days, when one of them cannot take all it ran; else []."""
    timer = RunningTimer.objects.filter(user=user).select_related("user").first()
    if timer is None:
        return []
    parts = services.timer_parts(timer, timezone.now())
    return parts if any(part.fits < part.seconds for part in parts) else []


def timer_over_warning(user) -> str:
    """What to say after time was logged by hand when the running timer no longer fits in
    a day it ran on (empty when it fits)."""
    parts = [part for part in _timer_parts_over(user) if part.fits < part.seconds]
    if not parts:
        return ""
    days = ", ".join(f"{part.day:%a %-d %b}" for part in parts)
    return (f"A timer is running on {days}, which now cannot take all it ran without passing "
            "24 hours: Stop will offer to log what fits, or log it by hand and discard it.")


def _timer_form_url(user, parts, back: str) -> str:
    """The time form prefilled with the timer's row and its last day's time, to log by hand."""
    timer = RunningTimer.objects.get(user=user)
    query = {"kind": timer.kind, "date": parts[-1].day.isoformat(),
             "seconds": format_duration(parts[-1].seconds), "note": timer.note,
             "engagement": timer.engagement_id or "", "activity": timer.activity_id or "",
             "next": back}
    return f"{reverse('tracker:time_new')}?{urlencode(query)}"


@login_required
def timer_discard(request):
    """GET asks first (the time it ran is lost); POST throws the timer away."""
    back = _next_url(request, reverse("tracker:time_list"))
    if request.method != "POST":
        return render(request, "tracker/timer_discard.html",
                      {**timer_context(request, offer_start=False), "back": back})
    discarded = services.timer_discard(consultant=request.user)
    messages.info(request, "Timer discarded." if discarded else "No timer is running.")
    return redirect(back)


def activity_time_url(activity: Activity) -> str:
    """The new-entry form prefilled for promotion time on `activity`."""
    return (
        f"{reverse('tracker:time_new')}?kind={Kind.PROMOTION.value}&activity={activity.pk}"
        f"&next={reverse('tracker:activity_detail', args=[activity.pk])}"
    )

