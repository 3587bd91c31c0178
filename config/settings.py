"""Settings, all from the environment.

A laptop gets safe defaults (SQLite in the project folder, console e-mail, debug on);
production is whatever has ``DEBUG=false``, and then every secret must be given or the
process refuses to start.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

_DEV_ONLY = "insecure-development-only"


def _required_in_production(name, dev_default):
    value = env.str(name, default="")
    if value:
        return value
    if DEBUG:
        return dev_default
    raise ImproperlyConfigured(f"{name} must be set when DEBUG is false.")


SECRET_KEY = _required_in_production("SECRET_KEY", f"{_DEV_ONLY}-secret-key")
# The audit chain's HMAC key lives outside the database on purpose: whoever can write
# the database must not also be able to re-seal a rewritten chain.
AUDIT_HMAC_KEY = _required_in_production("AUDIT_HMAC_KEY", f"{_DEV_ONLY}-audit-key")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is false.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "viewflow",
    "viewflow.workflow",
    "cases",
    "workflows",
    "notifications",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cases.middleware.RequestContextMiddleware",
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
                "django.template.context_processors.i18n",
                "notifications.context_processors.notifications",
            ],
        },
    },
]

_SQLITE_OPTIONS = {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(_SQLITE_OPTIONS)
    # A file, not memory, so that tests with several connections (concurrent filing)
    # see one database; the name follows the main database so parallel runs don't clash.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(DATABASES["default"]["NAME"]).with_name("test_" + Path(DATABASES["default"]["NAME"]).name))
    }
else:
    # A direct connection by default: each worker keeps its connection (checked before reuse)
    # and PostgreSQL plans each repeated statement once per connection (server-side binding
    # with prepared statements), which halves its CPU per task completion
    # (docs/performance.md). Behind PgBouncer in transaction-pooling mode set CONN_MAX_AGE=0
    # and, before PgBouncer 1.21, DATABASE_PREPARED_STATEMENTS=false (docs/operations.md).
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env.bool("CONN_HEALTH_CHECKS", default=True))
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 2})

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "cases.User"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
PASSWORD_HASHERS = env.list(
    "PASSWORD_HASHERS",
    default=[
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    ],
)

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Attachments live on disk (or a mounted volume), never in the database.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media-is-never-served-directly/"
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
ATTACHMENT_ALLOWED_TYPES = env.list(
    "ATTACHMENT_ALLOWED_TYPES",
    default=["application/pdf", "image/png", "image/jpeg", "text/plain",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
)

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
# The public form's spam protection (cases.web.public), per client address.
PUBLIC_SUBMISSIONS_PER_HOUR = env.int("PUBLIC_SUBMISSIONS_PER_HOUR", default=10)
RECEIPT_LOOKUPS_PER_HOUR = env.int("RECEIPT_LOOKUPS_PER_HOUR", default=30)

# viewflow's own site (its middleware and views) is not used: its process and task views are
# not mounted (docs/workflows.md), so it must not add middleware to every request either.
VIEWFLOW = {"AUTOREGISTER": False}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@kommun.example")
# Seconds a socket operation with the SMTP server may block, so that a hanging server cannot
# hold a worker for ever (the send is then retried like any other temporary failure).
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=30)

# Notifications (docs/notifications.md). Links in e-mails start with SITE_URL.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
NOTIFICATION_CASE_PATH = env.str("NOTIFICATION_CASE_PATH", default="/cases/{id}/")
NOTIFICATION_DEFAULT_LANGUAGE = env.str("NOTIFICATION_DEFAULT_LANGUAGE", default="sv")
# Seconds to wait before each retry after a temporary SMTP failure; then the delivery fails.
NOTIFICATION_RETRY_DELAYS = [int(s) for s in env.list("NOTIFICATION_RETRY_DELAYS", default=["60", "300", "1800", "7200", "21600"])]
NOTIFICATION_DIGEST_HOUR = env.int("NOTIFICATION_DIGEST_HOUR", default=7)
NOTIFICATION_WEEKLY_DIGEST_WEEKDAY = env.int("NOTIFICATION_WEEKLY_DIGEST_WEEKDAY", default=0)
# A delivery left "being sent" longer than this many seconds (its worker was lost) is queued
# again by the scheduler job notifications.jobs.recover_deliveries, at most
# NOTIFICATION_SENDING_LEASE_RETRIES times; then it fails and shows in the admin.
NOTIFICATION_SENDING_LEASE = env.int("NOTIFICATION_SENDING_LEASE", default=600)
NOTIFICATION_SENDING_LEASE_RETRIES = env.int("NOTIFICATION_SENDING_LEASE_RETRIES", default=2)
# Background work through django-tasks: the database queue and `manage.py db_worker` by
# default; TASKS_BACKEND=rq puts it on Redis (REDIS_URL) with `manage.py rqworker`.
TASKS_BACKEND = env.str("TASKS_BACKEND", default="database")
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
NOTIFICATION_TASK_QUEUE = env.str("NOTIFICATION_TASK_QUEUE", default="default")
# Other tasks (e.g. compilation exports) use the queue "default": both queues must be valid.
TASK_QUEUES = sorted({"default", NOTIFICATION_TASK_QUEUE})
RQ_QUEUES = {name: {"URL": REDIS_URL} for name in TASK_QUEUES}
if TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": TASK_QUEUES}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": TASK_QUEUES}}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cases.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "cases.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "cases.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "cases.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kvalitetsärenden API",
    "DESCRIPTION": "Avvikelse, klagomål/synpunkt, lex Sarah and personuppgiftsincident cases.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's files are served from this installation, not a CDN: works offline and
    # keeps the content-security policy simple.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The variants of a case (cases/api/serializers.py) each name their one type and representation.
    "ENUM_NAME_OVERRIDES": {
        "ReportTypeEnum": "cases.models.ReportType",
        "FullRepresentationEnum": ["full"],
        "ReducedRepresentationEnum": ["reduced"],
    },
}

# Called every round of `manage.py run_scheduler` as job(now); each returns how many things it did.
SCHEDULER_JOBS = [
    "cases.clock_jobs.fire_clocks",
    "cases.clock_jobs.fire_action_reminders",
    "cases.clock_jobs.fire_workflow_timers",
    "workflows.escalation.escalate_unclaimed",
    "notifications.jobs.daily_digest",
    "notifications.jobs.weekly_manager_digest",
    "notifications.jobs.recover_deliveries",
    "cases.compilations.retention.prune_exports",
]
# Compilation exports (the files made in the background) are deleted this many days after
# they were requested (cases.compilations.retention).
EXPORT_RETENTION_DAYS = env.int("EXPORT_RETENTION_DAYS", default=30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    # HTTPS only in production: redirect plain HTTP and send HSTS (one year by default).
    # Behind a TLS-terminating proxy, set SECURE_PROXY_SSL_HEADER_ENABLED so the redirect
    # sees the original scheme; HSTS_SECONDS=0 switches HSTS off for a first deployment.
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("HSTS_SECONDS", default=31_536_000)
    # Subdomains of this host only (e.g. *.kvalitet.kommun.se), not the municipality's domain.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("HSTS_INCLUDE_SUBDOMAINS", default=True)
    # Preloading is a decision for the whole domain's owner, not for this application.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
    if env.bool("SECURE_PROXY_SSL_HEADER_ENABLED", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
