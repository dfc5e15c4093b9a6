"""Making and revoking an API token in a real browser (the profile page)."""

import pytest
from rest_framework.test import APIClient

from tracker.models import ApiToken

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def api_status(secret: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client.get("/api/v1/me/").status_code


def test_make_a_token_copy_it_once_and_revoke_it(cast, log_in, live_server, tmp_path):
    page = log_in(cast.consultant)
    page.locator("#user-menu").click()
    page.get_by_role("link", name="Profile and API tokens").click()
    page.wait_for_url(f"{live_server.url}/accounts/profile/")
    assert page.get_by_text("You have no API tokens yet.").is_visible()

    page.get_by_label("Name").fill("laptop sync")
    page.get_by_label("Expires").select_option(label="In 30 days")
    page.get_by_role("button", name="Create token").click()
    secret = page.get_by_label("Your new token").input_value()
    assert secret.startswith("cf_")
    assert page.get_by_role("button", name="Copy").is_visible()  # the clipboard is there
    page.screenshot(path=tmp_path / "profile.png", full_page=True)
    assert api_status(secret) == 200

    page.goto(f"{live_server.url}/accounts/profile/")  # back later: the secret is gone
    assert secret not in page.content()
    row = page.locator("#token-list tbody tr", has_text="laptop sync")
    assert "active" in row.inner_text() and secret[:10] in row.inner_text()

    row.get_by_role("link", name="Revoke laptop sync").click()
    page.get_by_role("button", name="Revoke").click()
    page.wait_for_selector("text=Revoked the token “laptop sync”")
    assert "revoked" in page.locator("#token-list tbody tr").inner_text()
    assert ApiToken.objects.get().revoked_at is not None
    assert api_status(secret) == 401
