"""Durations as people type them, and the form field that reads them."""

import pytest
from django import forms

from tracker.durations import DurationError, decimal_hours, format_duration, parse_duration
from tracker.fields import DurationField


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1:30", 5400),
        ("0:45", 2700),
        ("1:30:15", 5415),
        ("1.5", 5400),
        ("1,5", 5400),
        (".25", 900),
        ("2", 7200),
        ("2h", 7200),
        ("1.5h", 5400),
        ("90m", 5400),
        ("45 min", 2700),
        ("1h30", 5400),
        ("1h30m", 5400),
        ("1h 30m", 5400),
        ("1 h 30 min", 5400),
        ("  1H 30M  ", 5400),
        ("24:00", 86400),
    ],
)
def test_accepted_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "text",
    ["", "   ", "abc", "1:75", "h", "m", "1h30x", "-1", "1:-30", "1..5", "1:30pm", "one hour",
     "1.5.2", "0", "0:00", "0m"],
)
def test_refused_durations(text):
    with pytest.raises(DurationError):
        parse_duration(text)


def test_the_message_says_what_is_accepted():
    with pytest.raises(DurationError, match=r"“soon” is not a duration\. Use e\.g\. 1:30"):
        parse_duration("soon")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(3600, "1:00"), (5400, "1:30"), (5430, "1:30"), (5460, "1:31"), (60, "0:01"),
     (86400, "24:00"), (0, ""), (None, "")],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


def test_duration_field_cleans_to_seconds_and_shows_hours_and_minutes():
    field = DurationField()
    assert field.clean("1h 30m") == 5400
    assert field.prepare_value(5400) == "1:30"
    assert field.prepare_value("1h 30m") == "1h 30m"  # typed input is redisplayed as typed


def test_duration_field_refuses_more_than_a_day():
    with pytest.raises(forms.ValidationError, match="longer than 24 hours"):
        DurationField().clean("24:01")


def test_duration_field_is_required_by_default():
    with pytest.raises(forms.ValidationError, match="required"):
        DurationField().clean("")
    assert DurationField(required=False).clean("") is None


@pytest.mark.parametrize(
    "text",
    ["9" * 400, "9" * 400 + "h", "9" * 5000 + ":00", "1" + "0" * 308 + " min", "1e400",
     "25", "24:00:01", "1441m", "24h 1m", "99999999999999999999"],
)
def test_huge_durations_are_refused_with_a_message(text):
    """400 digits once overflowed a float (a 500 on /time/new/ and the week grid)."""
    with pytest.raises(DurationError, match="24 hours|not a duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, 0.0), (None, 0.0), (17, 0.0), (18, 0.01), (35, 0.01), (53, 0.01), (54, 0.02),
        (5415, 1.5), (3600, 1.0), (3582, 1.0), (3581, 0.99), (-18, -0.01), (-17, -0.0),
        (10**12 + 18, 277777777.78),
    ],
)
def test_decimal_hours_round_half_up_to_the_hundredth(seconds, shown):
    """36 s is a hundredth of an hour: 18 s rounds up (half up), 17 s down; a negative
    correction rounds away from zero, as Decimal's ROUND_HALF_UP does."""
    assert decimal_hours(seconds) == shown


def test_decimal_hours_equals_decimal_quantize_on_every_second_of_a_day():
    from decimal import ROUND_HALF_UP, Decimal

    for seconds in range(-3600, 86_400 * 2):
        exact = Decimal(seconds) / 3600
        assert decimal_hours(seconds) == float(
            exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)), seconds
