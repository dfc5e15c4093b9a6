"""Small server-side pictures for outcomes and budgets: progress and burn bars, and an inline
SVG sparkline of an outcome's measurements (no JavaScript, nothing from a CDN); and `number`,
the one way outcome figures are written."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.dateformat import format as date_format
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from tracker.durations import decimal_hours
from tracker.formatting import hours_number, whole_percent

from ..models import Engagement, Outcome, plain_decimal

register = template.Library()


@register.filter
def number(value):
    """An outcome figure (or any decimal) without trailing zeros after the point: 2100, 12.5,
    0.25; "—" when there is none."""
    try:
        plain = plain_decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return value  # not a number: as it is, like Django's own filters
    return "—" if plain is None else number_format(plain)


@register.filter
def hours(seconds):
    """Seconds as decimal hours, two places, as every page writes hours: 1,228.42."""
    return hours_number(decimal_hours(seconds))


def _bar(ratio, *, label, css):
    # The bar stops at its ends; the figure beside it (and aria-valuetext) may go past them,
    # written as every page, e-mail and export writes a percentage (tracker.formatting).
    shown = whole_percent(ratio)
    width = max(0.0, min(float(ratio) * 100, 100.0))
    return format_html(
        '<div class="d-flex align-items-center gap-2">'
        '<div class="progress progress-thin flex-grow-1" '
        'role="progressbar" aria-label="{}" aria-valuenow="{}" aria-valuetext="{}%" '
        'aria-valuemin="0" aria-valuemax="100">'
        '<div class="progress-bar {}" data-width="{}"></div></div>'
        '<span class="text-nowrap">{}%</span></div>',
        label, f"{width:.0f}", shown, css, f"{width:.1f}", shown,
    )


@register.simple_tag
def progress_bar(ratio, label="Progress toward target"):
    """Progress toward target as a bar; the figure itself may pass 100% or go below 0."""
    if ratio is None:
        return "—"
    percent = float(ratio) * 100
    css = "bg-success" if percent >= 100 else ("bg-danger" if percent < 0 else "bg-primary")
    return _bar(ratio, label=label, css=css)


@register.simple_tag
def burn_bar(burn, label="Budget burned"):
    """Logged hours against budget; amber from 80%, red past the budget."""
    if burn is None:
        return "—"
    percent = float(burn) * 100
    css = "bg-danger" if percent > 100 else ("bg-warning" if percent >= 80 else "bg-success")
    return _bar(burn, label=label, css=css)


# The chart's text: 10px, about 6px a character; what is outside the plot is room for it.
# A label is centred on its y (dy=".35em"), and its glyphs, ascenders to descenders, reach
# about 0.6em above and below that: a label needs that much room inside the picture, or
# the edge of the SVG cuts it.
FONT_SIZE = 10
CHAR_WIDTH = 6
PAD = 5
HALF_LINE = 0.6 * FONT_SIZE
GREY, GREEN, GREEN_TEXT, BLUE = "#6b7280", "#198754", "#146c43", "#1f6feb"


def _apart(upper: float, lower: float, gap: float, low: float, high: float):
    """Two label heights at least `gap` apart (keeping their order) within [low, high]."""
    if abs(upper - lower) >= gap:
        return upper, lower
    middle = min(max((upper + lower) / 2, low + gap / 2), high - gap / 2)
    if upper <= lower:
        return middle - gap / 2, middle + gap / 2
    return middle + gap / 2, middle - gap / 2


@register.simple_tag
def sparkline(outcome, measurements=None, width=260, height=90):
    """The outcome's measurements over time as an inline SVG line, with its baseline (grey)
    and target (green, dashed) labelled with their values on the left, and the first and last
    dates underneath; the <title> says the same in words. `measurements` defaults to the
    prefetched ones."""
    if measurements is None:
        measurements = list(outcome.measurements.all())
    if not measurements:
        return mark_safe('<span class="text-body-secondary small">No measurements yet</span>')
    values = [Decimal(m.value) for m in measurements]
    low = min([*values, outcome.baseline, outcome.target])
    high = max([*values, outcome.baseline, outcome.target])
    span = float(high - low) or 1.0
    baseline, target = number(outcome.baseline), number(outcome.target)
    # The lines start right of their value labels; the readings a little further in, and
    # above the dates.
    left = CHAR_WIDTH * max(len(baseline), len(target)) + 2 * PAD
    # A value label may sit on the top or bottom line; the dates go beneath the bottom one's.
    date_y = height - HALF_LINE - 2
    right, top, bottom = width - PAD, HALF_LINE + 2, date_y - 2 * HALF_LINE - 1
    first, last = measurements[0].date, measurements[-1].date
    days = (last - first).days

    def x(index, measurement):
        if len(measurements) == 1:
            return (left + right) / 2
        if days:
            share = (measurement.date - first).days / days
        else:  # all on one day: spread them out in the order they were taken
            share = index / (len(measurements) - 1)
        return left + PAD + share * (right - left - PAD)

    def y(value):
        return top + float(high - Decimal(value)) / span * (bottom - top)

    points = [(x(i, m), y(m.value)) for i, m in enumerate(measurements)]
    unit = f" {outcome.unit}" if outcome.unit else ""
    readings = "; ".join(f"{number(m.value)}{unit} on {m.date:%-d %b %Y}" for m in measurements)
    title = f"{outcome.metric}: {readings}. Baseline {baseline}, target {target}{unit}."
    circles = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="{}" fill="{}"></circle>',
        ((f"{px:.1f}", f"{py:.1f}", "3" if i == len(points) - 1 else "2", BLUE)
         for i, (px, py) in enumerate(points)),
    )
    # Each line's value at its left end, in its colour; the legend beside says which is which.
    baseline_y, target_y = _apart(
        y(outcome.baseline), y(outcome.target), FONT_SIZE + 1, top, bottom
    )
    if days:
        dates = [(left, "start", first), (right, "end", last)]
    else:
        dates = [((left + right) / 2, "middle", first)]
    labels = [
        (left - PAD, baseline_y, "end", GREY, baseline),
        (left - PAD, target_y, "end", GREEN_TEXT, target),
        *((dx, date_y, anchor, GREY, date_format(day, "j M Y"))
          for dx, anchor, day in dates),
    ]
    texts = format_html_join(
        "",
        '<text x="{}" y="{}" dy=".35em" text-anchor="{}" fill="{}">{}</text>',
        ((f"{tx:.1f}", f"{ty:.1f}", anchor, fill, text) for tx, ty, anchor, fill, text in labels),
    )
    return format_html(
        '<svg class="sparkline" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" '
        'aria-label="{title}" xmlns="http://www.w3.org/2000/svg" font-size="{font}">'
        "<title>{title}</title>"
        '<line x1="{left}" x2="{w}" y1="{by}" y2="{by}" stroke="{grey}" stroke-width="1"></line>'
        '<line x1="{left}" x2="{w}" y1="{ty}" y2="{ty}" stroke="{green}" stroke-width="1" '
        'stroke-dasharray="4 3"></line>'
        '<polyline points="{points}" fill="none" stroke="{blue}" stroke-width="2" '
        'stroke-linejoin="round"></polyline>{circles}{texts}</svg>',
        w=width, h=height, title=title, font=FONT_SIZE, left=left,
        grey=GREY, green=GREEN, blue=BLUE,
        by=f"{y(outcome.baseline):.1f}", ty=f"{y(outcome.target):.1f}",
        points=" ".join(f"{px:.1f},{py:.1f}" for px, py in points), circles=circles,
        texts=texts,
    )


STATUS_CLASSES = {
    Outcome.Status.PLANNED: "text-bg-secondary",
    Outcome.Status.IN_PROGRESS: "text-bg-primary",
    Outcome.Status.ACHIEVED: "text-bg-success",
    Outcome.Status.MISSED: "text-bg-danger",
    Engagement.Status.PROPOSED: "text-bg-secondary",
    Engagement.Status.ACTIVE: "text-bg-primary",
    Engagement.Status.CLOSED: "text-bg-dark",
    Engagement.ENDED: "text-bg-dark",
}


@register.filter
def status_badge(status):
    """Bootstrap badge classes for an outcome's or engagement's status."""
    return STATUS_CLASSES.get(status, "text-bg-secondary")
