"""The page side of tracker.formatting: `{% load formatting %}` and every template writes
people, hours, percentages and dates the way e-mails and exports do.

- `{{ row.total_hours|hours_h }}` -> `1,228.42 h`; `|hours_num` -> `1,228.42` (a table cell)
- `{{ row.promotion_share|percent }}` -> `15%` (whole percent, rounded half up)
- `{{ row.reach|count }}` -> `12,400`
- `{{ day|day }}` -> `3 Nov 2026`; `{{ day|day:"weekday" }}` -> `Tue 3 Nov 2026`
- `{{ user|person }}` -> the full name, the username where there is none
"""

from django import template

from tracker import formatting

register = template.Library()

register.filter("hours_h", formatting.hours_text)
register.filter("hours_num", formatting.hours_number)
register.filter("percent", formatting.percent_text)
register.filter("count", formatting.count_text)
register.filter("person", formatting.person_name)


@register.filter
def day(value, style=""):
    return formatting.date_text(value, weekday=style == "weekday")
