"""The small pictures and figures of the clients pages: outcome numbers shown one way, and the
measurement chart with its dates and values written on it."""

import datetime as dt
import re
from decimal import Decimal

import pytest

from clients.models import Outcome, plain_decimal
from clients.templatetags.clients_tags import number, sparkline
from clients.tests.factories import OutcomeFactory, OutcomeMeasurementFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value,shown", [
    (Decimal("2100.00"), "2100"),
    (Decimal("2100"), "2100"),
    (Decimal("12.50"), "12.5"),
    (Decimal("0.05"), "0.05"),
    (Decimal("-3.10"), "-3.1"),
    (Decimal("-0.00"), "0"),
    (Decimal("1234567.5"), "1234567.5"),
    (2475, "2475"),
    (12.5, "12.5"),
    (None, "—"),
    ("", "—"),
])
def test_number_drops_trailing_zeros_after_the_point(value, shown):
    assert number(value) == shown


def test_plain_decimal_keeps_a_number_without_trailing_zeros():
    for value, plain in [(Decimal("4571.00"), "4571"), (Decimal("12.50"), "12.5"), (7, "7")]:
        assert isinstance(plain_decimal(value), Decimal)
        assert str(plain_decimal(value)) == plain  # never 4.571E+3
    assert plain_decimal(None) is None


def _outcome(readings, **fields):
    outcome = OutcomeFactory(
        **{"metric": "Refund time", "unit": "days", "direction": Outcome.Direction.DECREASE,
           "baseline": Decimal("30.00"), "target": Decimal("10.00"), **fields}
    )
    for day, value in readings:
        OutcomeMeasurementFactory(outcome=outcome, date=day, value=Decimal(value))
    return outcome


def _texts(svg):
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def test_chart_labels_its_dates_and_its_baseline_and_target():
    outcome = _outcome([(dt.date(2026, 10, 1), "25"), (dt.date(2026, 10, 15), "22.50"),
                        (dt.date(2026, 11, 2), "20")])
    svg = str(sparkline(outcome))
    # First and last date under the line; baseline and target values beside their lines.
    assert _texts(svg) == ["30", "10", "1 Oct 2026", "2 Nov 2026"]
    # In words too, for screen readers, and nothing fetched from elsewhere.
    assert 'role="img"' in svg
    assert ("<title>Refund time: 25 days on 1 Oct 2026; 22.5 days on 15 Oct 2026; 20 days "
            "on 2 Nov 2026. Baseline 30, target 10 days.</title>") in svg
    assert not re.search(r"href|url\(|<image|<script", svg)


def test_chart_labels_stay_inside_it_and_apart():
    # Baseline and target close together, far from the readings: their labels must not
    # overlap, and no label may leave the picture.
    outcome = _outcome([(dt.date(2026, 10, 1), "5000"), (dt.date(2026, 11, 2), "4000")],
                       direction=Outcome.Direction.INCREASE, baseline=Decimal("1000.5"),
                       target=Decimal("1001"))
    svg = str(sparkline(outcome))
    width, height = (float(v) for v in re.search(r'viewBox="0 0 (\S+) (\S+)"', svg).groups())
    labels = {text: (float(x), float(y)) for x, y, text in re.findall(
        r'<text x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</text>', svg
    )}
    assert set(labels) == {"1000.5", "1001", "1 Oct 2026", "2 Nov 2026"}
    assert abs(labels["1000.5"][1] - labels["1001"][1]) >= 10
    for x, y in labels.values():
        assert 0 <= x <= width and 0 <= y <= height


@pytest.mark.parametrize("fields,readings", [
    # The baseline on the top line, the dates under the lowest reading.
    ({}, [(dt.date(2026, 9, 1), "28"), (dt.date(2026, 9, 21), "8")]),
    # Baseline and target close together at the top: pushed apart, neither above the picture.
    ({"direction": Outcome.Direction.INCREASE, "baseline": Decimal("1000"),
      "target": Decimal("1000.5")}, [(dt.date(2026, 8, 3), "10"), (dt.date(2026, 8, 17), "20")]),
])
def test_chart_labels_have_room_for_their_glyphs(fields, readings):
    svg = str(sparkline(_outcome(readings, **fields)))
    width, height = (float(v) for v in re.search(r'viewBox="0 0 (\S+) (\S+)"', svg).groups())
    font_size = float(re.search(r'font-size="([\d.]+)"', svg).group(1))
    # Centred on y (dy=".35em"), a line of text reaches about 0.6em above and below it.
    for y, text in re.findall(r'<text x="[\d.]+" y="([\d.]+)"[^>]*>([^<]*)</text>', svg):
        assert 0.6 * font_size <= float(y) <= height - 0.6 * font_size, text


def test_chart_of_one_day_has_one_date():
    outcome = _outcome([(dt.date(2026, 11, 2), "25")])
    assert _texts(str(sparkline(outcome))) == ["30", "10", "2 Nov 2026"]
    assert "No measurements yet" in str(sparkline(_outcome([])))
