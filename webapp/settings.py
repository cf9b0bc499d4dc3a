"""The one settings module: everything that varies between machines comes from the environment.

Embedded defaults need nothing but Python (SQLite, local files, a filesystem broker);
DATABASE_URL, REDIS_URL and STEMWORKS_S3_BUCKET switch to PostgreSQL, Redis and S3/MinIO.
"""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from webapp.env import envbool, envfloat, envint, envintmap, envlist, envpacks, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("STEMWORKS_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = envbool("DEBUG", False)
# Served to the public over https (docker-compose.yml turns both on): plain http is redirected,
# cookies travel only over https, browsers are told to come back only over https (HSTS), and
# development secrets are refused. Off by default, so `make run` works on http://127.0.0.1.
STEMWORKS_HTTPS = envbool("STEMWORKS_HTTPS", False)
STEMWORKS_PRODUCTION = envbool("STEMWORKS_PRODUCTION", False) or STEMWORKS_HTTPS
DEVELOPMENT_SECRET_KEY = "stemworks-insecure-development-key-change-me"
SECRET_KEY = envstr("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if STEMWORKS_PRODUCTION and (
    SECRET_KEY == DEVELOPMENT_SECRET_KEY
    or SECRET_KEY.startswith("django-insecure-")
    or len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
):
    raise ImproperlyConfigured(
        "Set SECRET_KEY to a long random string of its own (50 characters or more), e.g. "
        "the output of: python -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
# The address people reach this site at, for links in e-mails and redirects; unset, links
# use the address each request came in on (webapp.accounts.links).
SITE_URL = envstr("SITE_URL").rstrip("/")
# Behind a proxy that ends TLS and sets X-Forwarded-Proto: trust it, so requests count as https.
if envbool("STEMWORKS_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = STEMWORKS_HTTPS
# Health checks come over plain http from inside the container network, not through the proxy.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = STEMWORKS_HTTPS
SECURE_HSTS_SECONDS = (
    envint("STEMWORKS_HSTS_SECONDS", 365 * 24 * 3600, minimum=0) if STEMWORKS_HTTPS else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("STEMWORKS_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = envbool("STEMWORKS_HSTS_PRELOAD", True)

INSTALLED_APPS = [
    # First, so its registration/ templates (password reset) win over the admin's.
    "webapp.accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "webapp.jobs",
    "webapp.billing",
    "webapp.feedback",
    "webapp.sharing",
    "webapp.monitoring",
    "webapp.private",
    "webapp.pages",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "webapp.urls"
WSGI_APPLICATION = "webapp.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "webapp.pages.context_processors.header",
            ]
        },
    }
]

# --- database -------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        # A process keeps its connection between requests: opening one to PostgreSQL costs
        # more than serving a page (bench/api_latency.py). It is checked before reuse, so a
        # restarted database costs one reconnect, not an error. 0 opens one per request.
        conn_max_age=envint("DB_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # The web process, the worker and beat write to one file at once. WAL lets readers go on
    # while one connection writes; IMMEDIATE takes the write lock when a transaction begins,
    # because a transaction that read first and then writes fails at once ("database is
    # locked") instead of waiting; the busy timeout makes each writer wait for its turn.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000"
            ),
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    # Older hashes still verify, and are upgraded to Argon2 at the next login.
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "pages:dashboard"
LOGOUT_REDIRECT_URL = "pages:landing"

# --- e-mail ---------------------------------------------------------------------------
# Printed on the console unless an SMTP server is configured.
EMAIL_HOST = envstr("EMAIL_HOST")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = envint("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Stemworks <noreply@localhost>")
# A paid job needs a verified e-mail address; the link in the e-mail lasts this long.
STEMWORKS_REQUIRE_VERIFIED_EMAIL = envbool("STEMWORKS_REQUIRE_VERIFIED_EMAIL", True)
STEMWORKS_EMAIL_VERIFY_MAX_AGE_S = envint(
    "STEMWORKS_EMAIL_VERIFY_MAX_AGE_S", 3 * 24 * 3600, minimum=60
)
# Anonymous sign-up, log-in, password reset and verification requests per IP address.
STEMWORKS_AUTH_THROTTLE_RATE = envstr("STEMWORKS_AUTH_THROTTLE_RATE", "20/minute")
if not re.fullmatch(r"\d+/(second|minute|hour|day)", STEMWORKS_AUTH_THROTTLE_RATE):
    raise ImproperlyConfigured("STEMWORKS_AUTH_THROTTLE_RATE must look like 20/minute.")
# New jobs (uploads) per signed-in user.
STEMWORKS_UPLOAD_THROTTLE_RATE = envstr("STEMWORKS_UPLOAD_THROTTLE_RATE", "30/hour")
if not re.fullmatch(r"\d+/(second|minute|hour|day)", STEMWORKS_UPLOAD_THROTTLE_RATE):
    raise ImproperlyConfigured("STEMWORKS_UPLOAD_THROTTLE_RATE must look like 30/hour.")
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- static files and storage ---------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = Path(envstr("STEMWORKS_MEDIA_ROOT", str(VAR_DIR / "media")))
S3_BUCKET = envstr("STEMWORKS_S3_BUCKET")
# On S3, downloads answer 302 to a signed URL that works this long (S3 then serves ranges).
STEMWORKS_SIGNED_URL_SECONDS = envint("STEMWORKS_SIGNED_URL_SECONDS", 300, minimum=1)
# Where browsers reach the S3 server, when not at STEMWORKS_S3_ENDPOINT_URL (e.g. MinIO in compose).
STEMWORKS_S3_PUBLIC_URL = envstr("STEMWORKS_S3_PUBLIC_URL").rstrip("/")
if S3_BUCKET:
    _files = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": envstr("STEMWORKS_S3_ENDPOINT_URL") or None,
            "access_key": envstr("STEMWORKS_S3_ACCESS_KEY") or None,
            "secret_key": envstr("STEMWORKS_S3_SECRET_KEY") or None,
            "region_name": envstr("STEMWORKS_S3_REGION") or None,
            # Stems are private: no public ACL, and any URL the storage makes is signed.
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": STEMWORKS_SIGNED_URL_SECONDS,
            "signature_version": "s3v4",
            "file_overwrite": False,
        },
    }
else:
    # Files live under MEDIA_ROOT, which is never served: they go out only through the API.
    _files = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _files,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}


def _storage_origins() -> list[str]:
    """Return the origins browsers fetch stored files from: on S3, downloads and the player's
    audio and waveforms are redirected to signed URLs there; on local disk, none."""
    if not S3_BUCKET:
        return []
    url = STEMWORKS_S3_PUBLIC_URL or envstr("STEMWORKS_S3_ENDPOINT_URL")
    if url:
        parts = urlsplit(url)
        return [f"{parts.scheme}://{parts.netloc}"]
    # AWS itself: boto3 signs for the bucket's own host, with or without the region.
    region = envstr("STEMWORKS_S3_REGION")
    hosts = [f"{S3_BUCKET}.s3.amazonaws.com"] + (
        [f"{S3_BUCKET}.s3.{region}.amazonaws.com"] if region else []
    )
    return [f"https://{host}" for host in hosts]


# --- content security policy ----------------------------------------------------------
# Pages run only the site's own scripts and styles (no inline code, no eval) and talk only
# to this site and the storage; nobody may frame them. The API docs relax nothing: their
# script comes from a URL too (webapp.urls).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "media-src": [SELF, "blob:", *_storage_origins()],
        "connect-src": [SELF, *_storage_origins()],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- uploads --------------------------------------------------------------------------
STEMWORKS_MAX_UPLOAD_BYTES = envint("STEMWORKS_MAX_UPLOAD_MB", 200, minimum=1) * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "webapp.jobs.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FILE_UPLOAD_TEMP_DIR = envstr("FILE_UPLOAD_TEMP_DIR") or None

# --- jobs -----------------------------------------------------------------------------
STEMWORKS_MAX_DURATION_S = envfloat("STEMWORKS_MAX_DURATION_S", 20 * 60, minimum=1)
STEMWORKS_PREVIEW_SECONDS = envfloat("STEMWORKS_PREVIEW_SECONDS", 30, minimum=1)
STEMWORKS_PREVIEWS_PER_DAY = envint("STEMWORKS_PREVIEWS_PER_DAY", 10, minimum=0)
# Threads that encode a job's stored copies side by side (0: one per core this process
# may use, at most 8).
STEMWORKS_ENCODE_THREADS = envint("STEMWORKS_ENCODE_THREADS", 0, minimum=0) or min(
    8, len(os.sched_getaffinity(0))
)
# Stems are stored as WAV; float (the default) keeps peaks above full scale, so the stems
# add up to the mix exactly; "16" or "24" store smaller files that clip such peaks.
STEMWORKS_STEM_WAV_DEPTH = envstr("STEMWORKS_STEM_WAV_DEPTH", "float")
if STEMWORKS_STEM_WAV_DEPTH not in ("16", "24", "float"):
    raise ImproperlyConfigured("STEMWORKS_STEM_WAV_DEPTH must be 16, 24 or float.")
STEMWORKS_DEVICE = envstr("STEMWORKS_DEVICE", "auto")
STEMWORKS_THREADS = envint("STEMWORKS_THREADS", 0, minimum=0) or None
STEMWORKS_PRELOAD_MODELS = envlist("STEMWORKS_PRELOAD_MODELS")
STEMWORKS_DEMUCS_REPO = envstr("STEMWORKS_DEMUCS_REPO") or None
STEMWORKS_MODEL_DIR = envstr("STEMWORKS_MODEL_DIR") or None
# Private mode's browser model (ONNX file and manifest.json), built by `make private-model`.
STEMWORKS_PRIVATE_MODEL_DIR = Path(
    envstr("STEMWORKS_PRIVATE_MODEL_DIR") or str(VAR_DIR / "private-model")
)
# htdemucs without a weights folder downloads them: offered only where this says the install may.
STEMWORKS_ALLOW_MODEL_DOWNLOAD = envbool("STEMWORKS_ALLOW_MODEL_DOWNLOAD", False)
# Engine knobs for the models that take them (docs/engine.md); a segment or batch size of 0
# and half precision "auto" keep each model's own default.
STEMWORKS_OVERLAP = envfloat("STEMWORKS_OVERLAP", 0.25, minimum=0)
STEMWORKS_SEGMENT_S = envfloat("STEMWORKS_SEGMENT_S", 0, minimum=0) or None
STEMWORKS_BATCH_SIZE = envint("STEMWORKS_BATCH_SIZE", 0, minimum=0) or None
STEMWORKS_HALF = (
    None if envstr("STEMWORKS_HALF", "auto").lower() == "auto" else envbool("STEMWORKS_HALF", False)
)
# EM iterations of unet-2stems' Wiener post-filter; "auto" keeps the engine's default, 0 is
# the plain ratio mask.
STEMWORKS_WIENER = (
    None
    if envstr("STEMWORKS_WIENER", "auto").lower() == "auto"
    else envint("STEMWORKS_WIENER", 0, minimum=0)
)
STEMWORKS_PROGRESS_INTERVAL_S = envfloat("STEMWORKS_PROGRESS_INTERVAL_S", 2.0, minimum=0)
# A running job's worker beats every HEARTBEAT_EVERY seconds (a side thread, whatever the
# stage); a job whose last beat is HEARTBEAT_TIMEOUT old is taken back by the reconciler.
STEMWORKS_HEARTBEAT_EVERY_S = envfloat("STEMWORKS_HEARTBEAT_EVERY_S", 10.0, minimum=0.1)
STEMWORKS_HEARTBEAT_TIMEOUT_S = envint("STEMWORKS_HEARTBEAT_TIMEOUT_S", 60, minimum=1)
if STEMWORKS_HEARTBEAT_TIMEOUT_S < 3 * STEMWORKS_HEARTBEAT_EVERY_S:
    raise ImproperlyConfigured(
        "STEMWORKS_HEARTBEAT_TIMEOUT_S must be at least 3 x STEMWORKS_HEARTBEAT_EVERY_S"
    )
STEMWORKS_QUEUED_TIMEOUT_S = envint("STEMWORKS_QUEUED_TIMEOUT_S", 60 * 60, minimum=1)
STEMWORKS_MAX_ATTEMPTS = envint("STEMWORKS_MAX_ATTEMPTS", 3, minimum=1)
STEMWORKS_RETENTION_DAYS = envint("STEMWORKS_RETENTION_DAYS", 7, minimum=1)
# Time limits grow with the song: base + factor x duration (seconds); the hard limit adds a grace.
STEMWORKS_TIME_LIMIT_BASE_S = envint("STEMWORKS_TIME_LIMIT_BASE_S", 120, minimum=1)
STEMWORKS_TIME_LIMIT_FACTOR = envfloat("STEMWORKS_TIME_LIMIT_FACTOR", 4.0, minimum=0.1)
STEMWORKS_TIME_LIMIT_GRACE_S = envint("STEMWORKS_TIME_LIMIT_GRACE_S", 60, minimum=1)
_LONGEST_HARD_LIMIT = (
    STEMWORKS_TIME_LIMIT_BASE_S
    + STEMWORKS_TIME_LIMIT_FACTOR * STEMWORKS_MAX_DURATION_S
    + STEMWORKS_TIME_LIMIT_GRACE_S
)

# --- credits and payments -------------------------------------------------------------
# A full job costs this many credits per started minute; models may differ ("htdemucs=2").
STEMWORKS_CREDITS_PER_MINUTE = envint("STEMWORKS_CREDITS_PER_MINUTE", 1, minimum=1)
STEMWORKS_MODEL_CREDITS_PER_MINUTE = envintmap("STEMWORKS_MODEL_CREDITS_PER_MINUTE", minimum=1)
# Credit packs for sale: id=credits:price in cents, comma separated.
STEMWORKS_CURRENCY = envstr("STEMWORKS_CURRENCY", "usd").lower()
STEMWORKS_CREDIT_PACKS = envpacks(
    "STEMWORKS_CREDIT_PACKS", "starter=10:500,standard=60:2500,studio=300:9900"
)
STRIPE_SECRET_KEY = envstr("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = envstr("STRIPE_WEBHOOK_SECRET")
# Point the library at a stripe-mock server (e.g. http://127.0.0.1:12111) instead of Stripe.
STRIPE_API_BASE = envstr("STRIPE_API_BASE")
STRIPE_WEBHOOK_TOLERANCE_S = envint("STRIPE_WEBHOOK_TOLERANCE_S", 300, minimum=1)

# --- cache ----------------------------------------------------------------------------
REDIS_URL = envstr("REDIS_URL")
# Throttle counters must be shared by every web process, so with Redis they live there,
# under their own prefix beside the broker's keys; the embedded setup has one process.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "stemworks-cache",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- celery ---------------------------------------------------------------------------
BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
else:
    # A broker that needs no server: kombu's filesystem transport in var/broker, with sends
    # made atomic so a polling worker never takes a half-written message.
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT = "workers.filesystem_broker:Transport"
    CELERY_RESULT_BACKEND = None
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
# Redis re-delivers an unacknowledged task after the visibility timeout; keep it above the
# longest hard time limit so a running job is not handed to a second worker while it runs.
STEMWORKS_VISIBILITY_TIMEOUT_S = int(_LONGEST_HARD_LIMIT + 600)
CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = STEMWORKS_VISIBILITY_TIMEOUT_S
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": STEMWORKS_VISIBILITY_TIMEOUT_S}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
STEMWORKS_RECONCILE_EVERY_S = envint("STEMWORKS_RECONCILE_EVERY_S", 15, minimum=1)
STEMWORKS_PURGE_EVERY_S = envint("STEMWORKS_PURGE_EVERY_S", 3600, minimum=1)

# --- monitoring -----------------------------------------------------------------------
# A bearer token that lets a Prometheus server read /metrics (staff read it when logged in);
# empty: no token is accepted.
STEMWORKS_METRICS_TOKEN = envstr("STEMWORKS_METRICS_TOKEN")

# --- API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first, so an anonymous request gets 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "webapp.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": envint("STEMWORKS_PAGE_SIZE", 20, minimum=1),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # `?format=` picks a stem's audio format, not a DRF renderer.
    "URL_FORMAT_OVERRIDE": None,
    # Errors raised by services become responses in one place.
    "EXCEPTION_HANDLER": "webapp.exception_handler.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Stemworks API",
    "DESCRIPTION": "Upload a song, get its stems back: asynchronous music source separation.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from our own static files: the docs work on an offline machine.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two models have a field called "kind": name their enums apart.
    "ENUM_NAME_OVERRIDES": {
        "JobKindEnum": "webapp.jobs.models.Kind",
        "TransactionKindEnum": "webapp.billing.models.TransactionKind",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
}
