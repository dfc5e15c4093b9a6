"""How fast the API may be called: per token, per address, and failed log-ins per address
(tracker/api/throttling.py). Past a limit: 429 with Retry-After."""

import json
import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from rest_framework.test import APIClient

from tracker.services import api_token_create

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
PLENTY = "1000/minute"


@pytest.fixture
def rates(monkeypatch):
    """Set the rates for one test (DRF reads them once, into the throttle class)."""
    from rest_framework.throttling import SimpleRateThrottle

    cache.clear()

    def set_rates(token=PLENTY, anon=PLENTY, address=PLENTY):
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES",
                            {"token": token, "anon": anon, "address": address})

    yield set_rates
    cache.clear()


def client_for(secret=None, address="203.0.113.7", **headers) -> APIClient:
    client = APIClient(REMOTE_ADDR=address, **headers)
    if secret:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def token(user, name="script"):
    return api_token_create(user=user, name=name)[1]


def assert_limited(response):
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "throttled" in response.json()["detail"].lower()


def test_each_token_has_its_own_allowance(cast, rates):
    rates(token="2/minute")
    first = client_for(token(cast.consultant, "sync"))
    second = client_for(token(cast.consultant, "report"))
    assert [first.get(ME).status_code for _ in range(2)] == [200, 200]
    assert_limited(first.get(ME))
    # The same person's other script is not starved by the first.
    assert second.get(ME).status_code == 200


def test_the_browser_session_counts_per_person(cast, rates):
    rates(token="2/minute")
    browser = APIClient(REMOTE_ADDR="203.0.113.7")
    browser.force_login(cast.consultant)
    assert [browser.get(ME).status_code for _ in range(2)] == [200, 200]
    assert_limited(browser.get(ME))
    other = APIClient(REMOTE_ADDR="203.0.113.7")
    other.force_login(cast.teammate)
    assert other.get(ME).status_code == 200


def test_every_request_from_an_address_counts_whoever_makes_it(cast, rates):
    rates(address="3/minute")
    callers = [client_for(token(user)) for user in (cast.consultant, cast.teammate,
                                                       cast.manager)]
    assert [caller.get(ME).status_code for caller in callers] == [200, 200, 200]
    assert_limited(client_for(token(cast.admin)).get(ME))
    assert_limited(callers[0].get(ME))
    # Another address has its own count.
    assert client_for(token(cast.outsider), address="198.51.100.9").get(ME).status_code == 200


def test_guessing_tokens_is_slowed_down(cast, rates):
    """A wrong token is a 401 until the address has failed too often: then 429, however
    the guesses go on."""
    rates(anon="3/minute")
    guesses = [client_for(f"cf_guess{n}").get(ME).status_code for n in range(3)]
    assert guesses == [401, 401, 401]
    assert_limited(client_for("cf_guess4").get(ME))
    assert_limited(client_for().get(ME))  # no token at all: the same count
    # A person with a real token from that address is not locked out by the guesser...
    assert client_for(token(cast.consultant)).get(ME).status_code == 200
    # ...and the guesser from elsewhere starts afresh.
    assert client_for("cf_guess5", address="198.51.100.9").get(ME).status_code == 401


def test_failed_attempts_count_against_the_address_too(cast, rates):
    rates(address="3/minute")
    assert client_for("cf_wrong").get(ME).status_code == 401
    assert client_for("cf_wrong").get(ME).status_code == 401
    good = client_for(token(cast.consultant))
    assert good.get(ME).status_code == 200
    assert_limited(good.get(ME))


def test_the_forwarded_for_header_is_ignored_unless_proxies_are_declared(cast, rates,
                                                                         settings):
    rates(anon="2/minute")
    # A client that writes its own X-Forwarded-For does not get a fresh count per request.
    statuses = [
        client_for("cf_wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").get(ME).status_code
        for n in range(3)
    ]
    assert statuses == [401, 401, 429]

    # Behind one proxy (NUM_PROXIES=1), the address is the one the proxy appended.
    settings.REST_FRAMEWORK = {**django_settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    cache.clear()
    behind = [
        client_for("cf_wrong", address="10.0.0.2",
                   HTTP_X_FORWARDED_FOR=f"spoofed, 192.0.2.{n}").get(ME).status_code
        for n in range(3)
    ]
    assert behind == [401, 401, 401]  # three clients, one request each


def test_a_cache_that_does_not_answer_lets_requests_through(
    cast, rates, settings, caplog, monkeypatch
):
    from tracker import throttles

    # The pause after a failure is per process: the tests after this one ask the cache again.
    monkeypatch.setattr(throttles.FailOpen, "_cache_down_until", 0.0)
    rates(token="1/minute")
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }}
    client = client_for(token(cast.consultant))
    with caplog.at_level(logging.WARNING, logger="tracker.throttles"):
        assert [client.get(ME).status_code for _ in range(3)] == [200, 200, 200]
    assert "the cache did not answer" in caplog.text
    # Asked once, then left alone for a while: one warning, not one per request and throttle.
    assert caplog.text.count("the cache did not answer") == 1


def read_settings(**env) -> dict:
    """The settings a fresh process builds from `env` (as gunicorn would)."""
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'rates': s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'], "
        "'proxies': s.REST_FRAMEWORK['NUM_PROXIES'], "
        "'cache': s.CACHES['default']['BACKEND']}))"
    )
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("API_THROTTLE_", "NUM_PROXIES", "REDIS_URL"))}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.base", "DEBUG": "1", **env},
    )
    return json.loads(result.stdout)


def test_rates_proxies_and_cache_come_from_the_environment():
    default = read_settings()
    assert default == {
        "rates": {"token": "1200/minute", "anon": "60/minute", "address": "3000/minute"},
        "proxies": 0,
        "cache": "django.core.cache.backends.locmem.LocMemCache",
    }
    chosen = read_settings(API_THROTTLE_TOKEN="10/second", API_THROTTLE_ANON="5/minute",
                           API_THROTTLE_ADDRESS="100/minute", NUM_PROXIES="1",
                           REDIS_URL="redis://127.0.0.1:6379/0")
    assert chosen == {
        "rates": {"token": "10/second", "anon": "5/minute", "address": "100/minute"},
        "proxies": 1,
        "cache": "django.core.cache.backends.redis.RedisCache",
    }
    # The per-token rate's former name still works.
    assert read_settings(API_THROTTLE_USER="7/minute")["rates"]["token"] == "7/minute"
