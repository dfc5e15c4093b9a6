from django import template

from tracker.durations import decimal_hours, format_duration
from tracker.formatting import hours_number

register = template.Library()


@register.filter
def duration(seconds):
    """Seconds as h:mm, e.g. 5400 -> 1:30; empty for none."""
    return format_duration(seconds)


@register.filter
def hours(seconds):
    """Seconds as decimal hours to 2 places, as the reports show them: 9937 -> '2.76',
    4420912 -> '1,228.03' (tracker.formatting)."""
    return hours_number(decimal_hours(seconds))
