import functools
import time
import zoneinfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from . import history


class UserTimezoneMiddleware:
    """Show dates and times in the signed-in user's own timezone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.timezone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


class HistoryMiddleware:
    """Who changes what, and through what (tracker/history.py): the admin, the API (with its
    token) or a page, for every write the request makes. Read when a change is recorded, so
    the API's user and token, which DRF authenticates inside the view, are known by then."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith("/api/"):
            via = history.Via.API
        elif path.startswith(_admin_prefix()):
            via = history.Via.ADMIN
        else:
            via = history.Via.PAGE
        with history.for_request(request, via):
            return self.get_response(request)


class SessionRefreshMiddleware:
    """Keeps a signed-in person's session alive while they use it: it ends SESSION_COOKIE_AGE
    (a working day) after their last request, give or take SESSION_REFRESH_SECONDS.

    Django moves a session's expiry on only when the session is saved; saving it on every
    request (SESSION_SAVE_EVERY_REQUEST) would cost a database write per page. Here the
    session is touched at most once every SESSION_REFRESH_SECONDS, which saves it with a new
    expiry and sends the cookie again with a new Max-Age. The log-in stamps it first
    (`stamp_session_at_log_in`), so the pages right after a log-in write nothing.
    """

    KEY = "_refreshed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            if now - request.session.get(self.KEY, 0) >= settings.SESSION_REFRESH_SECONDS:
                request.session[self.KEY] = now
        return self.get_response(request)


def stamp_session_at_log_in(sender, request, user, **kwargs):
    """user_logged_in (connected in apps.py): the log-in saves the session with a fresh expiry
    anyway; note when, for SessionRefreshMiddleware."""
    if request is not None and hasattr(request, "session"):
        request.session[SessionRefreshMiddleware.KEY] = int(time.time())


@functools.cache
def _admin_prefix() -> str:
    return reverse("admin:index")
