"""Sessions: a new id at log-in, an end after a working day unused, and "Log out other
sessions" on the profile page (a password change does the same)."""

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils.crypto import salted_hmac
from rest_framework.test import APIClient

from tracker import services

pytestmark = pytest.mark.django_db

RIGHT = "secret-pass-123"
PROFILE = "/accounts/profile/"
END_OTHERS = "/accounts/profile/sessions/log-out-others/"


def log_in(username: str = "alice", password: str = RIGHT) -> Client:
    browser = Client()
    response = browser.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302 and response["Location"] == "/"
    return browser


def signed_in(browser) -> bool:
    response = browser.get("/")
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/login/")
        return False
    assert response.status_code == 200
    return True


def session_key(browser) -> str:
    return browser.cookies[django_settings.SESSION_COOKIE_NAME].value


def test_the_session_id_changes_at_log_in(cast):
    browser = Client()
    planted = browser.session  # a session that existed before, as a fixation attack plants
    planted["note"] = "before"
    planted.save()
    before = planted.session_key
    browser.post("/accounts/login/", {"username": "alice", "password": RIGHT})
    after = session_key(browser)
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert signed_in(browser)
    # Whoever kept the old id holds nothing.
    stale = Client()
    stale.cookies[django_settings.SESSION_COOKIE_NAME] = before
    assert not signed_in(stale)


def test_a_session_ends_after_a_working_day_unused_and_lasts_while_used(cast, frozen_time):
    assert django_settings.SESSION_COOKIE_AGE == 10 * 3600
    browser = log_in()
    assert browser.cookies[django_settings.SESSION_COOKIE_NAME]["max-age"] == 36000
    # Used every nine hours, it lasts well past ten hours after the log-in.
    for _ in range(3):
        frozen_time.shift(dt.timedelta(hours=9))
        assert signed_in(browser)
    # Ten hours and a minute without a request: over.
    frozen_time.shift(dt.timedelta(hours=10, minutes=1))
    assert not signed_in(browser)


def test_the_expiry_moves_on_at_most_every_few_minutes_not_every_request(cast, frozen_time):
    browser = log_in()
    signed_in(browser)
    key = session_key(browser)

    def expiry():
        return Session.objects.get(session_key=key).expire_date

    first = expiry()
    frozen_time.shift(dt.timedelta(minutes=4))
    signed_in(browser)
    assert expiry() == first  # no write for this request
    frozen_time.shift(dt.timedelta(minutes=1))
    signed_in(browser)
    assert expiry() == first + dt.timedelta(minutes=5)


def test_log_out_other_sessions_ends_the_others_and_keeps_this_one_and_the_tokens(cast):
    _, secret = services.api_token_create(user=cast.consultant, name="ci")
    here, laptop, phone = log_in(), log_in(), log_in()
    bob = log_in("bob")
    page = here.get(PROFILE).content.decode()
    assert f'action="{END_OTHERS}"' in page and "Log out other sessions" in page
    assert "API tokens are not sessions and keep working" in page

    done = here.post(END_OTHERS, follow=True)
    assert done.redirect_chain == [(PROFILE, 302)]
    assert "Logged out everywhere else" in done.content.decode()
    assert signed_in(here)
    assert not signed_in(laptop) and not signed_in(phone)
    assert signed_in(bob)  # someone else's sessions are theirs
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/me/").status_code == 200
    # Logging in again on the laptop works as before.
    assert signed_in(log_in())


def test_log_out_other_sessions_is_a_post_with_csrf(cast):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast.consultant)
    other = log_in()
    assert browser.get(END_OTHERS).status_code == 405
    assert browser.post(END_OTHERS).status_code == 403  # no CSRF token
    assert signed_in(other)


def test_a_password_change_ends_the_other_sessions(cast):
    here, elsewhere = log_in(), log_in()
    new = "quiet-harbour-lantern-42"
    done = here.post("/accounts/password_change/", {
        "old_password": RIGHT, "new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert signed_in(here) and not signed_in(elsewhere)


def test_sessions_made_before_the_upgrade_stay_valid(cast):
    """A blank epoch gives Django's own hash: deploying this logs nobody out."""
    alice = cast.consultant

    def djangos_hash():  # django.contrib.auth.base_user, AbstractBaseUser
        return salted_hmac("django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
                           alice.password, algorithm="sha256").hexdigest()

    assert alice.session_epoch == ""
    assert alice.get_session_auth_hash() == djangos_hash()
    services.user_sessions_end(user=alice)
    alice.refresh_from_db()
    assert alice.session_epoch and alice.get_session_auth_hash() != djangos_hash()
