"""The page side of tracker.formatting: `{% load formatting %}` and every template writes
people, hours, percentages and dates the way e-mails and exports do."""

from django import template

from tracker import formatting

register = template.Library()


@register.filter
def hours_h(value):
    """Decimal hours with the unit: `{{ row.total_hours|hours_h }}` -> `1,228.42 h`."""
    return formatting.hours_text(value)


@register.filter
def hours_num(value):
    """Decimal hours in a table cell: `1,228.42`."""
    return formatting.hours_number(value)


@register.filter
def percent(ratio):
    """A ratio as whole percent, rounded half up: `{{ row.promotion_share|percent }}` -> `15%`."""
    return formatting.percent_text(ratio)


@register.filter
def count(value):
    """A count with thousands separators: `12,400`."""
    return formatting.count_text(value)


@register.filter
def day(value, style=""):
    """A date: `3 Nov 2026`; `|day:"weekday"` -> `Tue 3 Nov 2026`."""
    return formatting.date_text(value, weekday=style == "weekday")


@register.filter
def person(user):
    """A person by their full name, the username where there is none."""
    return formatting.person_name(user)
