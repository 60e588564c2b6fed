"""What Intuit sends a webhook endpoint when a company's data changes: the body, and its
`intuit-signature` (base64 HMAC-SHA256 of the raw body with the app's verifier token). A bad
signature is the fault to try (`signed(..., bad=True)`)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from sandbox import clock

from .books import stamp


def notification(realm_id: str, changes: list[tuple[str, str, str]]) -> bytes:
    """(entity name, id, operation) changes of one company, as Intuit's eventNotifications."""
    entities = [{"name": name, "id": item_id, "operation": operation, "lastUpdated": stamp(clock.now())}
                for name, item_id, operation in changes]
    return json.dumps({"eventNotifications": [{"realmId": realm_id, "dataChangeEvent": {"entities": entities}}]}).encode()


def signed(body: bytes, verifier_token: str, *, bad: bool = False) -> str:
    key = (verifier_token + "-wrong") if bad else verifier_token
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()
