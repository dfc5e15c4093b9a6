"""Faults survived: PostgreSQL cut under load (issue 14, docs/operations.md).

The app runs as in production (gunicorn, DEBUG off, persistent connections checked), its
DATABASE_URL through a TCP proxy of our own (tcp_proxy.py) that the test cuts: every
connection reset and new ones refused. Four clients keep logging time and reading pages
and the API meanwhile. The issue's 10 s cut is 3 s here, to keep the test short: the
behaviour does not depend on how long the database is away.
"""

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django.utils import timezone

from conftest import need_service
from tracker.models import Change, TimeEntry, WeeklyTotal

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

BASE_DIR = Path(__file__).resolve().parent.parent.parent
CSRF = "f" * 32  # a token of our own, sent as cookie and header alike
CUT_SECONDS = 3
CONNECT_TIMEOUT = 2  # DATABASE_CONNECT_TIMEOUT for the app


@dataclass
class Answer:
    path: str
    method: str
    started: float
    seconds: float
    status: int
    body: str
    note: str = ""


@pytest.fixture
def app_through_proxy(tcp_proxy, tmp_path, settings):
    """gunicorn on a free port, its database through a proxy; yields (proxy, port, process)."""
    if connection.vendor != "postgresql":
        need_service("the database's faults are played on PostgreSQL (DATABASE_URL)")
    db = connection.settings_dict
    proxy = tcp_proxy(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        # The test settings for their static files storage (no collectstatic here), with
        # DEBUG off: error pages as in production.
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,  # the sessions made here are signed with it
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"postgres://{db['USER']}{password}@{proxy.host}:{proxy.port}/{db['NAME']}",
        "DATABASE_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
    }
    env.pop("REDIS_URL", None)
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.conf.py",
             "--bind", f"127.0.0.1:{port}", "--workers", "2", "config.wsgi:application"],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if fetch(port, "GET", "/accounts/login/").status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not start: " + log_path.read_text()[-3000:])
        yield proxy, port, process, log_path
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def fetch(port: int, method: str, path: str, *, session: str = "", form=None) -> Answer:
    headers = {"Cookie": f"csrftoken={CSRF}" + (f"; sessionid={session}" if session else "")}
    body = None
    if form is not None:
        body = urlencode(form)
        headers.update({"Content-Type": "application/x-www-form-urlencoded",
                        "X-CSRFToken": CSRF})
    server = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    started = time.monotonic()
    try:
        server.request(method, path, body=body, headers=headers)
        response = server.getresponse()
        text = response.read().decode("utf-8", "replace")
    finally:
        server.close()
    return Answer(path, method, started, time.monotonic() - started, response.status, text)


def test_requests_answer_503_while_postgresql_is_cut_and_the_app_recovers_by_itself(
    cast, app_through_proxy
):
    proxy, port, gunicorn, log_path = app_through_proxy
    browser = Client()
    browser.force_login(cast.consultant)
    session = browser.cookies["sessionid"].value
    today = timezone.localdate().isoformat()
    answers: list[Answer] = []
    stop = threading.Event()

    def load(worker: int):
        n = 0
        while not stop.is_set():
            n += 1
            note = f"load {worker}-{n}"
            for method, path, form in [
                ("POST", "/time/new/", {"date": today, "seconds": "0h 1m", "kind": "client",
                                        "engagement": cast.engagement.pk, "note": note}),
                ("GET", "/time/", None),
                ("GET", "/api/v1/me/", None),
            ]:
                try:
                    answer = fetch(port, method, path, session=session, form=form)
                except OSError as exc:  # a client-side failure is a finding too
                    answer = Answer(path, method, time.monotonic(), 0, 0, repr(exc))
                answer.note = note
                answers.append(answer)

    threads = [threading.Thread(target=load, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    cut_at = time.monotonic()
    proxy.cut()
    time.sleep(CUT_SECONDS)
    back_at = time.monotonic()
    proxy.pass_()
    time.sleep(5)
    stop.set()
    for thread in threads:
        thread.join(30)

    statuses = {(a.method, a.path, a.status) for a in answers}
    assert {a.status for a in answers} <= {200, 302, 503}, statuses
    before = [a for a in answers if a.started + a.seconds < cut_at]
    assert before and all(a.status in (200, 302) for a in before)

    # During the cut: a clean 503, quickly, for pages (HTML) and the API (JSON) alike.
    during = [a for a in answers if a.started > cut_at + 0.2 and a.started + a.seconds < back_at]
    assert during and all(a.status == 503 for a in during), statuses
    slowest = max(a.seconds for a in during)
    print(f"{len(during)} requests during the {CUT_SECONDS}s cut, all 503, slowest "
          f"{slowest:.2f}s; {len(answers)} requests in all")
    assert slowest < CONNECT_TIMEOUT + 1.5
    for answer in (a for a in answers if a.status == 503):
        assert "Traceback" not in answer.body and "File \"" not in answer.body
        if answer.path.startswith("/api/"):
            assert '"detail"' in answer.body and "not answering" in answer.body
        else:
            assert "back in a moment" in answer.body and "nothing" in answer.body
    assert {a.path for a in during} == {"/time/new/", "/time/", "/api/v1/me/"}

    # Back by itself within seconds, with the same workers (no restart).
    recovered = [a for a in answers if a.started > back_at and a.status in (200, 302)]
    assert recovered, "no request succeeded after the database came back"
    first = min(a.started + a.seconds for a in recovered) - back_at
    print(f"first success {first:.2f}s after the database came back")
    assert first < 5
    settled = [a for a in answers if a.started > back_at + 3]
    assert settled and all(a.status in (200, 302) for a in settled), [
        (a.path, a.status) for a in settled]
    assert gunicorn.poll() is None
    assert log_path.read_text().count("Booting worker") == 2

    # Nothing half-written: each entry saved whole (its history, the weekly rollup), once.
    posted = [a for a in answers if a.method == "POST"]
    saved = {a.note for a in posted if a.status == 302}
    entries = TimeEntry.objects.filter(consultant=cast.consultant, note__startswith="load ")
    notes = list(entries.values_list("note", flat=True))
    assert len(notes) == len(set(notes))  # none twice
    assert saved <= set(notes)  # every one confirmed is there (a 503 may have committed)
    created = set(Change.objects.filter(
        object_type=Change.ObjectType.TIME_ENTRY, action=Change.Action.CREATE,
    ).values_list("object_id", flat=True))
    assert created == set(entries.values_list("pk", flat=True))
    logged = TimeEntry.objects.filter(consultant=cast.consultant).aggregate(s=Sum("seconds"))
    rolled = WeeklyTotal.objects.filter(consultant=cast.consultant).aggregate(s=Sum("seconds"))
    assert logged["s"] == rolled["s"]
