"""The time and activity tables, on screen and in CSV/XLSX exports.

Screen and export differ on purpose: the page shows a duration as h:mm, the export gives
hours as a decimal number (and the exact seconds) so a spreadsheet can add them up.
"""

import datetime as dt
from operator import itemgetter
from urllib.parse import urlencode

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.encoding import force_str
from django.utils.functional import cached_property
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.timezone import localtime

from . import figures, history
from .durations import decimal_hours, format_duration
from .formatting import full_name, hours_number, person_name
from .models import (
    Activity,
    ActivityKind,
    Change,
    Kind,
    TimeEntry,
    WeekApproval,
    WeekStatus,
    source_text,
)

KIND_LABELS = dict(Kind.choices)
WEEK_STATUS_LABELS = dict(WeekStatus.choices)


def week_badge(status: str) -> str:
    """A week's approval status as every page draws it (the time list, Approvals)."""
    return format_html('<span class="badge week-{}">{}</span>', status,
                       WEEK_STATUS_LABELS.get(status, status))


def entry_source(entry: TimeEntry, user, detailed: bool = False):
    """"Manual", "Timer", "API · laptop", or "Toggl import #12" linking to the batch's page
    for whoever may open it (ImportBatch.seen_by). `detailed` adds the batch's file and day:
    "Toggl import #12 (file.csv), 3 Nov 2026". Reads entry.import_batch and entry.api_token:
    select_related them for a list. Plain text is returned unescaped (the caller escapes)."""
    text = entry.source_text
    batch = entry.import_batch if entry.import_batch_id else None
    if batch is None:
        return text
    if batch.seen_by(user):
        text = format_html('<a href="{}">{}</a>',
                           reverse("tracker:import_batch", args=[batch.pk]), text)
    if detailed:
        day = date_format(localtime(batch.created_at), "j M Y")
        return format_html("{} ({}), {}", text, batch.file_name, day)
    return text


# An id no row has, reversed in place of each row's: the address then takes the row's id.
PK_SLOT = 987654321
WIDE_ONLY = "d-none d-md-table-cell"  # a column left out at phone width
ACTIVITY_KIND_LABELS = dict(ActivityKind.choices)


def may_change(user, record) -> bool:
    """Mirrors the access helpers: people change their own rows, admins anyone's."""
    return user.is_admin or record.consultant_id == user.pk


# A person's column sorts by the name it shows (then the username, which breaks ties).
BY_NAME = ("consultant__first_name", "consultant__last_name", "consultant__username")
# What an export reads of a person: the username for scripts and the name beside it.
NAME_FIELDS = ("consultant__username", "consultant__first_name", "consultant__last_name")


def export_name(row: dict) -> str:
    """The name column of an export row read by NAME_FIELDS: the full name, else the
    username (tracker.formatting.person_name)."""
    return full_name(row["consultant__first_name"], row["consultant__last_name"],
                     row["consultant__username"])


def hours(seconds) -> float:
    """Decimal hours to the second (6 places): a spreadsheet's sum of the column matches the
    list's total, which rounding each row to 2 places did not (11 x 5 min: 0.88, not 0.92)."""
    return round((seconds or 0) / 3600, 6)


class FastExportMixin:
    """Exports read plain rows (`values()` of `export_fields`) and one function per column.

    django-tables2's own as_values() builds every model and resolves an accessor and a
    method signature per cell, about 0.7 ms a row: a team's two years (20,000 entries) took
    15 s to export. The rows are read in chunks, so memory holds the spreadsheet only.
    """

    # Column name -> function of a row (a dict of `export_fields`) giving the cell's value.
    export_values: dict = {}
    export_fields: tuple = ()

    def as_values(self, exclude_columns=None):
        exclude_columns = exclude_columns or ()
        columns = [
            column for column in self.columns.iterall()
            if not (column.column.exclude_from_export or column.name in exclude_columns)
        ]
        yield [force_str(column.header, strings_only=True) for column in columns]
        read = [self.export_values[column.name] for column in columns]
        rows = self.data.data.values(*self.export_fields).iterator(chunk_size=2000)
        for row in rows:
            yield [value(row) for value in read]


class TimeEntryTable(FastExportMixin, tables.Table):
    """Columns, sorting and export values of /time/. On the page its rows are drawn by
    templates/tracker/time_table.html (see there why); only the duration and the actions
    cells come from the render_* methods below."""

    date = tables.Column(verbose_name="Date")
    # Every order ends on the date and the id: pages that never count need a total order,
    # or a row could show on two pages and another on none.
    # The username, for scripts: the page shows the name; exports have both (`name` below).
    consultant = tables.Column(
        order_by=(*BY_NAME, "date", "pk"), verbose_name="Consultant"
    )
    name = tables.Column(accessor="consultant", verbose_name="Name", visible=False,
                         orderable=False)
    kind = tables.Column(
        order_by=("kind", "date", "pk"), verbose_name="Kind", attrs={"th": {"class": WIDE_ONLY}}
    )
    client = tables.Column(
        accessor="engagement__client__name", verbose_name="Client", visible=False
    )
    engagement = tables.Column(
        order_by=("engagement__client__name", "engagement__name", "date", "pk"),
        verbose_name="Engagement",
    )
    # At phone width the list keeps date, duration, engagement (with the kind) and actions.
    activity = tables.Column(
        order_by=("activity__title", "date", "pk"), verbose_name="Activity",
        attrs={"th": {"class": WIDE_ONLY}},
    )
    duration = tables.Column(
        accessor="seconds", order_by=("seconds", "date", "pk"), verbose_name="Duration",
        exclude_from_export=True, attrs={"th": {"class": "text-end"}},
    )
    hours = tables.Column(
        accessor="seconds", order_by=("seconds", "date", "pk"), verbose_name="Hours",
        visible=False,
    )
    seconds = tables.Column(order_by=("seconds", "date", "pk"), verbose_name="Seconds",
                            visible=False)
    billable = tables.Column(
        order_by=("billable", "date", "pk"), verbose_name="Billable",
        attrs={"th": {"class": WIDE_ONLY}},
    )
    # Provenance: where the entry came from, and whether its week is signed off. The week's
    # status is the list's annotation (TimeListView: one subquery per query, none per row).
    source = tables.Column(empty_values=(), orderable=False, verbose_name="Source",
                           attrs={"th": {"class": WIDE_ONLY}})
    week = tables.Column(accessor="week_status", orderable=False, verbose_name="Week",
                         exclude_from_export=True)
    week_status = tables.Column(orderable=False, verbose_name="Week status", visible=False)
    note = tables.Column(verbose_name="Note", orderable=False, attrs={"th": {"class": WIDE_ONLY}})
    actions = tables.Column(
        accessor="pk", verbose_name="Actions", orderable=False, exclude_from_export=True
    )

    class Meta:
        model = TimeEntry
        fields = ()
        sequence = (
            "date", "duration", "consultant", "name", "kind", "client", "engagement",
            "activity", "hours", "seconds", "billable", "source", "week", "week_status", "note",
            "actions",
        )
        order_by = ("-date",)
        empty_text = "No time logged matches these filters."
        attrs = {"class": "table table-sm table-hover align-middle"}
        template_name = "tracker/time_table.html"

    @property
    def show_consultant(self) -> bool:
        return "consultant" in self.columns

    @cached_property
    def back_to_this_page(self) -> str:
        """`next=` for the action links: after a change, back to this page of the list."""
        return urlencode({"next": self.request.get_full_path()})

    def order_date(self, queryset, is_descending):
        # The newest first, and within a day the last logged first: a stable order for
        # pages that never count.
        prefix = "-" if is_descending else ""
        return queryset.order_by(f"{prefix}date", f"{prefix}pk"), True

    def render_duration(self, value):
        return format_duration(value)

    def render_actions(self, record, day: str | None = None):
        """Edit, and from tablet width Duplicate and Delete as compact buttons (the edit
        page offers both too). A row of an approved week can only be duplicated: its week
        is locked, and a button the next page refuses is a dead end."""
        if not may_change(self.request.user, record):
            return ""
        day = day or date_format(record.date, "D j M")
        back = self.back_to_this_page
        edit, duplicate, delete = (url.format(record.pk) for url in self.action_urls)
        duplicate_button = format_html(
            '<a class="btn btn-sm btn-outline-secondary {}" href="{}?{}" title="Duplicate" '
            'aria-label="Duplicate the entry of {}">Copy</a>',
            "d-none d-md-inline-block", duplicate, back, day)
        if record.week_status == WeekStatus.APPROVED:
            return format_html(
                '<div class="d-flex gap-1 text-nowrap">{}<span class="text-body-secondary '
                'align-self-center" title="Its week is approved: locked">🔒</span></div>',
                duplicate_button)
        return format_html(
            '<div class="d-flex gap-1 text-nowrap">'
            '<a class="btn btn-sm btn-outline-secondary" href="{}?{}" '
            'aria-label="Edit the entry of {}">Edit</a>{}'
            '<a class="btn btn-sm btn-outline-danger d-none d-md-inline-block" href="{}?{}" '
            'title="Delete" aria-label="Delete the entry of {}">✕</a></div>',
            edit, back, day, duplicate_button, delete, back, day,
        )

    @cached_property
    def page_records(self) -> list:
        """This page's entries, read once (the rows and the actions column's check)."""
        return [row.record for row in self.paginated_rows]

    def before_render(self, request):
        # No Actions column when the viewer may change no row of the page (a manager
        # reading their team's entries): an empty column only takes room from the others.
        if not any(may_change(request.user, entry) for entry in self.page_records):
            self.columns.hide("actions")

    @cached_property
    def action_urls(self) -> tuple[str, ...]:
        """The edit, duplicate and delete addresses with `{}` for the entry's id: reversed
        once a page, not three times a row (reverse() was 40% of drawing the rows)."""
        return tuple(
            reverse(name, args=[PK_SLOT]).replace(str(PK_SLOT), "{}")
            for name in ("tracker:time_edit", "tracker:time_duplicate", "tracker:time_delete")
        )

    def body_html(self) -> str:
        """The rows of this page, drawn here rather than by the template language: a row
        through templates cost ~1 ms (a dozen lookups, filters and tags per row), a third
        of the list's CPU. Escaped as the template would: every value from the database
        goes through conditional_escape."""
        user = self.request.user
        show_consultant = self.show_consultant
        activity_url = reverse("tracker:activity_detail", args=[PK_SLOT]).replace(
            str(PK_SLOT), "{}")
        days: dict = {}  # a page holds a few days: each formatted once
        rows = []
        show_actions = self.columns["actions"].visible
        for entry in self.page_records:
            day = days.get(entry.date) or days.setdefault(
                entry.date, date_format(entry.date, "D j M"))
            kind_label = conditional_escape(entry.get_kind_display())
            badge = f'<span class="badge kind-{conditional_escape(entry.kind)}'
            if entry.engagement_id:
                engagement = conditional_escape(
                    f"{entry.engagement.client.name} — {entry.engagement.name}")
            else:
                engagement = "—"
            if entry.activity_id:
                activity = format_html('<a href="{}">{}</a>',
                                       activity_url.format(entry.activity_id),
                                       entry.activity.title)
            else:
                activity = "—"
            note = Truncator(entry.note).chars(80) if entry.note else "—"
            cells = [
                f'<td class="text-md-nowrap">{day}<span class="d-none d-md-inline"> '
                f"{entry.date.year}</span></td>",
                f'<td class="text-end text-nowrap">{format_duration(entry.seconds)}</td>',
            ]
            if show_consultant:
                person = entry.consultant
                name = person_name(person)
                cells.append(f"<td>{conditional_escape(name)}</td>")
            cells += [
                f'<td class="{WIDE_ONLY}">{badge}">{kind_label}</span></td>',
                f'<td class="cell-wrap">{badge} d-md-none">{kind_label}</span> {engagement}</td>',
                f'<td class="{WIDE_ONLY}">{activity}</td>',
                f'<td class="{WIDE_ONLY}">{"Yes" if entry.billable else "No"}</td>',
                f'<td class="{WIDE_ONLY}">{conditional_escape(entry_source(entry, user))}</td>',
                f"<td>{week_badge(entry.week_status)}</td>",
                f'<td class="{WIDE_ONLY} cell-wrap">{conditional_escape(note)}</td>',
            ]
            if show_actions:
                cells.append(f"<td>{self.render_actions(entry, day)}</td>")
            rows.append("<tr>\n  " + "\n  ".join(cells) + "\n</tr>")
        if not rows:
            rows.append(f'<tr><td colspan="{len(self.columns)}">'
                        f"{conditional_escape(self.empty_text)}</td></tr>")
        return mark_safe("\n".join(rows))  # noqa: S308 - every part escaped above

    # Export values: numbers stay numbers, dates stay dates.
    export_fields = (
        "date", *NAME_FIELDS, "kind", "engagement__client__name", "engagement__name",
        "activity__title", "seconds", "billable", "source", "import_batch_id", "api_token__name",
        "week_status", "note",
    )
    export_values = {
        "date": itemgetter("date"),
        "consultant": itemgetter("consultant__username"),
        "name": export_name,
        "kind": lambda row: KIND_LABELS[row["kind"]],
        "client": itemgetter("engagement__client__name"),
        "engagement": itemgetter("engagement__name"),
        "activity": itemgetter("activity__title"),
        "hours": lambda row: hours(row["seconds"]),
        "seconds": itemgetter("seconds"),
        "billable": itemgetter("billable"),
        "source": lambda row: source_text(row["source"], row["import_batch_id"],
                                          row["api_token__name"]),
        "week_status": lambda row: WEEK_STATUS_LABELS[row["week_status"]],
        "note": itemgetter("note"),
    }


class ActivityTable(FastExportMixin, tables.Table):
    date = tables.Column(verbose_name="Date", attrs={"td": {"class": "text-nowrap"}})
    consultant = tables.Column(order_by=BY_NAME, verbose_name="Consultant")
    name = tables.Column(accessor="consultant", verbose_name="Name", visible=False,
                         orderable=False)
    kind = tables.Column(verbose_name="Kind")
    title = tables.Column(
        linkify=("tracker:activity_detail", [tables.A("pk")]), verbose_name="Title"
    )
    venue = tables.Column(verbose_name="Venue or channel")
    url = tables.Column(verbose_name="Link", visible=False)
    audience = tables.Column(
        verbose_name="Audience", attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}}
    )
    interactions = tables.Column(
        verbose_name="Interactions",
        attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}},
    )
    leads = tables.Column(
        verbose_name="Leads", attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}}
    )
    time_spent = tables.Column(
        accessor="spent_seconds", verbose_name="Time spent", exclude_from_export=True,
        attrs={"td": {"class": "text-end text-nowrap"}, "th": {"class": "text-end"}},
    )
    hours = tables.Column(accessor="spent_seconds", verbose_name="Hours", visible=False)
    engagement = tables.Column(
        verbose_name="Engagement featured",
        order_by=("engagement__client__name", "engagement__name"),
    )

    class Meta:
        model = Activity
        fields = ()
        sequence = (
            "date", "consultant", "name", "kind", "title", "venue", "url", "audience",
            "interactions", "leads", "time_spent", "hours", "engagement",
        )
        order_by = ("-date",)
        empty_text = "No activity matches these filters."
        attrs = {"class": "table table-sm table-hover align-middle"}

    def order_date(self, queryset, is_descending):
        prefix = "-" if is_descending else ""
        return queryset.order_by(f"{prefix}date", f"{prefix}pk"), True

    def render_date(self, value):
        return date_format(value, "D j M Y")

    def render_consultant(self, value):
        return person_name(value)

    def render_kind(self, record):
        return record.get_kind_display()

    def render_time_spent(self, value):
        return format_duration(value) or "—"

    def render_engagement(self, value):
        return f"{value.client.name} — {value.name}"

    export_fields = (
        "date", *NAME_FIELDS, "kind", "title", "venue", "url", "audience",
        "interactions", "leads", "spent_seconds", "engagement__name",
    )
    export_values = {
        "date": itemgetter("date"),
        "consultant": itemgetter("consultant__username"),
        "name": export_name,
        "kind": lambda row: ACTIVITY_KIND_LABELS[row["kind"]],
        "title": itemgetter("title"),
        "venue": itemgetter("venue"),
        "url": itemgetter("url"),
        "audience": itemgetter("audience"),
        "interactions": itemgetter("interactions"),
        "leads": itemgetter("leads"),
        "hours": lambda row: hours(row["spent_seconds"]),
        "engagement": itemgetter("engagement__name"),
    }


class WeekApprovalTable(tables.Table):
    """The Approvals page: each week with its hours by kind (the rollup's figures, set on
    the rows of the page shown as `kind_seconds` by the view) against the person's capacity."""

    week_start = tables.Column(verbose_name="Week", order_by=("week_start", "consultant"))
    consultant = tables.Column(order_by=BY_NAME, verbose_name="Consultant")
    status = tables.Column(verbose_name="Status")
    client = tables.Column(empty_values=(), orderable=False, verbose_name="Client h",
                           attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}})
    promotion = tables.Column(empty_values=(), orderable=False, verbose_name="Promotion h",
                              attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}})
    internal = tables.Column(empty_values=(), orderable=False, verbose_name="Internal h",
                             attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}})
    total = tables.Column(empty_values=(), orderable=False, verbose_name="Total h",
                          attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}})
    submitted_at = tables.DateTimeColumn(verbose_name="Submitted", format="D j M H:i",
                                         attrs={"th": {"class": WIDE_ONLY},
                                                "td": {"class": WIDE_ONLY}})
    decided_by = tables.Column(verbose_name="Decided by", order_by=("decided_by__username",),
                               attrs={"th": {"class": WIDE_ONLY}, "td": {"class": WIDE_ONLY}})

    class Meta:
        model = WeekApproval
        fields = ()
        sequence = ("week_start", "consultant", "status", "client", "promotion", "internal",
                    "total", "submitted_at", "decided_by")
        order_by = ("-week_start",)
        attrs = {"class": "table table-sm table-hover align-middle", "id": "weeks"}
        empty_text = "No week matches these filters."

    @staticmethod
    def _week_url(record) -> str:
        return reverse("tracker:week_detail", args=[record.consultant.username, record.iso_week])

    def render_week_start(self, record):
        # The ISO name alone ("2026-W47") leaves people counting weeks: its days below it.
        return format_html(
            '<a class="text-nowrap" href="{}">{}</a><br>'
            '<span class="small text-body-secondary text-nowrap">{}</span>',
            self._week_url(record), record.iso_week, record.dates,
        )

    def render_consultant(self, record):
        # The name is what a manager scans for: it opens the week too.
        return format_html('<a href="{}">{}</a>', self._week_url(record), record.consultant)

    def render_status(self, record):
        return week_badge(record.status)

    # A reopened week is open again: what it showed of its last round (submitted when, decided
    # by whom) would read as the state it is in. Its page keeps that story.
    def render_submitted_at(self, value, record):
        if record.status == WeekStatus.OPEN:
            return "—"
        return date_format(timezone.localtime(value), "D j M H:i")

    def render_decided_by(self, value, record):
        if record.status == WeekStatus.OPEN:
            return f"Reopened by {record.reopened_by}" if record.reopened_by_id else "—"
        return value

    def _hours(self, record, kind=None):
        seconds = record.kind_seconds
        # Rounded once from the seconds, as every report shows hours (tracker.figures).
        return hours_number(decimal_hours(seconds.total if kind is None else seconds.of_kind(kind)))

    def render_client(self, record):
        return self._hours(record, Kind.CLIENT)

    def render_promotion(self, record):
        return self._hours(record, Kind.PROMOTION)

    def render_internal(self, record):
        return self._hours(record, Kind.INTERNAL)

    def render_total(self, record):
        capacity = figures.capacity_of(record.consultant, record.week_start,
                                       record.week_start + dt.timedelta(days=6))
        return format_html('{} <span class="text-body-secondary small">of {}</span>',
                           self._hours(record), hours_number(figures.capacity_hours(capacity)))


class ChangeTable(tables.Table):
    """The history list: each change with who, when, through what and its old -> new lines
    (tracker/history.py, as the objects' pages show them)."""

    at = tables.DateTimeColumn(verbose_name="When", format="D j M Y, H:i")
    object_type = tables.Column(verbose_name="Object")
    object_label = tables.Column(verbose_name="Which", orderable=False)
    action = tables.Column(verbose_name="Action")
    username = tables.Column(verbose_name="Who", empty_values=(), order_by=("username",))
    via = tables.Column(verbose_name="Through")
    changes = tables.Column(verbose_name="What changed", empty_values=(), orderable=False)

    class Meta:
        model = Change
        fields = ()
        sequence = ("at", "username", "via", "action", "object_type", "object_label",
                    "changes")
        order_by = ("-at",)
        attrs = {"class": "table table-sm table-hover align-top", "id": "history"}
        empty_text = "No change matches these filters."

    def render_username(self, record):
        # By name while the person exists; the username the change kept once they are gone.
        if record.user_id:
            return person_name(record.user)
        return record.username or "the system"

    def value_username(self, record):
        # Exports keep the username: scripts match on it.
        return record.username

    def render_via(self, record, value):
        if record.via_ref:
            return format_html('{} <span class="small text-body-secondary">({})</span>',
                               record.get_via_display(), record.via_ref)
        return record.get_via_display()

    def render_changes(self, record):
        lines = history.lines(record)
        return format_html_join(
            "", "<div class=\"small\">{}: {} → {}</div>",
            ((line["field"], line["old"], line["new"]) for line in lines),
        )

    def value_changes(self, record):
        return "; ".join(f"{line['field']}: {line['old']} → {line['new']}"
                         for line in history.lines(record))
