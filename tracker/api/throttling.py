"""How fast /api/v1/ may be called (docs/api.md "Limits"; rates in settings.REST_FRAMEWORK).

Three counts, each answered with 429 and `Retry-After` once over its rate:
- per token (a signed-in browser: per person): two scripts with two tokens each have their
  own allowance, so a runaway one never starves the other;
- per address, every request, signed in or not, at a higher rate: many tokens (or many
  people behind one address) together are still bounded;
- per address, the requests without valid credentials (DRF's anonymous rate). A wrong,
  revoked or expired token counts there too (`count_refused_credentials`), so guessing
  tokens is slow.

The address is REMOTE_ADDR, or the one NUM_PROXIES proxies back in X-Forwarded-For (0 by
default: a client could write that header itself), as everywhere (tracker/throttles.py).
The counts live in the default cache: Redis when REDIS_URL is set, so every gunicorn worker
shares them; otherwise each process keeps its own. A cache that does not answer lets
requests through (tracker.throttles.FailOpen).
"""

from rest_framework import exceptions, throttling

from ..models import ApiToken
from ..throttles import FailOpen


class TokenRateThrottle(FailOpen, throttling.SimpleRateThrottle):
    scope = "token"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"  # the browser session, for its person
        else:
            return None  # anonymous: the address throttles count it
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonRateThrottle(FailOpen, throttling.AnonRateThrottle):
    """Requests without valid credentials, per address (scope "anon")."""


class AddressRateThrottle(FailOpen, throttling.SimpleRateThrottle):
    """Every request from an address, whoever makes it."""

    scope = "address"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def count_refused_credentials(exc, context):
    """A request refused for its credentials, counted against the address: Throttled once over
    the limit, else `exc` unchanged. (The exception handler, tracker.api.base, calls this.)

    DRF authenticates and checks permissions before it throttles, so a bad token (401) would
    never reach the throttles: here it is counted against the address (and the anonymous
    rate), and once over the limit the answer is 429 rather than another 401.
    """
    if isinstance(exc, exceptions.AuthenticationFailed | exceptions.NotAuthenticated):
        view, request = context["view"], context["request"]
        try:
            view.check_throttles(request)
        except exceptions.Throttled as throttled:
            return throttled
    return exc
