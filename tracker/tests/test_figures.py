from decimal import Decimal

from tracker import figures
from tracker.figures import KindSeconds


def test_hours_by_kind_and_the_promotion_share():
    seconds = KindSeconds.of([("client", 5400), ("promotion", 1800), ("client", 1800),
                              ("internal", 7)])
    assert seconds == KindSeconds(client=7200, promotion=1800, internal=7)
    assert seconds.total == 9007 and figures.hours(seconds.total) == 2.5
    assert seconds.promotion_share == 0.2  # internal time does not count
    assert KindSeconds(internal=3600).promotion_share is None
    assert figures.rounded_share(2 / 3) == 0.667


def test_the_flag_needs_a_share_above_the_threshold_and_no_outcome():
    threshold = Decimal("0.30")
    assert figures.flag(share=0.31, threshold=threshold, outcomes_achieved=0) == (
        "brand_over_client"
    )
    assert figures.flag(share=0.30, threshold=threshold, outcomes_achieved=0) is None
    assert figures.flag(share=0.9, threshold=threshold, outcomes_achieved=1) is None
    assert figures.flag(share=None, threshold=threshold, outcomes_achieved=0) is None
    assert figures.threshold_of(None) == Decimal("0.30")


def test_median_yield_burn_and_whole_percent():
    assert figures.team_median_share([0.4, None, 0.5]) == 0.45
    assert figures.team_median_share([None]) is None
    assert figures.hours_per_outcome(36000, 4) == Decimal("2.50")
    assert figures.hours_per_outcome(36000, 0) is None
    assert figures.budget_burn(18000, Decimal("10")) == 0.5
    assert figures.budget_burn(18000, None) is None and figures.budget_burn(1, 0) is None
    assert figures.whole_percent(0.12496) == 12 and figures.whole_percent(0.125) == 13
    assert figures.whole_percent(None) is None
