"""An API token never reaches a log: gunicorn's access log, Django's error reports (the log
record, the mail to ADMINS, the 500 page's variables) and our own messages."""

import base64
import datetime as dt
import logging
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.views.debug import ExceptionReporter
from rest_framework.test import APIClient

from tracker.api import auth as api_auth
from tracker.api import views as api_views
from tracker.services import api_token_create

pytestmark = pytest.mark.django_db

GUNICORN_CONF = Path(django_settings.BASE_DIR) / "config" / "gunicorn.conf.py"


def access_line(log_format: str, authorization: str) -> str:
    """The access log line gunicorn writes for one API request, with `log_format`."""
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    logger = Logger(Config())
    environ = {
        "REQUEST_METHOD": "GET", "RAW_URI": "/api/v1/me/", "PATH_INFO": "/api/v1/me/",
        "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "203.0.113.7",
        "HTTP_AUTHORIZATION": authorization, "HTTP_USER_AGENT": "curl/8.5",
    }
    request = SimpleNamespace(headers=[("AUTHORIZATION", authorization),
                                       ("USER-AGENT", "curl/8.5")])
    response = SimpleNamespace(status="200 OK", headers=[], sent=120)
    atoms = logger.atoms(response, request, environ, dt.timedelta(milliseconds=12))
    # What Logger.access() hands to logging: the format with the atoms.
    return log_format % logger.atoms_wrapper_class(atoms)


@pytest.mark.parametrize("authorization", [
    "Bearer cf_secret-of-the-test-1234567890",
    # A script that sends its token as HTTP basic (curl -u "$TOKEN:").
    "Basic " + base64.b64encode(b"cf_secret-of-the-test-1234567890:").decode(),
])
def test_gunicorn_access_log_has_no_token(authorization):
    ours = runpy.run_path(str(GUNICORN_CONF))["access_log_format"]
    line = access_line(ours, authorization)
    assert "GET /api/v1/me/ HTTP/1.1" in line and "203.0.113.7" in line
    assert "cf_secret" not in line


def test_gunicorns_default_format_would_have_logged_a_basic_token():
    """Why the format is ours: gunicorn's default %(u)s is the basic-auth user name."""
    from gunicorn.config import Config

    basic = "Basic " + base64.b64encode(b"cf_secret-of-the-test-1234567890:").decode()
    assert "cf_secret" in access_line(Config().access_log_format, basic)


def rendered(records) -> str:
    """Everything the handlers could write: each message, its traceback, and for error
    records with a request Django's full report (text and HTML, with frame variables)."""
    formatter = logging.Formatter(django_settings.LOGGING["formatters"]["plain"]["format"])
    parts = []
    for record in records:
        parts.append(formatter.format(record))
        if record.exc_info and getattr(record, "request", None) is not None:
            reporter = ExceptionReporter(record.request, *record.exc_info)
            parts += [reporter.get_traceback_text(), reporter.get_traceback_html()]
    return "\n".join(parts)


def test_no_log_or_error_report_holds_a_token(cast, caplog, settings, monkeypatch):
    settings.DEBUG = False  # as in production: reports go to the log and to ADMINS
    settings.ADMINS = [("Ops", "ops@example.test")]
    _, secret = api_token_create(user=cast.consultant, name="ci")
    client = APIClient(raise_request_exception=False)
    caplog.set_level(logging.DEBUG)

    # A good token, a wrong one, and none.
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/me/").status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}x")
    assert client.get("/api/v1/me/").status_code == 401

    # A 500 in an API view, with the token in the header...
    def broken(self, request):
        raise RuntimeError("the view broke")

    monkeypatch.setattr(api_views.MeView, "get", broken)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/me/").status_code == 500

    # ...and one while the token itself is being checked (its frame holds the secret).
    def broken_lookup(now=None):
        raise RuntimeError("the database broke")

    monkeypatch.setattr(api_auth.ApiToken.objects, "active", broken_lookup)
    assert client.get("/api/v1/me/").status_code == 500

    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 2 and all(record.exc_info for record in errors)
    text = rendered(caplog.records)
    assert "the view broke" in text and "the database broke" in text  # the reports are there
    assert "HTTP_AUTHORIZATION" in text  # the header is named in the report, its value not
    assert secret not in text and secret[3:] not in text

    # The mail Django sends to ADMINS for each 500 (text, and the HTML report attached).
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        bodies = [message.body] + [str(content) for content, _ in message.alternatives]
        assert "Internal Server Error" in message.subject
        assert not any(secret in body or secret[3:] in body for body in bodies)
