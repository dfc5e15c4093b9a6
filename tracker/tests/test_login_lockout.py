"""Password guessing is locked out (django-axes), and the forms that send mail or mint
credentials are throttled: through the real log-in, reset and profile forms."""

import datetime as dt
import io
import logging
import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.core.management import call_command
from django.test import Client

from tracker.models import ApiToken

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
RIGHT = "secret-pass-123"  # the cast's password (factories.py)
WRONG = "hunter2-guess"
LIMIT = 10
COOL_OFF = dt.timedelta(minutes=15)


def attempt(username: str, password: str, address: str = "203.0.113.9", **headers):
    """One log-in through the form, from `address`; the client and its answer."""
    browser = Client()
    response = browser.post(LOGIN, {"username": username, "password": password, "next": ""},
                            REMOTE_ADDR=address, **headers)
    return browser, response


def logged_in(browser) -> bool:
    return "_auth_user_id" in browser.session


def refused_as_locked(response) -> bool:
    return response.status_code == 429 and "Too many failed log-ins" in response.content.decode()


def test_an_account_guessed_from_many_addresses_is_locked_with_a_clear_page(cast, caplog):
    for n in range(1, LIMIT):
        _, response = attempt("alice", WRONG, f"203.0.113.{n}")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    with caplog.at_level(logging.INFO):
        _, tenth = attempt("alice", WRONG, "203.0.113.10")
    assert refused_as_locked(tenth)
    assert tenth["Retry-After"] == "900"
    html = tenth.content.decode()
    # The log-in page as always (the site's layout, the form), the username kept, a way out.
    assert "<title>Log in" in html and 'href="/static/css/' in html
    assert 'name="username" id="id_username"' in html and 'value="alice"' in html
    assert "Try again in 15 minutes" in html
    assert re.search(r'<a href="/accounts/password_reset/"[^>]*>reset your password</a>', html)
    assert "Please enter a correct username" not in html  # one message, the one that helps
    line, = [r.getMessage() for r in caplog.records if r.name == "tracker.views.accounts"]
    assert "locked out" in line and "'alice'" in line and "203.0.113.10" in line
    assert WRONG not in caplog.text and RIGHT not in caplog.text

    # Now even the right password, from an address that never failed, is refused.
    browser, response = attempt("alice", RIGHT, "192.0.2.200")
    assert refused_as_locked(response) and not logged_in(browser)
    # Other accounts are not locked by it.
    browser, response = attempt("bob", RIGHT, "203.0.113.1")
    assert response.status_code == 302 and logged_in(browser)


def test_an_address_guessing_many_accounts_is_locked_not_the_accounts(cast):
    guesser = "198.51.100.7"
    for username in ["alice", "bob", "maria", "omar", "root"] * 2:
        _, response = attempt(username, WRONG, guesser)
    assert refused_as_locked(response)  # the tenth failure, over five accounts
    browser, response = attempt("bob", RIGHT, guesser)
    assert refused_as_locked(response) and not logged_in(browser)
    # Each account failed twice only: from elsewhere, its person logs in.
    browser, response = attempt("alice", RIGHT, "192.0.2.10")
    assert response.status_code == 302 and logged_in(browser)


def test_after_the_cool_off_the_right_password_logs_in_however_long_the_guessing(
        cast, frozen_time):
    for _ in range(LIMIT):
        attempt("alice", WRONG)
    frozen_time.shift(COOL_OFF - dt.timedelta(minutes=1))
    # Guessing on during the lockout is refused and does not make it last longer.
    for _ in range(5):
        assert refused_as_locked(attempt("alice", WRONG)[1])
    assert refused_as_locked(attempt("alice", RIGHT, "192.0.2.10")[1])
    frozen_time.shift(dt.timedelta(minutes=1, seconds=1))
    browser, response = attempt("alice", RIGHT, "192.0.2.10")
    assert response.status_code == 302 and response["Location"] == "/"
    assert logged_in(browser)


def test_a_password_reset_by_email_ends_the_accounts_lockout(cast, settings):
    for n in range(LIMIT):
        attempt("alice", WRONG, f"203.0.113.{n}")
    assert refused_as_locked(attempt("alice", RIGHT, "192.0.2.10")[1])
    browser = Client(REMOTE_ADDR="192.0.2.10")
    browser.post("/accounts/password_reset/", {"email": "alice@example.test"})
    link, = re.findall(r"https?://\S+", mail.outbox[0].body)
    form = browser.get(link.removeprefix(settings.SITE_URL), follow=True)
    new = "quiet-harbour-lantern-42"
    done = browser.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new},
                        follow=True)
    assert "log-ins to your account were paused" in done.content.decode()
    browser, response = attempt("alice", new, "192.0.2.10")
    assert response.status_code == 302 and logged_in(browser)


def test_an_operator_ends_a_lockout_with_axes_reset(cast):
    for n in range(LIMIT):
        attempt("alice", WRONG, f"203.0.113.{n}")
    assert refused_as_locked(attempt("alice", RIGHT)[1])
    call_command("axes_reset_username", "alice", stdout=io.StringIO())
    browser, response = attempt("alice", RIGHT)
    assert response.status_code == 302 and logged_in(browser)


def test_the_admin_lists_the_failed_log_ins(cast):
    attempt("alice", WRONG, "203.0.113.77")
    admin = Client()
    admin.force_login(cast.admin)
    page = admin.get("/admin/axes/accessattempt/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "alice" in html and "203.0.113.77" in html
    assert WRONG not in AccessAttempt.objects.get().post_data  # the password is starred out


def test_behind_a_proxy_the_address_comes_from_its_header_only_when_configured(
        cast, settings):
    proxy = "10.0.0.2"
    # No proxy declared: X-Forwarded-For is the client's own writing, and is ignored.
    for n in range(LIMIT):
        _, response = attempt("omar", WRONG, proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert refused_as_locked(response)  # all counted against the connection's address
    AccessAttempt.objects.all().delete()

    # One proxy in front: the entry it appended is the client's address.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    for username in ["alice", "bob"] * (LIMIT // 2):
        _, response = attempt(username, WRONG, proxy,
                              HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.66")
    assert refused_as_locked(response)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.66"}
    # Someone else behind the same proxy still logs in.
    browser, response = attempt("maria", RIGHT, proxy, HTTP_X_FORWARDED_FOR="192.0.2.44")
    assert response.status_code == 302 and logged_in(browser)


# --- the password reset form --------------------------------------------------------------


def reset(email: str, address: str = "203.0.113.9"):
    return Client().post("/accounts/password_reset/", {"email": email}, REMOTE_ADDR=address)


def refused_reset(response) -> bool:
    html = response.content.decode()
    return (response.status_code == 429 and "Too many password reset requests" in html
            and "nothing was sent" in html)


def test_password_resets_are_limited_per_account(cast, frozen_time):
    for n in range(3):
        assert reset("alice@example.test", f"203.0.113.{n}").status_code == 302
    assert len(mail.outbox) == 3
    refused = reset("ALICE@example.test", "192.0.2.1")  # any address, any case
    assert refused_reset(refused) and "Try again in 60 minutes" in refused.content.decode()
    assert refused["Retry-After"] == "3600"
    assert 'value="ALICE@example.test"' in refused.content.decode()
    assert len(mail.outbox) == 3  # nothing extra
    # Another person is not held back by it, nor is alice an hour later.
    assert reset("bob@example.test", "192.0.2.1").status_code == 302
    frozen_time.shift(dt.timedelta(hours=1, seconds=1))
    assert reset("alice@example.test", "192.0.2.1").status_code == 302
    assert len(mail.outbox) == 5


def test_password_resets_are_limited_per_address(cast):
    for n in range(10):
        assert reset(f"nobody{n}@example.test").status_code == 302
    assert refused_reset(reset("alice@example.test"))
    assert mail.outbox == []
    assert reset("alice@example.test", "192.0.2.1").status_code == 302  # elsewhere: sent
    assert len(mail.outbox) == 1


# --- API tokens on the profile page ---------------------------------------------------------


def test_making_api_tokens_is_limited_per_person(cast, frozen_time):
    alice = Client()
    alice.force_login(cast.consultant)
    for n in range(10):
        made = alice.post("/accounts/profile/", {"name": f"script {n}"})
        assert made.status_code == 200 and "Your new token" in made.content.decode()
    refused = alice.post("/accounts/profile/", {"name": "one more"})
    assert refused.status_code == 429 and refused["Retry-After"] == "3600"
    html = refused.content.decode()
    assert "You have made too many tokens lately. Try again in 60 minutes." in html
    assert "Your new token" not in html
    assert ApiToken.objects.filter(user=cast.consultant).count() == 10
    bob = Client()
    bob.force_login(cast.teammate)
    assert "Your new token" in bob.post("/accounts/profile/", {"name": "x"}).content.decode()
    frozen_time.shift(dt.timedelta(hours=1, seconds=1))
    assert alice.post("/accounts/profile/", {"name": "one more"}).status_code == 200
    assert ApiToken.objects.filter(user=cast.consultant).count() == 11
