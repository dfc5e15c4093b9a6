from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from tracker.exports import SafeTableExport
from tracker.models import User

from .. import charts
from ..balance import GROUP_BY, Report, balance_compute, engagement_figures_seen_by
from ..forms import BalanceFilterForm, SavedReportForm
from ..models import ReportRun, SavedReport
from ..saved import filter_labels, saved_report_create, saved_report_delete
from ..services import report_request, report_retry
from ..tables import (
    ConsultantTable,
    Drill,
    EngagementTable,
    GroupTable,
    SourceTable,
    TeamTable,
    fast_rows,
    unapproved_mark,
)

# In the page's order; a table's title on the page, where its name does not say it.
TABLES = {"groups": GroupTable, "consultants": ConsultantTable, "teams": TeamTable,
          "sources": SourceTable, "engagements": EngagementTable}
TITLES = {"sources": "Hours by source"}
DEFAULT_GROUP_BY = "client"
EXPORT_FORMATS = ("csv", "xlsx", "json")


def _drill_scope(params: dict) -> dict | None:
    """The list filters that select the report's whole population, for the totals row."""
    if params.get("client"):
        return None
    if params.get("consultant"):
        return {"consultant": params["consultant"]}
    if params.get("team"):
        return {"team": params["team"]}
    return {}


def _group_by(request, params: dict) -> str:
    """The grouped summary's grouping (?group_by=client|engagement|consultant|kind), else
    the one a run was asked with; a consultant's own report has no "by person"."""
    by = request.GET.get("group_by") or params.get("group_by")
    if by == "consultant" and _own(request.user):
        return DEFAULT_GROUP_BY
    return by if by in GROUP_BY else DEFAULT_GROUP_BY


def _tables(request, report: Report, params: dict) -> dict:
    period, scope = report.period, _drill_scope(params)
    by = _group_by(request, params)
    # A consultant's own one row ("Your figures"): nothing to sort, and no team's figures.
    own = {"orderable": False, "exclude": ("team",)} if _own(request.user) else {}
    built = {
        "groups": GroupTable(list(report.groups.get(by, ())), by=by, period=period,
                             totals=report.totals, scope=scope, prefix="g-",
                             usernames={row.consultant_id: row.consultant for row in report.rows}),
        "consultants": ConsultantTable(list(report.rows), period=period, totals=report.totals,
                                       scope=scope, prefix="c-", **own),
        "teams": TeamTable(list(report.teams), period=period, scope=scope, prefix="t-"),
        "sources": SourceTable(list(report.sources), period=period, totals=report.totals,
                               scope=scope, prefix="s-"),
        "engagements": EngagementTable(list(report.engagements), period=period, scope=scope,
                                       prefix="e-"),
    }
    for table in built.values():
        RequestConfig(request, paginate=False).configure(table)
    return built


def _export(request, report: Report, params: dict):
    """?_export=csv|xlsx|json&table=consultants|teams|engagements — formula-safe."""
    export_format = request.GET.get("_export")
    if export_format not in EXPORT_FORMATS:
        return None
    name = request.GET.get("table", "consultants")
    if name not in TABLES or (name == "teams" and _own(request.user)):
        raise Http404("No such table.")  # a consultant's own report has no teams
    grouping = f"{_group_by(request, params)}-" if name == "groups" else ""
    filename = f"balance-{name}-{grouping}{report.period.start}-{report.period.end}"
    if export_format == "json":
        stored = report.to_stored()
        key = {"consultants": "rows"}.get(name, name)
        body = {"period": stored["period"], name: stored[key]}
        if name == "groups":
            by = _group_by(request, params)
            body = {"period": stored["period"], "group_by": by,
                    "groups": [row.to_json() for row in report.groups.get(by, ())]}
        if name == "consultants":
            body["totals"] = stored["totals"]
        if name == "groups":  # as the API writes the totals
            body["totals"] = report.totals.to_json()
        response = JsonResponse(body, json_dumps_params={"indent": 2})
        response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
        return response
    table = _tables(request, report, params)[name]
    exporter = SafeTableExport(export_format, table)
    return exporter.response(filename=f"{filename}.{export_format}")


def _unapproved_line(report: Report, params: dict) -> dict:
    """The line above the tables: how many weeks behind the figures are not yet approved,
    with the mark, and a link to their entries where a list filter selects the report's
    people. `known` is False for a run stored before approvals were counted."""
    totals = report.totals
    scope = _drill_scope(params)
    return {
        "known": totals.unapproved is not None,
        "weeks": totals.unapproved_weeks,
        "hours": totals.unapproved_hours,
        "people": report.people_unapproved,
        "mark": unapproved_mark(totals.unapproved_weeks),
        "url": Drill(report.period, scope).unapproved(**scope)
        if scope is not None and totals.unapproved_weeks else None,
    }


def _inline(user, params: dict) -> bool:
    """Small scopes render at once; an admin's everyone-report is built by Celery."""
    return not (user.is_admin and not (params["team"] or params["consultant"] or params["client"]))


def _own(user) -> bool:
    """A consultant's report, which holds only their own row."""
    return not (user.is_admin or user.is_manager)


def _group_choices(query, *, own: bool) -> list[dict]:
    """The grouped summary's "group by" links, each the page's query (with the period it
    shows) with its grouping. A person's own report has one person: no "by person"."""
    query = query.copy()
    for key in ("group_by", "_export", "table"):
        query.pop(key, None)
    query = query.urlencode()
    return [
        {"by": key, "label": label, "query": f"{query}&group_by={key}" if query
         else f"group_by={key}"}
        for key, label in GROUP_BY.items() if not (own and key == "consultant")
    ]


def _report_context(request, report: Report, params: dict, filters=None) -> dict:
    """`filters`: the page's query as it reads it (the period it fills in), else the
    request's."""
    tables = _tables(request, report, params)
    own, by = _own(request.user), _group_by(request, params)
    titles = {**TITLES, "groups": f"Summary by {GROUP_BY[by].lower()}"}
    if own:
        # Their one row is not a team's figures, nor one of many consultants'.
        titles["consultants"] = "Your figures"
        tables_shown = {name: table for name, table in tables.items() if name != "teams"}
    else:
        tables_shown = tables
    sort_keys = {table.prefixed_order_by_field for table in tables.values()} | {"_export", "table"}
    query = request.GET.copy()
    for key in sort_keys:
        query.pop(key, None)
    return {
        "report": report,
        "params": params,
        "tables": tables,
        "fast_tables": {
            name: {**fast_rows(table), "title": titles.get(name, name.capitalize())}
            for name, table in tables_shown.items()
        },
        "unapproved": _unapproved_line(report, params),
        "base_query": query.urlencode(),
        "weekly_chart": charts.drawn(charts.weekly_stack, report.weeks),
        "share_chart": charts.drawn(charts.share_vs_outcomes, report.rows),
        "burn_chart": charts.drawn(charts.burn_vs_progress, report.engagements),
        "export_formats": EXPORT_FORMATS,
        "flagged": report.flagged,
        # A consultant's own report compares them with nobody: no teams, no scatter of people.
        "own": own,
        "group_by": by,
        "group_choices": _group_choices(request.GET if filters is None else filters, own=own),
        "groups_known": bool(report.groups),  # False for a run stored before the summaries
    }


@login_required
def balance(request):
    """Filters, tables, charts and exports. A GET never starts work: a scope too big to render
    at once shows the viewer's fresh background run of it, or offers to build one (POST)."""
    data = request.GET.copy()
    if not data.get("period"):
        # The period the report falls back to, so its menu shows it too (a link naming a team
        # only, say, is the last 4 weeks, not the menu's first entry).
        data["period"] = "last_4_weeks"
    form = BalanceFilterForm(data, user=request.user)
    if not form.is_valid():
        if form.out_of_reach():
            raise Http404("No such team, consultant or client within your reach.")
        return render(request, "reports/balance.html", {"form": form}, status=400)
    params = form.params()
    context = {"form": form, "params": params}
    if _inline(request.user, params):
        # As the viewer may read it (engagement_figures_seen_by), read with its engagements.
        report = balance_compute(
            people=User.objects.visible_to(request.user), start=form.cleaned_data["start"],
            end=form.cleaned_data["end"], viewer=request.user, **form.scope(),
        )
    else:
        run = ReportRun.objects.latest_fresh(user=request.user, params=params,
                                             now=timezone.now())
        context["run"] = run
        report = (
            engagement_figures_seen_by(Report.from_stored(run.result), request.user)
            if run is not None and run.status == ReportRun.Status.DONE else None
        )
        if report is None and request.GET.get("_export"):
            # A download link must not answer with the page: there is nothing built to export.
            raise Http404("This report is built in the background: build it, then export it.")
    if report is not None:
        response = _export(request, report, params)
        if response is not None:
            return response
        context.update(_report_context(request, report, params, data))
        context["save_form"] = SavedReportForm(user=request.user, people=form.people,
                                               searched=form.people is None)
    return render(request, "reports/balance.html", context)


@login_required
@require_POST
def balance_build(request):
    """Build the report in the background: the same report still queued or running is
    reused, never queued twice."""
    form = BalanceFilterForm(request.POST, user=request.user)
    if not form.is_valid():
        if form.out_of_reach():
            raise Http404("No such team, consultant or client within your reach.")
        return render(request, "reports/balance.html", {"form": form}, status=400)
    params = form.params()
    run = report_request(user=request.user, params=params)
    # The same report queued before with another grouping opens with this one.
    url = reverse("reports:run", args=[run.pk])
    return redirect(f"{url}?group_by={params['group_by']}" if "group_by" in params else url)


def _get_run_for_user(request, pk: int) -> ReportRun:
    runs = ReportRun.objects.visible_to(request.user)
    return get_object_or_404(runs.select_related("requested_by"), pk=pk)


@login_required
def run_list(request):
    runs = ReportRun.objects.visible_to(request.user).select_related("requested_by").defer(
        "result"
    )
    return render(request, "reports/run_list.html", {"runs": runs[:100]})


@login_required
def run_detail(request, pk: int):
    run = _get_run_for_user(request, pk)
    context = {"run": run}
    if run.status == ReportRun.Status.DONE:
        report = engagement_figures_seen_by(Report.from_stored(run.result), request.user)
        response = _export(request, report, run.params)
        if response is not None:
            return response
        context.update(_report_context(request, report, run.params))
    return render(request, "reports/run_detail.html", context)


@login_required
def run_status(request, pk: int):
    run = _get_run_for_user(request, pk)
    return JsonResponse({"status": run.status, "progress": run.progress, "error": run.error})


@login_required
@require_POST
def run_retry(request, pk: int):
    run = _get_run_for_user(request, pk)
    if run.status != ReportRun.Status.FAILED:
        messages.info(request, "Only a failed report can be retried.")
    else:
        run = report_retry(run=run)  # or the same report, already queued again
        messages.success(request, "The report is queued again.")
    return redirect("reports:run", pk=run.pk)


def _get_saved_for_user(request, pk: int) -> SavedReport:
    return get_object_or_404(SavedReport.objects.filter(owner=request.user), pk=pk)


def _labelled(saved) -> list[SavedReport]:
    """The saved reports, each with `filters_label`: its filters as people read them."""
    saved = list(saved)
    labels = filter_labels(saved)
    for report in saved:
        report.filters_label = labels[report.pk]
    return saved


@login_required
def saved_list(request):
    """Saved reports (GET), or save the current filters (POST)."""
    if request.method == "POST":
        filters = BalanceFilterForm(request.POST, user=request.user, prefix="f")
        if not filters.is_valid() and filters.out_of_reach():
            raise Http404("No such team, consultant or client within your reach.")
        form = SavedReportForm(request.POST, user=request.user,
                               scope=filters.scope() if filters.is_valid() else None)
        if filters.is_valid() and form.is_valid():
            params = filters.params()
            saved = saved_report_create(
                owner=request.user, name=form.cleaned_data["name"], params=params,
                schedule=form.cleaned_data["schedule"],
                recipients=list(form.cleaned_data["recipients"]),
            )
            messages.success(request, f"Saved “{saved.name}”.")
            return redirect("reports:saved")
        saved = SavedReport.objects.filter(owner=request.user).prefetch_related("recipients")
        # The form again, with the filters as posted, so nothing typed is lost.
        params = filters.params() if filters.is_valid() else {
            name: filters.data.get(filters.add_prefix(name)) for name in filters.fields
        }
        return render(request, "reports/saved_list.html",
                      {"saved": _labelled(saved), "save_form": form,
                       "filters": filters,
                       "params": params,
                       "report_url": SavedReport(params=params).report_url()}, status=400)
    saved = SavedReport.objects.filter(owner=request.user).prefetch_related("recipients")
    return render(request, "reports/saved_list.html",
                  {"saved": _labelled(saved)})


@login_required
@require_POST
def saved_delete(request, pk: int):
    saved = _get_saved_for_user(request, pk)
    with transaction.atomic():
        saved_report_delete(saved=saved)
    messages.success(request, f"Deleted “{saved.name}”.")
    return redirect("reports:saved")
