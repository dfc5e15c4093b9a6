"""The app as in production for the benchmarks: gunicorn with config/gunicorn.conf.py on a
free loopback port, DEBUG off, against the database DATABASE_URL names."""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_env(**overrides: str) -> dict:
    """This process's environment with the production settings' requirements met for
    plain HTTP on loopback: no HTTPS redirect, cookies that travel without TLS."""
    return {
        **os.environ,
        "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0",
        **overrides,
    }


def gunicorn_start(port: int, log_path: Path, env: dict, *, workers: int,
                   threads: int = 1) -> subprocess.Popen:
    """gunicorn in a process group of its own; returns once /healthz answers."""
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
         "config.wsgi:application"],
        cwd=ROOT, env={**env, "PORT": str(port), "WEB_CONCURRENCY": str(workers)},
        stdout=log_path.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited {server.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except OSError:
            time.sleep(0.3)
    stop_group(server)
    raise SystemExit(f"gunicorn did not answer in 60 s; see {log_path}")


def stop_group(process: subprocess.Popen, timeout: float = 30) -> None:
    """TERM to a process started in a session of its own and its children (gunicorn's
    workers, Celery's pool), KILL if they linger."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
