"""The profile page's API tokens (/accounts/profile/): made, shown once, listed, revoked."""

import datetime as dt
import re

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tracker import services
from tracker.models import ApiToken

pytestmark = pytest.mark.django_db

PROFILE = "/accounts/profile/"
SECRET = re.compile(r"cf_[A-Za-z0-9_-]{40,}")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_status(secret: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client.get("/api/v1/me/").status_code


def create(client, **fields):
    return client.post(PROFILE, {"name": "laptop script", "expires_in": "", "expires_on": "",
                                 **fields})


def field_error(html: str, name: str) -> str:
    found = re.search(rf'id="id_{name}_error">([^<]*)<', html)
    return found.group(1) if found else ""


def test_signed_out_the_pages_ask_for_a_log_in(cast):
    token, _ = services.api_token_create(user=cast.consultant, name="ci")
    for path in (PROFILE, f"/accounts/profile/tokens/{token.pk}/revoke/"):
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert Client().post(f"/accounts/profile/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_user_menu_links_the_profile(cast):
    html = signed_in(cast.consultant).get("/").content.decode()
    assert f'href="{PROFILE}"' in html and "Profile and API tokens" in html


def test_a_new_token_is_shown_once_and_works(cast):
    client = signed_in(cast.consultant)
    response = create(client, expires_in="30")
    assert response.status_code == 200
    html = response.content.decode()
    secrets_shown = SECRET.findall(html)
    assert len(set(secrets_shown)) == 1
    secret = secrets_shown[0]
    assert "shown only this once" in html
    # Nobody keeps the page: not a proxy, not the browser's disk.
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control

    token = ApiToken.objects.get(user=cast.consultant)
    assert token.name == "laptop script" and secret.startswith(token.prefix)
    assert token.token_hash == services.api_token_hash(secret)
    assert dt.timedelta(days=29) < token.expires_at - timezone.now() <= dt.timedelta(days=30)
    assert api_status(secret) == 200

    # Never again: not on the next visit, not in the session kept on the server.
    later = client.get(PROFILE).content.decode()
    assert secret not in later and not SECRET.search(later)
    assert f"{token.prefix}…" in later and "laptop script" in later
    assert not any(secret in session.session_data or secret in str(session.get_decoded())
                   for session in Session.objects.all())


def test_sending_the_form_again_shows_no_secret_and_makes_nothing(cast):
    """A reload of the page that showed the secret re-sends the form: the name is taken."""
    client = signed_in(cast.consultant)
    first = SECRET.search(create(client).content.decode()).group()
    again = create(client)
    html = again.content.decode()
    assert first not in html and not SECRET.search(html)
    assert field_error(html, "name") == "You already have a token with this name."
    # Refused at save, by the service: the box is marked and focused like any other error.
    name_box = re.search(r'<input [^>]* id="id_name"[^>]*>', html).group(0)
    assert "is-invalid" in name_box and "autofocus" in name_box
    assert ApiToken.objects.filter(user=cast.consultant).count() == 1


@pytest.mark.parametrize("fields, field, message", [
    ({"name": ""}, "name", "This field is required."),
    ({"name": "two\nlines"}, "name", "Use one line of plain text"),
    ({"name": "x" * 101}, "name", "at most 100 characters"),
    ({"expires_in": "8"}, "expires_in", "Select a valid choice."),
    ({"expires_on": "yesterday"}, "expires_on", "Enter a valid date."),
    ({"expires_on": "2000-01-01"}, "expires_on", "Choose a day after today"),
    ({"expires_on": "9999-12-31"}, "expires_on", "at most 10 years ahead"),
    ({"expires_in": "7", "expires_on": str(dt.date.today() + dt.timedelta(days=20))},
     "expires_on", "not both"),
])
def test_bad_input_is_refused_next_to_its_field_and_kept(cast, fields, field, message):
    client = signed_in(cast.consultant)
    response = create(client, **fields)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in field_error(html, field)
    assert not SECRET.search(html)
    assert not ApiToken.objects.exists()
    # The field in error takes the focus: the form is at the foot of the page.
    assert "autofocus" in re.search(rf'<[^>]* id="id_{field}"[^>]*>', html).group(0)
    assert html.count("autofocus") == 1
    if field == "expires_on" and fields.get("expires_on") not in (None, "yesterday"):
        assert f'value="{fields["expires_on"]}"' in html  # what was typed stays in the box


def test_a_date_of_expiry_lasts_through_that_day_in_the_persons_timezone(cast):
    cast.consultant.timezone = "America/New_York"
    cast.consultant.save()
    day = cast.consultant.today() + dt.timedelta(days=10)
    create(signed_in(cast.consultant), expires_on=day.isoformat())
    token = ApiToken.objects.get()
    local = token.expires_at.astimezone(cast.consultant.tzinfo)
    assert (local.date(), local.time()) == (day + dt.timedelta(days=1), dt.time())


def test_the_list_shows_only_my_tokens_with_their_state(cast):
    now = timezone.now()
    services.api_token_create(user=cast.consultant, name="active one")
    old, _ = services.api_token_create(user=cast.consultant, name="old one")
    ApiToken.objects.filter(pk=old.pk).update(expires_at=now - dt.timedelta(days=1))
    services.api_token_create(user=cast.consultant, name="gone one")
    services.api_token_revoke(user=cast.consultant, name="gone one")
    services.api_token_create(user=cast.teammate, name="bobs secret tool")

    html = signed_in(cast.consultant).get(PROFILE).content.decode()
    rows = re.findall(r"<tr>\s*<td>([^<]+)</td>.*?badge[^>]*>(\w+)<", html, re.S)
    assert sorted(rows) == [("active one", "active"), ("gone one", "revoked"),
                            ("old one", "expired")]
    assert "bobs secret tool" not in html
    # Revoking is offered for the ones not revoked yet.
    assert html.count("Revoke…") == 2


def test_revoke_after_a_confirmation(cast):
    token, secret = services.api_token_create(user=cast.consultant, name="ci")
    client = signed_in(cast.consultant)
    url = f"/accounts/profile/tokens/{token.pk}/revoke/"
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Revoke the token “ci”?" in confirm.content.decode()
    assert api_status(secret) == 200  # looking at the question changes nothing

    done = client.post(url, follow=True)
    assert "Revoked the token “ci”" in done.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api_status(secret) == 401
    # Again (a second click, an old tab): said, not an error.
    assert "was revoked already" in client.post(url, follow=True).content.decode()


def test_revoking_needs_the_csrf_token(cast):
    token, _ = services.api_token_create(user=cast.consultant, name="ci")
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.consultant)
    assert client.post(f"/accounts/profile/tokens/{token.pk}/revoke/").status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize("who", ["teammate", "manager", "admin"])
def test_someone_elses_token_is_404(cast, who):
    token, secret = services.api_token_create(user=cast.consultant, name="ci")
    client = signed_in(getattr(cast, who))
    url = f"/accounts/profile/tokens/{token.pk}/revoke/"
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert api_status(secret) == 200


def test_the_service_revokes_by_id_and_the_command_still_by_name(cast):
    first, _ = services.api_token_create(user=cast.consultant, name="ci")
    services.api_token_revoke(user=cast.consultant, pk=first.pk)
    second, _ = services.api_token_create(user=cast.consultant, name="ci")  # name free again
    assert not services.api_token_revoke(user=cast.teammate, pk=second.pk)  # not bob's
    assert services.api_token_revoke(user=cast.consultant, name="ci")
    assert ApiToken.objects.active().count() == 0
    with pytest.raises(TypeError):
        services.api_token_revoke(user=cast.consultant)


def test_two_creations_at_once_with_one_name_refuse_the_second(cast, monkeypatch):
    """The race past full_clean meets the unique index: a ValidationError, not a 500."""
    services.api_token_create(user=cast.consultant, name="ci")
    monkeypatch.setattr(ApiToken, "full_clean", lambda self, *args, **kwargs: None)
    with pytest.raises(ValidationError, match="already have a token with this name"):
        services.api_token_create(user=cast.consultant, name="ci")
    assert ApiToken.objects.count() == 1
