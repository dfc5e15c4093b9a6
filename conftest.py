"""Shared fixtures: the fixed cast for access tests, and the real services when present."""

import os
import time
from dataclasses import dataclass

import pytest

from clients.tests.factories import EngagementFactory
from tracker.tests.factories import TeamFactory, UserFactory

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "").lower() in {"1", "true", "yes"}


def wait_for(predicate, seconds: float = 60, step: float = 0.2) -> bool:
    """Whether `predicate()` comes true within `seconds` (for work done by another process)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())


def need_service(reason: str):
    """Skip without the service, unless REQUIRE_SERVICES=1 makes its absence a failure."""
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


@dataclass
class Cast:
    consultant: object
    teammate: object
    manager: object
    other_manager: object
    outsider: object
    admin: object
    team: object
    other_team: object
    engagement: object


@pytest.fixture
def cast(db):
    """The owner, a teammate, their manager, another team's manager and member, an admin."""
    team = TeamFactory(name="Public Sector")
    other_team = TeamFactory(name="Health")
    consultant = UserFactory(username="alice", team=team)
    teammate = UserFactory(username="bob", team=team)
    manager = UserFactory(username="maria", team=team)
    team.managers.add(manager)
    other_manager = UserFactory(username="omar", team=other_team)
    other_team.managers.add(other_manager)
    outsider = UserFactory(username="olga", team=other_team)
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    engagement = EngagementFactory(name="Tax portal", members=[consultant], team=team)
    return Cast(
        consultant=consultant,
        teammate=teammate,
        manager=manager,
        other_manager=other_manager,
        outsider=outsider,
        admin=admin,
        team=team,
        other_team=other_team,
        engagement=engagement,
    )


@pytest.fixture(autouse=True)
def _throttles_start_from_nothing():
    """The throttle counts (the API's and the pages', in the test settings' in-memory cache)
    of one test never refuse another's requests. Failed log-ins (django-axes) are rows in the
    database, which each test's rollback or flush empties. A cache another test found not
    answering is asked again (the throttles' pause after a failure is per process)."""
    from django.core.cache import cache

    from tracker.throttles import FailOpen

    cache.clear()
    FailOpen._cache_down_until = 0.0


@pytest.fixture(autouse=True)
def _approvals_do_not_block_the_flush(request):
    """After a test that commits (transaction=True, the live server), its week approvals go
    first: Django then empties every table with DELETE on SQLite, and the week lock's
    triggers refuse to delete a time entry of a week still approved (PostgreSQL's TRUNCATE
    fires no row trigger). Set up after the database fixtures, so torn down before them."""
    yield
    marker = request.node.get_closest_marker("django_db")
    commits = bool(marker and (marker.kwargs.get("transaction") or marker.args[:1] == (True,)))
    if commits or {"transactional_db", "live_server"} & set(request.fixturenames):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM tracker_weekapproval")


@dataclass
class SmtpServer:
    host: str
    port: int
    messages: list

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback that keeps every message it receives."""
    import email
    import email.policy
    import socket

    from aiosmtpd.controller import Controller

    class Keep:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.messages.append(parsed)
            return "250 Message accepted for delivery"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(host="127.0.0.1", port=port, messages=handler.messages)
    finally:
        controller.stop()


def database_url_elsewhere(host: str = "", port: int = 0) -> str:
    """The test database (PostgreSQL) as a DATABASE_URL for another process, at `host` and
    `port` if given (a proxy in front)."""
    from django.db import connection

    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = host or db["HOST"] or "127.0.0.1"
    port = port or db["PORT"] or 5432
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def celery_worker_process(transactional_db, settings, tmp_path):
    """A real `celery -A config worker` process on Redis, sharing the test database.

    Yields a function that starts one with extra environment (e.g. EMAIL_URL) and returns its
    Popen; it consumes this test run's own queue (config/settings/test.py).
    """
    import signal
    import subprocess
    import sys
    import time

    from django.db import connection

    from config import celery_app

    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        need_service("REDIS_URL is not set: no Redis for a real Celery worker")
    if connection.vendor != "postgresql":
        need_service("a real worker needs the test database on PostgreSQL (DATABASE_URL)")
    database_url = database_url_elsewhere()
    started = []
    celery_app.conf.task_always_eager = False

    def start(**extra_env):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DEBUG": "1",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
            **extra_env,
        }
        log = open(tmp_path / f"worker-{len(started)}.log", "w")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker",
             "--concurrency=2", "--loglevel=INFO", "--without-heartbeat", "--without-gossip",
             "--without-mingle"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append(process)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if "ready" in (tmp_path / f"worker-{len(started) - 1}.log").read_text():
                return process
            if process.poll() is not None:
                break
            time.sleep(0.2)
        pytest.fail("the Celery worker did not start: "
                    + (tmp_path / f"worker-{len(started) - 1}.log").read_text()[-2000:])

    start.logs = tmp_path
    try:
        yield start
    finally:
        for process in started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        celery_app.conf.task_always_eager = True
        # The worker's connections must be gone before the test database is flushed.
        connection.close()


@dataclass
class TableLock:
    """A PostgreSQL table lock held by a connection of its own (see the `table_lock` fixture)."""

    connection: object

    def release(self) -> None:
        if not self.connection.closed:
            self.connection.rollback()
            self.connection.close()

    @staticmethod
    def waiting(statement: str = "") -> int:
        """How many sessions on the test database wait for a lock (running `statement`)."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND strpos(query, %s) > 0",
                [statement],
            )
            return cursor.fetchone()[0]


@pytest.fixture
def table_lock(transactional_db):
    """`lock(*tables, mode=...)` holds a table lock on PostgreSQL until `.release()`: a real
    worker's query on the table waits behind it, so a test catches the task mid-way without
    mocking any of its work. Released at the end in any case."""
    import psycopg
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        need_service("a table lock is taken on PostgreSQL (DATABASE_URL)")
    held = []

    def lock(*tables: str, mode: str = "ACCESS EXCLUSIVE") -> TableLock:
        session = psycopg.connect(
            host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
            password=db["PASSWORD"] or None, dbname=db["NAME"],
        )
        session.execute(f"LOCK TABLE {', '.join(tables)} IN {mode} MODE")
        held.append(TableLock(session))
        return held[-1]

    try:
        yield lock
    finally:
        for table in held:
            table.release()


def worker_swept(start, number: int = 0) -> bool:
    """Whether the `number`th worker started by celery_worker_process has run the three
    sweeps it publishes as it starts (config/celery_app.py)."""
    log = start.logs / f"worker-{number}.log"
    return log.read_text().count(" succeeded in ") >= 3


@pytest.fixture
def celery_broker():
    """Point this process's Celery app (the web side) at another broker URL, publishing for
    real (not eagerly); the real broker again at the end. Yields `point_at(url)`."""
    from kombu import pools

    from config import celery_app

    old_url = celery_app.conf.broker_url
    celery_app.conf.task_always_eager = False

    def point_at(url):
        celery_app.conf.broker_url = url
        celery_app.pool.force_close_all()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        pools.reset()

    try:
        yield point_at
    finally:
        point_at(old_url)
        celery_app.conf.task_always_eager = True


@pytest.fixture
def tcp_proxy():
    """Start proxies in front of real servers (config/tests/tcp_proxy.py): `start(host, port)`
    returns one, passing; a test switches it to cut or black-hole. All closed at the end."""
    from config.tests.tcp_proxy import TcpProxy

    proxies = []

    def start(host: str, port: int) -> TcpProxy:
        proxy = TcpProxy(host, port)
        proxies.append(proxy)
        return proxy

    try:
        yield start
    finally:
        for proxy in proxies:
            proxy.close()


@pytest.fixture
def gunicorn_app(settings, tmp_path):
    """`start(workers=2, **env)`: the app under gunicorn on loopback (config/tests/web.py),
    its sessions signed with this process's SECRET_KEY so a test's force_login works there.
    An env value of None removes the variable. Stopped at the end."""
    from config.tests.web import gunicorn_start

    started = []

    def start(workers: int = 2, **env):
        environment = {
            **os.environ, "SECRET_KEY": settings.SECRET_KEY, "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0", "VAR_DIR": str(tmp_path),
        }
        environment.update(env)
        environment = {key: value for key, value in environment.items() if value is not None}
        try:
            app = gunicorn_start(environment, tmp_path / f"gunicorn-{len(started)}.log", workers)
        except RuntimeError as exc:
            pytest.fail(str(exc))
        started.append(app)
        return app

    try:
        yield start
    finally:
        for app in started:
            app.stop()


@pytest.fixture
def browser(live_server):
    """A real headless Chromium (Debian's package) driven by Playwright."""
    chromium_path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not os.path.exists(chromium_path):
        need_service(f"no Chromium at {chromium_path} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # around it are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path,
            headless=True,
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            yield chromium
        finally:
            chromium.close()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def log_in(browser, live_server):
    """Open a browser page logged in as `user` (through the real log-in form)."""

    def open_page_as(user, password="secret-pass-123"):
        page = browser.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    return open_page_as


@pytest.fixture(scope="session", autouse=True)
def _release_test_database(django_db_setup, django_db_blocker):
    """Before the test database is dropped, end the sessions other threads left open on it
    (the live server's, a killed worker's), so it is dropped instead of left behind."""
    yield
    from django.db import connection, connections

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
        connections.close_all()
