"""Settings, all from the environment.

A laptop gets safe defaults (SQLite in the project folder, console e-mail, debug on);
production is whatever has ``DEBUG=false``, and then every secret must be given or the
process refuses to start.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

_DEV_ONLY = "insecure-development-only"
# Keys whose value is published (this file, Django's startproject template): a server using
# one would let anyone forge sessions or re-seal a rewritten audit trail.
_PUBLISHED_PREFIXES = (_DEV_ONLY, "django-insecure-")


def _secret_in_production(name, dev_default, min_length):
    """The secret ``name``; with DEBUG off it must be set, not a published development value,
    and at least ``min_length`` characters long, or the process refuses to start."""
    value = env.str(name, default="")
    if DEBUG:
        return value or dev_default
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when DEBUG is false.")
    if value.startswith(_PUBLISHED_PREFIXES):
        raise ImproperlyConfigured(
            f"{name} is a published development key; set a secret one when DEBUG is false."
        )
    if len(value) < min_length:
        raise ImproperlyConfigured(
            f"{name} must be at least {min_length} characters long when DEBUG is false."
        )
    return value


# 50 characters, as Django's own deploy check (security.W009) asks of SECRET_KEY.
SECRET_KEY = _secret_in_production("SECRET_KEY", f"{_DEV_ONLY}-secret-key", min_length=50)
# The audit chain's HMAC key lives outside the database on purpose: whoever can write
# the database must not also be able to re-seal a rewritten chain. 32 characters at least
# (e.g. `secrets.token_urlsafe(48)` gives 64), and not the SECRET_KEY, which more of the
# deployment sees.
AUDIT_HMAC_KEY = _secret_in_production("AUDIT_HMAC_KEY", f"{_DEV_ONLY}-audit-key", min_length=32)
if not DEBUG and AUDIT_HMAC_KEY == SECRET_KEY:
    raise ImproperlyConfigured("AUDIT_HMAC_KEY must differ from SECRET_KEY.")
# Refuse an audit row whose payload has a key its action does not declare in
# cases.audit_actions (an unknown action is refused always): on in development and the tests.
AUDIT_STRICT_PAYLOADS = env.bool("AUDIT_STRICT_PAYLOADS", default=DEBUG)
# The audit chains' heads are exported to this directory (one JSON line per checkpoint, a file
# a day) at most every AUDIT_CHECKPOINT_MINUTES: keep it where the database's administrators
# cannot rewrite it (docs/operations.md, "The audit trail").
AUDIT_CHECKPOINT_DIR = env.path("AUDIT_CHECKPOINT_DIR", default=BASE_DIR / "audit-checkpoints")
AUDIT_CHECKPOINT_MINUTES = env.int("AUDIT_CHECKPOINT_MINUTES", default=15)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is false.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "cases.admin_site.AdminConfig",  # django.contrib.admin with the scoped site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
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
    "reporting",
    "operations",
    "django_tasks",
    "django_tasks_db",
    "axes",
    # Before django-allauth: its pages in this project's layout (identity/templates).
    "identity",
    # Single sign-on (OIDC, SAML 2.0) and the second factor: django-allauth (docs/identity.md).
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "allauth.mfa",
    "records",
    "quality",
]

MIDDLEWARE = [
    # The request's latency for the Prometheus metrics (operations.metrics), all of it.
    "operations.metrics.MetricsMiddleware",
    # Read-your-writes with a read replica (operations.replica): nothing without one.
    "operations.replica.StickinessMiddleware",
    # First: a changing request is one transaction, and a database that does not answer is a
    # 503 with Retry-After, never a 500 (cases.request_transactions).
    "cases.request_transactions.RequestTransactionMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cases.middleware.RequestContextMiddleware",
    # A session idle or old past its limits ends (identity.sessions); django-allauth's sign-in
    # state; then the second factor that privileged roles must give.
    "identity.sessions.SessionTimeoutMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "identity.second_factor.SecondFactorMiddleware",
    # A signed-in page's form-action names where signing out leaves for (identity.single_logout).
    "identity.single_logout.SingleLogoutPolicyMiddleware",
    # Last, as django-axes asks: it turns a lockout noted during the request into the answer.
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
        "NAME": str(
            Path(DATABASES["default"]["NAME"]).with_name("test_" + Path(DATABASES["default"]["NAME"]).name)
        )
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
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {"server_side_binding": True, "prepare_threshold": 2}
        )

# A PostgreSQL streaming replica for the reads named lag-tolerant (operations.replica;
# docs/operations.md, Scale-out): the statistics, the compilations, the register's counts.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {
        **DATABASES["default"],
        **env.db("DATABASE_REPLICA_URL"),
        "TEST": {"MIRROR": "default"},
    }
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
DATABASE_ROUTERS = ["operations.replica.ReplicaRouter"]
REPLICA_STICKY_SECONDS = env.int("REPLICA_STICKY_SECONDS", default=10)
REPLICA_RETRY_SECONDS = env.int("REPLICA_RETRY_SECONDS", default=30)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "cases.User"

AUTHENTICATION_BACKENDS = [
    # First: it refuses a locked-out sign-in before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Local passwords; with LOCAL_PASSWORDS=false only a superuser's (break-glass) (identity.backends).
    "identity.backends.PasswordBackend",
    # Sessions begun by single sign-on; it checks no password (identity.backends).
    "identity.backends.DirectoryBackend",
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
    default=[
        "application/pdf",
        "image/png",
        "image/jpeg",
        "text/plain",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ],
)

# A form sent from a stale page (signed in again meanwhile, another tab) gets our page.
CSRF_FAILURE_VIEW = "cases.web.errors.csrf_failure"

# Content-Security-Policy on every response (django-csp; docs/operations.md): scripts and
# styles only from files this installation serves, never inline, so that text a user typed
# can never run as script even if a template forgot to escape it. Nothing may frame a page.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "report-uri": env.list("CSP_REPORT_URI", default=[]) or None,
    },
}

LOGIN_URL = "/accounts/login/"
# Single sign-on and the second factor (identity.sso, docs/identity.md).
from identity.sso_settings import *  # noqa: E402,F403

CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] = [SELF, *SSO_FORM_ACTION_ORIGINS]  # noqa: F405
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
# The public form's spam protection (cases.web.public), per client address.
PUBLIC_SUBMISSIONS_PER_HOUR = env.int("PUBLIC_SUBMISSIONS_PER_HOUR", default=10)
RECEIPT_LOOKUPS_PER_HOUR = env.int("RECEIPT_LOOKUPS_PER_HOUR", default=30)

# Counters that every worker must share (the public form's and the password reset's rate
# limits): the database's cache table by default (created by `migrate`), Redis when
# CACHE_URL or REDIS_URL names one (docs/operations.md). Django's database cache increments
# by reading and rewriting, which loses counts between workers and resets the expiry;
# identity.cache.DatabaseCache increments atomically and keeps it.
if env.str("CACHE_URL", default=""):
    _CACHE = env.cache_url("CACHE_URL")
elif env.str("REDIS_URL", default=""):
    _CACHE = env.cache_url("REDIS_URL")
else:
    _CACHE = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"}
# django-environ hands `?key_prefix=…`, `?timeout=…` and `?version=…` on in lower case, where
# Django's CACHES reads only upper case and would silently drop them.
_CACHE = {
    (key.upper() if key in ("key_prefix", "timeout", "version") else key): value
    for key, value in _CACHE.items()
}
if _CACHE["BACKEND"] == "django.core.cache.backends.db.DatabaseCache":
    # Culling drops live entries too: room for every address's counters, so that a flood of
    # new keys cannot push a counter out before its window ends.
    _CACHE = {
        **_CACHE,
        "BACKEND": "identity.cache.DatabaseCache",
        "OPTIONS": {"MAX_ENTRIES": 100_000, **_CACHE.get("OPTIONS", {})},
    }
CACHES = {"default": _CACHE}

# Sign-in throttling with django-axes (docs/operations.md, "Sign-in lockout"): after
# LOGIN_FAILURE_LIMIT failed sign-ins, by the web login, the admin's or the API token
# endpoint, the username and the client address are each refused for LOGIN_COOLOFF_MINUTES
# after the latest failure. The attempts are rows in the database, visible and removable in the
# admin by a superuser (`manage.py axes_reset_username NAME` does the same).
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))


def _lockout_parameters(value):
    """``username,ip_address`` locks each out on its own; ``username+ip_address`` only the pair."""
    allowed = {"username", "ip_address", "user_agent"}
    parameters = [item.split("+") if "+" in item else item for item in value]
    for parameter in parameters:
        if not set([parameter] if isinstance(parameter, str) else parameter) <= allowed:
            raise ImproperlyConfigured(
                f"LOGIN_LOCKOUT_PARAMETERS: {parameter!r}; use {', '.join(sorted(allowed))}."
            )
    return parameters


AXES_LOCKOUT_PARAMETERS = _lockout_parameters(
    env.list("LOGIN_LOCKOUT_PARAMETERS", default=["username", "ip_address"])
)
AXES_LOCKOUT_CALLABLE = "identity.lockout.lockout_response"
# Its log lines name only the lockout's parameters, masked; no banner at every start.
AXES_VERBOSE = False
# The client's address as the audit trail, the rate limits and the lockout see it
# (cases.middleware.client_address): REMOTE_ADDR, unless the reverse proxy names it in a header
# it sets itself (CLIENT_IP_HEADERS, e.g. HTTP_X_REAL_IP; or HTTP_X_FORWARDED_FOR with
# CLIENT_IP_PROXY_COUNT, django-ipware's count of the proxies in that header).
CLIENT_IP_HEADERS = env.list("CLIENT_IP_HEADERS", default=["REMOTE_ADDR"])
CLIENT_IP_PROXY_COUNT = env.int("CLIENT_IP_PROXY_COUNT", default=None)
AXES_CLIENT_IP_CALLABLE = "cases.middleware.client_address"
# Password-reset e-mails, per address asked for and per client address, in an hour.
PASSWORD_RESETS_PER_ADDRESS = env.int("PASSWORD_RESETS_PER_ADDRESS", default=3)
PASSWORD_RESETS_PER_CLIENT = env.int("PASSWORD_RESETS_PER_CLIENT", default=10)
# API tokens are refused this many days after they were issued; a password change or a
# deactivation deletes them at once (identity.tokens).
API_TOKEN_TTL = timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=30))

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
NOTIFICATION_RETRY_DELAYS = [
    int(s) for s in env.list("NOTIFICATION_RETRY_DELAYS", default=["60", "300", "1800", "7200", "21600"])
]
NOTIFICATION_DIGEST_HOUR = env.int("NOTIFICATION_DIGEST_HOUR", default=7)
NOTIFICATION_WEEKLY_DIGEST_WEEKDAY = env.int("NOTIFICATION_WEEKLY_DIGEST_WEEKDAY", default=0)
# A delivery left "being sent" longer than this many seconds (its worker was lost) is queued
# again by the scheduler job notifications.jobs.recover_deliveries, at most
# NOTIFICATION_SENDING_LEASE_RETRIES times; then it fails and shows in the admin.
NOTIFICATION_SENDING_LEASE = env.int("NOTIFICATION_SENDING_LEASE", default=600)
NOTIFICATION_SENDING_LEASE_RETRIES = env.int("NOTIFICATION_SENDING_LEASE_RETRIES", default=2)
# The outbox of domain events (cases.outbox, docs/notifications.md): the dispatcher takes an
# event OUTBOX_GRACE seconds after its commit unless the fast path delivered it; after a failure
# it waits each of OUTBOX_RETRY_DELAYS in turn, then the last one again, for as long as it takes.
OUTBOX_GRACE = env.int("OUTBOX_GRACE", default=30)
OUTBOX_RETRY_DELAYS = [int(s) for s in env.list("OUTBOX_RETRY_DELAYS", default=["10", "60", "300", "1800"])]
OUTBOX_RETENTION_DAYS = env.int("OUTBOX_RETENTION_DAYS", default=7)
# Idempotency keys of filings (cases.idempotency, docs/api.md) are kept this many hours.
IDEMPOTENCY_KEY_HOURS = env.int("IDEMPOTENCY_KEY_HOURS", default=24)
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
        "identity.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # The browsable API within the content-security policy (cases/api/renderers.py).
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "cases.api.renderers.BrowsableAPIRenderer",
    ],
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
    # Swagger UI would otherwise send the schema's address to validator.swagger.io and show
    # its badge from there: nothing leaves this installation.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # The variants of a case (cases/api/serializers.py) each name their one type and representation.
    "ENUM_NAME_OVERRIDES": {
        "ReportTypeEnum": "cases.models.ReportType",
        "FullRepresentationEnum": ["full"],
        "ReducedRepresentationEnum": ["reduced"],
    },
}

# Called every round of `manage.py run_scheduler` as job(now); each returns how many things it did.
SCHEDULER_JOBS = [
    "cases.outbox.dispatch_due",
    "cases.clock_jobs.fire_clocks",
    "cases.clock_jobs.fire_action_reminders",
    "cases.clock_jobs.fire_workflow_timers",
    "workflows.escalation.escalate_unclaimed",
    "notifications.jobs.daily_digest",
    "notifications.jobs.weekly_manager_digest",
    "notifications.jobs.recover_deliveries",
    "reporting.services.retention.prune_exports",
    "cases.audit_anchor.export_checkpoints",
    "cases.outbox.prune_delivered",
    "cases.idempotency.prune_expired",
    "records.jobs.gallring",
    "records.jobs.log_reviews",
    "records.jobs.review_reminders",
    "quality.jobs.signals",
    # Last: the round reached its end (the health endpoint's scheduler heartbeat).
    "operations.heartbeat.beat",
]
# Compilation exports (the files made in the background) are deleted this many days after
# they were requested (reporting.services.retention).
EXPORT_RETENTION_DAYS = env.int("EXPORT_RETENTION_DAYS", default=30)

# Records management (records/, docs/records.md): how often each board's cases are checked
# for gallring, how long the archivist has to review a run, how many cases one transaction
# disposes of; the loggkontroll's random share, the cap of each targeted category, office hours.
RECORDS_GALLRING_INTERVAL_DAYS = env.int("RECORDS_GALLRING_INTERVAL_DAYS", default=30)
RECORDS_REVIEW_DAYS = env.int("RECORDS_REVIEW_DAYS", default=30)
# The reviews' reminders (records.reminders): a warning this many days before the date, the
# escalation to the board's leadership this many days after it.
RECORDS_REMINDER_DAYS_BEFORE = env.int("RECORDS_REMINDER_DAYS_BEFORE", default=3)
RECORDS_ESCALATION_DAYS_AFTER = env.int("RECORDS_ESCALATION_DAYS_AFTER", default=7)
RECORDS_DISPOSAL_BATCH = env.int("RECORDS_DISPOSAL_BATCH", default=1000)
# Off where the application's database role may not delete investigation entries (the REVOKE
# of docs/operations.md): the owner role then runs `manage.py dispose_approved`.
# Where the archival packages made before disposal are stored (in the default storage).
RECORDS_PACKAGE_DIR = env.str("RECORDS_PACKAGE_DIR", default="archive-packages")
RECORDS_DISPOSAL_BY_SCHEDULER = env.bool("RECORDS_DISPOSAL_BY_SCHEDULER", default=True)
RECORDS_LOG_SAMPLE_SHARE = env.float("RECORDS_LOG_SAMPLE_SHARE", default=0.10)
RECORDS_LOG_TARGETED_MAX = env.int("RECORDS_LOG_TARGETED_MAX", default=25)
RECORDS_LOG_REVIEW_DUE_DAY = env.int("RECORDS_LOG_REVIEW_DUE_DAY", default=15)
RECORDS_OFFICE_HOURS = (env.int("RECORDS_OFFICE_START", default=7), env.int("RECORDS_OFFICE_END", default=18))

# Bulk reporting (samlerapportering, docs/bulk-reports.md): the longest period one bulk report
# of deviations may cover.
BULK_REPORT_MAX_DAYS = env.int("BULK_REPORT_MAX_DAYS", default=31)

# One JSON object per line with the request id the audit trail carries (operations.logging);
# LOG_FORMAT=text for plain lines (the default with DEBUG on).
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "operations.logging.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "operations.logging.Formatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# The health endpoint (/health/, operations.health) and the metrics (/metrics, operations.metrics).
HEALTH_SCHEDULER_MAX_AGE = env.int("HEALTH_SCHEDULER_MAX_AGE", default=300)
HEALTH_AUDIT_HEAD_MAX_AGE = env.int("HEALTH_AUDIT_HEAD_MAX_AGE", default=None)
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

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
