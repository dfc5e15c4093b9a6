from django import template

from tracker.week import week_dates as week_dates_text

register = template.Library()


@register.filter
def week_dates(monday, style=""):
    """The week starting on `monday` (tracker.week.week_dates): `{{ start|week_dates }}` gives
    '16–22 Nov 2026', `{{ start|week_dates:"weekdays" }}` 'Mon 16 Nov – Sun 22 Nov 2026'."""
    if not monday:
        return ""
    return week_dates_text(monday, weekdays=style == "weekdays")
