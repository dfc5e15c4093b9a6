"""The balance report in Chromium at 1280 px and on a 390 px phone: charts with axis titles,
every label whole and legible; a consultant's own report; a grouped figure drilled down.
Screenshots go to var/screenshots/ (CI keeps var/)."""

import datetime as dt
import re

import pytest
from django.conf import settings

from clients.tests.factories import EngagementFactory, OutcomeFactory
from tracker.models import Kind
from tracker.tests.factories import TimeEntryFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SCREENSHOTS = settings.BASE_DIR / "var" / "screenshots"
# A quarter of weeks: too many dates for a phone's width, so some are left out, not crowded.
QUERY = "period=custom&start=2026-08-31&end=2026-11-29"

# Each visible chart: its axis titles, the labels drawn (partly) outside the picture, labels
# on one line that overlap, and the size its labels are drawn at in CSS pixels.
CHARTS = """() => [...document.querySelectorAll('svg.report-chart')]
  .filter(svg => svg.getBoundingClientRect().width > 0)
  .map(svg => {
    const view = svg.viewBox.baseVal;
    const scale = svg.getBoundingClientRect().width / view.width;
    const texts = [...svg.querySelectorAll('text')];
    const outside = texts.filter(text => {
      const box = text.getBBox();
      const turned = text.hasAttribute('transform');
      const [w, h] = turned ? [box.height, box.width] : [box.width, box.height];
      const cx = turned ? +text.getAttribute('x') : box.x + w / 2;
      const cy = turned ? +text.getAttribute('y') : box.y + h / 2;
      return cx - w / 2 < 0 || cy - h / 2 < 0 || cx + w / 2 > view.width
        || cy + h / 2 > view.height;
    }).map(text => text.textContent);
    const rows = {};
    texts.filter(text => !text.hasAttribute('transform')).forEach(text => {
      (rows[text.getAttribute('y')] ||= []).push(text.getBoundingClientRect());
    });
    const overlapping = Object.values(rows).filter(boxes => boxes
      .sort((a, b) => a.left - b.left)
      .some((box, i) => i > 0 && box.left < boxes[i - 1].right)).length;
    const size = parseFloat(getComputedStyle(texts[0]).fontSize) * scale;
    return {chart: svg.dataset.chart,
            titles: [...svg.querySelectorAll('.axis-title')].map(t => t.textContent.trim()),
            outside, overlapping, size, dates: svg.querySelectorAll('text.tick').length};
  })"""


@pytest.fixture
def data(cast):
    other = EngagementFactory(
        name="Data platform",
        client__name="Kingsmead Borough Council",
        members=[cast.consultant, cast.teammate],
        budget_hours=400,
    )
    OutcomeFactory(engagement=cast.engagement, status="achieved", achieved_on=dt.date(2026, 10, 14))
    for week in range(13):
        day = dt.date(2026, 8, 31) + dt.timedelta(weeks=week)
        TimeEntryFactory(
            consultant=cast.consultant,
            date=day,
            seconds=6 * 3600 + week * 600,
            kind=Kind.CLIENT,
            engagement=cast.engagement,
        )
        TimeEntryFactory(
            consultant=cast.teammate, date=day, seconds=3 * 3600, kind=Kind.CLIENT, engagement=other
        )
        TimeEntryFactory(consultant=cast.teammate, date=day, seconds=5400, kind=Kind.PROMOTION)
        TimeEntryFactory(consultant=cast.consultant, date=day, seconds=1800, kind=Kind.INTERNAL)
    return cast


def test_charts_have_axis_titles_and_whole_legible_labels_on_desktop_and_phone(
    data, log_in, live_server
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = log_in(data.manager)
    # 1024 px: the charts sit in half columns of 456 px there (992-1199 px), where a chart
    # drawn for 1280 px shrank its labels to 10 px.
    for width in (1280, 1024, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/reports/balance/?{QUERY}&team={data.team.pk}")
        page.screenshot(path=SCREENSHOTS / f"report-{width}-manager.png", full_page=True)
        charts = page.evaluate(CHARTS)
        assert [c["chart"] for c in charts] == ["weeks", "chart-share", "chart-burn"], width
        for chart in charts:
            name = (width, chart["chart"])
            assert len(chart["titles"]) == 2 and all(chart["titles"]), name
            assert chart["outside"] == [], name
            assert chart["overlapping"] == 0, name
            assert chart["size"] >= 12, name  # never a wider picture shrunk to fit
        # The page never scrolls sideways, a phone's included.
        assert page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    weeks = page.evaluate(CHARTS)[0]
    assert weeks["titles"] == ["Week starting", "Hours"]
    page.close()


def test_a_consultants_own_report_on_a_phone(data, log_in, live_server):
    page = log_in(data.consultant)
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{live_server.url}/reports/balance/?{QUERY}")
    page.screenshot(path=SCREENSHOTS / "report-390-consultant.png", full_page=True)
    filters = page.locator("#report-filters label:visible")
    texts = [text.strip() for text in filters.all_inner_texts()]
    assert texts == ["Period", "Start", "End", "Client"]
    assert page.get_by_role("heading", name="Your figures").is_visible()
    assert page.get_by_role("heading", name="Teams").count() == 0
    assert [c["chart"] for c in page.evaluate(CHARTS)] == ["weeks", "chart-burn"]
    page.close()


def test_a_grouped_figure_opens_the_entries_it_sums(data, log_in, live_server):
    page = log_in(data.manager)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/reports/balance/?{QUERY}&team={data.team.pk}")
    page.locator("#group-by").get_by_role("link", name="Engagement").click()
    page.wait_for_url(re.compile(r"group_by=engagement"))
    assert page.get_by_role("heading", name="Summary by engagement").is_visible()
    row = page.locator("#groups tbody tr", has_text="Data platform")
    link = row.locator("td").nth(5).locator("a")  # Total h
    figure = link.inner_text()
    assert figure == "39.00"
    page.screenshot(path=SCREENSHOTS / "report-1280-groups.png", full_page=True)
    link.click()
    page.wait_for_url(re.compile(r"/time/\?.*engagement="))
    assert page.locator("[data-hours='total']").inner_text().removesuffix(" h") == figure
    page.close()
