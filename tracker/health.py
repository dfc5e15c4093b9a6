"""Health of the parts ClientFirst depends on."""

import os
import tempfile

from django.conf import settings
from django.db import connection


def database_health() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure is reported, never raised
        return f"error: {exc.__class__.__name__}"
    return "ok"


def broker_health() -> str:
    """Redis answers a ping, or the embedded broker's folder is writable."""
    if settings.REDIS_URL:
        import redis

        try:
            # One attempt within BROKER_TIMEOUT: /healthz answers within a second even when
            # Redis accepts connections and never answers.
            client = redis.Redis.from_url(
                settings.REDIS_URL, socket_connect_timeout=settings.BROKER_TIMEOUT,
                socket_timeout=settings.BROKER_TIMEOUT, retry=None,
            )
            client.ping()
        except Exception as exc:  # noqa: BLE001
            return f"error: {exc.__class__.__name__}"
        return "ok"
    folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".healthz-"):
            pass
    except OSError as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"
