"""The balance report's tables; every figure links to the rows it sums or counts."""

import functools
from decimal import Decimal
from urllib.parse import urlencode

import django_tables2 as tables
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html

from clients.models import Outcome
from tracker.exports import percent
from tracker.figures import BRAND_OVER_CLIENT
from tracker.formatting import number_text, percent_text
from tracker.models import Kind

from .balance import GROUP_BY


@functools.lru_cache(maxsize=64)
def _path(name: str, script_prefix: str) -> str:
    # A report links every figure: a few hundred reverse() of the same few names a page.
    return reverse(name)


def _url(name: str, **params) -> str:
    """The page named `name` (a URL name), filtered by `params`."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{_path(name, get_script_prefix())}?{query}"


class Drill:
    """Links from a report figure to the filtered list whose total it is.

    `scope` holds the list filters that select the report's whole population (a team or a
    consultant), for the totals row; None where no list filter can (a client's people).
    """

    def __init__(self, period, scope: dict | None):
        self.start, self.end = period.start.isoformat(), period.end.isoformat()
        self.scope = scope

    def time(self, kind=None, **scope) -> str:
        return _url("tracker:time_list", date_from=self.start, date_to=self.end, kind=kind, **scope)

    def activities(self, **scope) -> str:
        return _url("tracker:activity_list", date_from=self.start, date_to=self.end, **scope)

    def outcomes(self, verified=None, **scope) -> str:
        # The outcome list names a report's consultant "credited_to".
        if "consultant" in scope:
            scope["credited_to"] = scope.pop("consultant")
        return _url("clients:outcome_list", status=Outcome.Status.ACHIEVED,
                    achieved_from=self.start, achieved_to=self.end, verified=verified, **scope)

    def sourced(self, consultant) -> str:
        return _url("clients:engagement_list", sourced_by=consultant, starts_from=self.start,
                    starts_to=self.end)

    def within(self, **filters) -> dict | None:
        """`filters` narrowed to the report's population, for a figure of a group of it (a
        team, an engagement): a consultant's report counts only their rows of the group.
        None where no list filter selects that population (a client's people)."""
        return None if self.scope is None else {**self.scope, **filters}

    def unapproved(self, **scope) -> str:
        """The entries of the period in weeks not yet approved."""
        return _url("tracker:time_list", approved="no", date_from=self.start,
                    date_to=self.end, **scope)

    def source(self, source: str, kind=None) -> str | None:
        """The entries of the period that came in by `source`, within the report's scope;
        None where no list filter selects its people (a client's)."""
        if self.scope is None:
            return None
        return self.time(kind=kind, source=source, **self.scope)


# A figure as the page writes it, rows and totals alike: hours with two places, counts
# whole, both with thousands separators (1,506; 1,222.92), as e-mails write them too.
shown = number_text


def _link(value, url):
    return format_html('<a href="{}">{}</a>', url, value)


class NumberColumn(tables.Column):
    """A right-aligned figure that links to its rows; the export keeps the bare number."""

    def __init__(self, *args, drill=None, total=None, **kwargs):
        self.drill, self.total = drill, total
        attrs = {"td": {"class": "text-end"}, "th": {"class": "text-end"},
                 "tf": {"class": "text-end fw-semibold"}}
        super().__init__(*args, attrs=attrs, **kwargs)

    def text(self, value):
        """The figure as the page writes it (a row's cell and the footer alike)."""
        return shown(value)

    def render(self, value, record, table):
        if self.drill is None or value in (None, 0, 0.0):
            return self.text(value)
        return _link(self.text(value), self.drill(table.drill, record))

    def value(self, value):
        return value

    def total_of(self, table):
        """The total row's figure (the report's totals), None where the row has none."""
        return None if self.total is None or not table.totals else getattr(table.totals,
                                                                            self.total)

    def render_footer(self, bound_column, table):
        if self.total is None or not table.totals:
            return ""
        value = getattr(table.totals, self.total)
        if self.drill is not None and value:
            url = self.drill(table.drill, None)
            if url:
                return _link(self.text(value), url)
        return self.text(value)


def unapproved_mark(weeks: int | None):
    """The mark of a figure that includes weeks not yet approved: "◐ 2 wk", read out as
    "2 weeks not yet approved"; a plain 0 when every week is approved, "—" when not known
    (a run stored before approvals were counted)."""
    if not weeks:
        return shown(weeks)
    label = f"{weeks} week{'s' if weeks != 1 else ''} not yet approved"
    return format_html(
        '<span class="badge text-bg-info unapproved" title="{}">'
        '<span aria-hidden="true">◐ {} wk</span><span class="visually-hidden">{}</span></span>',
        label, f"{weeks:,}", label,
    )


class UnapprovedColumn(NumberColumn):
    """Weeks not yet approved, with their mark; exported as the bare count."""

    def text(self, value):
        return unapproved_mark(value)


class PercentColumn(NumberColumn):
    """A ratio: "15%" on the page, the number 15 in exports (the header says "%"), rounded
    as every page and e-mail rounds a percentage (tracker.formatting)."""

    def __init__(self, *args, whole=False, **kwargs):
        """`whole`: a share of the table's hours, whose total row is all of them (100%)."""
        self.whole = whole
        super().__init__(*args, **kwargs)

    def text(self, value) -> str:
        return percent_text(value)

    def render(self, value, record, table):
        return self.text(value)

    def total_of(self, table):
        if not self.whole or not table.totals:
            return None
        return 1.0 if table.totals.seconds.total else None

    def render_footer(self, bound_column, table):
        if not self.whole or not table.totals:
            return ""
        return self.text(self.total_of(table))

    def value(self, value):
        return percent(value)


class ReportTable(tables.Table):
    def __init__(self, data, *, period, totals=None, scope=None, **kwargs):
        self.drill = Drill(period, scope)
        self.totals = totals
        super().__init__(data, **kwargs)

    def as_values(self, exclude_columns=None):
        """The rows an export holds, then the page's total row where it has one: the
        report's totals as plain values ("Total" under the first column)."""
        yield from super().as_values(exclude_columns)
        if self.totals is None:
            return
        exclude_columns = exclude_columns or ()
        total_row = []
        for column in self.columns.iterall():
            spec = column.column
            if spec.exclude_from_export or column.name in exclude_columns:
                continue
            if isinstance(spec, NumberColumn):
                value = spec.total_of(self)
                total_row.append(None if value is None else spec.value(value))
            else:
                total_row.append(spec._footer if isinstance(spec._footer, str) else "")
        if total_row and not total_row[0]:
            total_row[0] = "Total"  # a person's table names its people in two columns
        yield total_row


def _time_drill(kind):
    def drill(d, record):
        if record is not None:
            return d.time(kind=kind, consultant=record.consultant_id)
        return None if d.scope is None else d.time(kind=kind, **d.scope)

    return drill


def _outcomes_drill(verified=None):
    def drill(d, record):
        if record is not None:
            return d.outcomes(verified=verified, credited_to=record.consultant_id)
        return None if d.scope is None else d.outcomes(verified=verified, **d.scope)

    return drill


def _unapproved_drill(d, record):
    if record is not None:
        return d.unapproved(consultant=record.consultant_id)
    return None if d.scope is None else d.unapproved(**d.scope)


def _team_unapproved_drill(d, record):
    scope = d.within(team=record.team_id) if record and record.team_id else None
    return d.unapproved(**scope) if scope is not None else None


def _team_time_drill(kind=None):
    def drill(d, record):
        scope = d.within(team=record.team_id) if record and record.team_id else None
        return d.time(kind=kind, **scope) if scope is not None else None

    return drill


def _engagement_time_drill(d, record):
    """An engagement's hours in the period by the people in scope. In a client's report
    those are everyone who logged time on it (they worked for the client)."""
    if record is None:
        return None
    return d.time(**(d.within(engagement=record.engagement_id)
                     or {"engagement": record.engagement_id}))


def _activities_drill(d, record):
    if record is not None:
        return d.activities(consultant=record.consultant_id)
    return None if d.scope is None else d.activities(**d.scope)


KIND_HOURS = ("client_hours", "promotion_hours", "internal_hours", "total_hours")


def _kind_hours_table(drill) -> type:
    """A report table with the hours of each kind and their total, each figure linked by
    `drill(kind)` (kind None: the total) and totalled from the report's totals."""

    class KindHoursTable(ReportTable):
        client_hours = NumberColumn(verbose_name="Client h", drill=drill(Kind.CLIENT),
                                    total="client_hours")
        promotion_hours = NumberColumn(verbose_name="Promotion h", drill=drill(Kind.PROMOTION),
                                       total="promotion_hours")
        internal_hours = NumberColumn(verbose_name="Internal h", drill=drill(Kind.INTERNAL),
                                      total="internal_hours")
        total_hours = NumberColumn(verbose_name="Total h", drill=drill(None),
                                   total="total_hours")

    return KindHoursTable


class ConsultantTable(_kind_hours_table(_time_drill)):
    # People by name on the page; the export keeps the username under "Consultant" (scripts
    # match on it) and the name beside it under "Name".
    name = tables.Column(verbose_name="Consultant", footer="Total", exclude_from_export=True)
    consultant = tables.Column(verbose_name="Consultant", visible=False)
    full_name = tables.Column(accessor="name", verbose_name="Name", visible=False)
    team = tables.Column(default="")
    unapproved_weeks = UnapprovedColumn(verbose_name="Unapproved weeks",
                                        drill=_unapproved_drill, total="unapproved_weeks")
    unapproved_hours = NumberColumn(verbose_name="Unapproved h", drill=_unapproved_drill,
                                    total="unapproved_hours")
    capacity_hours = NumberColumn(verbose_name="Capacity h")
    promotion_share = PercentColumn(verbose_name="Promotion share %")
    outcomes_achieved = NumberColumn(verbose_name="Outcomes", total="outcomes_achieved",
                                     drill=_outcomes_drill())
    outcomes_verified = NumberColumn(verbose_name="Verified", total="outcomes_verified",
                                     drill=_outcomes_drill("yes"))
    activities = NumberColumn(verbose_name="Activities", total="activities",
                              drill=_activities_drill)
    reach = NumberColumn(total="reach", drill=_activities_drill)
    leads = NumberColumn(total="leads")
    engagements_sourced = NumberColumn(
        verbose_name="Engagements sourced", total="engagements_sourced",
        drill=lambda d, r: d.sourced(r.consultant_id) if r else None,
    )
    flag = tables.Column(verbose_name="Flag", default="", footer="")

    class Meta:
        attrs = {"class": "table table-sm table-hover align-middle", "id": "consultants"}
        sequence = ("name", "consultant", "full_name", "team", *KIND_HOURS, "...")
        row_attrs = {
            "class": lambda record: "table-warning" if record.flag else "",
            "data-consultant": lambda record: record.consultant,
        }
        order_by = "name"
        orderable = True

    def render_flag(self, value):
        if value == BRAND_OVER_CLIENT:
            return format_html('<span class="badge text-bg-warning">{}</span>',
                               "brand over client")
        return ""

    def value_flag(self, value):
        # The code, as in the JSON: a spreadsheet filters on it; the badge is the page's.
        return value


class TeamTable(ReportTable):
    team = tables.Column(default="(no team)")
    consultants = NumberColumn()
    client_hours = NumberColumn(verbose_name="Client h",
                                drill=_team_time_drill(Kind.CLIENT))
    promotion_hours = NumberColumn(verbose_name="Promotion h",
                                   drill=_team_time_drill(Kind.PROMOTION))
    internal_hours = NumberColumn(verbose_name="Internal h",
                                  drill=_team_time_drill(Kind.INTERNAL))
    total_hours = NumberColumn(verbose_name="Total h",
                               drill=_team_time_drill())
    unapproved_weeks = UnapprovedColumn(verbose_name="Unapproved weeks",
                                        drill=_team_unapproved_drill)
    unapproved_hours = NumberColumn(verbose_name="Unapproved h", drill=_team_unapproved_drill)
    capacity_hours = NumberColumn(verbose_name="Capacity h")
    promotion_share = PercentColumn(verbose_name="Promotion share %")
    outcomes_achieved = NumberColumn(verbose_name="Outcomes",
                                     drill=lambda d, r: d.outcomes(**d.within(team=r.team_id))
                                     if r and r.team_id and d.scope is not None else None)
    flagged = NumberColumn(verbose_name="Flagged")
    activities = NumberColumn(verbose_name="Activities")
    reach = NumberColumn()

    class Meta:
        attrs = {"class": "table table-sm table-hover align-middle", "id": "teams"}
        orderable = True


def _source_drill(kind):
    def drill(d, record):
        if record is not None:
            return d.source(record.source, kind)
        return None if d.scope is None else d.time(kind=kind, **d.scope)

    return drill


class SourceTable(_kind_hours_table(_source_drill)):
    """Hours by source: how the report's hours came in (by hand, the timer, an import, the
    API); its total row is the report's totals."""

    label = tables.Column(verbose_name="Source", footer="Total", orderable=False)
    # The code, for a spreadsheet to filter on; the page shows the label.
    source = tables.Column(verbose_name="Source code", visible=False)
    share = PercentColumn(verbose_name="Share of hours %", whole=True)

    class Meta:
        attrs = {"class": "table table-sm table-hover align-middle", "id": "sources"}
        orderable = False
        sequence = ("label", "source", "...")


def _group_drill(kind=None):
    """A group's hours of `kind`: the report's scope narrowed to the group (a client, an
    engagement, a person; a kind row is its own kind). None for time on no engagement,
    which no list filter selects, and in a client's report (see Drill.within)."""

    def drill(d, record):
        if record is None:
            return None if d.scope is None else d.time(kind=kind, **d.scope)
        filters = record.filters()
        if filters is None:
            return None
        row_kind = filters.pop("kind", kind)
        scope = d.within(**filters)
        return None if scope is None else d.time(kind=row_kind, **scope)

    return drill


class GroupTable(_kind_hours_table(_group_drill)):
    """Harvest's grouped summary: the report's hours by client, engagement, person or kind
    (`by`, a GROUP_BY key); its total row is the report's totals."""

    label = tables.Column(verbose_name="Group", footer="Total", orderable=False)
    # By person: the export keeps each one's username beside the name, as the Consultants
    # export does, for scripts (the page shows the name only).
    username = tables.Column(verbose_name="Username", empty_values=(), visible=False,
                             orderable=False)
    client = tables.Column(verbose_name="Client", default="", orderable=False)
    share = PercentColumn(verbose_name="Share of hours %", whole=True)

    class Meta:
        attrs = {"class": "table table-sm table-hover align-middle", "id": "groups"}
        orderable = False
        sequence = ("label", "username", "client", "...")

    def __init__(self, data, *, by, usernames=None, **kwargs):
        self.usernames = usernames or {}
        exclude = [] if by == "engagement" else ["client"]
        if by != "consultant":
            exclude.append("username")
        if by == "kind":  # each row is one kind: its hours are the total
            exclude += ["client_hours", "promotion_hours", "internal_hours"]
        super().__init__(data, exclude=exclude, **kwargs)
        # The columns are this table's own copies (django-tables2 copies them per table).
        self.columns["label"].column.verbose_name = GROUP_BY[by]

    def value_username(self, record):
        return self.usernames.get(record.key, "") if record else ""

    render_username = value_username


def _engagement_page(record) -> str | None:
    if record.logged_seconds is None:  # not the viewer's to open
        return None
    return reverse("clients:engagement_detail", args=[record.engagement_id])


class EngagementTable(ReportTable):
    client = tables.Column()
    # The engagement's page where the viewer may open it: their row then has its all-time
    # figures (engagement_figures_seen_by), which the page shows too.
    engagement = tables.Column(linkify=lambda record: _engagement_page(record))
    status = tables.Column()
    hours = NumberColumn(verbose_name="Hours in period",
                         drill=_engagement_time_drill)
    # Everyone's time, the budget's: /time/ lists only the viewer's reach of it, the
    # engagement's page all of it (its budget and hours by member).
    logged_hours = NumberColumn(
        verbose_name="Logged h (all time)", drill=lambda d, r: _engagement_page(r) if r else None,
    )
    budget_hours = NumberColumn(verbose_name="Budget h")
    burn = PercentColumn(verbose_name="Burn %")
    outcomes_achieved = NumberColumn(
        verbose_name="Outcomes achieved",
        drill=lambda d, r: d.outcomes(engagement=r.engagement_id) if r else None,
    )
    outcomes = NumberColumn(
        verbose_name="Outcomes",
        drill=lambda d, r: _url("clients:outcome_list", engagement=r.engagement_id)
        if r else None,
    )
    progress = PercentColumn(verbose_name="Avg progress %")

    class Meta:
        attrs = {"class": "table table-sm table-hover align-middle", "id": "engagements"}
        row_attrs = {"class": lambda record: "table-danger" if (record.burn or 0) > 1 else ""}
        orderable = True


def fast_rows(table: ReportTable) -> dict:
    """Header, rows and footer of a report table as plain cells, for a lean template.

    django-tables2 stays the definition (columns, sorting, exports); this renders the HTML
    without its per-cell machinery, which cost most of the page's time on a team's report.
    """
    columns = [column for column in table.columns if column.visible]
    prefix = table.prefixed_order_by_field
    header = []
    for column in columns:
        alias = column.order_by_alias
        header.append({
            "name": column.name, "label": column.header,
            "numeric": isinstance(column.column, NumberColumn),
            "sort": f"{prefix}={alias.next}" if column.orderable else None,
            "sorted": "asc" if column.is_ordered and not alias.is_descending
            else ("desc" if column.is_ordered else None),
        })
    renderers = {
        column.name: getattr(table, f"render_{column.name}", None) for column in columns
    }
    body = []
    for record in table.data:
        cells = []
        for column in columns:
            name, spec = column.name, column.column
            value = getattr(record, name)
            url = None
            if renderers[name] is not None:
                text = renderers[name](value=value)
            elif isinstance(spec, PercentColumn | UnapprovedColumn):
                text = spec.text(value)
            elif value is None:
                text = spec.default if spec.default is not None else "—"
            elif isinstance(value, float | Decimal | int) and not isinstance(value, bool):
                text = number_text(value)
            else:
                text = value
            if isinstance(spec, NumberColumn) and spec.drill and value not in (None, 0, 0.0):
                url = spec.drill(table.drill, record)
            elif column.link is not None and value is not None:
                url = column.link.compose_url(record=record, bound_column=column)
            cells.append({"text": text, "url": url, "numeric": isinstance(spec, NumberColumn)})
        body.append({"cells": cells, "attrs": {
            key: (attr(record) if callable(attr) else attr)
            for key, attr in (table.row_attrs or {}).items()
        }})
    footer = None
    if table.totals is not None:
        footer = [{"html": column.footer, "numeric": isinstance(column.column, NumberColumn)}
                  for column in columns]
    return {"id": table.attrs.get("id"), "header": header, "rows": body, "footer": footer}
