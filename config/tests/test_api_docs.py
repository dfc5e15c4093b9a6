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

from clients.tests.factories import ClientFactory, EngagementFactory
from conftest import need_service
from tracker.models import Kind, Team, TimeEntry
from tracker.services import api_token_create
from tracker.tests.factories import TeamFactory, TimeEntryFactory, UserFactory

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
FENCE = re.compile(
    r"((?:^<!--[^\n]*-->\n)*)^```(sh|python)\n(.*?)^```$", re.MULTILINE | re.DOTALL,
)
MARKER = re.compile(r"<!--\s*(expect|requires):\s*(.*?)\s*-->")
# What a `requires:` marker names, and the path that must resolve for the block to run.
REQUIRES = {"timer": "/api/v1/timer/"}
# Each curl fails on an error status (showing the answer), as the doc promises it does not.
CURL = 'set -euo pipefail\ncurl() { command curl --fail-with-body --silent --show-error "$@"; }\n'


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
    """The doc's data set: alice of team 3 and its manager, engagement 12 of client 7,
    her entry 345."""
    team = TeamFactory(pk=3, name="Public Sector")
    alice = UserFactory(username="alice", team=team)
    team.managers.add(alice)
    engagement = EngagementFactory(pk=12, name="Tax portal", client=ClientFactory(pk=7),
                                   members=[alice], team=team)
    TimeEntryFactory(pk=345, consultant=alice, kind=Kind.CLIENT, engagement=engagement,
                     date="2026-11-02")
    # Ids given by hand leave PostgreSQL's sequences behind: move them past, so the
    # entries the examples log get new ids.
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Team, TimeEntry]):
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
    assert ran.returncode == 0, f"exit {ran.returncode}\n{ran.stdout}\n{ran.stderr}"
    # Every request answered, and with JSON (each curl block reads or writes something).
    assert ran.stdout.strip(), ran.stderr
    if language == "sh":
        assert '{"' in ran.stdout, ran.stdout
    for kind, text in markers:
        if kind == "expect":
            assert text in ran.stdout, ran.stdout
