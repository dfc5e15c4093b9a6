"""docker-compose.yml and the Dockerfile name things that exist in this project.

No Docker engine runs on CI, so these tests read the files and hold them against the code: the
WSGI path gunicorn loads, the Celery app that `-A` names, the settings module, the environment
the settings insist on, and the Compose Specification's own JSON Schema.
"""

import fnmatch
import importlib
import importlib.util
import json
import os
import re
import runpy
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from celery import Celery
from celery.app.utils import find_app
from jsonschema import Draft7Validator

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
DOCKERFILE = REPO_ROOT / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"
# Outside the repository: shared/ sits beside it on developers' machines and on CI;
# COMPOSE_SCHEMA points elsewhere for a checkout that has no shared/ beside it.
SCHEMA_FILE = Path(
    os.environ.get("COMPOSE_SCHEMA") or REPO_ROOT.parent / "shared" / "data" / "compose-spec.json"
)

APP_SERVICES = ("web", "worker", "beat")
EXPECTED_DATABASE_URL = "postgres://clientfirst:clientfirst@db:5432/clientfirst"
EXPECTED_REDIS_URL = "redis://redis:6379/0"
WSGI_TARGET = re.compile(r"^(?P<module>[A-Za-z_][\w.]*):(?P<attr>[A-Za-z_]\w*)$")
FALSY = {"0", "false", "no", "off", ""}


class MissingVariable(Exception):
    """A `${NAME:?message}` whose NAME the host environment does not set."""


def interpolate(value, host_env: dict[str, str]):
    """Compose's variable substitution, enough of it for these files."""
    if not isinstance(value, str):
        return value
    pattern = re.compile(
        r"\$\$|\$\{(?P<name>[A-Za-z_]\w*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}|\$(?P<bare>[A-Za-z_]\w*)"
    )

    def substitute(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("name") or match.group("bare")
        op, arg = match.group("op"), match.group("arg") or ""
        present = name in host_env and (host_env[name] != "" or not (op or "").startswith(":"))
        if present:
            return host_env[name]
        if op and op.endswith("?"):
            raise MissingVariable(f"{name}: {arg}")
        if op and op.endswith("-"):
            return arg
        return ""

    return pattern.sub(substitute, value)


def as_argv(command) -> list[str]:
    if command is None:
        return []
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def option_value(argv: list[str], *names: str) -> str | None:
    """The value of a command-line option given as `-A x`, `-A=x`, `--app x` or `--app=x`."""
    for index, arg in enumerate(argv):
        for name in names:
            if arg == name and index + 1 < len(argv):
                return argv[index + 1]
            if arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


def service_environment(service: dict, host_env: dict[str, str]) -> dict[str, str]:
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) if "=" in item else (item, "") for item in raw)
    return {key: str(interpolate(value, host_env)) for key, value in raw.items()}


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    logical, current = [], ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            current += line.rstrip()[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    pairs = []
    for line in logical:
        keyword, _, rest = line.strip().partition(" ")
        pairs.append((keyword.upper(), rest.strip()))
    return pairs


def dockerfile_cmd() -> list[str]:
    cmds = [rest for keyword, rest in dockerfile_instructions() if keyword == "CMD"]
    assert cmds, "Dockerfile has no CMD"
    last = cmds[-1]
    return json.loads(last) if last.startswith("[") else ["/bin/sh", "-c", last]


def service_argv(service: dict) -> list[str]:
    """What the container runs: the service's command, else the image's CMD."""
    argv = as_argv(service.get("command"))
    if not argv and "build" in service:
        argv = dockerfile_cmd()
    if len(argv) >= 3 and argv[0] in {"sh", "/bin/sh", "bash", "/bin/bash"} and argv[1] == "-c":
        argv = shlex.split(argv[2].replace("&&", " && "))
    return argv


def assert_wsgi_target(target: str) -> None:
    """`module:attr` names a module of this project that defines a WSGI callable."""
    match = WSGI_TARGET.match(target)
    assert match, f"{target!r} is not a module:attribute WSGI path"
    module_name, attr = match["module"], match["attr"]
    spec = importlib.util.find_spec(module_name)
    assert spec is not None and spec.origin, f"no module {module_name!r} for gunicorn to load"
    assert Path(spec.origin).resolve().is_relative_to(REPO_ROOT), (
        f"{module_name} resolves outside the project: {spec.origin}"
    )
    module = importlib.import_module(module_name)
    application = getattr(module, attr, None)
    assert callable(application), f"{module_name} defines no callable {attr!r}"


def assert_celery_target(app_name: str | None) -> Celery:
    """`celery -A NAME` finds the project's Celery app, the way the celery command does."""
    assert app_name, "celery is started without -A/--app"
    try:
        app = find_app(app_name)
    except (ImportError, AttributeError) as exc:
        raise AssertionError(f"celery -A {app_name} finds no app: {exc!r}") from exc
    assert isinstance(app, Celery), f"celery -A {app_name} resolves to {app!r}, not a Celery app"
    return app


def gunicorn_target_and_config(argv: list[str]) -> tuple[str, str | None]:
    assert argv, "no command"
    runs_gunicorn = Path(argv[0]).name == "gunicorn" or argv[:3] == ["python", "-m", "gunicorn"]
    assert runs_gunicorn, f"expected gunicorn, got {argv!r}"
    targets = [arg for arg in argv[1:] if WSGI_TARGET.match(arg)]
    assert len(targets) == 1, f"expected one module:attribute WSGI path in {argv!r}"
    return targets[0], option_value(argv, "-c", "--config")


@pytest.fixture(scope="module")
def compose() -> dict:
    assert COMPOSE_FILE.is_file(), f"{COMPOSE_FILE} is missing"
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and isinstance(data.get("services"), dict)
    return data


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def healthcheck_argv(service: dict) -> list[str]:
    test = (service.get("healthcheck") or {}).get("test")
    if isinstance(test, str):
        return ["CMD-SHELL", test]
    return [str(part) for part in test or []]


# The helpers must be able to say no, or the tests below prove nothing.
@pytest.mark.parametrize(
    "target",
    ["config.wsgii:application", "config.wsgi:app", "config/wsgi.py", "json:dumps"],
)
def test_a_wrong_wsgi_path_is_rejected(target):
    with pytest.raises(AssertionError):
        assert_wsgi_target(target)


@pytest.mark.parametrize("app_name", ["configg", "tracker", None])
def test_a_wrong_celery_app_is_rejected(app_name):
    with pytest.raises(AssertionError):
        assert_celery_target(app_name)


def test_interpolation_follows_compose():
    assert interpolate("${A:-x}", {}) == "x"
    assert interpolate("${A:-x}", {"A": ""}) == "x"
    assert interpolate("${A-x}", {"A": ""}) == ""
    assert interpolate("$${A}", {"A": "y"}) == "${A}"
    with pytest.raises(MissingVariable, match="A: say so"):
        interpolate("${A:?say so}", {})


def test_compose_has_the_services(services):
    missing = {"web", "worker", "beat", "db", "redis"} - set(services)
    assert not missing, f"docker-compose.yml lacks {sorted(missing)}"


def test_web_runs_gunicorn_on_an_importable_wsgi_app(services):
    target, config_file = gunicorn_target_and_config(service_argv(services["web"]))
    assert_wsgi_target(target)
    if config_file:
        assert (REPO_ROOT / config_file).is_file(), f"gunicorn config {config_file} is missing"


def test_web_binds_the_port_that_healthcheck_and_ports_use(services, monkeypatch):
    web = services["web"]
    argv = service_argv(web)
    _, config_file = gunicorn_target_and_config(argv)
    bind = option_value(argv, "-b", "--bind")
    if bind is None and config_file:
        for key, value in service_environment(web, {"SECRET_KEY": "x"}).items():
            monkeypatch.setenv(key, value)
        if "PORT" not in (web.get("environment") or {}):
            monkeypatch.delenv("PORT", raising=False)
        settings = runpy.run_path(str(REPO_ROOT / config_file))
        binds = settings.get("bind")
        bind = binds[0] if isinstance(binds, list) else binds
    assert bind, "gunicorn has no bind: it would listen on 127.0.0.1 only, unreachable outside"
    host, _, port = bind.rpartition(":")
    assert host in {"0.0.0.0", "[::]", "::"}, f"gunicorn binds {bind}, not all interfaces"

    probe = " ".join(healthcheck_argv(web))
    assert f":{port}/healthz" in probe, f"web healthcheck does not probe /healthz on {port}"
    targets = [str(mapping).rsplit(":", 1)[-1] for mapping in web.get("ports", [])]
    targets = [t["target"] if isinstance(t, dict) else t for t in targets]
    assert str(port) in {str(t) for t in targets}, f"no published port reaches {port}"


@pytest.mark.parametrize("name, subcommand", [("worker", "worker"), ("beat", "beat")])
def test_celery_services_start_the_project_app(services, name, subcommand):
    argv = service_argv(services[name])
    assert argv[:1] == ["celery"], f"{name} runs {argv!r}, not celery"
    assert subcommand in argv, f"{name} does not run `celery ... {subcommand}`"
    app = assert_celery_target(option_value(argv, "-A", "--app"))

    from config import celery_app

    assert isinstance(celery_app, Celery)
    assert app is celery_app


def test_exactly_one_beat(services):
    beats = []
    for name, service in services.items():
        argv = service_argv(service)
        if argv[:1] == ["celery"] and ("beat" in argv or "-B" in argv or "--beat" in argv):
            beats.append(name)
    assert beats == ["beat"], f"expected one beat process, in service beat; found {beats}"
    replicas = (services["beat"].get("deploy") or {}).get("replicas", 1)
    assert replicas == 1 and services["beat"].get("scale", 1) == 1


def test_images(services):
    assert str(services["db"].get("image", "")).startswith("postgres:16")
    assert str(services["redis"].get("image", "")).startswith("redis:7")


def test_healthchecks(services):
    for name in ("web", "worker", "db", "redis"):
        check = services[name].get("healthcheck") or {}
        assert not check.get("disable") and healthcheck_argv(services[name]), (
            f"{name} has no healthcheck"
        )
    assert "pg_isready" in " ".join(healthcheck_argv(services["db"]))
    assert "redis-cli ping" in " ".join(healthcheck_argv(services["redis"]))
    assert "/healthz" in " ".join(healthcheck_argv(services["web"]))
    db_volumes = [str(volume) for volume in services["db"].get("volumes", [])]
    assert any(v.endswith(":/var/lib/postgresql/data") for v in db_volumes), "db data not kept"


def test_app_services_wait_for_healthy_db_redis_and_migrations(services):
    migrators = {
        name
        for name, service in services.items()
        if {"manage.py", "migrate"} <= set(service_argv(service))
    }
    assert migrators, "nothing runs `manage.py migrate`"
    for name in APP_SERVICES:
        depends_on = services[name].get("depends_on") or {}
        assert isinstance(depends_on, dict), f"{name}: depends_on needs conditions"
        for dependency in ("db", "redis"):
            condition = (depends_on.get(dependency) or {}).get("condition")
            assert condition == "service_healthy", (
                f"{name} does not wait for a healthy {dependency}"
            )
        if name in migrators:
            continue
        waits_for = {
            dep
            for dep, spec in depends_on.items()
            if dep in migrators and spec.get("condition") == "service_completed_successfully"
        }
        assert waits_for, f"{name} may start before migrations have run"
    for name in migrators:
        argv = service_argv(services[name])
        assert "--noinput" in argv, f"{name} runs migrate without --noinput"
        if name not in APP_SERVICES:
            assert services[name].get("restart", "no") == "no", "a one-shot must not restart"
            assert (services[name].get("depends_on") or {}).get("db", {}).get(
                "condition"
            ) == "service_healthy"


def test_app_environment(services):
    db_env = service_environment(services["db"], {})
    database_url = urlsplit(EXPECTED_DATABASE_URL)
    assert (db_env.get("POSTGRES_USER"), db_env.get("POSTGRES_PASSWORD")) == (
        database_url.username,
        database_url.password,
    )
    assert db_env.get("POSTGRES_DB") == database_url.path.lstrip("/")
    assert database_url.hostname in services and urlsplit(EXPECTED_REDIS_URL).hostname in services

    for name, service in services.items():
        if "build" not in service and name not in APP_SERVICES:
            continue
        with pytest.raises(MissingVariable, match="SECRET_KEY"):
            service_environment(service, {})
        env = service_environment(service, {"SECRET_KEY": "from-the-host"})
        assert env["SECRET_KEY"] == "from-the-host"
        assert env["DATABASE_URL"] == EXPECTED_DATABASE_URL
        assert env["REDIS_URL"] == EXPECTED_REDIS_URL
        assert env.get("DEBUG", "").lower() in FALSY, f"{name} runs with DEBUG on"
        for flag in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
            assert env.get(flag) == "0", f"{name}: {flag} must default to 0 without TLS"
        assert env.get("SITE_URL", "").startswith("http"), f"{name}: SITE_URL"
        assert env.get("ALLOWED_HOSTS"), f"{name}: ALLOWED_HOSTS"


def test_settings_modules_exist(services):
    modules = []
    for service in services.values():
        env = service_environment(service, {"SECRET_KEY": "x"})
        if "DJANGO_SETTINGS_MODULE" in env:
            modules.append(env["DJANGO_SETTINGS_MODULE"])
    for keyword, rest in dockerfile_instructions():
        if keyword == "ENV":
            modules += re.findall(r"DJANGO_SETTINGS_MODULE[= ]\s*([\w.]+)", rest)
    for module in modules:
        assert importlib.util.find_spec(module) is not None, f"no settings module {module}"


def _settings_in_a_subprocess(env: dict[str, str]) -> subprocess.CompletedProcess:
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "SYSTEMROOT", "VIRTUAL_ENV"}
    clean = {key: value for key, value in os.environ.items() if key in keep}
    clean.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    clean.update(env)
    code = (
        "import json, django; django.setup(); from django.conf import settings as s;"
        "print(json.dumps({'DEBUG': s.DEBUG, 'ALLOWED_HOSTS': s.ALLOWED_HOSTS,"
        "'SECURE_SSL_REDIRECT': s.SECURE_SSL_REDIRECT,"
        "'SESSION_COOKIE_SECURE': s.SESSION_COOKIE_SECURE,"
        "'CSRF_COOKIE_SECURE': s.CSRF_COOKIE_SECURE,"
        "'ENGINE': s.DATABASES['default']['ENGINE'], 'BROKER': s.CELERY_BROKER_URL}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_settings_load_with_the_compose_environment(services):
    web = services["web"]
    env = service_environment(web, {"SECRET_KEY": "compose-test-" + "k" * 40})
    result = _settings_in_a_subprocess(env)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["DEBUG"] is False
    assert loaded["SECURE_SSL_REDIRECT"] is False, "http://localhost:8000 would redirect to https"
    assert loaded["SESSION_COOKIE_SECURE"] is False and loaded["CSRF_COOKIE_SECURE"] is False
    assert loaded["ENGINE"] == "django.db.backends.postgresql"
    assert loaded["BROKER"] == EXPECTED_REDIS_URL
    # The healthcheck's Host header must be allowed, or /healthz answers 400 and web is unhealthy.
    probe_host = urlsplit(re.search(r"https?://[^'\"\s]+", " ".join(healthcheck_argv(web)))[0])
    assert probe_host.hostname in loaded["ALLOWED_HOSTS"] or "*" in loaded["ALLOWED_HOSTS"]
    assert "localhost" in loaded["ALLOWED_HOSTS"]

    # And without SECRET_KEY the settings refuse to start, which is why compose requires it.
    env.pop("SECRET_KEY")
    refused = _settings_in_a_subprocess(env)
    assert refused.returncode != 0 and "SECRET_KEY" in refused.stderr


def test_dockerfile_builds_a_production_image():
    assert DOCKERFILE.is_file(), "Dockerfile is missing"
    instructions = dockerfile_instructions()
    froms = [rest for keyword, rest in instructions if keyword == "FROM"]
    assert froms and froms[0].split()[0].startswith("python:3.11-slim")
    runs = [rest for keyword, rest in instructions if keyword == "RUN"]
    assert any(re.search(r"pip install\b.*-r\s+requirements\.lock\b", run) for run in runs), (
        "the image does not install requirements.lock"
    )
    assert not any("requirements-dev.lock" in run for run in runs), "dev dependencies in image"
    assert any(
        "SECRET_KEY=build-only" in run and "collectstatic --noinput" in run for run in runs
    ), "collectstatic is not run at build time"
    assert not any(keyword == "ENV" and "SECRET_KEY" in rest for keyword, rest in instructions), (
        "a SECRET_KEY is baked into the image"
    )
    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}, "the image runs as root"
    target, _ = gunicorn_target_and_config(dockerfile_cmd())
    assert_wsgi_target(target)


def test_dockerignore_keeps_what_the_image_needs():
    patterns = [
        line.strip().rstrip("/")
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith(("#", "!"))
    ]
    for needed in ("requirements.lock", "manage.py", "config", "static", "templates"):
        excluded = [p for p in patterns if fnmatch.fnmatch(needed, p)]
        assert not excluded, f".dockerignore drops {needed} ({excluded})"
    for secret in (".env", ".git", ".venv"):
        assert any(fnmatch.fnmatch(secret, p) for p in patterns), f"{secret} goes into the image"


def test_compose_matches_the_official_schema(compose):
    if not SCHEMA_FILE.is_file():
        if os.environ.get("REQUIRE_SERVICES", "").strip().lower() not in FALSY:
            pytest.fail(f"REQUIRE_SERVICES is set and the schema is missing: {SCHEMA_FILE}")
        pytest.skip(f"compose schema not found at {SCHEMA_FILE} (shared/ is outside the repo)")
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    errors = [
        f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
        for error in Draft7Validator(schema).iter_errors(compose)
    ]
    assert not errors, "\n".join(errors)


def test_web_and_worker_share_the_import_uploads(services):
    """The page stores an upload; the worker that imports it must see the same file."""
    from django.conf import settings

    for name in ("web", "worker"):
        mounts = [str(volume) for volume in services[name].get("volumes", [])]
        assert f"uploads:/app/{Path(settings.MEDIA_ROOT).relative_to(settings.BASE_DIR)}" in (
            mounts), name
    assert "mkdir -p var/uploads" in DOCKERFILE.read_text()
