import datetime as dt

from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.shortcuts import render

from ..models import Kind, TimeEntry


@login_required
def my_week(request):
    """This week's hours by kind, against the user's capacity."""
    today = request.user.today()
    start = today - dt.timedelta(days=today.weekday())
    end = start + dt.timedelta(days=6)
    totals = dict(
        TimeEntry.objects.filter(consultant=request.user)
        .in_period(start, end)
        .order_by()
        .values_list("kind")
        .annotate(seconds=Sum("seconds"))
    )
    capacity = float(request.user.weekly_capacity_hours)
    rows = []
    for kind in Kind:
        hours = totals.get(kind.value, 0) / 3600
        rows.append(
            {
                "kind": kind.value,
                "label": kind.label,
                "hours": hours,
                "percent_of_capacity": (100 * hours / capacity) if capacity else 0,
            }
        )
    total_hours = sum(row["hours"] for row in rows)
    return render(
        request,
        "tracker/my_week.html",
        {
            "start": start,
            "end": end,
            "rows": rows,
            "total_hours": total_hours,
            "capacity_hours": capacity,
        },
    )
