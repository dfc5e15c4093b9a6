"""Who is asking, and how often: the client's address, and the pages' own throttles.

The address is defined here once: the API's throttles (DRF's `get_ident`, which reads
NUM_PROXIES), the log-in lockout (django-axes, AXES_CLIENT_IP_CALLABLE) and the page
throttles below all take it the same way. It is REMOTE_ADDR, or with NUM_PROXIES proxies in
front, the address that many entries from the end of X-Forwarded-For: the entries the
proxies appended, which a client cannot forge.

The page throttles (the password reset form, the API token form) count in Django's cache,
like the API's, with DRF's sliding window and the rates in settings.PAGE_THROTTLE_RATES. A
refused request is not counted, and a cache that does not answer lets the request through.
"""

import logging
import math
import time

from django.conf import settings
from redis.exceptions import RedisError
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

log = logging.getLogger(__name__)


def client_address(request) -> str:
    return BaseThrottle().get_ident(request)


# After the cache failed to answer, the throttles leave it alone this long (per process): each
# request would otherwise wait the cache's timeout once per throttle.
CACHE_RETRY_AFTER = 15.0


class FailOpen:
    """A cache that does not answer lets the request through (and says so in the log):
    throttling protects the app, it must not take it down with Redis."""

    _cache_down_until = 0.0  # time.monotonic() until which the cache is not asked

    def allow_request(self, request, view):
        if time.monotonic() < FailOpen._cache_down_until:
            return True
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError) as exc:
            FailOpen._cache_down_until = time.monotonic() + CACHE_RETRY_AFTER
            log.warning("Throttle %s skipped for %.0fs: the cache did not answer (%s)",
                        self.scope, CACHE_RETRY_AFTER, type(exc).__name__)
            return True


class _PageThrottle(FailOpen, SimpleRateThrottle):
    def __init__(self, scope: str, ident: str):
        self.scope, self.ident = scope, ident
        self.rate = settings.PAGE_THROTTLE_RATES[scope]
        super().__init__()

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.ident}


def throttle_wait(scope: str, ident: str) -> int | None:
    """Counts one request of `ident` (an address, an account) in `scope`: None when it is
    within the scope's rate, else the whole minutes until the next one is allowed (not
    counted then)."""
    throttle = _PageThrottle(scope, ident)
    if throttle.allow_request(None, None):
        return None
    return max(1, math.ceil((throttle.wait() or 60) / 60))
