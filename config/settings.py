"""Settings: every value comes from the environment (django-environ), with safe defaults for dev.

Production: set DEBUG=false (the default), SECRET_KEY, FIELD_ENCRYPTION_KEY, ALLOWED_HOSTS,
DATABASE_URL and REDIS_URL. `manage.py check --deploy` flags what is missing.
"""

from pathlib import Path

import environ
from celery.schedules import crontab  # noqa: F401  (kept for operators who extend CELERY_BEAT_SCHEDULE)
from csp.constants import NONCE

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env (written by `make run`, never committed) fills in what the shell did not set.
# The test settings switch this off so a developer's .env never leaks into the suite.
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=True):
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# The dev defaults below are deliberately marked insecure; `check --deploy` rejects them.
DEV_SECRET_KEY = "django-insecure-dev-only-do-not-use-in-production"
DEV_FIELD_ENCRYPTION_KEY = "dev-only-field-encryption-key-do-not-use-in-production"

SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
# Tokens at rest are encrypted with this key, never with SECRET_KEY, so rotating one never
# touches the other. FIELD_ENCRYPTION_OLD_KEYS (comma-separated) are still accepted for reading
# while `manage.py rotate_encryption_key` re-encrypts everything under the new key.
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default=DEV_FIELD_ENCRYPTION_KEY)
FIELD_ENCRYPTION_OLD_KEYS = env.list("FIELD_ENCRYPTION_OLD_KEYS", default=[])
CRYPTOGRAPHY_KEY = FIELD_ENCRYPTION_KEY
# Keys the one-way digest that recognises the same bank account across GoCardless requisitions
# (open_banking/providers/gocardless/digest.py). Set once and never rotated; unset, the field key
# is used. Rotating SECRET_KEY never touches it. Old digest keys may be listed while moving on.
ACCOUNT_DIGEST_KEY = env.str("ACCOUNT_DIGEST_KEY", default="")
ACCOUNT_DIGEST_OLD_KEYS = env.list("ACCOUNT_DIGEST_OLD_KEYS", default=[])
CRYPTOGRAPHY_SALT = env.str("FIELD_ENCRYPTION_SALT", default="finance-platform-field-encryption")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    # The operators' console is admin.site, made an OperatorAdminSite (two-factor required).
    "security.apps.OperatorAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files served from our static, not a CDN
    "django_celery_beat",
    "allauth",
    "allauth.account",
    "allauth.headless",
    "allauth.mfa",
    "security",
    "integrations_core",
    "open_banking",
    "open_banking.providers.gocardless",
    "investments",
    "pensions",
    "transactions",
    "payments",  # card processors and wallets (Stripe, PayPal): balances, payouts, disputes
    "reconciliation",  # matches across families (payouts to bank credits, invoices to payments)
    "web",
    "sandbox",
    "django_prometheus",  # request/response and database metrics (integrations_core/metrics.py adds ours)
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",  # first, per django-prometheus
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Content-Security-Policy on every response (django-csp; policy below, nonces for inline scripts).
    "csp.middleware.CSPMiddleware",
    # Sets the long-lived device cookie a sign-in decided on (security/devices.py).
    "security.middleware.KnownDeviceCookieMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",  # last
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
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# django-prometheus's drop-in backends count queries and errors per database (same drivers).
_PROMETHEUS_BACKENDS = {"django.db.backends.postgresql": "django_prometheus.db.backends.postgresql",
                        "django.db.backends.sqlite3": "django_prometheus.db.backends.sqlite3"}
DATABASES["default"]["ENGINE"] = _PROMETHEUS_BACKENDS.get(DATABASES["default"]["ENGINE"],
                                                          DATABASES["default"]["ENGINE"])
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The dev server, the worker and beat share one file: WAL lets readers run beside a writer,
    # IMMEDIATE takes the write lock up front instead of failing mid-transaction.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE", "timeout": 20}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Lets parallel test runs on one PostgreSQL server use separate throwaway databases.
if env.str("TEST_DATABASE_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# In dev and tests, serve static files straight from the app folders (no collectstatic needed).
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)
WHITENOISE_AUTOREFRESH = env.bool("WHITENOISE_AUTOREFRESH", default=DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# --- Security (production-ready unless DEBUG) ------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- Auth: allauth (web) + allauth headless (mobile app tokens) -----------------------------
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# Mandatory verification is what lets a sign-up with an e-mail that already has an account look
# exactly like a new one (allauth mails the owner instead of saying "already registered"):
# ACCOUNT_PREVENT_ENUMERATION only hides the account when every sign-up ends in "check your
# e-mail". The code is typed on the next page (no link to click), in the browser and the app alike.
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key", "signup": "20/m/ip"}
HEADLESS_CLIENTS = ("app", "browser")
HEADLESS_FRONTEND_URLS = {}
# Two-factor sign-in (allauth.mfa): an authenticator app (TOTP), passkeys / security keys
# (WebAuthn) and single-use recovery codes; the same flows in allauth headless for the app.
# Operators cannot open the console without it (security/admin.py).
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Finance platform")
# WebAuthn needs a secure origin; plain http://127.0.0.1 is allowed only while DEBUG (dev).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env.bool("MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", default=DEBUG)
# A sign-in from a browser or app this account has not used before sends the owner an e-mail.
# "Device" = a random id in a signed cookie kept for this long (or an app's X-Device-Id header).
KNOWN_DEVICE_COOKIE = "device"
KNOWN_DEVICE_COOKIE_MAX_AGE = env.int("KNOWN_DEVICE_COOKIE_MAX_AGE", default=400 * 24 * 3600)
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="no-reply@localhost")

# --- Content-Security-Policy (django-csp 4) -------------------------------------------------
# Everything is served from this origin (Chart.js, Swagger UI via drf-spectacular-sidecar); the
# few inline scripts carry the per-request nonce ({{ request.csp_nonce }}), which
# tests/web/test_csp.py requires of every template. Inline style attributes stay allowed: the
# progress bars, the admin and Swagger UI set them, and styles cannot run code. No form-action:
# "Connect" posts here and is redirected to the bank's own site, which browsers check against it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# --- Cache (throttling, locks) ---------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {
        "BACKEND": "integrations_core.cache.ResilientRedisCache", "LOCATION": REDIS_URL,
        # Short timeouts: a dead Redis must cost a request milliseconds, not seconds.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "allauth.headless.contrib.rest_framework.authentication.XSessionTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "integrations_core.api.pagination.CreatedCursorPagination",
    # DRF's JSON parser with a nesting limit: a 5,000-deep body was a RecursionError, a 500.
    "DEFAULT_PARSER_CLASSES": [
        "integrations_core.api.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        # django-filter's backend, skipping the FilterSet when the query names none of its filters.
        "integrations_core.api.filtering.FilterParamsBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "integrations_core.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "integrations_core.api.throttles.UserWindowThrottle",
        "integrations_core.api.throttles.AnonWindowThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("THROTTLE_USER", default="1200/min"),
        "anon": env.str("THROTTLE_ANON", default="60/min"),
        "connection_create": env.str("THROTTLE_CONNECTION_CREATE", default="10/hour"),
        "sync_request": env.str("THROTTLE_SYNC_REQUEST", default="30/hour"),
        "statement_import": env.str("THROTTLE_STATEMENT_IMPORT", default="60/hour"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Personal finance data platform API",
    "DESCRIPTION": "Connections, accounts, balances and transactions from banks, investment "
    "platforms and pensions. Authenticate with a session (web) or an allauth headless "
    "`X-Session-Token` (mobile).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from drf-spectacular-sidecar's static files: works offline, no third-party script.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # The one error format, documented on every operation (integrations_core/api/schema.py).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "integrations_core.api.schema.postprocess_error_responses"],
    "ENUM_NAME_OVERRIDES": {
        "ConnectionStatusEnum": "integrations_core.models.ConnectionStatus",
        "TransactionStatusEnum": "integrations_core.models.TransactionStatus",
        "SyncOutcomeEnum": "integrations_core.models.SyncOutcome",
        "AccountTypeEnum": "integrations_core.models.AccountType",
        "StatementImportStatusEnum": "integrations_core.models.StatementImportStatus",
        "StatementDateOrderEnum": "open_banking.api.views_statements.DATE_ORDERS",
        "MappingDateOrderEnum": "open_banking.api.views_statements.MAPPING_DATE_ORDERS",
        "BankAccountTypeEnum": "open_banking.models.BankAccountType",  # + loan, mortgage, property
        "PayoutStatusEnum": "payments.models.PayoutStatus",
    },
}

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_DIR = Path(env.str("CELERY_BROKER_DIR", default=str(BASE_DIR / "var" / "celery-broker")))
if CELERY_BROKER_URL.startswith("filesystem://"):
    # Embedded broker for dev: kombu's filesystem transport, nothing else to install.
    (CELERY_BROKER_DIR / "control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR),
        "data_folder_out": str(CELERY_BROKER_DIR),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
    }
else:
    # acks_late + visibility_timeout: a task whose worker dies is redelivered after this long.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_TASK_IGNORE_RESULT = True
# Fail fast when the broker is down so a manual sync answers 503 in about a second.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=15 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=14 * 60)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

# --- Integrations ---------------------------------------------------------------------------
INTEGRATION_PROVIDERS = env.list(
    "INTEGRATION_PROVIDERS",
    default=[
        "open_banking.providers.truelayer.provider.TrueLayerProvider",
        "open_banking.providers.gocardless.provider.GoCardlessProvider",
        "open_banking.providers.plaid.provider.PlaidProvider",
        "investments.providers.trading212.provider.Trading212Provider",
        "investments.providers.ibkr_flex.provider.IbkrFlexProvider",
        # Platforms without an API: a person uploads the statement file (never in the daily sync).
        "investments.providers.trading212_csv.provider.Trading212CsvProvider",
        "investments.providers.vanguard_uk.provider.VanguardUkProvider",
        "investments.providers.hargreaves_lansdown.provider.HargreavesLansdownProvider",
        "investments.providers.ajbell.provider.AjBellProvider",
        "investments.providers.freetrade.provider.FreetradeProvider",
        "investments.providers.investengine.provider.InvestEngineProvider",
        "investments.providers.activities.provider.ActivitiesProvider",
        # Bank statement files (CSV, OFX/QFX, QIF, CAMT.053) for banks without Open Banking.
        "open_banking.providers.bank_file.provider.BankFileProvider",
        "pensions.providers.sandbox_dashboards.provider.SandboxDashboardsProvider",
        # Payment processors (payments/): Stripe through Connect OAuth, or a restricted key.
        "payments.providers.stripe.provider.StripeConnectProvider",
        "payments.providers.stripe.provider.StripeKeyProvider",
        # PayPal: the merchant's own REST app (client id + secret).
        "payments.providers.paypal.provider.PayPalProvider",
    ],
)
# How a person connects, per provider auth type (integrations_core/connect/): a new way of
# connecting is an entry here. Every registered provider's auth type needs one (integrations.E005).
CONNECT_FLOWS = env.dict("CONNECT_FLOWS", default={
    "oauth2": "integrations_core.connect.oauth.OAuth2Flow",
    "redirect": "integrations_core.connect.redirect.RedirectFlow",
    "api_key": "integrations_core.connect.api_key.ApiKeyFlow",
    "file_upload": "integrations_core.connect.file_upload.FileUploadFlow",
    "token_exchange": "integrations_core.connect.token_exchange.TokenExchangeFlow",
    "find_request": "pensions.connect.FindRequestFlow",
})
# The format `manage.py import_activities` reads unless --provider names another importer.
IMPORT_ACTIVITIES_PROVIDER = env.str("IMPORT_ACTIVITIES_PROVIDER", default="activities")
# A previewed statement file waits this long for its confirmation (its parsed rows, encrypted).
STATEMENT_IMPORT_TTL_SECONDS = env.int("STATEMENT_IMPORT_TTL_SECONDS", default=24 * 3600)
# When connections are synced (integrations_core/services/schedule.py, docs/reliability.md).
# The daily run syncs every connection not synced successfully in the last SYNC_FRESH_SECONDS;
# the retry sweep (every few minutes) syncs those whose next_sync_at has passed.
DAILY_SYNC_HOUR = env.int("DAILY_SYNC_HOUR", default=4)
DAILY_SYNC_JITTER_SECONDS = env.int("DAILY_SYNC_JITTER_SECONDS", default=600)
SYNC_FRESH_SECONDS = env.int("SYNC_FRESH_SECONDS", default=2 * 3600)
SYNC_DAILY_SLACK_SECONDS = env.int("SYNC_DAILY_SLACK_SECONDS", default=3600)  # then the sweep calls it overdue
SYNC_PARTIAL_RETRY_SECONDS = env.int("SYNC_PARTIAL_RETRY_SECONDS", default=3600)
SYNC_RETRY_JITTER_SECONDS = env.int("SYNC_RETRY_JITTER_SECONDS", default=60)
SYNC_BACKOFF_BASE_SECONDS = env.int("SYNC_BACKOFF_BASE_SECONDS", default=15 * 60)
SYNC_BACKOFF_MAX_SECONDS = env.int("SYNC_BACKOFF_MAX_SECONDS", default=24 * 3600)
SYNC_MAX_RETRY_AFTER_SECONDS = env.int("SYNC_MAX_RETRY_AFTER_SECONDS", default=24 * 3600)  # cap on a provider's wait
SYNC_NOT_READY_RETRY_SECONDS = env.int("SYNC_NOT_READY_RETRY_SECONDS", default=300)  # data still being prepared
SYNC_FAILURES_BEFORE_ERROR = env.int("SYNC_FAILURES_BEFORE_ERROR", default=4)  # then the connection shows "error"
# The longest a sync task waits in the broker (countdowns, retries); kept below half the Redis
# visibility timeout, after which an unacknowledged message is handed to a second worker.
SYNC_MAX_COUNTDOWN_SECONDS = env.int("SYNC_MAX_COUNTDOWN_SECONDS", default=600)
# A task sent is expected to start within this long; until then the fan-outs do not send another.
SYNC_QUEUE_GRACE_SECONDS = env.int("SYNC_QUEUE_GRACE_SECONDS", default=30 * 60)
# A queued run nobody has started shows "waiting for a worker" after this long, and is closed as
# "never started" after SYNC_QUEUED_EXPIRE_SECONDS.
SYNC_QUEUED_DELAY_SECONDS = env.int("SYNC_QUEUED_DELAY_SECONDS", default=5 * 60)
SYNC_QUEUED_EXPIRE_SECONDS = env.int("SYNC_QUEUED_EXPIRE_SECONDS", default=24 * 3600)
# The sync lease (integrations_core/services/leases.py): short, renewed while the sync runs, so a
# killed worker's lease lapses within a minute.
SYNC_LOCK_TTL_SECONDS = env.int("SYNC_LOCK_TTL_SECONDS", default=60)
SYNC_LOCK_RENEW_SECONDS = env.float("SYNC_LOCK_RENEW_SECONDS", default=SYNC_LOCK_TTL_SECONDS / 4)
OAUTH_STATE_TTL_SECONDS = env.int("OAUTH_STATE_TTL_SECONDS", default=600)
PROVIDER_HTTP_TIMEOUT = env.float("PROVIDER_HTTP_TIMEOUT", default=20.0)
PROVIDER_HTTP_RETRIES = env.int("PROVIDER_HTTP_RETRIES", default=3)
PROVIDER_HTTP_BACKOFF = env.float("PROVIDER_HTTP_BACKOFF", default=0.5)
# A Retry-After longer than this is not slept through inside a request: the sync gives up and
# the task is retried later, so a worker is never parked for an hour.
PROVIDER_MAX_INLINE_RETRY_AFTER = env.float("PROVIDER_MAX_INLINE_RETRY_AFTER", default=10.0)

SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=DEBUG)
# Redirect URIs the sandbox banks accept besides the platform's own callbacks (sandbox/redirects.py).
SANDBOX_REDIRECT_URIS = env.list("SANDBOX_REDIRECT_URIS", default=[])
SANDBOX_LATENCY_MS = env.int("SANDBOX_LATENCY_MS", default=0)
# The client secret the sandbox's mock providers accept (TrueLayer client_secret, GoCardless
# secret_key). `make run` generates one and points TRUELAYER_*/GOCARDLESS_* at the sandbox.
SANDBOX_CLIENT_ID = env.str("SANDBOX_CLIENT_ID", default="sandbox-client")
SANDBOX_CLIENT_SECRET = env.str("SANDBOX_CLIENT_SECRET", default="sandbox-secret")
SANDBOX_SLOW_MS = env.int("SANDBOX_SLOW_MS", default=3000)  # the error.slow login's added latency
SANDBOX_RETRY_AFTER_SECONDS = env.int("SANDBOX_RETRY_AFTER_SECONDS", default=60)
# What the mock Trading 212 and IBKR accept (sandbox/credentials.py): public defaults, since
# the sandbox holds made-up data only; `make run` writes them to .env so they are easy to find.
SANDBOX_TRADING212_API_KEY = env.str("SANDBOX_TRADING212_API_KEY", default="sandbox-t212-key")
SANDBOX_TRADING212_API_SECRET = env.str("SANDBOX_TRADING212_API_SECRET", default="sandbox-t212-secret")
SANDBOX_IBKR_QUERY_ID = env.str("SANDBOX_IBKR_QUERY_ID", default="987654")

# Error reports (500 e-mails, the HTML report) hide secret-looking names at any depth, scrub
# token-shaped text from frame variables and clean the query string (integrations_core/reporting.py).
DEFAULT_EXCEPTION_REPORTER = "integrations_core.reporting.SecretsExceptionReporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = "integrations_core.reporting.SecretsExceptionReporterFilter"

# --- Logging: ids and outcomes only; tokens never reach a log line ---------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "integrations_core.logging.RedactSecretsFilter"},
                "sandbox_faults": {"()": "sandbox.logging.IntendedSandboxFaultFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain",
                    "filters": ["redact_secrets", "sandbox_faults"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # urllib3 logs full URLs at DEBUG (query strings can carry codes); keep it at INFO.
        "urllib3": {"level": "INFO"},
        "oauthlib": {"level": "INFO"},
        "requests_oauthlib": {"level": "INFO"},
    },
}

# --- Provider hosts and credentials (the sandbox stands in for them in dev and tests) --------
TRUELAYER_AUTH_URL = env.str("TRUELAYER_AUTH_URL", default="https://auth.truelayer.com")
TRUELAYER_API_URL = env.str("TRUELAYER_API_URL", default="https://api.truelayer.com")
TRUELAYER_CLIENT_ID = env.str("TRUELAYER_CLIENT_ID", default="")
TRUELAYER_CLIENT_SECRET = env.str("TRUELAYER_CLIENT_SECRET", default="")
TRUELAYER_PROVIDERS = env.str("TRUELAYER_PROVIDERS", default="uk-ob-all uk-oauth-all")
GOCARDLESS_API_URL = env.str("GOCARDLESS_API_URL", default="https://bankaccountdata.gocardless.com/api/v2")
GOCARDLESS_SECRET_ID = env.str("GOCARDLESS_SECRET_ID", default="")
GOCARDLESS_SECRET_KEY = env.str("GOCARDLESS_SECRET_KEY", default="")
# Trading 212 and IBKR take the person's own key, so there is no operator secret here: only the
# hosts (`make run` points them at the sandbox, tests at the live server's sandbox).
TRADING212_DEMO_URL = env.str("TRADING212_DEMO_URL", default="https://demo.trading212.com/api/v0")
TRADING212_LIVE_URL = env.str("TRADING212_LIVE_URL", default="https://live.trading212.com/api/v0")
# Seconds a spent per-endpoint quota may be waited out inside a sync (5 s covers the account
# summary's one call per 5 s right after the connect check); longer waits are rescheduled.
TRADING212_MAX_INLINE_WAIT = env.float("TRADING212_MAX_INLINE_WAIT", default=5.0)
# Plaid (open_banking/providers/plaid/): the API host, the Link page browsers are sent to
# (`make run` and the tests point both at the sandbox's mock Plaid), and the operator's keys.
PLAID_URL = env.str("PLAID_URL", default="https://production.plaid.com")
PLAID_LINK_URL = env.str("PLAID_LINK_URL", default="")
PLAID_CLIENT_ID = env.str("PLAID_CLIENT_ID", default="")
PLAID_SECRET = env.str("PLAID_SECRET", default="")
PLAID_CLIENT_NAME = env.str("PLAID_CLIENT_NAME", default="Finance Platform")
PLAID_COUNTRY_CODES = env.list("PLAID_COUNTRY_CODES", default=["US"])
PLAID_DAYS_REQUESTED = env.int("PLAID_DAYS_REQUESTED", default=730)
PLAID_SYNC_PAGE_SIZE = env.int("PLAID_SYNC_PAGE_SIZE", default=500)  # /transactions/sync `count` (max 500)
PLAID_WEBHOOK_URL = env.str("PLAID_WEBHOOK_URL", default="")  # default: SITE_URL + the webhook route
PLAID_WEBHOOK_DEBOUNCE_SECONDS = env.int("PLAID_WEBHOOK_DEBOUNCE_SECONDS", default=60)
IBKR_FLEX_URL = env.str("IBKR_FLEX_URL",
                        default="https://ndcdyn.interactivebrokers.com/AccountManagement/FlexWebService")

# Called on the new rows' values just before they are inserted (categorising them first means
# each row is written once: an UPDATE right after the insert would rewrite every index entry).
SYNC_PRE_INSERT_HOOKS = env.list("SYNC_PRE_INSERT_HOOKS", default=["transactions.hooks.categorise_before_insert"])
# How holdings are rebuilt from a trade history (statement files carry trades, not positions):
# the family's pooled book cost, `fn(transactions, *, account_currency) -> {security: position}`.
BOOK_COST_FROM_TRADES = "investments.services.book_cost.positions_from_trades"
# Where each family keeps the money moving in and out of accounts (integrations_core/ledger.py).
# Exactly one is categorised by the transactions app, whose tables point at its models.
CASH_LEDGERS = ["open_banking.ledger.bank_ledger", "investments.ledger.investment_ledger",
                "pensions.ledger.pension_ledger",
                "payments.ledger.payments_ledger"]  # a processor balance is money the business holds
CATEGORISED_ACCOUNT_MODEL = "open_banking.BankAccount"
CATEGORISED_TRANSACTION_MODEL = "open_banking.BankTransaction"

# Called inside each account's transaction after its rows are written (categorisation; balance
# snapshots are the core's own, Account.snapshot_model). Each is `hook(account=, data=, result=)`.
SYNC_POST_IMPORT_HOOKS = env.list("SYNC_POST_IMPORT_HOOKS", default=["transactions.hooks.categorise_after_import"])

# Dev conveniences used by `make run` (seed_demo).
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="")
OPERATOR_PASSWORD = env.str("OPERATOR_PASSWORD", default="")  # seed_demo's admin@example.com; never the demo's
# seed_demo_banks seeds the institutions, then the demo user's banks and budgets (sandbox in-process).
# seed_demo_business: the demo user's sandbox business bank and Stripe, reconciled after their first syncs.
SEED_COMMANDS = env.list("SEED_COMMANDS", default=["seed_demo_banks", "seed_demo_business"])
# Beat entries apps add beside the daily sync: {"name", "task", "crontab": {...}}.
EXTRA_PERIODIC_TASKS: list[dict] = [
    {"name": "sync-retry-due", "task": "integrations_core.tasks.sync_retry_due",
     "crontab": {"minute": "*/5"}},
    {"name": "purge-revoked-connections", "task": "integrations_core.tasks.purge_revoked_connections",
     "crontab": {"minute": "15", "hour": "2"}},
    {"name": "categorise-pending", "task": "transactions.tasks.categorise_pending",
     "crontab": {"minute": "5", "hour": "*"}},
    {"name": "categoriser-retrain", "task": "transactions.tasks.categoriser_retrain",
     "crontab": {"minute": "0", "hour": "3"}},
    {"name": "recurring-detect", "task": "transactions.tasks.recurring_detect_all",
     "crontab": {"minute": "0", "hour": "6"}},
    {"name": "budget-alerts-check", "task": "transactions.tasks.budget_alerts_check_all",
     "crontab": {"minute": "30", "hour": "6"}},
    {"name": "refresh-institutions", "task": "open_banking.tasks.refresh_institutions",
     "crontab": {"minute": "30", "hour": "3", "day_of_week": "1"}},
    {"name": "tidy-abandoned-connects", "task": "integrations_core.tasks.tidy_abandoned_connects",
     "crontab": {"minute": "40"}},
    {"name": "pension-requests-remind", "task": "pensions.info_requests.tasks.information_requests_remind",
     "crontab": {"minute": "0", "hour": "8"}},
]
# Which pension register feed `load_pension_register` and the admin refresh read by default.
PENSION_REGISTER_FEED = env.str("PENSION_REGISTER_FEED", default="shipped")
# How long a disconnected connection's accounts and transactions are kept (for the person to
# export or reconnect) before the daily purge deletes them. 0 = purge at the next run.
REVOKED_DATA_RETENTION_DAYS = env.int("REVOKED_DATA_RETENTION_DAYS", default=30)
# Connect a bank, not an aggregator (web/banks.py): which provider reaches a bank several list,
# first preferred first; providers not named follow in INTEGRATION_PROVIDERS order.
BANK_PROVIDER_PREFERENCE = env.list("BANK_PROVIDER_PREFERENCE", default=["truelayer", "gocardless", "plaid"])
HOME_COUNTRY = env.str("HOME_COUNTRY", default="GB")  # its banks are listed first
# A connect left "Not finished" (pending, never synced) is deleted after this many hours.
ABANDONED_CONNECT_HOURS = env.int("ABANDONED_CONNECT_HOURS", default=24)
# Circuit breaker: after this many consecutive provider-wide failures (5xx, timeouts, unreadable
# bodies) a provider's syncs pause for the cooldown, doubling on each re-trip (max 6 h).
PROVIDER_BREAKER_THRESHOLD = env.int("PROVIDER_BREAKER_THRESHOLD", default=5)
PROVIDER_BREAKER_COOLDOWN_SECONDS = env.int("PROVIDER_BREAKER_COOLDOWN_SECONDS", default=600)


# --- Webhooks, health, metrics, alerts (docs/health.md) ---------------------------------------
# A webhook handler's sync of one connection is queued at most once per this many seconds.
WEBHOOK_SYNC_DEBOUNCE_SECONDS = env.int("WEBHOOK_SYNC_DEBOUNCE_SECONDS", default=60)
# Events still waiting this long (their task never reached the broker) are sent again by the sweep.
WEBHOOK_REQUEUE_AFTER_SECONDS = env.int("WEBHOOK_REQUEUE_AFTER_SECONDS", default=300)
# /metrics: off (404) unless a token or an IP allow-list is set. With a token, scrapers send
# `Authorization: Bearer <token>`; with an allow-list (addresses or CIDR ranges), only those
# clients get in; with both, both must hold. Anything else is a 403.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
PROMETHEUS_EXPORT_MIGRATIONS = False  # django-prometheus would query migrations at start-up
# Alerts: after this many failed syncs in a row; consents and tokens expiring within this many
# days; a quota with this share or less left today.
ALERT_FAILURE_THRESHOLD = env.int("ALERT_FAILURE_THRESHOLD", default=3)
ALERT_EXPIRY_DAYS = env.int("ALERT_EXPIRY_DAYS", default=7)
ALERT_QUOTA_HEADROOM = env.float("ALERT_QUOTA_HEADROOM", default=0.25)
ADMINS = [tuple(item.split(":", 1)) for item in env.list("ADMINS", default=[]) if ":" in item]  # "Name:email"

# Called once a sync has finished (integrations_core's SYNC_AFTER_RUN_HOOKS), `hook(connection=, run=)`:
# the transactions app's follow-up tasks, once per sync that changed something; the reconciliation
# (issue 16) re-matches the person's items when they have something a bank row can match,
# looking back RECONCILIATION_LOOKBACK_DAYS.
SYNC_AFTER_RUN_HOOKS = env.list("SYNC_AFTER_RUN_HOOKS", default=["transactions.hooks.followups_after_sync",
                                                                 "reconciliation.hooks.reconcile_after_sync"])
RECONCILIATION_LOOKBACK_DAYS = env.int("RECONCILIATION_LOOKBACK_DAYS", default=400)

# --- Payment processors (payments/) ---------------------------------------------------------------
# Stripe: the hosts (the sandbox stands in: {SITE}/sandbox/stripe/api and .../connect), the Connect
# platform's client id and secret key, and the webhook endpoint secrets (two while one is rolled).
STRIPE_API_URL = env.str("STRIPE_API_URL", default="https://api.stripe.com")
STRIPE_CONNECT_URL = env.str("STRIPE_CONNECT_URL", default="https://connect.stripe.com")
STRIPE_CLIENT_ID = env.str("STRIPE_CLIENT_ID", default="")
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRETS = env.list("STRIPE_WEBHOOK_SECRETS", default=[])
STRIPE_WEBHOOK_DEBOUNCE_SECONDS = env.int("STRIPE_WEBHOOK_DEBOUNCE_SECONDS", default=60)


# --- Accounting (accounting/): the books, read and written back to (docs/business.md) --------
INSTALLED_APPS += ["accounting", "sandbox.xero"]  # sandbox.xero: the mock Xero's own tables
# Appended to INTEGRATION_PROVIDERS here (one block, so the family's own list merges cleanly).
ACCOUNTING_PROVIDERS = env.list("ACCOUNTING_PROVIDERS", default=[
    "accounting.providers.xero.provider.XeroProvider",
])
INTEGRATION_PROVIDERS += [p for p in ACCOUNTING_PROVIDERS if p not in INTEGRATION_PROVIDERS]
# Xero (accounting/providers/xero/): the identity and API hosts (`make run` and the tests point
# them at the sandbox's mock Xero) and the operator's app credentials.
XERO_LOGIN_URL = env.str("XERO_LOGIN_URL", default="https://login.xero.com")
XERO_IDENTITY_URL = env.str("XERO_IDENTITY_URL", default="https://identity.xero.com")
XERO_API_URL = env.str("XERO_API_URL", default="https://api.xero.com")
XERO_CLIENT_ID = env.str("XERO_CLIENT_ID", default="")
XERO_CLIENT_SECRET = env.str("XERO_CLIENT_SECRET", default="")
# Pages of If-Modified-Since reads per endpoint and sync (100 rows a page); the rest next time.
XERO_MAX_PAGES = env.int("XERO_MAX_PAGES", default=50)
# How closely an account's name must match a category's words to be suggested (rapidfuzz, 0-100).
ACCOUNTING_SUGGESTION_MIN_SCORE = env.int("ACCOUNTING_SUGGESTION_MIN_SCORE", default=55)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["PushStatusEnum"] = "accounting.models.PushStatus"
# QuickBooks Online (accounting/providers/quickbooks): Intuit's hosts, the app's keys and the
# webhook verifier token; `make run` and the tests point the hosts at the sandbox's mock.
QUICKBOOKS_AUTH_URL = env.str("QUICKBOOKS_AUTH_URL", default="https://appcenter.intuit.com/connect/oauth2")
QUICKBOOKS_TOKEN_URL = env.str("QUICKBOOKS_TOKEN_URL", default="https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer")
QUICKBOOKS_REVOKE_URL = env.str("QUICKBOOKS_REVOKE_URL", default="https://developer.api.intuit.com/v2/oauth2/tokens/revoke")
QUICKBOOKS_API_URL = env.str("QUICKBOOKS_API_URL", default="https://quickbooks.api.intuit.com")
QUICKBOOKS_CLIENT_ID = env.str("QUICKBOOKS_CLIENT_ID", default="")
QUICKBOOKS_CLIENT_SECRET = env.str("QUICKBOOKS_CLIENT_SECRET", default="")
QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN = env.str("QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN", default="")
QUICKBOOKS_MINOR_VERSION = env.int("QUICKBOOKS_MINOR_VERSION", default=75)
# The sandbox's mock QuickBooks is an app of its own (its tables: realms, tokens, pushed items).
INSTALLED_APPS += ["sandbox.quickbooks"]
QUICKBOOKS_PROVIDER = "accounting.providers.quickbooks.provider.QuickBooksProvider"
if QUICKBOOKS_PROVIDER not in INTEGRATION_PROVIDERS:
    INTEGRATION_PROVIDERS += [QUICKBOOKS_PROVIDER]
# PayPal (payments/providers/paypal/): the REST hosts (the sandbox stands in for the developer
# sandbox: {SITE}/sandbox/paypal), how much history a first sync reads and in how many 31-day
# windows at most, and Transaction Search's page size (500 is PayPal's maximum).
PAYPAL_LIVE_URL = env.str("PAYPAL_LIVE_URL", default="https://api-m.paypal.com")
PAYPAL_SANDBOX_URL = env.str("PAYPAL_SANDBOX_URL", default="https://api-m.sandbox.paypal.com")
PAYPAL_HISTORY_DAYS = env.int("PAYPAL_HISTORY_DAYS", default=3 * 365)
PAYPAL_MAX_WINDOWS_PER_SYNC = env.int("PAYPAL_MAX_WINDOWS_PER_SYNC", default=40)
PAYPAL_PAGE_SIZE = env.int("PAYPAL_PAGE_SIZE", default=500)
# The PayPal mock: the secret it accepts with any client id, and how long a transaction takes to
# appear in its Transaction Search (PayPal documents up to 3 hours).
SANDBOX_PAYPAL_CLIENT_SECRET = env.str("SANDBOX_PAYPAL_CLIENT_SECRET", default="sandbox-paypal-secret")
SANDBOX_PAYPAL_LAG_MINUTES = env.int("SANDBOX_PAYPAL_LAG_MINUTES", default=60)
