"""Production mode refuses to start without its secrets, in one line; schema checks still run."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    base = {k: v for k, v in os.environ.items()
            if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE"}}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=60)


def test_serving_without_secret_key_fails_with_one_line():
    result = manage("check")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "ClientFirst: SECRET_KEY must be set when DEBUG is off "
        "(set SECRET_KEY for production, or DEBUG=1 for development)."
    ]


def test_without_allowed_hosts_fails_with_one_line():
    result = manage("check", SECRET_KEY="x" * 60)
    assert result.returncode == 1
    assert "ALLOWED_HOSTS must be set when DEBUG is off" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_migration_checks_run_without_the_secrets():
    result = manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_production_settings_pass_the_deploy_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING",
                    SECRET_KEY="kq3-" + "x7Yz" * 15, ALLOWED_HOSTS="clientfirst.example.com")
    assert result.returncode == 0, result.stdout + result.stderr


def compose_web_environment(**host_env) -> dict[str, str]:
    import yaml

    from config.tests.test_compose import COMPOSE_FILE, service_environment

    web = yaml.safe_load(COMPOSE_FILE.read_text())["services"]["web"]
    return service_environment(web, {"SECRET_KEY": "kq3-" + "x7Yz" * 15, **host_env})


def test_compose_behind_tls_passes_the_deploy_check():
    """docker-compose.yml's web service, with the three switches its header says to turn on
    behind a TLS proxy: nothing left for `check --deploy` to warn about (the database and
    Redis named there are not contacted)."""
    tls = {"SECURE_SSL_REDIRECT": "1", "SESSION_COOKIE_SECURE": "1", "CSRF_COOKIE_SECURE": "1"}
    result = manage("check", "--deploy", "--fail-level", "WARNING",
                    **compose_web_environment(**tls))
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_without_tls_warns_only_about_tls():
    """The try-out on http://localhost: the deploy check names exactly what TLS would fix."""
    result = manage("check", "--deploy", "--fail-level", "WARNING", **compose_web_environment())
    assert result.returncode == 1
    warnings = set(re.findall(r"\(security\.(W\d+)\)", result.stdout + result.stderr))
    # W008 SECURE_SSL_REDIRECT, W012 SESSION_COOKIE_SECURE, W016 CSRF_COOKIE_SECURE.
    assert warnings == {"W008", "W012", "W016"}, result.stdout + result.stderr


def test_gunicorn_freezes_the_loaded_app_before_each_fork():
    import gc
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"
    spec = importlib.util.spec_from_file_location("gunicorn_conf", path)
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert conf.preload_app is True  # the app is loaded in the master, so there is one to freeze
    gc.unfreeze()
    try:
        conf.pre_fork(server=None, worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_gunicorn_loads_every_page_in_the_master_before_forking(tmp_path):
    """A new worker (at start, and after each max_requests) finds every view imported:
    otherwise its first request spends 0.8 s importing them. And it shares no database
    connection with the master."""
    probe = "\n".join([
        "import runpy, sys",
        "import config.wsgi  # what preload_app loads in the master",
        "from django.db import connection",
        "connection.ensure_connection()  # a connection left open in the master",
        "pages = ('tracker.views.week', 'reports.views.balance', 'clients.views')",
        "assert not any(name in sys.modules for name in pages)",
        "runpy.run_path('config/gunicorn.conf.py')['pre_fork'](None, None)",
        "print(all(name in sys.modules for name in pages), connection.connection is None)",
    ])
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.test",
             "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
    )
    assert result.stdout.split() == ["True", "True"], result.stdout + result.stderr
