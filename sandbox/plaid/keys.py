"""The mock's webhook signing key (ES256, P-256) and Plaid's webhook signature: a JWT in the
`Plaid-Verification` header with `iat` and `request_body_sha256`. The key is derived from
SECRET_KEY, so every process of one deployment signs and publishes the same key."""

from __future__ import annotations

import hashlib
import json
import time
from functools import lru_cache

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from jwt.algorithms import ECAlgorithm

KEY_ID = "sandbox-plaid-webhook-key-1"
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


@lru_cache(maxsize=4)
def _private_key(secret: str) -> ec.EllipticCurvePrivateKey:
    seed = int.from_bytes(hashlib.sha256(f"sandbox-plaid-webhook|{secret}".encode()).digest(), "big")
    return ec.derive_private_key(seed % (_P256_ORDER - 1) + 1, ec.SECP256R1())


def private_key() -> ec.EllipticCurvePrivateKey:
    return _private_key(settings.SECRET_KEY)


def public_jwk() -> dict:
    jwk = json.loads(ECAlgorithm.to_jwk(private_key().public_key()))
    return {**jwk, "alg": "ES256", "kid": KEY_ID, "use": "sig", "created_at": 1_700_000_000, "expired_at": None}


def sign(body: bytes, *, iat: float | None = None, kid: str = KEY_ID) -> str:
    claims = {"iat": int(time.time() if iat is None else iat), "request_body_sha256": hashlib.sha256(body).hexdigest()}
    return jwt.encode(claims, private_key(), algorithm="ES256", headers={"kid": kid})
