"""Plaid webhooks: verifying the `Plaid-Verification` JWT, and acting on a verified delivery.

Verification (Plaid's "webhook verification" guide): the header is a JWT signed with ES256 (any
other alg, `none` and HS256 included, is refused before a key is looked at); its `kid` names a
key we fetch from /webhook_verification_key/get and cache (a key with `expired_at` in the past
is refused); the `request_body_sha256` claim must equal the SHA-256 of the raw body (compared
in constant time) and `iat` be no older than 5 minutes. The delivery id is the SHA-256 of the
JWT: Plaid signs each delivery anew, so a replay repeats the id.

Handling is idempotent (the core may call it more than once for one delivery):
SYNC_UPDATES_AVAILABLE queues one sync per Item per debounce window; HOLDINGS and
INVESTMENTS_TRANSACTIONS DEFAULT_UPDATE one of the Item's linked investments connection; ITEM_LOGIN_REQUIRED (as
ITEM/ERROR or its own code) and PENDING_EXPIRATION move the connection through the core's
connection-state services, which do nothing the second time; WEBHOOK_UPDATE_ACKNOWLEDGED and
anything else are recorded in the audit log."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

import jwt
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from jwt.algorithms import ECAlgorithm

from integrations_core.providers.base import VerifiedWebhook
from integrations_core.providers.errors import ProviderError
from integrations_core.webhooks import WebhookRejected

from ..utils import parse_datetime

logger = logging.getLogger(__name__)
MAX_AGE_SECONDS = 5 * 60
KEY_CACHE_SECONDS = 24 * 3600


class PlaidWebhookVerifier:
    def __init__(self, provider) -> None:
        self.provider = provider

    def verify(self, request: HttpRequest, *, now: float) -> VerifiedWebhook:
        token = request.headers.get("Plaid-Verification", "")
        if not token:
            raise WebhookRejected(401, "unsigned")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise WebhookRejected(401, "bad_signature") from None
        if header.get("alg") != "ES256" or not isinstance(header.get("kid"), str):
            raise WebhookRejected(401, "bad_signature")
        key = self._key(header["kid"], now)
        try:
            claims = jwt.decode(token, key=ECAlgorithm.from_jwk(json.dumps(key)), algorithms=["ES256"],
                                options={"verify_exp": False, "verify_iat": False, "require": ["iat"]})
        except (jwt.PyJWTError, ValueError, TypeError):
            raise WebhookRejected(401, "bad_signature") from None
        iat = claims.get("iat")
        if not isinstance(iat, int | float) or now - iat > MAX_AGE_SECONDS or iat - now > MAX_AGE_SECONDS:
            raise WebhookRejected(401, "stale")
        claimed = claims.get("request_body_sha256")
        if not isinstance(claimed, str) or not hmac.compare_digest(claimed, hashlib.sha256(request.body).hexdigest()):
            raise WebhookRejected(401, "bad_signature")
        try:
            payload = json.loads(request.body)
        except (ValueError, RecursionError):
            raise WebhookRejected(400, "malformed") from None
        if not isinstance(payload, dict):
            raise WebhookRejected(400, "malformed")
        return VerifiedWebhook(delivery_id=hashlib.sha256(token.encode()).hexdigest(), payload=payload)

    def _key(self, kid: str, now: float) -> dict[str, Any]:
        cache_key = f"plaid-webhook-key:{hashlib.sha256(kid.encode()).hexdigest()[:32]}"
        key = cache.get(cache_key)
        if key is None:
            try:
                key = self.provider.client().webhook_verification_key(kid).get("key")
            except ProviderError as exc:
                if exc.transient:
                    raise WebhookRejected(503, "unavailable") from None
                raise WebhookRejected(401, "bad_signature") from None  # Plaid knows no such key
            if not isinstance(key, dict) or key.get("kid") != kid:
                raise WebhookRejected(401, "bad_signature")
            cache.set(cache_key, key, timeout=KEY_CACHE_SECONDS)
        expired_at = key.get("expired_at")
        if expired_at is not None:
            ends = parse_datetime(str(expired_at)) if not isinstance(expired_at, int | float) else None
            if isinstance(expired_at, int | float) and expired_at <= now:
                raise WebhookRejected(401, "bad_signature")
            if ends is not None and ends.timestamp() <= now:
                raise WebhookRejected(401, "bad_signature")
        return key


def plaid_webhook_handle(provider, payload: dict[str, Any]) -> None:
    from integrations_core.services.audit import audit_record
    from integrations_core.services.connections import connection_consent_expiring, connection_reauth_required
    from open_banking.models import BankConnection

    kind, code = str(payload.get("webhook_type") or ""), str(payload.get("webhook_code") or "")
    item_id = str(payload.get("item_id") or "")
    connection = (BankConnection.objects.filter(provider=provider.slug, external_id=item_id).first()
                  if item_id else None)
    if connection is None:
        logger.info("plaid webhook for no connection type=%s code=%s", kind, code)
        return
    error = payload.get("error") or {}
    error_code = str(error.get("error_code") or "") if isinstance(error, dict) else ""
    if kind in ("HOLDINGS", "INVESTMENTS_TRANSACTIONS") and code == "DEFAULT_UPDATE":
        # The Item's brokerage accounts live on its linked investments connection.
        from integrations_core.services.linked import connections_linked

        for linked in connections_linked(connection):
            if linked.is_syncable:
                _sync_debounced(linked)
    elif code == "SYNC_UPDATES_AVAILABLE" or (kind == "TRANSACTIONS" and code == "DEFAULT_UPDATE"):
        _sync_debounced(connection)
    elif code == "ITEM_LOGIN_REQUIRED" or (code == "ERROR" and error_code == "ITEM_LOGIN_REQUIRED"):
        connection_reauth_required(connection, code="ITEM_LOGIN_REQUIRED",
                                   message="Your bank needs you to log in again. Reconnect to keep your data up to date.")
    elif code == "PENDING_EXPIRATION":
        connection_consent_expiring(connection, expires_at=parse_datetime(payload.get("consent_expiration_time")),
                                    code=code)
    elif code == "LOGIN_REPAIRED":
        _sync_debounced(connection)
    else:  # WEBHOOK_UPDATE_ACKNOWLEDGED and everything we do not act on: on the record
        audit_record("connection.webhook", connection=connection,
                     details={"provider": provider.slug, "type": kind[:40], "code": code[:60]})


def _sync_debounced(connection) -> None:
    """One sync per Item per window, however many webhooks arrive in it: the first queues the
    sync, the others find the window's marker and stop. The sync reads every change since the
    stored cursor, so it covers what the later webhooks announced up to when it runs."""
    from integrations_core.services.sync_queue import connection_sync_enqueue

    window = settings.PLAID_WEBHOOK_DEBOUNCE_SECONDS
    if window > 0 and not cache.add(f"plaid-sync-debounce:{connection.pk}", 1, timeout=window):
        return
    connection_sync_enqueue(connection, trigger="webhook")
