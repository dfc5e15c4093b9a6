"""A saved report's own pages: change its filters, name, schedule and recipients, and send
it now. Only its owner reaches them (404 for everyone else, admins too: they manage saved
reports in Django admin)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.dateformat import format as date_format
from django.views.decorators.http import require_POST

from ..forms import BalanceFilterForm, SavedReportForm
from ..saved import filter_labels, saved_report_send_now, saved_report_update
from .balance import _get_saved_for_user


def _filters_initial(saved) -> dict:
    params = saved.params
    return {
        name: params.get(name)
        for name in ("period", "start", "end", "team", "consultant", "client")
    }


@login_required
def saved_edit(request, pk: int):
    saved = _get_saved_for_user(request, pk)
    if request.method == "POST":
        filters = BalanceFilterForm(request.POST, user=request.user, prefix="f")
        if not filters.is_valid() and filters.out_of_reach():
            raise Http404("No such team, consultant or client within your reach.")
        form = SavedReportForm(
            request.POST,
            instance=saved,
            user=request.user,
            people=filters.people,
            scope=filters.scope() if filters.is_valid() else None,
        )
        if filters.is_valid() and form.is_valid():
            saved_report_update(
                saved=saved,
                name=form.cleaned_data["name"],
                params=filters.params(),
                schedule=form.cleaned_data["schedule"],
                recipients=list(form.cleaned_data["recipients"]),
            )
            messages.success(request, f"Saved “{saved.name}”: {filter_labels([saved])[saved.pk]}.")
            return redirect("reports:saved")
    else:
        filters = BalanceFilterForm(initial=_filters_initial(saved), user=request.user, prefix="f")
        form = SavedReportForm(instance=saved, user=request.user, people=filters.people)
    return render(
        request,
        "reports/saved_edit.html",
        {
            "saved": saved,
            "filters": filters,
            "save_form": form,
            "label": filter_labels([saved])[saved.pk],
        },
    )


@login_required
@require_POST
def saved_send(request, pk: int):
    """E-mail the report now to its recipients, for its period as of today."""
    saved = _get_saved_for_user(request, pk)
    sent = saved_report_send_now(saved=saved, today=request.user.today())
    period = f"{date_format(sent.start, 'j M Y')} – {date_format(sent.end, 'j M Y')}"
    if not sent.addressed:
        messages.error(
            request,
            f"“{saved.name}” has no recipient with an e-mail address: add someone first (Edit).",
        )
    elif not sent.queued:
        messages.error(
            request,
            f"“{saved.name}” could not be queued just now: nothing was "
            "sent. Try again in a minute.",
        )
    else:
        people = f"{sent.addressed} {'person' if sent.addressed == 1 else 'people'}"
        messages.success(
            request,
            f"“{saved.name}” ({period}) is on its way to {people}; "
            "it arrives within a few minutes. The scheduled e-mail still goes out.",
        )
    return redirect("reports:saved")
