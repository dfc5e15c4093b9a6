"""Error pages a person can act on, in the app's layout."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_form_posted_after_logging_in_again_explains_what_to_do(cast):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast.consultant)
    response = browser.post("/time/new/", {"date": "2026-11-24", "seconds": "1:00"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "That form had expired, so nothing was saved" in page and "reload the page" in page


def test_out_of_reach_is_a_plain_404_page(client, cast, settings):
    settings.DEBUG = False
    client.force_login(cast.outsider)
    response = client.get(f"/engagements/{cast.engagement.pk}/")
    assert response.status_code == 404
    assert "not within your reach" in response.content.decode()
