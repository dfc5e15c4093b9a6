"""Tables for the client, engagement and outcome lists, and their CSV/XLSX exports.

Cells drawn as HTML (bars, "2 / 5") have a plain-number twin for exports: a `value_` method
or an export-only column, so a spreadsheet gets numbers it can add up (reports/exports.py).
"""

import django_tables2 as tables
from django.utils import timezone
from django.utils.dateformat import format as date_format_with
from django.utils.html import format_html

from tracker.exports import percent
from tracker.formatting import export_hours, hours_number

from .models import Client, Engagement, Outcome, plain_decimal
from .templatetags.clients_tags import burn_bar, number, progress_bar

NUMBER = {"th": {"class": "text-end"}, "td": {"class": "text-end text-nowrap"}}


def date_format(value):
    return date_format_with(value, "j M Y")


class ExportOnlyColumn(tables.Column):
    """A column spreadsheets get and the page does not show."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("visible", False)
        super().__init__(*args, **kwargs)


class OutcomeFigureColumn(tables.Column):
    """A baseline, target or actual: shown as every clients page shows it (2100, 12.5), and
    exported as the same plain number, never as text."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", NUMBER)
        super().__init__(*args, **kwargs)

    def render(self, value):
        return number(value)

    def value(self, value):
        return plain_decimal(value)


class AchievedOfTotalColumn(tables.Column):
    """'achieved / total' on the page; exports carry both figures as numbers instead."""

    def __init__(self, **kwargs):
        kwargs.setdefault("verbose_name", "Outcomes achieved / all")
        kwargs.setdefault("empty_values", ())
        kwargs.setdefault("exclude_from_export", True)
        kwargs.setdefault("order_by", ("outcomes_achieved", "outcomes_total"))
        kwargs.setdefault("attrs", NUMBER)
        super().__init__(**kwargs)

    def render(self, record):
        return format_html(
            '<span title="{} of {} outcomes achieved">{} / {}</span>',
            record.outcomes_achieved, record.outcomes_total,
            record.outcomes_achieved, record.outcomes_total,
        )


class ClientTable(tables.Table):
    name = tables.Column(linkify=("clients:client_detail", {"pk": tables.A("pk")}))
    sector = tables.Column()
    active = tables.BooleanColumn(yesno="Yes,No")
    engagements_count = tables.Column(verbose_name="Engagements", attrs=NUMBER)
    outcomes = AchievedOfTotalColumn()
    outcomes_achieved = ExportOnlyColumn(verbose_name="Outcomes achieved")
    outcomes_total = ExportOnlyColumn(verbose_name="Outcomes total")

    class Meta:
        model = Client
        fields = ["name", "sector", "active"]
        sequence = ["name", "sector", "active", "engagements_count", "outcomes", "..."]
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = "No clients match these filters."
        default = "—"

    def value_active(self, value):
        return "Yes" if value else "No"


class EngagementTable(tables.Table):
    client = tables.Column(
        accessor="client__name",
        verbose_name="Client",
        linkify=("clients:client_detail", {"pk": tables.A("client_id")}),
    )
    name = tables.Column(
        verbose_name="Engagement",
        linkify=("clients:engagement_detail", {"pk": tables.A("pk")}),
    )
    starts_on = tables.DateColumn(verbose_name="Starts", format="j M Y")
    ends_on = tables.DateColumn(verbose_name="Ends", format="j M Y")
    status = tables.Column()
    budget_hours = tables.Column(verbose_name="Budget (h)", attrs=NUMBER)
    logged_hours = tables.Column(verbose_name="Logged (h)", attrs=NUMBER)
    burn = tables.Column(verbose_name="Burn %", attrs={"td": {"class": "cell-bar"}})
    outcomes = AchievedOfTotalColumn()
    outcomes_achieved = ExportOnlyColumn(verbose_name="Outcomes achieved")
    outcomes_total = ExportOnlyColumn(verbose_name="Outcomes total")

    class Meta:
        model = Engagement
        fields = ["client", "name", "starts_on", "ends_on", "status", "budget_hours"]
        sequence = [
            "client", "name", "starts_on", "ends_on", "status", "budget_hours", "logged_hours",
            "burn", "outcomes", "...",
        ]
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = "No engagements match these filters."
        default = "—"

    def _today(self):
        request = getattr(self, "request", None)
        return request.user.today() if request else timezone.localdate()

    def render_status(self, record):
        """Its state today: an active engagement past its end date is "Ended"."""
        return record.state_label(self._today())

    def value_status(self, record):
        return record.state_label(self._today())  # as the page says it: "Ended"

    def render_budget_hours(self, value):
        return hours_number(value)

    def value_budget_hours(self, value):
        return value

    def render_logged_hours(self, value):
        return hours_number(value)

    def value_logged_hours(self, value):
        return export_hours(value)

    def render_burn(self, value):
        return burn_bar(value)

    def value_burn(self, value):
        return percent(value)

    def value_starts_on(self, value):
        return value

    def value_ends_on(self, value):
        return value


class OutcomeTable(tables.Table):
    title = tables.Column(
        verbose_name="Outcome", linkify=("clients:outcome_detail", {"pk": tables.A("pk")})
    )
    client = tables.Column(accessor="engagement__client__name", verbose_name="Client")
    engagement = tables.Column(
        accessor="engagement__name",
        verbose_name="Engagement",
        linkify=("clients:engagement_detail", {"pk": tables.A("engagement_id")}),
    )
    metric = tables.Column()
    unit = ExportOnlyColumn()
    direction = tables.Column()
    baseline = OutcomeFigureColumn()
    target = OutcomeFigureColumn()
    actual_value = OutcomeFigureColumn(verbose_name="Actual")
    progress = tables.Column(
        accessor="progress_ratio", verbose_name="Progress %",
        attrs={"td": {"class": "cell-bar"}},
    )
    status = tables.Column()
    achieved_on = tables.DateColumn(verbose_name="Achieved on", format="j M Y")
    # Verified: confirmed by a client contact through their link (docs/confirmations.md).
    client_answer = tables.Column(verbose_name="Client's answer", orderable=False,
                                  empty_values=())
    # What the firm typed in: "reported", never verified. "on" and "by", so a spreadsheet's
    # reader tells the date from the person.
    confirmed_on = tables.DateColumn(verbose_name="Reported confirmed on", format="j M Y")
    confirmed_by = ExportOnlyColumn(verbose_name="Reported confirmed by")
    evidence_url = ExportOnlyColumn(verbose_name="Evidence link")

    class Meta:
        model = Outcome
        fields = []
        sequence = [
            "title", "client", "engagement", "metric", "direction", "baseline", "target",
            "actual_value", "progress", "status", "achieved_on", "client_answer",
            "confirmed_on", "...",
        ]
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = "No outcomes match these filters."
        default = "—"

    def render_progress(self, record):
        # The same figure as the annotation the column sorts by, from the model's own rule.
        return progress_bar(record.progress(record.actual_value))

    def value_progress(self, record):
        return percent(record.progress(record.actual_value))

    def render_client_answer(self, record):
        if record.is_verified:
            return format_html('<span class="badge text-bg-success" title="Confirmed by {}">'
                               "Verified</span>", record.client_answer.contact)
        if record.is_disputed:
            return format_html('<span class="badge text-bg-danger" title="{}">Disputed</span>',
                               record.client_answer.comment)
        return self.default

    def value_client_answer(self, record):
        return "verified" if record.is_verified else "disputed" if record.is_disputed else ""

    def render_confirmed_on(self, record, value):
        if value is None:
            return self.default
        return format_html(
            '<span title="Reported by the firm: {}">{}</span>', record.confirmed_by,
            date_format(value),
        )

    def value_confirmed_on(self, value):
        return value

    def value_achieved_on(self, value):
        return value
