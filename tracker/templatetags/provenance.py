"""Where a time entry came from and the state of its week, as the time list and the entry's
page show them (the exports say the same as plain text: TimeEntryTable.export_values)."""

from django import template

from tracker.tables import entry_source, week_badge

register = template.Library()


register.simple_tag(entry_source, name="entry_source")
register.simple_tag(week_badge, name="week_badge")
