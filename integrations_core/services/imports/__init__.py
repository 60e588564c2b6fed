"""The one write path for accounts, balances and transactions (moved from services/imports.py)."""

from .transactions import *  # noqa: F401,F403
from .transactions import _bulk_insert  # noqa: F401  (patched by benchmarks and tests)
