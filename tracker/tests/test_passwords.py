"""Changing a password when signed in, and resetting a forgotten one by e-mail."""

import re

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client

pytestmark = pytest.mark.django_db

STRONG = "quiet-harbour-lantern-42"


def logs_in(username: str, password: str) -> bool:
    """Through the log-in form, as a person would (axes needs the request)."""
    browser = Client()
    browser.post("/accounts/login/", {"username": username, "password": password})
    return "_auth_user_id" in browser.session


def test_change_password_from_the_user_menu(client, cast):
    assert client.get("/accounts/password_change/").status_code == 302  # log in first
    client.force_login(cast.consultant)
    page = client.get("/")
    assert 'href="/accounts/password_change/"' in page.content.decode()
    form = client.get("/accounts/password_change/")
    assert form.status_code == 200 and 'class="form-control' in form.content.decode()

    wrong = client.post("/accounts/password_change/", {
        "old_password": "not-it", "new_password1": STRONG, "new_password2": STRONG})
    assert wrong.status_code == 200
    html = wrong.content.decode()
    assert 'id="id_old_password_error"' in html and "incorrect" in html

    weak = client.post("/accounts/password_change/", {
        "old_password": "secret-pass-123", "new_password1": "password",
        "new_password2": "password"})
    assert weak.status_code == 200
    html = weak.content.decode()
    assert 'id="id_new_password2_error"' in html
    assert "This password is too common." in html
    assert logs_in("alice", "secret-pass-123")  # nothing changed

    done = client.post("/accounts/password_change/", {
        "old_password": "secret-pass-123", "new_password1": STRONG, "new_password2": STRONG})
    assert done.status_code == 302 and done["Location"] == "/accounts/password_change/done/"
    assert client.get("/").status_code == 200  # still signed in here
    assert logs_in("alice", STRONG) and not logs_in("alice", "secret-pass-123")


def reset_link(message) -> str:
    link, = re.findall(r"https?://\S+", message.body)
    return link


def test_reset_a_forgotten_password_by_email(cast, settings):
    settings.SITE_URL = "https://clientfirst.example.com"
    cast.consultant.first_name = "Siobhán O'Brien"
    cast.consultant.save()
    browser = Client()
    login = browser.get("/accounts/login/").content.decode()
    assert 'href="/accounts/password_reset/"' in login

    sent = browser.post("/accounts/password_reset/", {"email": "ALICE@example.test"})
    assert sent.status_code == 302 and sent["Location"] == "/accounts/password_reset/done/"
    message, = mail.outbox
    assert message.to == ["alice@example.test"]
    assert message.from_email == django_settings.DEFAULT_FROM_EMAIL
    assert message.subject == "Reset your ClientFirst password"
    assert getattr(message, "alternatives", []) == []  # plain text only
    assert "Hello Siobhán O'Brien," in message.body and "&#x27;" not in message.body
    link = reset_link(message)
    assert link.startswith("https://clientfirst.example.com/accounts/reset/")

    path = link.removeprefix(settings.SITE_URL)
    form = browser.get(path, follow=True)
    assert form.status_code == 200 and form.context["validlink"]
    set_url = form.redirect_chain[-1][0]
    weak = browser.post(set_url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert weak.status_code == 200
    assert 'id="id_new_password2_error"' in weak.content.decode()
    assert "entirely numeric" in weak.content.decode()
    done = browser.post(set_url, {"new_password1": STRONG, "new_password2": STRONG})
    assert done.status_code == 302 and done["Location"] == "/accounts/reset/done/"
    assert logs_in("alice", STRONG)

    used = Client().get(path, follow=True)  # a reset link works once
    assert used.status_code == 200 and not used.context["validlink"]
    assert "no longer works" in used.content.decode()


def test_reset_for_an_unknown_address_sends_nothing_and_says_the_same(cast):
    response = Client().post("/accounts/password_reset/", {"email": "nobody@example.test"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password_reset/done/"
    assert mail.outbox == []
    bad = Client().post("/accounts/password_reset/", {"email": "not an address"})
    assert bad.status_code == 200
    assert 'id="id_email_error"' in bad.content.decode()
    assert 'value="not an address"' in bad.content.decode()
