"""tracker.formatting: one way to write hours, percentages, counts, dates and people (issue 15,
"Names and numbers, one way"). The pages' filters are the same functions."""

import datetime as dt
from decimal import Decimal

from django.template import Context, Template

from tracker import formatting
from tracker.exports import percent
from tracker.models import User


def render(text: str, **context) -> str:
    return Template("{% load formatting %}" + text).render(Context(context))


def test_hours_have_two_places_and_thousands_separators_on_pages_and_plain_in_exports():
    assert formatting.hours_text(1228.42) == "1,228.42 h"
    assert formatting.hours_text(4648.4) == "4,648.40 h"  # never "4648.4 h"
    assert formatting.hours_number(317.25) == "317.25"  # never "317.2" in one place
    assert formatting.hours_number(Decimal("37.5")) == "37.50"
    assert formatting.hours_number(0.125) == "0.13"  # half up, as the figures round
    assert formatting.hours_number(None) == "—" and formatting.hours_text(None) == "—"
    assert formatting.export_hours(1228.42) == 1228.42
    assert isinstance(formatting.export_hours(Decimal("40")), float)


def test_percentages_are_whole_and_rounded_half_up_once_everywhere():
    # 108.5% is 109% everywhere: Python's own "{:.0%}" said 108% (the float is 108.4999…).
    assert f"{1.085:.0%}" == "108%"
    assert formatting.percent_text(1.085) == "109%"
    assert formatting.whole_percent(0.12496) == 12 and formatting.whole_percent(0.125) == 13
    assert formatting.percent_text(None) == "—"
    assert formatting.percent_text(12.3456) == "1,235%"
    # An export's "… %" column holds the very number the page writes before its "%".
    assert percent(1.085) == 109 and percent(0.149) == 15 and percent(None) is None


def test_counts_dates_and_any_figure():
    assert formatting.count_text(12400) == "12,400"
    assert formatting.number_text(1506) == "1,506"
    assert formatting.number_text(1222.915) == "1,222.92"
    assert formatting.number_text("Public Sector") == "Public Sector"
    assert formatting.date_text(dt.date(2026, 11, 3)) == "3 Nov 2026"
    assert formatting.date_text(dt.date(2026, 11, 3), weekday=True) == "Tue 3 Nov 2026"
    assert formatting.date_text(None) == ""


def test_people_by_full_name_the_username_only_where_there_is_none():
    assert (
        formatting.person_name(User(username="dana", first_name="Dana", last_name="Okafor"))
        == "Dana Okafor"
    )
    assert formatting.person_name(User(username="dana", first_name="", last_name="")) == "dana"
    assert formatting.person_name(User(username="x", first_name="Zoë", last_name="")) == "Zoë"
    assert formatting.full_name("", "", "dana") == "dana"
    assert str(User(username="dana", first_name="Dana", last_name="Okafor")) == "Dana Okafor"


def test_the_template_filters_write_what_e_mails_and_exports_write():
    dana = User(username="dana", first_name="Dana", last_name="Okafor")
    shown = render(
        "{{ h|hours_h }}|{{ h|hours_num }}|{{ r|percent }}|{{ n|count }}|{{ d|day }}|"
        '{{ d|day:"weekday" }}|{{ u|person }}',
        h=1228.42,
        r=1.085,
        n=12400,
        d=dt.date(2026, 11, 3),
        u=dana,
    )
    assert shown == "1,228.42 h|1,228.42|109%|12,400|3 Nov 2026|Tue 3 Nov 2026|Dana Okafor"


def test_a_count_with_its_noun_is_singular_for_one_only():
    assert formatting.counted(1, "cell") == "1 cell"
    assert formatting.counted(0, "change") == "0 changes"
    assert formatting.counted(1204, "change") == "1,204 changes"
