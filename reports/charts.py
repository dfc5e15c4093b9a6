"""Server-side SVG charts, drawn from the same numbers as the report's tables.

Each function returns plain geometry for templates/reports/_chart_*.html: no JavaScript, no
chart library, nothing fetched from anywhere.
"""

from tracker.formatting import date_text, hours_text, percent_text
from tracker.models import Kind

KIND_LABELS = dict(Kind.choices)

WIDTH, HEIGHT = 640, 220
LEFT, BOTTOM, TOP, RIGHT = 44, 28, 10, 10


def _nice_max(value: float) -> float:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000,
                 20000, 50000, 100000):
        if value <= step * 4:
            return step * 4
    return value


def weekly_stack(weeks) -> dict:
    """Stacked bars of hours by kind, one per week."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    totals = [week.total_hours for week in weeks]
    top = _nice_max(max(totals, default=0) or 1)
    slot = plot_w / max(len(weeks), 1)
    bars = []
    for index, week in enumerate(weeks):
        y = TOP + plot_h
        x = LEFT + index * slot + slot * 0.15
        for kind, label in KIND_LABELS.items():
            value = getattr(week, f"{kind}_hours")
            height = value / top * plot_h
            y -= height
            if height > 0:
                bars.append({"x": x, "y": y, "width": slot * 0.7, "height": height,
                             "kind": kind,
                             "title": f"{date_text(week.week_start)} {label}: "
                                      f"{hours_text(value)}"})
    labels = [
        {"x": LEFT + index * slot + slot / 2, "text": f"{week.week_start:%m-%d}"}
        for index, week in enumerate(weeks)
        if len(weeks) <= 14 or index % max(len(weeks) // 12, 1) == 0
    ]
    return {"bars": bars, "labels": labels, "ticks": _ticks(top, plot_h), **_frame()}


def share_vs_outcomes(rows) -> dict:
    """One dot per consultant: promotion share (x) against outcomes achieved (y)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _nice_max(max((row.outcomes_achieved for row in rows), default=0) or 1)
    dots = [
        {
            "x": LEFT + row.promotion_share * plot_w,
            "y": TOP + plot_h - row.outcomes_achieved / top * plot_h,
            "flagged": bool(row.flag),
            "title": f"{row.name}: share {percent_text(row.promotion_share)}, "
                     f"{row.outcomes_achieved} outcome(s)",
        }
        for row in rows
        if row.promotion_share is not None
    ]
    x_ticks = [{"x": LEFT + share * plot_w, "text": percent_text(share)}
               for share in (0, 0.25, 0.5, 0.75, 1)]
    return {"dots": dots, "x_ticks": x_ticks, "ticks": _ticks(top, plot_h), **_frame()}


def burn_vs_progress(engagements) -> dict:
    """One dot per engagement: budget burnt (x, to 150%) against outcome progress (y)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    dots = [
        {
            "x": LEFT + min(row.burn, 1.5) / 1.5 * plot_w,
            "y": TOP + plot_h - max(min(row.progress, 1.2), 0) / 1.2 * plot_h,
            "over": row.burn > 1,
            "title": f"{row.client} — {row.engagement}: burn {percent_text(row.burn)}, "
                     f"progress {percent_text(row.progress)}",
        }
        for row in engagements
        if row.burn is not None and row.progress is not None
    ]
    x_ticks = [{"x": LEFT + burn / 1.5 * plot_w, "text": percent_text(burn)}
               for burn in (0, 0.5, 1, 1.5)]
    y_ticks = [{"y": TOP + plot_h - p / 1.2 * plot_h, "text": percent_text(p)}
               for p in (0, 0.5, 1)]
    return {"dots": dots, "x_ticks": x_ticks, "ticks": y_ticks, **_frame()}


def _ticks(top: float, plot_h: float) -> list[dict]:
    return [
        {"y": TOP + plot_h - fraction * plot_h, "text": f"{top * fraction:g}"}
        for fraction in (0, 0.25, 0.5, 0.75, 1)
    ]


def _frame() -> dict:
    return {"width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT,
            "top": TOP, "bottom": HEIGHT - BOTTOM}
