"""Settings for the Trading 212 fleet benchmark's child processes (sandbox server, Celery
workers): the project's settings plus the Trading 212 provider (not in INTEGRATION_PROVIDERS
by default yet) pointed at the sandbox (TRADING212_DEMO_URL, from the environment)."""

import os

from config.settings import *  # noqa: F403
from config.settings import INTEGRATION_PROVIDERS

_T212 = "investments.providers.trading212.provider.Trading212Provider"
if _T212 not in INTEGRATION_PROVIDERS:
    INTEGRATION_PROVIDERS = [*INTEGRATION_PROVIDERS, _T212]
TRADING212_DEMO_URL = os.environ.get("TRADING212_DEMO_URL", "http://127.0.0.1:8000/sandbox/trading212/api/v0")
