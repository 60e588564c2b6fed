"""GoCardless's shared server token (cached, encrypted, refreshed; never one per request) and
the per-account quota ledger (every successful call and every 429 is written down)."""

from __future__ import annotations

import hashlib
import logging
import time
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.db.models import F, Q
from django.utils import timezone

from integrations_core.providers.errors import ProviderAuthError, ProviderConfigurationError

from .models import QuotaLedger, ServerToken

if TYPE_CHECKING:
    from .client import GoCardlessClient, QuotaInfo

logger = logging.getLogger(__name__)

PROVIDER = "gocardless"
# Renew a little early so a token never expires between our check and the provider's.
TOKEN_MARGIN = timedelta(minutes=5)


def _token_key(base_url: str, secret_id: str) -> str:
    return hashlib.sha256(f"{base_url.rstrip('/')}|{secret_id}".encode()).hexdigest()


@contextmanager
def _renewal_lock(name: str, *, hold: int = 30, wait: float = 10.0):
    """A cache-based mutex so concurrent workers renew the token once. No database transaction
    is held across the HTTP call (SQLite would lock out everyone else meanwhile). If the lock
    cannot be had in time we renew anyway: a spare token beats a failed sync."""
    deadline = time.monotonic() + wait
    acquired = cache.add(name, "1", hold)
    while not acquired and time.monotonic() < deadline:
        time.sleep(0.05)
        acquired = cache.add(name, "1", hold)
    try:
        yield
    finally:
        if acquired:
            cache.delete(name)


def _is_fresh(row: ServerToken, rejected: str) -> bool:
    return bool(row.access_token and row.access_expires_at and row.access_token != rejected
                and row.access_expires_at - timezone.now() > TOKEN_MARGIN)


def server_token_get(client: GoCardlessClient, *, rejected: str = "") -> str:
    """A valid access token for `client`'s host. `rejected` is a token the API just refused:
    if the cache still holds it, it is renewed (once, however many workers saw it fail)."""
    secret_id, secret_key = settings.GOCARDLESS_SECRET_ID, settings.GOCARDLESS_SECRET_KEY
    if not (secret_id and secret_key):
        raise ProviderConfigurationError("GoCardless secrets are not configured")
    key = _token_key(client.base_url, secret_id)
    row, _ = ServerToken.objects.get_or_create(key=key, defaults={"provider": PROVIDER})
    if _is_fresh(row, rejected):
        return row.access_token
    with _renewal_lock(f"gocardless-token-renewal:{key}"):
        row.refresh_from_db()
        if _is_fresh(row, rejected):
            return row.access_token  # another worker renewed it while we waited
        now = timezone.now()
        body = None
        if row.refresh_token and row.refresh_expires_at and row.refresh_expires_at - now > TOKEN_MARGIN:
            try:
                body = client.token_refresh(row.refresh_token)
            except ProviderAuthError:
                body = None  # refresh token revoked: fall through to a new pair
        if body is None:
            body = client.token_new(secret_id, secret_key)
            row.refresh_token = body.get("refresh", "")
            row.refresh_expires_at = now + timedelta(seconds=int(body.get("refresh_expires") or 0))
        row.access_token = body["access"]
        row.access_expires_at = now + timedelta(seconds=int(body.get("access_expires") or 0))
        row.save()
    logger.info("gocardless server token renewed")
    return row.access_token


# --- quota ledger -----------------------------------------------------------------------------
DEFAULT_DAILY_LIMIT = 4


def _next_utc_midnight():
    now = timezone.now()
    return (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)


def quota_wait_seconds(account_id: str, scope: str) -> float | None:
    """Seconds until a call to this account's scope may be spent, or None if it may be now."""
    return quota_waits([account_id], [scope])[(account_id, scope)]


def quota_waits(account_ids: list[str], scopes) -> dict[tuple[str, str], float | None]:
    """quota_wait_seconds for every (account, scope) pair, in one query: both questions (an
    announced reset still ahead, and today's spend) for all of a connection's accounts. The
    GoCardless sync asks before every call, so this is read once per sync, not per call."""
    now = timezone.now()
    today = now.date()
    rows = QuotaLedger.objects.filter(provider=PROVIDER, account_id__in=list(account_ids), scope__in=list(scopes)) \
        .filter(Q(remaining=0, reset_at__gt=now) | Q(day=today)) \
        .values_list("account_id", "scope", "day", "remaining", "reset_at", "successful_calls", "limit")
    blocked: dict[tuple, object] = {}
    spent: dict[tuple, tuple] = {}
    for account_id, scope, day, remaining, reset_at, successful_calls, limit in rows:
        key = (account_id, scope)
        if remaining == 0 and reset_at is not None and reset_at > now:
            blocked[key] = max(blocked.get(key, reset_at), reset_at)
        if day == today:
            spent[key] = (reset_at, successful_calls, limit)
    waits: dict[tuple[str, str], float | None] = {}
    for key in ((a, s) for a in account_ids for s in scopes):
        wait = None
        if key in blocked:
            wait = (blocked[key] - now).total_seconds()
        elif key in spent:
            reset_at, successful_calls, limit = spent[key]
            if successful_calls >= (limit or DEFAULT_DAILY_LIMIT):
                until = reset_at if reset_at and reset_at > now else _next_utc_midnight()
                wait = (until - now).total_seconds()
        waits[key] = wait
    return waits


def quota_left_today(connection_ids: list, *, default: int = DEFAULT_DAILY_LIMIT) -> dict[str, int]:
    """Calls left today per connection: the smallest of its (account, scope) entries (what a
    sync can still fetch everywhere), the whole quota where nothing was spent. One query."""
    left = {str(pk): default for pk in connection_ids}
    rows = QuotaLedger.objects.filter(provider=PROVIDER, connection_id__in=connection_ids,
                                      day=timezone.now().date()).values_list(
        "connection_id", "successful_calls", "limit", "remaining")
    for connection_id, spent, limit, remaining in rows:
        here = remaining if remaining is not None else max(0, (limit or default) - spent)
        left[str(connection_id)] = min(left[str(connection_id)], here)
    return left


def _entry(account_id: str, scope: str, connection) -> QuotaLedger:
    row, _ = QuotaLedger.objects.get_or_create(
        provider=PROVIDER, account_id=account_id, scope=scope, day=timezone.now().date(),
        defaults={"connection": connection})
    return row


def quota_record_success(account_id: str, scope: str, *, connection=None, info: QuotaInfo | None = None) -> None:
    """One successful call spent: today's entry created or incremented in one statement (an
    INSERT ... ON CONFLICT DO UPDATE; PostgreSQL and SQLite both have it), what the bank
    announced kept when it said nothing new. It runs after every GoCardless call."""
    now = timezone.now()
    reset_at = now + timedelta(seconds=info.reset_seconds) if info is not None and info.reset_seconds is not None \
        else None
    limit = info.limit if info is not None else None
    remaining = info.remaining if info is not None else None
    q = connections[QuotaLedger.objects.db].ops.quote_name
    table = q(QuotaLedger._meta.db_table)
    columns = ["provider", "account_id", "connection_id", "scope", "day", "successful_calls", "rate_limited_calls",
               "limit", "remaining", "reset_at", "updated_at"]
    kept = [f"{q(c)} = COALESCE(EXCLUDED.{q(c)}, {table}.{q(c)})" for c in ("limit", "remaining", "reset_at")]
    sql = (f"INSERT INTO {table} ({', '.join(q(c) for c in columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "  # noqa: S608
           f"ON CONFLICT ({', '.join(q(c) for c in ('provider', 'account_id', 'scope', 'day'))}) DO UPDATE SET "
           f"{q('successful_calls')} = {table}.{q('successful_calls')} + 1, "
           f"{q('updated_at')} = EXCLUDED.{q('updated_at')}, {', '.join(kept)}")
    field = QuotaLedger._meta.get_field
    db = connections[QuotaLedger.objects.db]
    connection_id = getattr(connection, "pk", None)
    params = [PROVIDER, account_id, None if connection_id is None else field("connection").get_db_prep_value(
        connection_id, db), scope, field("day").get_db_prep_value(now.date(), db),
              1, 0, limit, remaining, field("reset_at").get_db_prep_value(reset_at, db),
              field("updated_at").get_db_prep_value(now, db)]
    with db.cursor() as cursor:
        cursor.execute(sql, params)


def quota_record_limited(account_id: str, scope: str, *, connection=None, retry_after: float | None = None,
                         info: QuotaInfo | None = None) -> None:
    """A 429: nothing more is spent on this scope until the announced reset (or, when the bank
    did not say, until the next UTC day)."""
    row = _entry(account_id, scope, connection)
    reset_at = timezone.now() + timedelta(seconds=retry_after) if retry_after else _next_utc_midnight()
    updates: dict = {"rate_limited_calls": F("rate_limited_calls") + 1, "remaining": 0, "reset_at": reset_at,
                     "updated_at": timezone.now()}
    if info is not None and info.limit is not None:
        updates["limit"] = info.limit
    QuotaLedger.objects.filter(pk=row.pk).update(**updates)
