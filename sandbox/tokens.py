"""Opaque secrets for the mock providers: codes and tokens, and the digests stored instead."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from datetime import datetime


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_jwt_like(kind: str, expires_at: datetime) -> str:
    """A token shaped like the real providers' JWTs (header.payload.signature) with an `exp`
    claim, so clients that peek at the expiry keep working. Nothing here is verified: the
    sandbox recognises a token only by its stored digest."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64(json.dumps({"token_type": kind, "exp": int(expires_at.timestamp()),
                               "jti": secrets.token_hex(16)}).encode())
    return f"{header}.{payload}.{_b64(secrets.token_bytes(32))}"


def new_code() -> str:
    return secrets.token_urlsafe(32)


def pkce_challenge(verifier: str, method: str) -> str:
    if method == "plain":
        return verifier
    return _b64(hashlib.sha256(verifier.encode("ascii")).digest())
