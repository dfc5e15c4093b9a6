from django import template

from tracker.durations import format_duration

register = template.Library()


@register.filter
def duration(seconds):
    """Seconds as h:mm, e.g. 5400 -> 1:30; empty for none."""
    return format_duration(seconds)
