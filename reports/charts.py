"""Server-side SVG charts, drawn from the same numbers as the report's tables.

Each function returns plain geometry for templates/reports/_chart_*.html: no JavaScript, no
chart library, nothing fetched from anywhere. `drawn()` gives a chart at three sizes, each
drawn no wider than the narrowest place the page shows it (see the sizes below), so its
12 px labels are never shrunk below 12 px: one SVG scaled from a desktop's width to a phone's
would shrink them to 6 px, and a 560 px one in the half-width column of a 1024 px screen to
10 px. The page shows the one that fits (Bootstrap's display classes).
Every label has room inside the picture: axis titles on the left and at the bottom, tick
labels within the margins, dates thinned out where a week's slot is too narrow for its date.
"""

import math
from dataclasses import dataclass

from tracker.formatting import date_text, hours_text, percent_text
from tracker.models import Kind

KIND_LABELS = dict(Kind.choices)

FONT = 12  # px, the labels' size; about 7 px a character
CHAR = 7


@dataclass(frozen=True)
class Size:
    name: str
    width: int
    height: int
    css: str  # which screens show it


# Where the report shows a chart (templates/reports/_report.html: full width below 992 px,
# max 640 px; half of the container from 992 px): each size is as wide as the narrowest of
# its places, so it is only ever drawn at its size or larger.
#   wide:   768-991 px (640 px) and from 1200 px (a half column of 546 px, 636 from 1400);
#   medium: 576-767 px (516 px) and 992-1199 px (a half column of 456 px);
#   narrow: a phone, below 576 px (336 px on a 360 px phone, 366 on a 390 px one).
WIDE = Size("wide", 540, 250, "d-none d-md-block d-lg-none d-xl-block")
MEDIUM = Size("medium", 450, 250, "d-none d-sm-block d-md-none d-lg-block d-xl-none")
NARROW = Size("narrow", 336, 270, "d-sm-none")
# Room for the y axis title and the tick labels (left), the dates and the x axis title
# (bottom), half of the last x label (right) and half of the top tick label (top).
LEFT, BOTTOM, TOP, RIGHT = 60, 46, 12, 24


def _px(value: float) -> str:
    """A coordinate as the SVG gets it, to a tenth of a pixel: formatted here, once, rather
    than by a template filter per attribute (seven hundred calls a report page)."""
    return f"{value:.1f}"


def drawn(chart, data) -> list[dict]:
    """`chart` of `data` at each size, the widest first."""
    return [chart(data, size=size) for size in (WIDE, MEDIUM, NARROW)]


def _nice_max(value: float) -> float:
    for step in (
        1,
        2,
        5,
        10,
        20,
        25,
        50,
        100,
        200,
        250,
        500,
        1000,
        2000,
        5000,
        10000,
        20000,
        50000,
        100000,
    ):
        if value <= step * 4:
            return step * 4
    return value


def _number(value: float) -> str:
    """A tick's figure, short enough for the margin: 400, 2.5, 40k."""
    if value >= 10000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


def weekly_stack(weeks, *, size: Size = WIDE) -> dict:
    """Stacked bars of hours by kind, one per week."""
    frame = _frame(size, x_title="Week starting", y_title="Hours")
    plot_w, plot_h = frame["plot_w"], frame["plot_h"]
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
                bars.append(
                    {
                        "x": _px(x),
                        "y": _px(y),
                        "width": _px(slot * 0.7),
                        "height": _px(height),
                        "kind": kind,
                        "title": f"{date_text(week.week_start)} {label}: {hours_text(value)}",
                    }
                )
    texts = [f"{week.week_start.day} {week.week_start:%b}" for week in weeks]
    # Every nth date, n as small as lets the widest date fit its slots with a gap.
    widest = max((len(text) for text in texts), default=0) * CHAR + 8
    every = max(math.ceil(widest / slot), 1)
    labels = [
        {"x": _px(LEFT + index * slot + slot / 2), "text": text}
        for index, text in enumerate(texts)
        if index % every == 0
    ]
    return {"bars": bars, "labels": labels, "ticks": _ticks(top, plot_h), **frame}


def share_vs_outcomes(rows, *, size: Size = WIDE) -> dict:
    """One dot per consultant: promotion share (x) against outcomes achieved (y)."""
    frame = _frame(size, x_title="Promotion share", y_title="Outcomes achieved")
    plot_w, plot_h = frame["plot_w"], frame["plot_h"]
    top = _nice_max(max((row.outcomes_achieved for row in rows), default=0) or 1)
    dots = [
        {
            "x": _px(LEFT + row.promotion_share * plot_w),
            "y": _px(TOP + plot_h - row.outcomes_achieved / top * plot_h),
            "flagged": bool(row.flag),
            "title": f"{row.name}: share {percent_text(row.promotion_share)}, "
            f"{row.outcomes_achieved} outcome(s)",
        }
        for row in rows
        if row.promotion_share is not None
    ]
    x_ticks = [
        {"x": _px(LEFT + share * plot_w), "text": percent_text(share)}
        for share in (0, 0.25, 0.5, 0.75, 1)
    ]
    return {"dots": dots, "x_ticks": x_ticks, "ticks": _ticks(top, plot_h), **frame}


def burn_vs_progress(engagements, *, size: Size = WIDE) -> dict:
    """One dot per engagement: budget burnt (x, to 150%) against outcome progress (y)."""
    frame = _frame(size, x_title="Budget burnt", y_title="Outcome progress")
    plot_w, plot_h = frame["plot_w"], frame["plot_h"]
    dots = [
        {
            "x": _px(LEFT + min(row.burn, 1.5) / 1.5 * plot_w),
            "y": _px(TOP + plot_h - max(min(row.progress, 1.2), 0) / 1.2 * plot_h),
            "over": row.burn > 1,
            "title": f"{row.client} — {row.engagement}: burn {percent_text(row.burn)}, "
            f"progress {percent_text(row.progress)}",
        }
        for row in engagements
        if row.burn is not None and row.progress is not None
    ]
    x_ticks = [
        {"x": _px(LEFT + burn / 1.5 * plot_w), "text": percent_text(burn)}
        for burn in (0, 0.5, 1, 1.5)
    ]
    y_ticks = [
        {"y": _px(TOP + plot_h - p / 1.2 * plot_h), "text": percent_text(p)} for p in (0, 0.5, 1)
    ]
    return {"dots": dots, "x_ticks": x_ticks, "ticks": y_ticks, **frame}


def _ticks(top: float, plot_h: float) -> list[dict]:
    return [
        {"y": _px(TOP + plot_h - fraction * plot_h), "text": _number(top * fraction)}
        for fraction in (0, 0.25, 0.5, 0.75, 1)
    ]


def _frame(size: Size, *, x_title: str, y_title: str) -> dict:
    bottom = size.height - BOTTOM
    return {
        "size": size.name,
        "css": size.css,
        "width": size.width,
        "height": size.height,
        "left": LEFT,
        "right": size.width - RIGHT,
        "top": TOP,
        "bottom": bottom,
        "plot_w": size.width - LEFT - RIGHT,
        "plot_h": bottom - TOP,
        "tick_x": LEFT - 6,
        "label_y": bottom + 18,
        # The x axis title under the dates; the y axis title turned, left of the figures.
        "x_title": x_title,
        "x_title_x": _px(LEFT + (size.width - LEFT - RIGHT) / 2),
        "x_title_y": size.height - 6,
        "y_title": y_title,
        "y_title_x": 14,
        "y_title_y": _px(TOP + (bottom - TOP) / 2),
    }
