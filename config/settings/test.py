"""Test overrides: fast hashing, mail kept in memory, Celery eager unless a test starts a worker."""

import os
import uuid

os.environ.setdefault("DEBUG", "1")

from .base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Each test run has a queue of its own on a shared Redis: stale messages never reach its worker.
CELERY_TASK_DEFAULT_QUEUE = f"test-{uuid.uuid4().hex[:12]}"
# Throttle counts in memory even beside a real Redis: a test's cache.clear() must never empty
# the database the Celery broker shares.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
