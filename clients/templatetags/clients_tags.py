"""Small server-side pictures for outcomes and budgets: progress and burn bars, and an inline
SVG sparkline of an outcome's measurements (no JavaScript, nothing from a CDN)."""

from decimal import Decimal

from django import template
from django.template.defaultfilters import floatformat
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def number(value):
    """A decimal without trailing zeros: 10, 10.5, 10.25."""
    if value is None or value == "":
        return "—"
    return floatformat(value, -2)


@register.filter
def hours(seconds):
    """Seconds as decimal hours, two places."""
    return floatformat((seconds or 0) / 3600, 2)


def _bar(percent, *, label, css):
    # The bar stops at its ends; the figure beside it (and aria-valuetext) may go past them.
    width = max(0.0, min(percent, 100.0))
    return format_html(
        '<div class="d-flex align-items-center gap-2">'
        '<div class="progress flex-grow-1" style="height: .6rem; min-width: 4rem" '
        'role="progressbar" aria-label="{}" aria-valuenow="{}" aria-valuetext="{}%" '
        'aria-valuemin="0" aria-valuemax="100">'
        '<div class="progress-bar {}" style="width: {}%"></div></div>'
        '<span class="text-nowrap">{}%</span></div>',
        label, f"{width:.0f}", f"{percent:.0f}", css, f"{width:.1f}", f"{percent:.0f}",
    )


@register.simple_tag
def progress_bar(ratio, label="Progress toward target"):
    """Progress toward target as a bar; the figure itself may pass 100% or go below 0."""
    if ratio is None:
        return "—"
    percent = float(ratio) * 100
    css = "bg-success" if percent >= 100 else ("bg-danger" if percent < 0 else "bg-primary")
    return _bar(percent, label=label, css=css)


@register.simple_tag
def burn_bar(burn, label="Budget burned"):
    """Logged hours against budget; amber from 80%, red past the budget."""
    if burn is None:
        return "—"
    percent = float(burn) * 100
    css = "bg-danger" if percent > 100 else ("bg-warning" if percent >= 80 else "bg-success")
    return _bar(percent, label=label, css=css)


def _fmt(value):
    return floatformat(value, -2)


@register.simple_tag
def sparkline(outcome, measurements=None, width=240, height=56):
    """The outcome's measurements over time as an inline SVG line, with its baseline (grey)
    and target (green, dashed). `measurements` defaults to the prefetched ones."""
    if measurements is None:
        measurements = list(outcome.measurements.all())
    if not measurements:
        return mark_safe('<span class="text-body-secondary small">No measurements yet</span>')
    values = [Decimal(m.value) for m in measurements]
    low = min([*values, outcome.baseline, outcome.target])
    high = max([*values, outcome.baseline, outcome.target])
    span = float(high - low) or 1.0
    pad = 5.0
    first, last = measurements[0].date, measurements[-1].date
    days = (last - first).days

    def x(index, measurement):
        if len(measurements) == 1:
            return width / 2
        if days:
            share = (measurement.date - first).days / days
        else:  # all on one day: spread them out in the order they were taken
            share = index / (len(measurements) - 1)
        return pad + share * (width - 2 * pad)

    def y(value):
        return pad + float(high - Decimal(value)) / span * (height - 2 * pad)

    points = [(x(i, m), y(m.value)) for i, m in enumerate(measurements)]
    unit = f" {outcome.unit}" if outcome.unit else ""
    readings = "; ".join(f"{_fmt(m.value)}{unit} on {m.date:%-d %b %Y}" for m in measurements)
    title = (
        f"{outcome.metric}: {readings}. Baseline {_fmt(outcome.baseline)}, "
        f"target {_fmt(outcome.target)}{unit}."
    )
    circles = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="{}" fill="#1f6feb"></circle>',
        ((f"{px:.1f}", f"{py:.1f}", "3" if i == len(points) - 1 else "2")
         for i, (px, py) in enumerate(points)),
    )
    return format_html(
        '<svg class="sparkline" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" '
        'aria-label="{title}" xmlns="http://www.w3.org/2000/svg">'
        "<title>{title}</title>"
        '<line x1="0" x2="{w}" y1="{by}" y2="{by}" stroke="#6b7280" stroke-width="1"></line>'
        '<line x1="0" x2="{w}" y1="{ty}" y2="{ty}" stroke="#198754" stroke-width="1" '
        'stroke-dasharray="4 3"></line>'
        '<polyline points="{points}" fill="none" stroke="#1f6feb" stroke-width="2" '
        'stroke-linejoin="round"></polyline>{circles}</svg>',
        w=width, h=height, title=title,
        by=f"{y(outcome.baseline):.1f}", ty=f"{y(outcome.target):.1f}",
        points=" ".join(f"{px:.1f},{py:.1f}" for px, py in points), circles=circles,
    )


STATUS_CLASSES = {
    "planned": "text-bg-secondary",
    "in_progress": "text-bg-primary",
    "achieved": "text-bg-success",
    "missed": "text-bg-danger",
    "proposed": "text-bg-secondary",
    "active": "text-bg-primary",
    "closed": "text-bg-dark",
}


@register.filter
def status_badge(status):
    """Bootstrap badge classes for an outcome's or engagement's status."""
    return STATUS_CLASSES.get(status, "text-bg-secondary")
