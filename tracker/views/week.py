import datetime as dt
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from clients.models import Engagement, Outcome, OutcomeMeasurement

from .. import figures, services
from ..durations import format_duration
from ..figures import KindSeconds
from ..formatting import counted
from ..forms import CellEntryForm, CellNewEntryForm, WeekSubmitForm
from ..grid import RowKey, WeekGrid, row_label
from ..limits import date_in_range
from ..models import (
    Activity,
    Kind,
    TimeEntry,
    User,
    WeekApproval,
    WeeklySourceTotal,
    WeekStatus,
)
from ..rules import FUTURE
from ..week import (
    DAYS,
    day_label,
    iso_week,
    parse_iso_week,
    parse_week,
    week_dates,
    week_start_of,
)
from .time import _next_url, timer_context, timer_over_warning

DAY_NUMBERS = {str(day) for day in DAYS}  # ?day=0 (Monday) to 6, as typed in an address
APPROVED_MEANWHILE = "the week was approved meanwhile."  # a save refused by the lock
CHART_DAY_HEIGHT = 120  # px of the daily chart's tallest bar (24 h would overflow it)


def _week_url(monday: dt.date, **params) -> str:
    query = "&".join([f"week={iso_week(monday)}"] + [f"{k}={v}" for k, v in params.items()])
    return f"{reverse('tracker:my_week')}?{query}"


def _shown_day(request, monday: dt.date, today: dt.date) -> int:
    """The day a phone shows of the week (0 = Monday): ?day=, else today in this week, else
    Monday."""
    day = request.GET.get("day", "")
    if day in DAY_NUMBERS:
        return int(day)
    return (today - monday).days if monday <= today <= monday + dt.timedelta(days=6) else 0


def _day_link(day: dt.date) -> dict | None:
    """A link to `day` on a phone's My week (None outside the weeks anyone may open)."""
    monday = week_start_of(day)
    if not (date_in_range(monday) and date_in_range(monday + dt.timedelta(days=6))):
        return None
    return {"url": _week_url(monday, day=day.weekday()), "day": day}


def _day_links(monday: dt.date, shown: int) -> dict:
    """The phone's previous and next day, across into the next or previous week; and the
    days just outside this week, where the script's links go once they reach its ends."""
    return {
        "previous_day": _day_link(monday + dt.timedelta(days=shown - 1)),
        "next_day": _day_link(monday + dt.timedelta(days=shown + 1)),
        "day_before_week": _day_link(monday - dt.timedelta(days=1)),
        "day_after_week": _day_link(monday + dt.timedelta(days=7)),
    }


def _four_weeks(*, user, first_monday: dt.date, last_monday: dt.date):
    """The user's hours by kind over four whole weeks, and their team's median promotion
    share over them (members with time), from the coarse rollup of whole weeks: one query,
    however many entries the team logged."""
    rollup = WeeklySourceTotal.objects.filter(
        week_start__range=(first_monday, last_monday), entries__gt=0)
    if user.team_id is None:
        own = figures.kind_seconds_of_whole_weeks(rollup.filter(consultant=user))
        return own.get(user.pk, KindSeconds()), None
    team = figures.kind_seconds_of_whole_weeks(
        rollup.filter(consultant__in=User.objects.filter(team_id=user.team_id).values("pk")))
    median = figures.team_median_share(seconds.promotion_share for seconds in team.values())
    return team.get(user.pk, KindSeconds()), median


def _outcomes_credited(*, user, start: dt.date, end: dt.date) -> int:
    """Outcomes achieved in the period on engagements the user logged client time on in it:
    the outcomes the balance report credits them with (CONTRACT.md)."""
    worked = TimeEntry.objects.filter(consultant=user, kind=Kind.CLIENT).in_period(start, end)
    return Outcome.objects.filter(
        status=Outcome.Status.ACHIEVED, achieved_on__range=(start, end),
        engagement__in=worked.values("engagement_id"),
    ).count()


def _daily_chart(grid: WeekGrid, kinds_by_day: list[dict]) -> dict:
    """Stacked columns per day, scaled to the busiest day (at least 8 h)."""
    busiest = max([sum(day.values()) for day in kinds_by_day] + [8 * 3600])
    columns = []
    for day, kinds in zip(grid.days, kinds_by_day, strict=True):
        bars, y = [], CHART_DAY_HEIGHT
        for kind in Kind:
            height = kinds.get(kind.value, 0) / busiest * CHART_DAY_HEIGHT
            y -= height
            if height:
                bars.append({"kind": kind.value, "label": kind.label, "y": y, "height": height,
                             "hours": kinds[kind.value] / 3600})
        columns.append({"day": day, "bars": bars, "hours": sum(kinds.values()) / 3600})
    return {"columns": columns, "height": CHART_DAY_HEIGHT}


def week_records(person, monday: dt.date, sunday: dt.date, *, viewer) -> dict:
    """A person's activities, outcomes achieved and measurements of a week: what My week
    and the week's approval page show beside the time.

    Only outcomes within `viewer`'s reach: a person may have recorded on an engagement their
    manager does not see (one they have left, or another team's they also manage)."""
    outcomes = Outcome.objects.visible_to(viewer)
    return {
        "activities": Activity.objects.filter(consultant=person).in_period(monday, sunday),
        "measurements": OutcomeMeasurement.objects.filter(
            recorded_by=person, date__range=(monday, sunday), outcome__in=outcomes,
        ).select_related("outcome__engagement__client"),
        "outcomes_achieved": outcomes.filter(
            engagement__members=person, achieved_on__range=(monday, sunday)
        ).select_related("engagement__client"),
    }


def _submit(user, monday: dt.date, note: str) -> list[str]:
    """Submit the week; the reasons it was refused (none when submitted)."""
    try:
        services.week_submit(consultant=user, week_start=monday, note=note)
    except ValidationError as exc:
        return exc.messages
    return []


@login_required
def my_week(request):
    """This week's grid, hours by kind against capacity, and the plain promotion figures."""
    user = request.user
    today = user.today()
    try:
        monday = parse_week(request.GET.get("week"), today)
    except ValueError as exc:
        # A link or a typed address with a week we cannot show: this week, and why.
        messages.warning(request, f"{exc} Showing this week.")
        if request.method == "POST":
            return redirect(reverse("tracker:my_week"))  # never save into another week
        monday = week_start_of(today)
    sunday = monday + dt.timedelta(days=6)
    # ?copy=1 copies last week's rows and says how many; ?copy=2 keeps them after a save.
    copy_last_week = request.GET.get("copy") in ("1", "2")
    locked_meanwhile: list[str] = []  # a save refused by the lock: who approved it, when

    submit_form = WeekSubmitForm()
    if request.method == "POST":
        # "Submit week" sits in the grid's form: what is typed is saved, then the week is
        # submitted, in one transaction; a grid that cannot be saved submits nothing.
        submitting = "submit_week" in request.POST
        submit_form = WeekSubmitForm(request.POST if submitting else None)
        grid = WeekGrid(user=user, monday=monday, copy_last_week=copy_last_week)
        saved = grid.bind(request.POST)
        refused_submit: list[str] = []
        if submitting and not submit_form.is_valid():
            saved = False
            refused_submit = [m for errors in submit_form.errors.values() for m in errors]
        if saved:
            try:
                with transaction.atomic():
                    changed = grid.save()
                    if submitting:
                        refused_submit = _submit(user, monday, submit_form.cleaned_data["note"])
                        if refused_submit:
                            transaction.set_rollback(True)  # nothing saved without the submit
                            saved = False
            except ValidationError as exc:
                # Saved elsewhere between reading the week and writing it (the service
                # re-reads it locked): read it again, so the cells say what changed.
                saved = False
                locked_meanwhile = exc.messages if isinstance(exc, services.WeekLocked) else []
                grid = WeekGrid(user=user, monday=monday, copy_last_week=copy_last_week)
                if grid.bind(request.POST) and not locked_meanwhile:
                    grid.errors.extend(exc.messages)  # the lock's: in the one message below
                if locked_meanwhile:
                    # Approved since the page was opened: no cell is wrong, none can be
                    # saved. What was typed stays in view, marked as not saved, so the
                    # totals beside it are not taken for saved time.
                    for row in grid.rows:
                        for cell in row.cells:
                            if cell.new_seconds not in (None, cell.seconds):
                                cell.error = "Not saved: the week is approved."
        if saved:
            cells = counted(changed, "cell")
            done = f"Week saved: {cells} changed."
            if submitting:
                done = (f"Week {iso_week(monday)} ({week_dates(monday)}) submitted for "
                        f"approval{f', {cells} saved first' if changed else ''}.")
            messages.success(request, done)
            if warning := timer_over_warning(user):
                messages.warning(request, warning)
            back = {"day": day} if (day := request.GET.get("day", "")) in DAY_NUMBERS else {}
            # A phone comes back to the day it showed; copied rows stay for the week, as
            # Harvest keeps them, empty or not.
            return redirect(_week_url(monday, **({"copy": 2} if copy_last_week else {}), **back))
        if refused_submit:
            messages.error(request, "Nothing was saved or submitted: " + " ".join(refused_submit))
        elif locked_meanwhile:
            # One message (another tab or the manager approved the week since the page was
            # opened): what happened, who approved it and what to do; the cells say "Not saved".
            messages.error(request, " ".join([
                f"Nothing was {'submitted' if submitting else 'saved'}: {APPROVED_MEANWHILE}",
                *locked_meanwhile,
                "What you typed is shown below, marked “Not saved”.",
            ]))
        elif submitting:
            messages.error(request, "Nothing was submitted: the timesheet could not be saved. "
                           "Correct the marked cells, then submit again.")
        else:
            messages.error(request, "Nothing was saved: correct the marked cells.")
    else:
        grid = WeekGrid(user=user, monday=monday, copy_last_week=copy_last_week)
        if request.GET.get("copy") == "1":
            messages.info(request, (
                f"Copied {grid.copied} row(s) from last week, empty: type their hours and save."
                " They stay on this week's page until you leave it; a row left empty is not "
                "saved.") if grid.copied else "Last week has no row that this week lacks.")

    entries = TimeEntry.objects.filter(consultant=user)
    by_day: list[dict] = [{} for _ in range(7)]
    for day, kind, seconds in (
        entries.in_period(monday, sunday).order_by().values_list("date", "kind")
        .annotate(seconds=Sum("seconds"))
    ):
        by_day[(day - monday).days][kind] = seconds
    # The week's hours by kind are its days' summed: the same seconds as the balance report.
    totals = KindSeconds.of(pair for day in by_day for pair in day.items())
    four_weeks_start = monday - dt.timedelta(days=21)
    four_week_totals, team_median = _four_weeks(
        user=user, first_monday=four_weeks_start, last_monday=monday)
    capacity = figures.capacity_hours(figures.capacity_of(user, monday, sunday))
    total_hours = figures.hours(totals.total)
    bar_scale = max(capacity, totals.total / 3600)  # past capacity, the bar shows every kind
    rows = []
    for kind in Kind:
        seconds = totals.of_kind(kind)
        rows.append({
            "kind": kind.value,
            "label": kind.label,
            "hours": figures.hours(seconds),
            "percent_of_capacity": (100 * seconds / 3600 / capacity) if capacity else 0,
            "percent_of_bar": (100 * seconds / 3600 / bar_scale) if bar_scale else 0,
        })
    share_week = totals.promotion_share
    approval = services.week_status(consultant=user, week_start=monday)
    submit_form.fields["note"].widget.attrs["form"] = "week-grid"  # posted with the grid
    context = {
        # Weeks sent back to fix or reopened by an admin, wherever My week is showing: a
        # consultant lands on this week and would not otherwise learn that last week came
        # back to them.
        "returned_weeks": WeekApproval.objects.filter(
            Q(status=WeekStatus.RETURNED)
            | Q(status=WeekStatus.OPEN, reopened_at__isnull=False),
            consultant=user,
        ).exclude(week_start=monday).select_related("decided_by", "reopened_by")
        .order_by("week_start"),
        "grid": grid,
        # An approved week is locked: the grid is shown, not offered for editing. A submitted
        # one stays editable until it is approved (docs/approvals.md).
        "approval": approval,
        "locked": approval.locked,
        "may_submit": approval.status in (WeekStatus.OPEN, WeekStatus.RETURNED)
        and monday <= today,
        "submit_form": submit_form,
        "start": monday,
        "end": sunday,
        "iso_week": iso_week(monday),
        "is_this_week": monday <= today <= sunday,
        # No link to a week outside the dates anyone may type (1900-2199).
        "previous_url": date_in_range(monday - dt.timedelta(days=7))
        and _week_url(monday - dt.timedelta(days=7)),
        "next_url": date_in_range(monday + dt.timedelta(days=13))
        and _week_url(monday + dt.timedelta(days=7)),
        "this_week_url": reverse("tracker:my_week"),
        "copy_url": _week_url(monday, copy=1),
        "rows": rows,
        "total_hours": total_hours,
        "over_capacity_hours": max(total_hours - capacity, 0),
        # Past capacity the bar spans the hours logged; a mark shows where capacity ends.
        "capacity_mark": 100 * capacity / bar_scale if total_hours > capacity else None,
        "capacity_hours": capacity,
        "chart": _daily_chart(grid, by_day),
        "share_week": share_week,
        "share_week_pct": figures.whole_percent(share_week),
        # The balance report's flag for this week, by the same rule (tracker.figures).
        "flag": figures.flag(
            share=share_week, threshold=figures.threshold_of(user.team),
            outcomes_achieved=_outcomes_credited(user=user, start=monday, end=sunday),
        ),
        "share_four_weeks": four_week_totals.promotion_share,
        "team_median_four_weeks": team_median,
        # Shown as whole percent as the digest shows them (tracker.figures.whole_percent).
        "share_four_weeks_pct": figures.whole_percent(four_week_totals.promotion_share),
        "team_median_four_weeks_pct": figures.whole_percent(team_median),
        "four_weeks_start": four_weeks_start,
        **week_records(user, monday, sunday, viewer=user),
    }
    context.update(timer_context(request, offer_start=False))  # a running timer shows here too
    shown = _shown_day(request, monday, today)
    error_days = grid.error_days()
    if error_days:
        shown = error_days[0]  # a phone comes back on the first day a refused save marked
    context.update({
        "shown_day": shown,
        "error_days": [{"offset": day, "date": grid.days[day]} for day in error_days],
        # Shown after a refused save: what the grid holds is typed, not saved.
        # (Not after a save the approval refused: nothing typed can be saved now.)
        "grid_unsaved": request.method == "POST" and not locked_meanwhile,
        **_day_links(monday, shown),
        "cell_url": reverse("tracker:week_cell"),
        "today": today,  # days after it are shown, not offered (no time in the future)
        "future_message": FUTURE,
        # A newcomer not yet on an engagement would otherwise wonder where client work goes.
        "no_engagement_row": not any(row.key.kind == Kind.CLIENT for row in grid.rows),
        # A timer starts from a row on today's week, when none runs and the week is open.
        "offer_row_timer": context["is_this_week"] and not approval.locked
        and context["timer"] is None,
        "capacity_seconds": round(capacity * 3600),
        "running_row": context["timer"] and RowKey(
            context["timer"].kind, context["timer"].engagement_id, context["timer"].activity_id
        ).token,
    })
    return render(request, "tracker/my_week.html", context)


def _cell_row(user, token: str) -> tuple[RowKey, Engagement | None, Activity | None]:
    """The grid row `token` of the user's own time: an engagement they are a member of or
    have logged time on, one of their activities, or a kind; else 404."""
    try:
        key = RowKey.from_token(token)
    except ValueError:
        raise Http404("No such row.") from None
    engagement = activity = None
    if key.engagement_id:
        engagement = get_object_or_404(
            Engagement.objects.filter(
                Q(members=user) | Q(pk__in=TimeEntry.objects.filter(consultant=user)
                                    .values("engagement_id"))
            ).select_related("client").distinct(),
            pk=key.engagement_id,
        )
    if key.activity_id:
        activity = get_object_or_404(Activity, consultant=user, pk=key.activity_id)
    return key, engagement, activity


def _stale_cell_forms(saved_forms: list, data) -> tuple[list, list[str]]:
    """After a cell save refused as stale: the entries as saved now, each one the person
    edited holding what they typed (to the version saved now, so saving again replaces
    it), the ones changed meanwhile marked with what they hold now; and why."""
    forms, errors = [], []
    posted = {
        int(match[1]) for name in data if (match := re.match(r"^entry-(\d+)-read_at$", name))
    }
    for number, saved in enumerate(saved_forms, start=1):
        entry = saved.entry
        if entry.pk not in posted:
            forms.append(saved)  # added meanwhile: shown as saved
            continue
        typed = data.copy()
        typed[f"{saved.prefix}-read_at"] = entry.updated_at.isoformat()
        form = CellEntryForm(typed, entry=entry)
        form.is_valid()
        if data.get(f"{saved.prefix}-read_at") != entry.updated_at.isoformat():
            now = format_duration(entry.seconds) + (f" “{entry.note}”" if entry.note else "")
            form.add_error("seconds", f"Changed meanwhile: now {now}. Your value is kept "
                           "here: save again to replace it.")
            errors.append(f"Entry {number} changed meanwhile (another tab or device): "
                          f"now {now}.")
        forms.append(form)
    gone = len(posted - {form.entry.pk for form in saved_forms})
    if gone:
        errors.append(f"{gone} entry(ies) you saw were deleted meanwhile.")
    errors.append("Nothing was saved; what you typed is kept. Save again to save it.")
    return forms, errors


@login_required
def week_cell(request):
    """One cell of My week's grid (a row on a day): its entries with their notes, each
    edited or removed, and another added. My week opens it in a dialog (static/js/
    week_grid.js); without scripts it is this page, which goes back to the week."""
    user = request.user
    try:
        monday = parse_iso_week(request.GET.get("week", ""))
    except ValueError as exc:
        # A typed or mangled address: My week of today, saying why (as My week does).
        messages.warning(request, f"{exc} Showing this week.")
        return redirect("tracker:my_week")
    offset = request.GET.get("day", "")
    if offset not in DAY_NUMBERS:
        raise Http404("No such day.")
    day = monday + dt.timedelta(days=int(offset))
    key, engagement, activity = _cell_row(user, request.GET.get("row", ""))
    label = row_label(key, engagement, activity)
    back = _next_url(request, _week_url(monday, day=offset))
    approval = services.week_status(consultant=user, week_start=monday)
    locked = approval.locked
    # Approved after the dialog was opened: nothing is saved, and what was typed stays in
    # view (read-only) beside who approved the week, as the grid does.
    refused = locked and request.method == "POST"

    def read_forms(data=None):
        entries = TimeEntry.objects.filter(
            consultant=user, date=day, kind=key.kind,
            engagement_id=key.engagement_id, activity_id=key.activity_id,
        ).in_cell_order()
        forms = [CellEntryForm(data, entry=entry) for entry in entries]
        new_form = CellNewEntryForm(data)
        for form in [*forms, new_form] if locked else []:
            for field in form.fields.values():
                if refused:
                    field.widget.attrs["readonly"] = True  # shows the typed value
                else:
                    field.disabled = True  # shown, not editable: the week is approved
        return forms, new_form

    errors: list[str] = []
    entry_forms, new_form = read_forms(request.POST if request.method == "POST" else None)
    if refused:
        # One message says so (the dialog's "locked" note is left out for it), as My
        # week's does.
        errors = [f"Nothing was saved: {APPROVED_MEANWHILE}", services.lock_message(approval)]
    elif request.method == "POST":
        if all(form.is_valid() for form in [*entry_forms, new_form]):
            try:
                with transaction.atomic():
                    changed = services.time_entries_save_cell(
                        consultant=user, day=day, kind=key.kind, engagement=engagement,
                        activity=activity, edits=[form.edit() for form in entry_forms],
                        new_seconds=new_form.cleaned_data["seconds"] or 0,
                        new_note=new_form.cleaned_data["note"],
                    )
            except ValidationError as exc:
                errors = exc.messages
                if isinstance(exc, services.WeekLocked):
                    errors = [f"Nothing was saved: {APPROVED_MEANWHILE}", *errors]
                if any(error.code == "stale" for error in getattr(exc, "error_list", [])):
                    # Saved now, what was typed kept over it, each changed entry named.
                    entry_forms, errors = _stale_cell_forms(read_forms()[0], request.POST)
            else:
                done = f"{counted(changed, 'change')} saved" if changed else "nothing to change"
                messages.success(request, f"{label}, {day_label(day, user.today())}: {done}.")
                return redirect(back)
        else:
            errors = ["Nothing was saved: correct the marked fields."]
    return render(request, "tracker/week_cell.html", {
        "label": label, "day": day, "key": key, "entry_forms": entry_forms,
        "new_form": new_form, "errors": errors, "locked": locked, "refused": refused,
        "back": back,
        "action": request.get_full_path(),
    })
