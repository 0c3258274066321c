"""Debrief's settings: one file, driven by the environment (see the README's table)."""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    """A variable's value, or the contents of the file named by NAME_FILE (Docker secrets)."""
    if path := os.environ.get(f"{name}_FILE"):
        return Path(path).read_text().strip()
    # An empty variable counts as unset, as compose's ${VAR:-} passes it through.
    return os.environ.get(name) or default


def envbool(name: str, default: bool) -> bool:
    value = env(name, "").strip().lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def envint(name: str, default: int) -> int:
    value = env(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


# A fresh clone is a development checkout; production sets DEBUG=0 (docker-compose does).
DEBUG = envbool("DEBUG", True)
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # The search documents' field type (learning.models.PostmortemSearchDocument).
    "django.contrib.postgres",
    "django_htmx",
    # Serves the API docs' assets (Swagger UI) itself rather than from a CDN.
    "ninja",
    "incidents",
    "postmortems",
    "followups",
    "learning",
    "integrations",
    "webhooks",
    "outbound",
    "culture",
    "accounts",
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "debrief.middleware.LoginRequiredMiddleware",
    "debrief.time_zones.TimeZoneMiddleware",
    # After authentication: the audit trail names request.user as the actor of every change.
    "audit.middleware.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "debrief.middleware.HtmxMessagesMiddleware",
]

ROOT_URLCONF = "debrief.urls"
WSGI_APPLICATION = "debrief.wsgi.application"

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
            ],
            # Markdown goes through one sanitising renderer (debrief/markdown.py).
            "libraries": {
                "markdown": "debrief.templatetags.markdown",
                "relative_time": "debrief.templatetags.relative_time",
                "bin": "debrief.templatetags.bin",
            },
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while the Celery worker or a second request writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and envbool(
    "DATABASE_JIT_OFF", True
):
    # The learning pages' aggregates look costly to the planner (an index lookup per row of a
    # period) yet run in milliseconds: compiling them just in time took seconds. Added to any
    # options DATABASE_URL gives; a pooler that refuses startup options (PgBouncer) needs
    # DATABASE_JIT_OFF=0 and `ALTER ROLE … SET jit = off` instead.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The request's user comes with its profile (accounts/backends.py): the role and the time zone
# every page asks about cost no query of their own.
AUTHENTICATION_BACKENDS = ["accounts.backends.ProfileBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Single sign-on through OpenID Connect (debrief/sso.py, with mozilla-django-oidc), off until
# any of these is set; then all are required. The library reads no discovery document, so the
# provider's endpoints are named one by one (its /.well-known/openid-configuration lists them).
OIDC_ISSUER = env("OIDC_ISSUER")
OIDC_RP_CLIENT_ID = env("OIDC_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env("OIDC_CLIENT_SECRET")
OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = env("OIDC_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = env("OIDC_USER_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = env("OIDC_JWKS_ENDPOINT") or None
OIDC_RP_SIGN_ALGO = env("OIDC_SIGN_ALGO", "RS256")
OIDC_PROVIDER_NAME = env("OIDC_PROVIDER_NAME", "single sign-on")
OIDC_ALLOWED_DOMAINS = [
    domain.lower().removeprefix("@") for domain in envlist("OIDC_ALLOWED_DOMAINS")
]
_oidc_required = {
    "OIDC_ISSUER": OIDC_ISSUER,
    "OIDC_CLIENT_ID": OIDC_RP_CLIENT_ID,
    "OIDC_CLIENT_SECRET": OIDC_RP_CLIENT_SECRET,
    "OIDC_AUTHORIZATION_ENDPOINT": OIDC_OP_AUTHORIZATION_ENDPOINT,
    "OIDC_TOKEN_ENDPOINT": OIDC_OP_TOKEN_ENDPOINT,
    "OIDC_USER_ENDPOINT": OIDC_OP_USER_ENDPOINT,
}
# Public-key signatures are checked against the provider's published keys, HMAC ones
# (HS256…) against the client secret.
OIDC_SIGN_ALGOS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "HS256", "HS384", "HS512")
if OIDC_RP_SIGN_ALGO not in OIDC_SIGN_ALGOS:
    raise ImproperlyConfigured(
        f"OIDC_SIGN_ALGO must be one of {', '.join(OIDC_SIGN_ALGOS)}, not {OIDC_RP_SIGN_ALGO!r}"
    )
if not OIDC_RP_SIGN_ALGO.startswith("HS"):
    _oidc_required["OIDC_JWKS_ENDPOINT"] = OIDC_OP_JWKS_ENDPOINT
SSO_ENABLED = any(_oidc_required.values())
if SSO_ENABLED and (_oidc_missing := [name for name, value in _oidc_required.items() if not value]):
    raise ImproperlyConfigured(f"Single sign-on also needs {', '.join(_oidc_missing)}.")
if SSO_ENABLED:
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "debrief.sso.SSOBackend"]
OIDC_RP_SCOPES = "openid email profile"
OIDC_USE_PKCE = True
# Seconds to wait for the provider's token, user info and key endpoints.
OIDC_TIMEOUT = 10

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Redis serves as cache, Celery broker and result store when configured.
REDIS_URL = env("REDIS_URL")
# Seconds to wait for Redis to accept a connection before taking it to be down: a page, or a
# request that queues a task, must not hang on an outage (debrief/cache.py, debrief/tasks.py).
REDIS_CONNECT_TIMEOUT_SECONDS = 2
if REDIS_URL:
    CACHES = {
        "default": {
            # Answers as an empty cache while Redis is down, rather than failing the page.
            "BACKEND": "debrief.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_CONNECT_TIMEOUT_SECONDS,
                "socket_timeout": 5,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", REDIS_URL)
# With no broker, tasks run in the caller's process so the embedded default needs no services.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# A web request queues a task once (debrief/tasks.py); these bound how long that takes when the
# broker is down, here and for a host that drops packets.
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_CONNECT_TIMEOUT_SECONDS
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": REDIS_CONNECT_TIMEOUT_SECONDS}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_CONNECT_TIMEOUT_SECONDS
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# `celery beat` sends these; crontab times are in TIME_ZONE.
CELERY_BEAT_SCHEDULE = {
    "followup-reminders": {
        "task": "followups.tasks.send_followup_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    "weekly-digests": {
        "task": "followups.tasks.send_weekly_digests",
        "schedule": crontab(day_of_week="monday", hour=8, minute=0),
    },
    "outbound-stuck-deliveries": {
        "task": "outbound.tasks.resend_stuck_deliveries",
        "schedule": crontab(minute="*/15"),
    },
    # The safety net of webhooks/tasks.py: deliveries whose drain was lost are applied.
    "webhooks-queued-deliveries": {
        "task": "webhooks.tasks.apply_queued_deliveries",
        "schedule": crontab(minute="*"),
    },
    "learning-weekly-figures": {
        "task": "learning.tasks.fill_weekly_figures",
        "schedule": crontab(hour=0, minute=30),
    },
}

# Email: printed to the console in development; in production SMTP, by default to an MTA on
# localhost:25 as Django always assumed (Django 6.1 mailers). EMAIL_FILE_PATH writes each
# message to a file there instead, so a test can read what a separate worker process sent.
if email_file_path := env("EMAIL_FILE_PATH"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": email_file_path},
        }
    }
elif email_host := env("EMAIL_HOST", "" if DEBUG else "localhost"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": email_host,
                "port": envint("EMAIL_PORT", 25),
                "username": env("EMAIL_HOST_USER"),
                "password": env("EMAIL_HOST_PASSWORD"),
                "use_tls": envbool("EMAIL_USE_TLS", False),
                "timeout": 30,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Debrief <debrief@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# HTTPS hardening is on in production; HTTPS=0 switches it off for a plain-HTTP intranet.
HTTPS = envbool("HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
# Only trust X-Forwarded-Proto, and X-Forwarded-For for sign-in throttling (debrief/login.py),
# when a proxy we control sets them.
BEHIND_PROXY = envbool("BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# /healthz answers the container's healthcheck over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_HTTPONLY = True
# Lax, not Strict: a link to an incident from chat or email must open signed in.
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# The editor's script reads the CSRF cookie to keep saving after a sign-in in another tab.
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Every script and stylesheet is a file Debrief serves: no inline script, style attribute or
# event handler anywhere, so injected markup cannot run. htmx is told not to add its indicator
# <style> (the htmx-config meta tag in base.html) and its attributes need no eval.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    # Postmortems' Markdown may show images from elsewhere (a dashboard's screenshot, say);
    # they load with no referrer (debrief/markdown.py), and an image cannot run anything.
    "img-src": [CSP.SELF, "data:", "https:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

# Sign-in throttling (debrief/login.py): this many failures for one user name, or from one
# address, within LOGIN_LOCKOUT_MINUTES refuse further sign-ins there for that long.
LOGIN_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = envint("LOGIN_FAILURE_LIMIT_PER_ADDRESS", 20)
LOGIN_LOCKOUT_MINUTES = envint("LOGIN_LOCKOUT_MINUTES", 15)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}

# Incident list page size; tests shrink it to exercise pagination cheaply.
INCIDENTS_PER_PAGE = envint("INCIDENTS_PER_PAGE", 25)
# Seconds the learning pages' figures stay cached (learning/cache.py); 0 computes every view.
LEARNING_CACHE_SECONDS = envint("LEARNING_CACHE_SECONDS", 60)

# Follow-up reminders cover open items due within this many days, besides overdue ones.
FOLLOWUP_REMINDER_DAYS = envint("FOLLOWUP_REMINDER_DAYS", 3)

# Culture pulse results show only for groups at least this large; below three, people could be
# recognised by their answers, so Debrief refuses to start.
CULTURE_MIN_RESPONSES = envint("CULTURE_MIN_RESPONSES", 5)
if CULTURE_MIN_RESPONSES < 3:
    raise ImproperlyConfigured(
        f"CULTURE_MIN_RESPONSES must be at least 3, not {CULTURE_MIN_RESPONSES}: smaller groups "
        "would identify the people who answered."
    )

# Chat and webhook notifications (outbound/): a failed delivery is tried again after
# OUTBOUND_RETRY_BASE_SECONDS, then twice as long each time (at most an hour between tries),
# OUTBOUND_MAX_RETRIES times. Each POST gives up after OUTBOUND_TIMEOUT_SECONDS.
OUTBOUND_RETRY_BASE_SECONDS = envint("OUTBOUND_RETRY_BASE_SECONDS", 30)
OUTBOUND_MAX_RETRIES = envint("OUTBOUND_MAX_RETRIES", 5)
OUTBOUND_TIMEOUT_SECONDS = 5
# Off: notifications go to public addresses only, so a team admin cannot make the server reach
# its loopback, the intranet or a cloud metadata service. On for a self-hosted chat inside.
OUTBOUND_ALLOW_PRIVATE_ADDRESSES = envbool("OUTBOUND_ALLOW_PRIVATE_ADDRESSES", False)

# Inbound webhooks (webhooks/): a larger body is refused (413) before it is read as JSON.
WEBHOOK_MAX_BODY_BYTES = envint("WEBHOOK_MAX_BODY_BYTES", 1024 * 1024)
