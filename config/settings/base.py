"""ClientFirst settings: one module, driven by environment variables.

Production is these same settings with DEBUG off, SECRET_KEY and ALLOWED_HOSTS set.
"""

import datetime as dt
import os
import secrets
import sys
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def envbool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG")

# Commands that only read the models' definitions: they neither serve nor sign anything, so
# they may run in production mode without the secrets (CI checks migrations this way).
SCHEMA_ONLY_COMMANDS = {"makemigrations", "showmigrations", "sqlmigrate"}
SCHEMA_ONLY = (
    len(sys.argv) > 1 and Path(sys.argv[0]).name == "manage.py"
    and sys.argv[1] in SCHEMA_ONLY_COMMANDS
)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "django-insecure-development-only-key-never-use-in-production-0123456789"
    elif SCHEMA_ONLY:
        SECRET_KEY = secrets.token_urlsafe(50)  # never used: these commands sign nothing
    else:
        # SystemExit with a message prints one line on stderr, not a traceback.
        raise SystemExit(
            "ClientFirst: SECRET_KEY must be set when DEBUG is off "
            "(set SECRET_KEY for production, or DEBUG=1 for development)."
        )

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
if not ALLOWED_HOSTS and not SCHEMA_ONLY:
    raise SystemExit(
        "ClientFirst: ALLOWED_HOSTS must be set when DEBUG is off "
        "(comma-separated host names, e.g. ALLOWED_HOSTS=clientfirst.example.com)."
    )
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",  # django-csp: its system checks (an old-style CSP_* setting is an error)
    "django_tables2",
    "django_filters",
    "django_celery_beat",
    "axes",  # failed log-ins, and the lockout after too many (below)
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from here (/api/docs/), no CDN
    "tracker",
    "clients",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside WhiteNoise, so static files carry both policies too (an SVG opened on its own).
    "csp.middleware.CSPMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.errors.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.PrivateNoStoreMiddleware",
    "config.middleware.MethodNotAllowedPageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tracker.middleware.UserTimezoneMiddleware",
    "tracker.middleware.HistoryMiddleware",
    "tracker.middleware.SessionRefreshMiddleware",
    # Last, as axes asks: it turns a locked-out log-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tracker.context_processors.role",
            ],
        },
    },
]

# Database: SQLite in var/ unless DATABASE_URL says otherwise.
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'clientfirst.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Menus iterate their querysets; a server-side cursor costs a DECLARE and FETCH round trips
    # for a few dozen rows each (and breaks behind a transaction-pooling pgbouncer).
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    # A database that does not answer fails a request (503, config/errors.py) within
    # seconds instead of holding it: libpq's connect timeout, in whole seconds.
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "connect_timeout": envint("DATABASE_CONNECT_TIMEOUT", 3),
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL and IMMEDIATE let web, worker and beat share one file without "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "tracker.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "tracker:my_week"
LOGOUT_REDIRECT_URL = "login"

# Password guessing (django-axes, docs/operations.md "Log-in lockout"). A log-in is refused
# after AXES_FAILURE_LIMIT failures within AXES_COOLOFF_TIME counted per account (one account
# guessed from many addresses) and, separately, per address (one address guessing many
# accounts); a failure in that window counts whatever its user agent. Refused attempts during
# a lockout are not counted, so guessing on cannot keep an account locked longer than the
# cool-off after its tenth failure; a successful reset by e-mail clears the account's count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out log-in
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = dt.timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A success does not wipe the address's count: a guesser with one real account could
# otherwise log into it every ninth failure and guess other accounts on.
AXES_RESET_ON_SUCCESS = False
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_CALLABLE = "tracker.views.accounts.locked_out"
# The address as the API's throttles take it (NUM_PROXIES below), not a header a client writes.
AXES_CLIENT_IP_CALLABLE = "tracker.throttles.client_address"
AXES_VERBOSE = False  # no start-up banner; failures are logged by axes at WARNING anyway

# Sessions end after a working day without a request (SessionRefreshMiddleware moves the
# expiry on at most every SESSION_REFRESH_SECONDS, not with a write per request).
SESSION_COOKIE_AGE = envint("SESSION_IDLE_HOURS", 10) * 3600
SESSION_REFRESH_SECONDS = 300

# Rates of the pages' own throttles (tracker/throttles.py), "count/period" as the API's.
PAGE_THROTTLE_RATES = {
    "password_reset_address": os.environ.get("PASSWORD_RESET_THROTTLE_ADDRESS") or "10/hour",
    "password_reset_account": os.environ.get("PASSWORD_RESET_THROTTLE_ACCOUNT") or "3/hour",
    "token_create": os.environ.get("TOKEN_CREATE_THROTTLE") or "10/hour",
    # The client's confirmation page (/confirm/<token>/, /cards/<slug>/), per address.
    "confirm_address": os.environ.get("CONFIRM_THROTTLE_ADDRESS") or "60/hour",
}

# Argon2id at OWASP's parameters (config/hashers.py); the others verify older hashes, which
# are rewritten as Argon2id at the next log-in.
PASSWORD_HASHERS = [
    "config.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Uploads (the import page's files): private, never served as /media/; kept until imported.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "uploads"))
MEDIA_URL = "media/"
# The import page refuses a bigger file by its size, before reading it. Django keeps an
# upload up to FILE_UPLOAD_MAX_MEMORY_SIZE in memory and streams a bigger one to a temporary
# file, so even a refused upload is never held whole in memory; the proxy in front should
# cap the body a little above IMPORT_MAX_BYTES too (nginx client_max_body_size).
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", 20 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # Django's default, stated: 2.5 MB
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # form fields other than files
FILE_UPLOAD_PERMISSIONS = 0o640

SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Email: EMAIL_URL (smtp://user:pass@host:port?tls=1) or the usual EMAIL_* variables.
# With neither and DEBUG on, messages are printed to the console.
EMAIL_URL = os.environ.get("EMAIL_URL", "")
if EMAIL_URL:
    _email = urlsplit(EMAIL_URL)
    _query = {key: values[-1] for key, values in parse_qs(_email.query).items()}
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email.hostname or "localhost"
    EMAIL_PORT = _email.port or (465 if _email.scheme == "smtps" else 25)
    EMAIL_HOST_USER = unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = unquote(_email.password or "")
    EMAIL_USE_SSL = _email.scheme == "smtps"
    EMAIL_USE_TLS = _query.get("tls", "").lower() in {"1", "true", "yes"}
elif os.environ.get("EMAIL_HOST") or not DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
    EMAIL_PORT = envint("EMAIL_PORT", 25)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = envbool("EMAIL_USE_TLS")
    EMAIL_USE_SSL = envbool("EMAIL_USE_SSL")
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ClientFirst <clientfirst@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: Redis when REDIS_URL is set, else kombu's filesystem transport in var/broker,
# so a real worker and beat run with no server at all.
REDIS_URL = os.environ.get("REDIS_URL", "")
BROKER_TIMEOUT = float(os.environ.get("BROKER_TIMEOUT") or 0.5)  # seconds
BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # A Redis that accepts connections but never answers must not hang a web request: a
    # publish (and /healthz's ping) waits at most BROKER_TIMEOUT to connect and as long for
    # the answer, once (no retry below), then the row stays queued for a sweep
    # (tracker/queueing.py). Redis on the same network answers in milliseconds; the worker's
    # BRPOP is unaffected (it reads only when Redis has answered).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": BROKER_TIMEOUT,
        "socket_timeout": BROKER_TIMEOUT,
        "max_retries": 1,
        # A message a worker took and never acknowledged (killed with kill -9) is delivered
        # again after this; the sweeps publish such a run or import again much sooner
        # (REPORT_RUN_LEASE_SECONDS, IMPORT_BATCH_LEASE_SECONDS). Above any countdown.
        "visibility_timeout": envint("BROKER_VISIBILITY_TIMEOUT", 3600),
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
# One attempt: each retry waits the broker's timeout again, and a publish that fails is
# published by the next sweep anyway. (A pooled connection that Redis closed is replaced by
# redis-py before the command, without counting as a retry.)
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 0,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "celery")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
# Without this, a kill -9 of the worker loses the tasks it held.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", 300)
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", 360)
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Synced into django-celery-beat's tables, where an admin can see and change it.
CELERY_BEAT_SCHEDULE = {
    "plan-weekly-digests": {
        "task": "reports.tasks.plan_digests_task",
        "schedule": crontab(minute=5),
    },
    "plan-week-reminders": {
        "task": "reports.tasks.plan_reminders_task",
        "schedule": crontab(minute=7),
    },
    "sweep-report-runs": {
        "task": "reports.tasks.sweep_report_runs_task",
        "schedule": 60.0,
    },
    "sweep-import-batches": {
        "task": "tracker.tasks.sweep_import_batches_task",
        "schedule": 60.0,
    },
    # Everyone's weekly totals for /time/: the entries' changes folded, one row a week.
    "compact-firm-weeks": {
        "task": "tracker.tasks.firm_weeks_compact_task",
        "schedule": 300.0,
    },
    # Client confirmation requests: reminders after 7 days, and e-mails lost on the way.
    "sweep-confirmations": {
        "task": "reports.tasks.sweep_confirmations_task",
        "schedule": crontab(minute=11),
    },
}

# Report runs and import batches "running" longer than this were held by a worker that died:
# the sweeps (beat's every minute, a worker's as it starts) publish them again.
REPORT_RUN_LEASE_SECONDS = envint("REPORT_RUN_LEASE_SECONDS", 600)
IMPORT_BATCH_LEASE_SECONDS = envint("IMPORT_BATCH_LEASE_SECONDS", 900)

# Weekly digests (reports/digests/): a row held in "sending" longer than the lease belonged to
# a worker that died; temporary SMTP errors retry with backoff up to the last attempt.
DIGEST_SENDING_LEASE_SECONDS = envint("DIGEST_SENDING_LEASE_SECONDS", 120)
DIGEST_MAX_ATTEMPTS = envint("DIGEST_MAX_ATTEMPTS", 5)
DIGEST_RETRY_BACKOFF_SECONDS = envint("DIGEST_RETRY_BACKOFF_SECONDS", 60)
DIGEST_CHUNK_SIZE = envint("DIGEST_CHUNK_SIZE", 50)
# The timesheet reminder (Monday 12:00, last week unsubmitted): off here turns it off for all.
WEEK_REMINDERS = envbool("WEEK_REMINDERS", True)

# Security: secure by default once DEBUG is off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    if envbool("TRUST_X_FORWARDED_PROTO"):
        # Only behind a proxy that sets the header itself; otherwise clients could forge it.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", True)

# Content-Security-Policy (django-csp; docs/operations.md): everything from this server, no
# inline script, no inline style, never framed. Scripts live in static/js, styles in
# static/css; a bar's width is a data-width attribute that static/js/widths.js applies.
# A view that needs more says so with csp_update (the digest preview, /api/docs/).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # Bootstrap's and Swagger UI's icons are data: SVGs
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Permissions-Policy (config/middleware.py): browser features the app never uses, off for
# every page and anything framed in one. An empty tuple is `feature=()`: allowed nowhere.
PERMISSIONS_POLICY = {
    feature: ()
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture",
        "encrypted-media", "fullscreen", "geolocation", "gyroscope", "hid", "idle-detection",
        "magnetometer", "microphone", "midi", "payment", "picture-in-picture",
        "publickey-credentials-get", "screen-wake-lock", "serial", "usb",
        "xr-spatial-tracking",
    )
}

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"

# The cache holds the API's throttle counts. With REDIS_URL it is Redis, so the gunicorn workers
# share them; without, each process counts on its own (runserver is one process). Short socket
# timeouts: a Redis that does not answer skips throttling (tracker/api/throttling.py) quickly.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "clientfirst",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The REST API (/api/v1/, docs/api.md): personal tokens or the browser session (with CSRF),
# JSON only, throttled per token and per address (tracker/api/throttling.py: 429 with
# Retry-After). API_THROTTLE_USER is the per-token rate's former name, still read.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tracker.api.auth.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "tracker.api.base.Page",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["tracker.api.base.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [
        "tracker.api.throttling.TokenRateThrottle",
        "tracker.api.throttling.AnonRateThrottle",
        "tracker.api.throttling.AddressRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": (os.environ.get("API_THROTTLE_TOKEN") or os.environ.get("API_THROTTLE_USER")
                  or "1200/minute"),
        "anon": os.environ.get("API_THROTTLE_ANON") or "60/minute",
        "address": os.environ.get("API_THROTTLE_ADDRESS") or "3000/minute",
    },
    # How many proxies in front append to X-Forwarded-For. 0: the address is REMOTE_ADDR and
    # the header is ignored, since a client may write it (DRF's default trusts it whole).
    "NUM_PROXIES": envint("NUM_PROXIES", 0),
    "EXCEPTION_HANDLER": "tracker.api.base.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ClientFirst API",
    "DESCRIPTION": (
        "Time, promotion activities and client outcomes, over the same access rules, checks "
        "and figures as the pages. Send `Authorization: Bearer <token>` with a personal token "
        "(made on your [profile page](/accounts/profile/)), or use the signed-in browser "
        "session. Out of your reach is 404, no or bad credentials 401, a forbidden write 403, "
        "invalid input 400 with a message per field, too many requests 429 with Retry-After. "
        # Swagger UI renders this as Markdown: the page's one way back to the app.
        "[Back to ClientFirst](/)"
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Choice sets that share a field name ("kind", "status"): one schema name each.
    "ENUM_NAME_OVERRIDES": {
        "TimeKindEnum": "tracker.models.Kind",
        "ActivityKindEnum": "tracker.models.ActivityKind",
        "EngagementStatusEnum": "clients.models.Engagement.Status",
        "OutcomeStatusEnum": "clients.models.Outcome.Status",
        "ReportRunStatusEnum": "reports.models.ReportRun.Status",
    },
    # The schema and /api/docs/ are for signed-in people and token holders, like the API.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from drf-spectacular-sidecar's static files, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # validatorUrl null: Swagger UI would otherwise send the schema to validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # Separate request and response shapes: what a request must send (a non-blank string:
    # minLength 1) differs from what a response carries (read-only fields).
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # 400/401/403/404/429 on every operation that can meet them (tracker/api/errors.py).
        "tracker.api.errors.document_common_errors",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"database_errors_briefly": {"()": "config.errors.DatabaseErrorsBriefly"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # axes says INFO twice per failed log-in; its warnings (a failure, a lockout) stay,
        # and tracker.views.accounts names who was locked out and from where.
        "axes": {"level": "WARNING"},
        "django.request": {"filters": ["database_errors_briefly"]},
    },
}
