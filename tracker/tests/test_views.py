import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tracker.models import Kind
from tracker.tests.factories import TimeEntryFactory

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_when_database_and_broker_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


def test_healthz_names_the_broker_when_it_fails(client, settings, tmp_path):
    if settings.REDIS_URL:
        # A port nothing listens on: the ping fails fast instead of hanging.
        settings.REDIS_URL = "redis://127.0.0.1:1/0"
    else:
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("a file where the broker's folder should be")
        settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(blocker / "queue")}
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"].startswith("error")


def test_healthz_names_the_database_when_it_fails(client, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def broken(self, sql, params=None):
        raise ConnectionError("database is down")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"].startswith("error")


def test_pages_need_a_log_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_renders(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_demo_style_log_in_and_out(client, cast):
    response = client.post(
        reverse("login"), {"username": "alice", "password": "secret-pass-123"}, follow=True
    )
    assert response.status_code == 200
    assert response.context["user"] == cast.consultant
    response = client.post(reverse("logout"), follow=True)
    assert not response.context["user"].is_authenticated


def test_wrong_password_keeps_the_username_and_says_why(client, cast):
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert b'value="alice"' in response.content
    assert b"correct username and password" in response.content


@time_machine.travel(dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC))
def test_my_week_shows_this_weeks_hours_by_kind(client, cast):
    alice = cast.consultant
    monday = dt.date(2026, 11, 23)
    TimeEntryFactory(consultant=alice, date=monday, seconds=2 * 3600, kind=Kind.CLIENT,
                     engagement=cast.engagement)
    TimeEntryFactory(consultant=alice, date=monday, seconds=1800, kind=Kind.PROMOTION)
    TimeEntryFactory(consultant=alice, date=monday - dt.timedelta(days=1), seconds=3600,
                     kind=Kind.INTERNAL)  # last Sunday: not this week
    TimeEntryFactory(consultant=cast.teammate, date=monday, seconds=3600, kind=Kind.INTERNAL)
    client.force_login(alice)
    response = client.get("/")
    assert response.status_code == 200
    hours = {row["kind"]: row["hours"] for row in response.context["rows"]}
    assert hours == {"client": 2.0, "promotion": 0.5, "internal": 0.0}
    assert response.context["total_hours"] == 2.5
    assert b"2.50 h logged of 40.00 h capacity" in response.content


def test_navigation_shows_admin_only_to_admins(client, cast):
    client.force_login(cast.consultant)
    assert b'href="/admin/"' not in client.get("/").content
    client.force_login(cast.admin)
    assert b'href="/admin/"' in client.get("/").content
