"""A software WebAuthn authenticator for tests: makes the registration and assertion responses a
browser would hand back from a security key (P-256, "none" attestation), so allauth's real
fido2 verification runs without a browser. It stands in for the authenticator only; the
browser's part (navigator.credentials, allauth's webauthn.js) is not exercised by it."""

from __future__ import annotations

import hashlib
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.utils import websafe_encode
from fido2.webauthn import (
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorData,
    CollectedClientData,
)


class SoftKey:
    def __init__(self, rp_id: str = "testserver", origin: str = "http://testserver") -> None:
        self.rp_id, self.origin = rp_id, origin
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(32)
        self.counter = 0

    @property
    def _rp_hash(self) -> bytes:
        return hashlib.sha256(self.rp_id.encode()).digest()

    def register(self, challenge: str) -> dict:
        client_data = CollectedClientData.create("webauthn.create", challenge, self.origin)
        credential = AttestedCredentialData.create(
            b"\0" * 16, self.credential_id, ES256.from_cryptography_key(self.private_key.public_key()))
        auth_data = AuthenticatorData.create(
            self._rp_hash, AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.AT, self.counter, credential)
        attestation = AttestationObject.create("none", auth_data, {})
        return {"id": websafe_encode(self.credential_id), "rawId": websafe_encode(self.credential_id),
                "type": "public-key", "clientExtensionResults": {},
                "response": {"clientDataJSON": websafe_encode(client_data),
                             "attestationObject": websafe_encode(attestation)}}

    def assert_(self, challenge: str) -> dict:
        self.counter += 1
        client_data = CollectedClientData.create("webauthn.get", challenge, self.origin)
        auth_data = AuthenticatorData.create(self._rp_hash, AuthenticatorData.FLAG.UP, self.counter)
        signature = self.private_key.sign(bytes(auth_data) + hashlib.sha256(client_data).digest(),
                                          ec.ECDSA(hashes.SHA256()))
        return {"id": websafe_encode(self.credential_id), "rawId": websafe_encode(self.credential_id),
                "type": "public-key", "clientExtensionResults": {},
                "response": {"clientDataJSON": websafe_encode(client_data),
                             "authenticatorData": websafe_encode(auth_data),
                             "signature": websafe_encode(signature), "userHandle": None}}
