"""Unsubscribe links: one digest's, for a limited time, and never shown in a preview."""

import datetime as dt
import io
import re

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail, signing
from django.core.management import call_command
from django.test import Client

from reports import digests
from tracker.models import User

pytestmark = pytest.mark.django_db

WEEK = dt.date(2026, 11, 16)  # ISO 2026-W47
SENT = dt.datetime(2026, 11, 23, 8, 5, tzinfo=dt.UTC)
UNSUBSCRIBE_PATH = re.compile(r"/digests/unsubscribe/([^/\s\"'<>]+)/")


def send(week: str, moment: dt.datetime = SENT) -> None:
    with time_machine.travel(moment, tick=False):
        call_command("send_digests", "--week", week, "--sync", stdout=io.StringIO())


def link_path(username: str, week: str = "2026-W47") -> str:
    """The unsubscribe link (List-Unsubscribe) of the digest `username` got for `week`."""
    message = next(m for m in mail.outbox
                   if m.to == [f"{username}@example.test"] and week in m.subject)
    return message.extra_headers["List-Unsubscribe"].strip("<>").removeprefix(
        django_settings.SITE_URL)


def opted_in(user) -> bool:
    return User.objects.get(pk=user.pk).digest_opt_in


def test_a_manager_previewing_a_team_member_cannot_unsubscribe_them(client, cast):
    bob = cast.teammate
    client.force_login(cast.manager)
    pages = [
        client.get("/digests/preview/", {"week": "2026-W47", "user": bob.pk, "part": part})
        for part in ("html", "text", "")
    ]
    tokens = {token for page in pages for token in UNSUBSCRIBE_PATH.findall(page.content.decode())}
    assert tokens == {"preview"}  # a placeholder, the same for everyone
    for token in tokens:  # as a mail client would: a one-click POST without a session
        page = Client().post(f"/digests/unsubscribe/{token}/", "List-Unsubscribe=One-Click",
                             content_type="application/x-www-form-urlencoded")
        assert page.status_code == 200 and "a preview" in page.content.decode()
    assert opted_in(bob)
    # The digest bob gets has his own working link.
    send("2026-W47")
    assert Client().post(link_path("bob")).status_code == 200
    assert not opted_in(bob)


def test_a_link_works_for_60_days_then_shows_a_friendly_page(cast):
    send("2026-W47")
    path = link_path("alice")
    assert Client().get(path).status_code == 200
    with time_machine.travel(SENT + dt.timedelta(days=59), tick=False):
        assert "Unsubscribe from the weekly digest?" in Client().get(path).content.decode()
    with time_machine.travel(SENT + dt.timedelta(days=61), tick=False):
        page = Client().get(path)
        one_click = Client(enforce_csrf_checks=True).post(
            path, "List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded")
    assert page.status_code == 410 and one_click.status_code == 410
    html = page.content.decode()
    assert "This unsubscribe link has expired" in html and "60 days" in html
    assert 'href="/digests/preferences/"' in html
    assert opted_in(cast.consultant)


def test_a_link_belongs_to_one_weeks_digest(cast):
    send("2026-W46", SENT - dt.timedelta(days=7))
    send("2026-W47")
    older, newer = link_path("alice", "2026-W46"), link_path("alice", "2026-W47")
    assert older != newer
    assert digests.unsubscribe_token(cast.consultant, WEEK) != digests.unsubscribe_token(
        cast.consultant, WEEK - dt.timedelta(days=7))
    assert Client().post(older).status_code == 200
    assert not opted_in(cast.consultant)


def test_an_old_style_link_shows_the_friendly_page_and_changes_nothing(cast):
    # The first links signed the user id alone, with no date, and never expired.
    old = signing.Signer(salt="reports.digests.unsubscribe").sign(str(cast.consultant.pk))
    for response in (Client().get(f"/digests/unsubscribe/{old}/"),
                     Client().post(f"/digests/unsubscribe/{old}/")):
        assert response.status_code == 404
        assert "This unsubscribe link does not work" in response.content.decode()
    assert opted_in(cast.consultant)
