"""Liaison settings, read only from the environment.

With nothing set, Liaison runs in development mode on SQLite under ``var/``. Setting
``LIAISON_ENV=production`` turns on the production checks: Liaison refuses to start with the
default secret key, with debug on, or with demo data enabled (see ``production_problems``).
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, SELF
from django.core.exceptions import ImproperlyConfigured

from liaison.config.environment import env, env_bool, env_int, env_list, postgresql_statement_options
from liaison.core.ratelimit import parse_limit

BASE_DIR = Path(__file__).resolve().parent.parent  # the `liaison` package
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(env("LIAISON_VAR_DIR", str(PROJECT_DIR / "var")))

DEFAULT_SECRET_KEY = "liaison-development-only-secret-key-do-not-use-in-production"

LIAISON_ENV = env("LIAISON_ENV", "development")
PRODUCTION = LIAISON_ENV == "production"

SECRET_KEY = env("SECRET_KEY", DEFAULT_SECRET_KEY)
DEBUG = env_bool("DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
LIAISON_DEMO_DATA = env_bool("LIAISON_DEMO_DATA", not PRODUCTION)


def production_problems() -> list[str]:
    """What stops this configuration from running in production, in words an operator can act on."""
    problems = []
    if SECRET_KEY == DEFAULT_SECRET_KEY or len(SECRET_KEY) < 50:
        problems.append("SECRET_KEY must be set to a random value of at least 50 characters")
    if DEBUG:
        problems.append("DEBUG must be off")
    if LIAISON_DEMO_DATA:
        problems.append("LIAISON_DEMO_DATA must be off: demo data is never loaded in production")
    if not ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS must name the hosts Liaison is served on")
    return problems


if PRODUCTION and production_problems():
    raise ImproperlyConfigured(
        "Liaison will not start in production mode: " + "; ".join(production_problems()) + "."
    )

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",  # the API docs page from Liaison's own static files, not a CDN
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "liaison.core",
    "liaison.audit",
    "liaison.directory",
    "liaison.accounts",
    "liaison.standards",
    "liaison.privacy",
    "liaison.concerns",
    "liaison.routing",
    "liaison.notifications",
    "liaison.nhs111",
    "liaison.themes",
    "liaison.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside everything that can fail on the way out (saving the session), so that the error page
    # made then still gets its policy, with the nonce its scripts carry.
    "csp.middleware.CSPMiddleware",
    "liaison.core.middleware.ApiErrorFormatMiddleware",
    "liaison.core.middleware.FormControlCharacterMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "liaison.accounts.middleware.IdleSessionTimeoutMiddleware",
    "liaison.accounts.middleware.LoginRequiredMiddleware",
    "liaison.accounts.middleware.CurrentMembershipMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "liaison.config.urls"
WSGI_APPLICATION = "liaison.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "liaison.config.jinja2.environment"},
    },
    {
        # Django's own templates (the API docs page, error pages of third-party apps).
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'liaison.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60 if PRODUCTION else 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    # Write-ahead logging: people reading pages are not held up while a concern or a 111 message is
    # being written, and each commit is one write to the log. synchronous stays FULL (SQLite's
    # default), so a committed submission survives a power cut.
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters bound by the server and statements prepared when a connection runs them again, so each
    # connection plans the hot queries once (docs/adr/0014-postgresql-prepared-statements.md).
    # DATABASE_PREPARED_STATEMENTS=0 turns this off, e.g. behind PgBouncer < 1.21 in transaction pooling mode.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(postgresql_statement_options())
DATABASES["default"]["ATOMIC_REQUESTS"] = False

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout after repeated failed sign-ins (django-axes), by username so that a shared NHS
# network address does not lock out a whole practice.
AXES_FAILURE_LIMIT = env_int("LIAISON_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LIAISON_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_LOCKOUT_CALLABLE = "liaison.accounts.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Lockout is by username on purpose: a whole practice or trust often shares one public address.
# models.W040 / W047: SQLite (the laptop and demo database) builds covering indexes without their
# INCLUDE columns and unique constraints without NULLS NOT DISTINCT. Both are speed and belt-and-braces
# features for PostgreSQL, the production database (the services check before they write, so on a
# laptop's SQLite a report is still issued once by its one scheduler).
SILENCED_SYSTEM_CHECKS = ["axes.W006", "models.W040", "models.W047"]

# Sessions: an idle timeout (enforced by IdleSessionTimeoutMiddleware) and an absolute limit.
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("LIAISON_SESSION_IDLE_MINUTES", 30))
SESSION_COOKIE_AGE = env_int("LIAISON_SESSION_MAX_SECONDS", 12 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").exists() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    # Development serves assets through the finders; the folder only has to exist.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Content Security Policy: everything from our own origin, scripts only with the per-request nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": ["'none'"],
        "base-uri": [SELF],
        "object-src": ["'none'"],
    }
}

# Cache: shared by every web process. The database cache table (made by a
# migration) in production; Redis when LIAISON_CACHE_URL is a redis:// URL (needs the redis package);
# this process's memory in development.
CACHE_URL = env("LIAISON_CACHE_URL", "database" if PRODUCTION else "memory")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
elif CACHE_URL == "database":
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "liaison_cache"}
    }
elif CACHE_URL == "memory":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured(
        f"LIAISON_CACHE_URL must be database, memory or a redis:// URL, not {CACHE_URL!r}"
    )

# Rate limits (liaison.core.ratelimit): REQUESTS/SECONDS per user (concern submission, web and API)
# and per sending organisation (NHS 111 intake); "off" for none. Defaults in docs/operations.md.
LIAISON_RATE_LIMITS = {
    scope: limit
    for scope, limit in {
        "concern_submit": parse_limit(
            env("LIAISON_RATE_LIMIT_CONCERNS", "30/60"), "LIAISON_RATE_LIMIT_CONCERNS"
        ),
        "nhs111_intake": parse_limit(env("LIAISON_RATE_LIMIT_111", "600/60"), "LIAISON_RATE_LIMIT_111"),
    }.items()
    if limit
}
LIAISON_RATE_LIMIT_CACHE = "default"

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 63072000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Email: Django's SMTP backend, configured from the environment.
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 1025)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
# For EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend (what `make run` uses): one file
# per email in this directory.
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Liaison <liaison@localhost>")
# Notifications: the public address links in emails point at, and the outbox's retry policy.
LIAISON_BASE_URL = env("LIAISON_BASE_URL", "http://127.0.0.1:8000")
LIAISON_NOTIFY_MAX_ATTEMPTS = env_int("LIAISON_NOTIFY_MAX_ATTEMPTS", 8)
LIAISON_NOTIFY_RETRY_SECONDS = env_int("LIAISON_NOTIFY_RETRY_SECONDS", 60)
LIAISON_NOTIFY_RETRY_MAX_SECONDS = env_int("LIAISON_NOTIFY_RETRY_MAX_SECONDS", 6 * 60 * 60)
LIAISON_NOTIFY_CLAIM_LEASE_SECONDS = env_int("LIAISON_NOTIFY_CLAIM_LEASE_SECONDS", 600)
# Optional: GOV.UK Notify instead of SMTP (EMAIL_BACKEND=liaison.notifications.govuk_notify.NotifyEmailBackend).
GOVUK_NOTIFY_API_KEY = env("GOVUK_NOTIFY_API_KEY", "")
GOVUK_NOTIFY_EMAIL_TEMPLATE_ID = env("GOVUK_NOTIFY_EMAIL_TEMPLATE_ID", "")
GOVUK_NOTIFY_BASE_URL = env("GOVUK_NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk")

# Background work: the django.tasks API through the django-tasks backport, database backend.
TASKS = {
    "default": {
        "BACKEND": env("LIAISON_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

LIAISON_SERVICE_NAME = "Liaison"
LIAISON_API_TOKEN_PREFIX = "lia_"
