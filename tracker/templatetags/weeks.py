from django import template
from django.utils import dateformat
from django.utils.html import escape
from django.utils.safestring import mark_safe

from tracker.rules import FUTURE
from tracker.week import week_dates as week_dates_text

register = template.Library()


@register.filter
def week_dates(monday, style=""):
    """The week starting on `monday` (tracker.week.week_dates): `{{ start|week_dates }}` gives
    '16–22 Nov 2026', `{{ start|week_dates:"weekdays" }}` 'Mon 16 Nov – Sun 22 Nov 2026'."""
    if not monday:
        return ""
    return week_dates_text(monday, weekdays=style == "weekdays")


@register.simple_tag(takes_context=True)
def grid_cells(context, row):
    """The day cells of one row of My week's grid, drawn in Python: a week holds some 60
    cells of some 30 template nodes each, which made the template the page's main cost. The
    markup is what the template wrote, attribute for attribute; every value is escaped."""
    shown, locked, today = context["shown_day"], context["locked"], context["today"]
    link = (f"{context['cell_url']}?week={escape(context['iso_week'])}"
            f"&amp;row={escape(row.key.token)}")
    label = escape(row.label)
    html = []
    for offset, cell in enumerate(row.cells):
        several = len(cell.entry_ids)
        future = cell.day > today  # shown, not typed into: the rule refuses it anyway
        day = escape(dateformat.format(cell.day, "l j F"))
        notes = escape(" · ".join(cell.notes))
        name = escape(cell.name)
        classes = "form-control form-control-sm grid-cell"
        if several > 1:
            classes += " several"
        if cell.error:
            classes += " is-invalid"
        attrs = [
            f'type="text" class="{classes}" name="{name}" id="id_{name}"',
            f'value="{escape(cell.value)}" inputmode="decimal" autocomplete="off" size="5"'
            + (" readonly" if locked or several > 1 or future else ""),
            f'aria-label="{label}, {day}' + (f", {several} entries" if several > 1 else "") + '"'
            + (f' data-cell-opens title="{several} entries: open the cell to change them"'
               if several > 1 else f' title="{notes}"' if cell.notes
               else f' title="{FUTURE}"' if future else "")
            + (' aria-invalid="true"' if cell.error else ""),
        ]
        if cell.error or locked:
            described = [f"err_{name}"] if cell.error else []
            described += ["grid-locked"] if locked else []
            attrs[-1] += f' aria-describedby="{" ".join(described)}"'
        cell_link = f"{link}&amp;day={offset}"
        other = "" if offset == shown else ' class="day-other"'
        html.append(
            f'<td data-day="{offset}"{other}>'
            f'<div class="d-flex align-items-center gap-1">'
            f'<input {" ".join(attrs)}>'
            f'<a class="cell-open{" has-note" if cell.notes else ""}" href="{cell_link}" '
            f'title="Entries and notes{f": {notes}" if cell.notes else ""}" '
            f'aria-label="Entries and notes: {label}, {day}">✎</a></div>'
            f'<input type="hidden" name="{escape(cell.was_name)}" value="{int(cell.seconds)}">'
        )
        if cell.error:
            more = (f' <a href="{cell_link}" class="several-entries">Open these {several} '
                    f"entries</a>" if several > 1 else "")
            html.append(f'<div class="invalid-feedback d-block" id="err_{name}">'
                        f"{escape(cell.error)}{more}</div>")
        html.append("</td>")
    return mark_safe("".join(html))  # noqa: S308 - built above from escaped values only
