"""Nothing a signed-in person sees, and no export, may be kept by a browser or a proxy."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


@pytest.mark.parametrize("path", [
    "/", "/time/", "/time/?_export=csv", "/time/?_export=xlsx", "/reports/balance/",
    "/digests/preferences/", "/accounts/profile/",
])
def test_signed_in_pages_and_exports_are_private_and_not_stored(client, cast, path):
    client.force_login(cast.manager)
    response = client.get(path)
    assert response.status_code == 200
    assert {"private", "no-store"} <= cache_control(response)
    assert "public" not in cache_control(response)


def test_an_export_is_a_download_that_is_not_stored(client, cast):
    client.force_login(cast.consultant)
    response = client.get("/time/", {"_export": "csv"})
    assert response["Content-Disposition"].startswith("attachment")
    assert "no-store" in cache_control(response)


def test_anonymous_pages_health_and_static_files_are_left_cacheable(cast, settings):
    # WhiteNoise serves from the finders as under `make run` (DEBUG is off in tests).
    settings.WHITENOISE_USE_FINDERS = settings.WHITENOISE_AUTOREFRESH = True
    client = Client()
    assert Client().get("/accounts/login/").status_code == 200
    assert Client().get("/healthz").status_code == 200
    to_login = Client().get("/time/")
    assert to_login.status_code == 302 and "no-store" not in cache_control(to_login)
    client.force_login(cast.consultant)
    static = client.get("/static/css/clientfirst.css")
    assert static.status_code == 200
    assert "no-store" not in cache_control(static) and "private" not in cache_control(static)


def test_the_unsubscribe_page_naming_a_person_is_not_stored(cast):
    from urllib.parse import urlsplit

    from reports.digests import digest_message, last_week_start

    week = last_week_start(cast.consultant.today())
    message = digest_message(user=cast.consultant, week_start=week)
    url = message.extra_headers["List-Unsubscribe"].strip("<>")
    response = Client().get(urlsplit(url).path)
    assert response.status_code == 200
    assert "no-store" in cache_control(response)
