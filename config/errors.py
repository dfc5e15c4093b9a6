"""When the database does not answer: a plain 503 that says to try again, never a traceback.

A request that meets a lost or refused database connection (PostgreSQL restarted, cut or
failing over) ends here, through the middleware for errors raised in a view and through
handler500 for those raised elsewhere (a middleware reading the session). Its transaction
was rolled back with the connection, so nothing it wrote is half there. The broken
connection is closed, and the next request opens a new one (CONN_HEALTH_CHECKS checks a
persistent one first): the app recovers by itself once the database answers again.
"""

import contextlib
import logging
import sys

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5
MESSAGE = "The database is not answering right now. Nothing was saved; try again in a moment."


def database_unavailable(request) -> HttpResponse:
    """The 503 (django.request logs it, in one line: DatabaseErrorsBriefly)."""
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block:
            continue  # the block's owner rolls back (a test's transaction, ATOMIC_REQUESTS)
        with contextlib.suppress(Exception):
            connection.close()
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": MESSAGE}, status=503)
    else:
        # Rendered without the request: its context processors would ask the database.
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """A view that lost the database answers 503 (in development too, where handler500 is
    replaced by Django's debug page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            return database_unavailable(request)
        return None


class DatabaseErrorsBriefly(logging.Filter):
    """django.request logs a lost database in one line, not a traceback per request: during
    an outage every request fails the same way, and the tracebacks would bury the rest."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], DATABASE_ERRORS):
            exc = record.exc_info[1]
            reason = f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
            # The message is formatted with record.args later: a % in the reason is literal.
            record.msg = f"{record.msg} (the database did not answer: {reason.replace('%', '%%')})"
            record.exc_info = record.exc_text = None
        return True


def server_error(request):
    """handler500: 503 when the database was the cause, else the plain 500 page."""
    exc = sys.exc_info()[1]
    if isinstance(exc, DATABASE_ERRORS):
        return database_unavailable(request)
    return defaults.server_error(request)
