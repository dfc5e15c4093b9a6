"""`make run` serves on PORT and the e-mails it sends link to that same port."""

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def honcho_environment(*make_args: str, **env: str) -> dict[str, str]:
    """The variables `make run` sets on the honcho line, read from `make -n` (nothing runs)."""
    base = {k: v for k, v in os.environ.items() if k not in {"PORT", "SITE_URL"}}
    result = subprocess.run(["make", "-n", "run", *make_args], cwd=ROOT, env={**base, **env},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if "honcho start" in line)
    words = shlex.split(line)
    assert "--port" in words
    assignments = words[:next(i for i, w in enumerate(words) if "=" not in w)]
    return dict(word.split("=", 1) for word in assignments) | {
        "PORT": words[words.index("--port") + 1]
    }


def site_url_seen_by_the_app(environment: dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "DJANGO_SETTINGS_MODULE"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         "from django.conf import settings; print(settings.SITE_URL)"],
        cwd=ROOT, env={**env, "DEBUG": "1", "SITE_URL": environment["SITE_URL"]},
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]  # after "N objects imported automatically"


def test_make_run_links_emails_to_the_port_it_serves():
    assert honcho_environment()["SITE_URL"] == "http://127.0.0.1:8000"
    on_8001 = honcho_environment("PORT=8001")
    assert on_8001["PORT"] == "8001" and on_8001["SITE_URL"] == "http://127.0.0.1:8001"
    from_env = honcho_environment(PORT="8002")
    assert from_env["SITE_URL"] == "http://127.0.0.1:8002"
    assert site_url_seen_by_the_app(on_8001) == "http://127.0.0.1:8001"


def test_an_explicit_site_url_wins_over_the_port():
    assert honcho_environment("PORT=8001", SITE_URL="https://cf.example.com")["SITE_URL"] == (
        "https://cf.example.com"
    )
    assert honcho_environment("PORT=8001", "SITE_URL=https://cf.example.com")["SITE_URL"] == (
        "https://cf.example.com"
    )
