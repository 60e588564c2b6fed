"""Settings for the test suite: the environment still decides the database and Redis (CI runs
the suite on SQLite and again on PostgreSQL + Redis); everything else is pinned."""

import os

os.environ["DJANGO_READ_DOT_ENV_FILE"] = "false"
os.environ.setdefault("SANDBOX_ENABLED", "true")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "test-field-encryption-key-0123456789abcdef")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789")

from .settings import *  # noqa: E402,F403
from .settings import REST_FRAMEWORK  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)  # noqa: F405
SITE_URL = "http://testserver"
PROVIDER_HTTP_BACKOFF = 0.0
# Throttles are tested explicitly; the generic ones must not trip the rest of the suite.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
    **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": "100000/min", "anon": "100000/min"}}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
