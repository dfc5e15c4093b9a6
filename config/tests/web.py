"""The app as in production, for the fault tests: gunicorn in a process of its own on a free
port, and plain HTTP requests to it (a session cookie made by the test, a CSRF token of the
test's own sent as cookie and header alike)."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent.parent
CSRF = "f" * 32


@dataclass
class Answer:
    path: str
    method: str
    started: float  # time.monotonic()
    seconds: float
    status: int
    body: str
    note: str = ""


@dataclass
class Gunicorn:
    port: int
    process: subprocess.Popen
    log_path: Path

    def fetch(self, method: str, path: str, *, session: str = "", form=None) -> Answer:
        headers = {"Cookie": f"csrftoken={CSRF}" + (f"; sessionid={session}" if session else "")}
        body = None
        if form is not None:
            body = urlencode(form)
            headers.update({"Content-Type": "application/x-www-form-urlencoded",
                            "X-CSRFToken": CSRF})
        server = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        started = time.monotonic()
        try:
            server.request(method, path, body=body, headers=headers)
            response = server.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            server.close()
        return Answer(path, method, started, time.monotonic() - started, response.status, text)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def gunicorn_start(env: dict, log_path: Path, workers: int) -> Gunicorn:
    """gunicorn with the production config file (config/gunicorn.conf.py) on loopback;
    returns once the log-in page answers. `env` is the whole environment."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.conf.py",
             "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
             "config.wsgi:application"],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    app = Gunicorn(port, process, log_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if app.fetch("GET", "/accounts/login/").status == 200:
                return app
        except OSError:
            pass
        time.sleep(0.2)
    app.stop()
    raise RuntimeError("gunicorn did not start: " + log_path.read_text()[-3000:])
