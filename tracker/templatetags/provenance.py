"""Where a time entry came from and the state of its week, as the time list and the entry's
page show them (the exports say the same as plain text: TimeEntryTable.export_values)."""

from django import template
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.timezone import localtime

from tracker.models import TimeEntry
from tracker.tables import week_badge

register = template.Library()


@register.simple_tag
def entry_source(entry: TimeEntry, user, detailed: bool = False):
    """"Manual", "Timer", "API · laptop", or "Toggl import #12" linking to the batch's page
    for whoever may open it (ImportBatch.seen_by). `detailed` adds the batch's file and day:
    "Toggl import #12 (file.csv), 3 Nov 2026". Reads entry.import_batch and entry.api_token:
    select_related them for a list."""
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


register.simple_tag(week_badge, name="week_badge")
