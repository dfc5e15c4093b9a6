"""docs/api.md's examples, run as a reader would run them: each shell block that calls curl
through bash, each Python block through Python (after the doc's `api()` helper), against a
live server, with a real token of the person the doc says you are ("The examples")."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management.color import no_style
from django.db import connection
from django.urls import Resolver404, resolve

from clients.models import Client, Engagement, Outcome, OutcomeMeasurement
from clients.tests.factories import (
    ClientFactory,
    EngagementFactory,
    OutcomeFactory,
    OutcomeMeasurementFactory,
)
from conftest import need_service
from tracker.models import Activity, Kind, Team, TimeEntry, User
from tracker.services import api_token_create
from tracker.tests.factories import ActivityFactory, TeamFactory, TimeEntryFactory, UserFactory

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
FENCE = re.compile(
    r"((?:^<!--[^\n]*-->\n)*)^```(sh|python)\n(.*?)^```$", re.MULTILINE | re.DOTALL,
)
MARKER = re.compile(r"<!--\s*(expect|expect-status|requires):\s*(.*?)\s*-->")
# What a `requires:` marker names, and the path that must resolve for the block to run.
REQUIRES = {"timer": "/api/v1/timer/"}
# Each curl tells stderr the status it got, so the test sees every answer: an error is a
# failure unless the block says it shows that error (`expect-status:`), and then it must occur
# (`%{stderr}`: curl 7.63 or later).
CURL = ('set -euo pipefail\n'
        'curl() { command curl --silent --show-error'
        ' --write-out "%{stderr}HTTP %{http_code}\\n" "$@"; }\n')
STATUS = re.compile(r"^HTTP (\d{3})$", re.MULTILINE)


def blocks() -> list:
    found = []
    text = DOC.read_text()
    for match in FENCE.finditer(text):
        markers, language, code = match.groups()
        if language == "sh" and "curl " not in code:
            continue  # shown, not run: an operator's command or the variables to set
        line = text.count("\n", 0, match.start(2)) + 1
        found.append(pytest.param(
            language, code, MARKER.findall(markers), id=f"api.md:{line}:{language}",
        ))
    return found


BLOCKS = blocks()
HELPER = next(code for language, code, _ in (b.values for b in BLOCKS)
              if language == "python" and "def api(" in code)


@pytest.fixture
def example_data(transactional_db):
    """The doc's data set ("The examples"): alice (user 5), manager of team 3 and in it with
    bob (user 6); engagement 12 of client 7 with alice on it; her entry 345 and her talk 77;
    outcome 88 of engagement 12 and its reading 120."""
    team = TeamFactory(pk=3, name="Public Sector")
    alice = UserFactory(pk=5, username="alice", team=team)
    UserFactory(pk=6, username="bob", team=team)
    team.managers.add(alice)
    client = ClientFactory(pk=7, name="Revenue Office")
    engagement = EngagementFactory(pk=12, name="Tax portal", client=client, members=[alice],
                                   team=team)
    TimeEntryFactory(pk=345, consultant=alice, kind=Kind.CLIENT, engagement=engagement,
                     billable=True, date="2026-11-02")
    ActivityFactory(pk=77, consultant=alice, kind=Activity.Kind.TALK, date="2026-10-14",
                    title="A tax portal people use", venue="Public Sector Forum",
                    audience=250, leads=1)
    outcome = OutcomeFactory(pk=88, engagement=engagement, title="Faster refunds",
                             metric="Days to refund", unit="days", baseline=30, target=10,
                             direction=Outcome.Direction.DECREASE,
                             status=Outcome.Status.IN_PROGRESS)
    OutcomeMeasurementFactory(pk=120, outcome=outcome, date="2026-11-02", value=18)
    # Ids given by hand leave PostgreSQL's sequences behind: move them past, so what the
    # examples create gets new ids.
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [
            Team, User, Client, Engagement, TimeEntry, Activity, Outcome, OutcomeMeasurement,
        ]):
            cursor.execute(sql)
    _, secret = api_token_create(user=alice, name="docs")
    return secret


def test_the_doc_has_runnable_examples():
    languages = [b.values[0] for b in BLOCKS]
    assert languages.count("sh") >= 3 and languages.count("python") >= 2


@pytest.mark.parametrize(("language", "code", "markers"), BLOCKS)
def test_example_runs(live_server, example_data, language, code, markers):
    for kind, name in markers:
        if kind == "requires":
            try:
                resolve(REQUIRES[name])
            except Resolver404:
                pytest.skip(f"{REQUIRES[name]} does not exist yet")
    env = {**os.environ, "CF": live_server.url, "TOKEN": example_data,
           "CLIENTFIRST_URL": live_server.url, "CLIENTFIRST_TOKEN": example_data}
    if language == "sh":
        if shutil.which("curl") is None:
            need_service("curl is not installed (apt-get install curl)")
        command = ["bash", "-c", CURL + code]
    else:
        program = code if code == HELPER else HELPER + "\n" + code
        command = [sys.executable, "-c", program]
    ran = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    shown = f"exit {ran.returncode}\n{ran.stdout}\n{ran.stderr}"
    assert ran.returncode == 0, shown
    # Every request answered, and with JSON (each curl block reads or writes something).
    assert ran.stdout.strip(), ran.stderr
    expected = {int(text) for kind, text in markers if kind == "expect-status"}
    if language == "sh":
        assert '{"' in ran.stdout, ran.stdout
        statuses = [int(code) for code in STATUS.findall(ran.stderr)]
        assert statuses, shown
        assert [code for code in statuses if code >= 400 and code not in expected] == [], shown
        assert expected <= set(statuses), shown
    else:
        assert not expected, "expect-status: is for shell blocks (the helper stops on an error)"
    for kind, text in markers:
        if kind == "expect":
            assert text in ran.stdout, ran.stdout
