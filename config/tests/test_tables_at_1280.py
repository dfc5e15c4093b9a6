"""At 1280 px every column of every table can be read (issue 15, "Reports").

A manager and an admin open each page with a table over the demo data (seed_demo) in
Chromium at 1280 × 900. A table either fits its box, or its box is a sideways scroll region
whose first column stays in view: scrolled to its end, the last column is inside the box and
the first one still at its left. No header is cut (its text wider than its cell), and the page
itself never scrolls sideways. Screenshots go to var/screenshots/ (CI keeps var/).
"""

import datetime as dt

import pytest
from django.conf import settings
from django.core.management import call_command

from reports.models import SavedReport
from reports.services import report_build, report_request
from tracker.demo.vocabulary import DEMO_PASSWORD
from tracker.models import Team, TimeEntry, User

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SCREENSHOTS = settings.BASE_DIR / "var" / "screenshots"

# Each table's problems at the current scroll, as sentences; [] when every column is readable.
CLIPPED_COLUMNS = """() => {
  const problems = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth + 1) {
    problems.push(`the page scrolls sideways: ${doc.scrollWidth} > ${doc.clientWidth}`);
  }
  document.querySelectorAll('table').forEach((table, index) => {
    if (!table.offsetParent) return;  // hidden (another breakpoint's table)
    const name = table.id || table.dataset.testid || `table ${index + 1}`;
    const cells = Array.from(table.querySelectorAll('thead tr:first-child > *'));
    const header = cells.length ? cells : Array.from(table.querySelectorAll('tr:first-child > *'));
    if (!header.length) return;
    table.querySelectorAll('thead th').forEach(th => {
      if (th.scrollWidth > th.clientWidth + 1) {
        problems.push(`${name}: header "${th.innerText.trim()}" is cut`);
      }
    });
    const box = table.closest('.table-responsive');
    if (!box) {
      const right = table.getBoundingClientRect().right;
      if (right > doc.clientWidth + 1) {
        problems.push(`${name}: ends at ${right} px, past the window, with no scroll region`);
      }
      return;
    }
    if (box.scrollWidth <= box.clientWidth + 1) return;  // it fits: every column in view
    if (!['auto', 'scroll'].includes(getComputedStyle(box).overflowX)) {
      problems.push(`${name}: wider than its box, which does not scroll`);
      return;
    }
    const first = header[0], last = header[header.length - 1];
    if (getComputedStyle(first).position !== 'sticky') {
      problems.push(`${name}: scrolls sideways but its first column does not stay in view`);
    }
    box.scrollLeft = box.scrollWidth;
    const area = box.getBoundingClientRect();
    const lastRect = last.getBoundingClientRect(), firstRect = first.getBoundingClientRect();
    if (lastRect.right > area.right + 1) {
      problems.push(`${name}: its last column "${last.innerText.trim()}" is out of reach`);
    }
    if (firstRect.left < area.left - 1) {
      problems.push(`${name}: its first column "${first.innerText.trim()}" leaves the view`);
    }
    // Each column fits beside the first one, so it can be read whole.
    const room = area.width - firstRect.width + 1;
    header.slice(1).forEach(cell => {
      if (cell.getBoundingClientRect().width > room && cell.colSpan === 1) {
        problems.push(`${name}: column "${cell.innerText.trim()}" is wider than the view`);
      }
    });
    box.scrollLeft = 0;
  });
  return problems;
}"""


@pytest.fixture
def demo(db):
    """The demo data with a finished report run and a saved report, so every list has rows."""
    call_command("seed_demo", consultants=8, weeks=3, verbosity=0)
    manager = User.objects.get(username="manager")
    team = Team.objects.filter(managers=manager).first()
    end = dt.date.today()
    params = {
        "period": "custom",
        "start": str(end - dt.timedelta(days=28)),
        "end": str(end),
        "team": team.pk,
        "consultant": None,
        "client": None,
    }
    run = report_request(user=manager, params=params)
    report_build(run_id=run.pk)
    SavedReport.objects.create(owner=manager, name="Team weekly", params=params)
    entry = TimeEntry.objects.filter(consultant__team=team, engagement__isnull=False).first()
    return {
        "manager": manager,
        "admin": User.objects.get(username="admin"),
        "team": team,
        "run": run,
        "entry": entry,
    }


def pages(demo) -> dict[str, list[str]]:
    entry, team = demo["entry"], demo["team"]
    year, week, _ = entry.date.isocalendar()
    lists = [
        "/time/",
        "/weeks/",
        "/team/",
        "/history/",
        "/activities/",
        "/outcomes/",
        "/clients/",
        "/engagements/",
        "/imports/",
        "/reports/",
        "/reports/saved/",
    ]
    return {
        "manager": [
            "/reports/balance/?period=last_4_weeks",
            f"/reports/{demo['run'].pk}/",
            *lists,
            "/",
            f"/weeks/{entry.consultant.username}/{year}-W{week:02d}/",
            f"/clients/{entry.engagement.client_id}/",
            f"/engagements/{entry.engagement_id}/",
            "/accounts/profile/",
        ],
        "admin": [f"/reports/balance/?period=last_4_weeks&team={team.pk}", *lists],
    }


def test_no_table_column_is_clipped_at_1280_px(demo, log_in, live_server):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    seen_tables = 0
    for role, urls in pages(demo).items():
        page = log_in(demo[role], password=DEMO_PASSWORD)
        page.set_viewport_size({"width": 1280, "height": 900})
        for url in urls:
            response = page.goto(live_server.url + url)
            assert response.status == 200, f"{role} {url}: {response.status}"
            seen_tables += page.locator("table:visible").count()
            name = url.strip("/").split("?")[0].replace("/", "-") or "my-week"
            page.screenshot(path=SCREENSHOTS / f"tables-1280-{role}-{name}.png", full_page=True)
            assert page.evaluate(CLIPPED_COLUMNS) == [], f"{role} {url}"
        page.close()
    assert seen_tables > 25  # the pages held their tables: nothing was checked vacuously
