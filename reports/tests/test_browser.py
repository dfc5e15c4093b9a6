"""A manager asks for a report in the browser, watches it being built, and follows a figure
down to the entries behind it."""

import datetime as dt
import re

import pytest

from tracker.models import Kind
from tracker.tests.factories import TimeEntryFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser,
              pytest.mark.services]


def seconds_of(text: str) -> int:
    hours, minutes = re.fullmatch(r"(\d+):(\d\d)", text.strip()).groups()
    return int(hours) * 3600 + int(minutes) * 60


def test_a_background_report_completes_and_drills_down(cast, celery_worker_process, log_in):
    celery_worker_process()
    for day in range(1, 20):
        TimeEntryFactory(consultant=cast.consultant, date=dt.date(2026, 10, day),
                         seconds=3600 + day * 60, kind=Kind.CLIENT, engagement=cast.engagement)
        TimeEntryFactory(consultant=cast.teammate, date=dt.date(2026, 10, day), seconds=1800,
                         kind=Kind.PROMOTION)
    page = log_in(cast.manager)
    page.goto(page.url.rstrip("/") + "/reports/balance/")
    page.get_by_label("Period").select_option("custom")
    page.get_by_label("Start").fill("2026-10-01")
    page.get_by_label("End").fill("2026-10-31")
    page.get_by_role("button", name="Show report").click()
    page.wait_for_url(re.compile(r"start=2026-10-01"))
    page.get_by_role("button", name="Build in background").click()  # a POST with CSRF
    page.wait_for_url(re.compile(r"/reports/\d+/$"))
    # The page polls the run and shows the report once the worker is done: no manual reload.
    page.wait_for_selector("#consultants", timeout=60_000)
    assert "Built in" in page.content()
    link = page.locator("#consultants tr[data-consultant='alice'] td:nth-child(3) a")
    figure = float(link.inner_text().replace(",", ""))
    link.click()
    page.wait_for_url(re.compile(r"/time/\?"))
    listed = seconds_of(page.locator("[data-total='total']").inner_text())
    expected = sum(3600 + day * 60 for day in range(1, 20))
    assert figure == round(expected / 3600, 2)
    assert listed == expected
    assert float(page.locator("[data-hours='total']").inner_text().removesuffix(" h")) == figure
