"""The load test's people (Locust): consultants, managers and an admin using the pages.

Run by bench/load.py, which starts gunicorn, passes the log-ins in LOAD_CAST and prints the
table; on its own, against a server already running:

    .venv/bin/locust -f bench/locustfile.py --host http://127.0.0.1:8000 \\
        --headless -u 50 -r 10 -t 60s

- Consultant (weight 40): opens My week, saves the week grid (one cell of this week changed,
  as a person typing it), opens the time list.
- Manager (weight 8): opens the balance report for their teams over a period, then drills
  down into a few of its `/time/?...` links.
- Admin (two, whatever the number of people): exports a month of everyone's time as CSV,
  and a team's balance report.

The people are FastHttpUsers (geventhttpclient): Locust runs on the same two cores as the
server, and its default HttpUser (requests) spends several times more CPU per request,
taken from the pages it measures.

Each simulated person logs in once through the real log-in form, as its own account (with
fewer accounts than people, accounts are shared round-robin). Requests are named by page,
so the figures are per page, not per URL.

Environment: LOAD_CAST, a JSON object {"consultant": [usernames], "manager": [...],
"admin": [...]} (default: the demo's `consultant`, `manager` and `admin`); LOAD_PASSWORD
(default "demo", the demo's); LOAD_THINK, the seconds a person waits between two steps,
"min-max" (default 2-6).
"""

import datetime as dt
import html
import itertools
import json
import os
import random
import re
from html.parser import HTMLParser

from locust import FastHttpUser, between, task

CAST = json.loads(os.environ.get("LOAD_CAST") or "{}") or {
    "consultant": ["consultant"],
    "manager": ["manager"],
    "admin": ["admin"],
}
PASSWORD = os.environ.get("LOAD_PASSWORD", "demo")
THINK_MIN, THINK_MAX = (float(x) for x in os.environ.get("LOAD_THINK", "2-6").split("-"))

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TIME_LINK = re.compile(r'href="(/time/\?[^"]+)"')
TEAM_SELECT = re.compile(r'<select name="team"[^>]*>(.*?)</select>', re.S)
OPTION_VALUE = re.compile(r'<option value="(\d+)"')
# The balance report's periods, and how often a manager picks each.
PERIODS = {"last_4_weeks": 4, "last_week": 2, "this_quarter": 1, "last_quarter": 1}
# The cell a consultant types into: Internal, Monday of this week (never in the future, and
# this week is not approved); two values in turn, so each save changes it.
GRID_CELL = "cell-internal-0-0"
GRID_VALUES = ("1:00", "0:30")


class FormFields(HTMLParser):
    """The fields one form (by id) would post as a browser does, unchanged: inputs,
    textareas, and each select's selected (else first) option."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside = form_id, False
        self.fields: dict[str, str] = {}
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        elif not self.inside:
            return
        elif (
            tag == "input"
            and attrs.get("name")
            and attrs.get("type") not in ("submit", "button", "checkbox", "radio")
        ):
            self.fields[attrs["name"]] = attrs.get("value") or ""
        elif tag == "select":
            self.select = attrs.get("name")
        elif tag == "option" and self.select:
            if self.select not in self.fields or "selected" in attrs:
                self.fields[self.select] = attrs.get("value") or ""
        elif tag == "textarea":
            self.textarea = attrs.get("name")
            self.fields[self.textarea] = ""

    def handle_data(self, data):
        if self.inside and self.textarea:
            self.fields[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def form_fields(page: str, form_id: str) -> dict[str, str]:
    parser = FormFields(form_id)
    parser.feed(page)
    return parser.fields


class Person(FastHttpUser):
    """Logs in once as the next account of its role, then browses."""

    abstract = True
    role = ""
    wait_time = between(THINK_MIN, THINK_MAX)

    def on_start(self):
        accounts = CAST[self.role]
        self.username = accounts[next(self.numbers) % len(accounts)]
        page = self.client.get("/accounts/login/", name="Log-in page")
        token = CSRF.search(page.text)
        with self.client.post(
            "/accounts/login/",
            name="Log-in (POST)",
            allow_redirects=False,
            catch_response=True,
            data={
                "csrfmiddlewaretoken": token[1] if token else "",
                "username": self.username,
                "password": PASSWORD,
            },
        ) as response:
            if response.status_code != 302:
                response.failure(f"{self.username} not logged in: {response.status_code}")


class Consultant(Person):
    weight = 40
    role = "consultant"
    numbers = itertools.count()

    @task(4)
    def my_week(self):
        self.client.get("/", name="My week")

    @task(2)
    def save_week(self):
        """Open My week, type over one cell, save: a 302 back to the week, as in a browser."""
        page = self.client.get("/", name="My week")
        fields = form_fields(page.text, "week-grid")
        if GRID_CELL not in fields:
            return  # the week is approved (no grid to type in): nothing to save
        fields[GRID_CELL] = GRID_VALUES[fields[GRID_CELL] == GRID_VALUES[0]]
        with self.client.post(
            "/",
            data=fields,
            name="My week: save (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                # The page again with the marked cells: nothing was saved.
                response.failure(f"{self.username}'s week not saved: {response.status_code}")
                return
        self.client.get(response.headers["Location"], name="My week")

    @task(3)
    def time_list(self):
        self.client.get("/time/", name="Time list")
        if random.random() < 0.3:
            self.client.get("/time/?page=2", name="Time list")


class Manager(Person):
    weight = 8
    role = "manager"
    numbers = itertools.count()

    @task
    def balance_and_drill_down(self):
        period = random.choices(list(PERIODS), weights=list(PERIODS.values()))[0]
        page = self.client.get(
            f"/reports/balance/?period={period}", name=f"Balance report ({period})"
        )
        links = sorted({html.unescape(link) for link in TIME_LINK.findall(page.text)})
        for link in random.sample(links, min(3, len(links))):
            self.client.get(link, name="Time list (drill-down)")


class Admin(Person):
    fixed_count = 2  # two of any number of people (so a short run has them too)
    role = "admin"
    numbers = itertools.count()

    def on_start(self):
        super().on_start()
        page = self.client.get("/reports/balance/", name="Balance report (everyone, admin)")
        teams = TEAM_SELECT.search(page.text)
        self.teams = OPTION_VALUE.findall(teams[1]) if teams else []

    @task
    def export_month(self):
        """Last calendar month of a team's time as CSV (what an admin sends to a team's
        partner; everyone's month, 44,000 rows, is measured on its own: bench/README.md)."""
        if not self.teams:
            return
        last_day = dt.date.today().replace(day=1) - dt.timedelta(days=1)
        first_day = last_day.replace(day=1)
        self.client.get(
            f"/time/?_export=csv&date_from={first_day}&date_to={last_day}"
            f"&team={random.choice(self.teams)}",
            name="Time list CSV (a team's month)",
        )

    @task
    def export_balance(self):
        if self.teams:
            self.client.get(
                f"/reports/balance/?period=last_4_weeks&team={random.choice(self.teams)}"
                "&_export=csv&table=consultants",
                name="Balance report CSV (a team)",
            )
