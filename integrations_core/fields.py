"""Encrypted model fields with key rotation.

Values are AES-encrypted with a key derived from FIELD_ENCRYPTION_KEY (never SECRET_KEY) and
authenticated with an HMAC key derived from the same FIELD_ENCRYPTION_KEY, so SECRET_KEY can rotate
on its own and a value is only ever accepted under the key it was written with. (django-cryptography's
own format signs with SECRET_KEY; values written that way are still read, see _legacy_fernet_for,
and rewritten by the rotation command.) Values written under any key in FIELD_ENCRYPTION_OLD_KEYS
are read too, so a key can be rotated without losing data: deploy the new key with the old one
listed, run `manage.py rotate_encryption_key`, then drop the old key."""

from __future__ import annotations

import hashlib
import pickle  # noqa: S403  (django-cryptography's own storage format; data is authenticated)
from functools import lru_cache

from cryptography.hazmat.primitives.kdf import pbkdf2
from django.conf import settings
from django.core.signing import BadSignature
from django.db import models
from django.utils.encoding import force_bytes
from django_cryptography.fields import EncryptedMixin
from django_cryptography.utils.crypto import FernetBytes, InvalidToken


def derive_key(raw_key: str) -> bytes:
    """The same PBKDF2 derivation django-cryptography applies to CRYPTOGRAPHY_KEY."""
    from django_cryptography.conf import CryptographyConf

    conf = CryptographyConf()
    kdf = pbkdf2.PBKDF2HMAC(
        algorithm=conf.CRYPTOGRAPHY_DIGEST,
        length=conf.CRYPTOGRAPHY_DIGEST.digest_size,
        salt=force_bytes(settings.CRYPTOGRAPHY_SALT),
        iterations=30000,
    )
    return kdf.derive(force_bytes(raw_key))


# A value this key cannot read: the HMAC does not match (BadSignature) or the padding is wrong.
_UNREADABLE = (InvalidToken, BadSignature)


def _signer(key: bytes):
    from django_cryptography.core.signing import FernetSigner

    return FernetSigner(key=key)


@lru_cache(maxsize=8)
def _fernet_for(raw_key: str) -> FernetBytes:
    """The current format: AES with the derived key, HMAC with a second key derived from the same
    FIELD_ENCRYPTION_KEY. A value under another key fails the HMAC, always."""
    derived = derive_key(raw_key)
    return FernetBytes(derived, signer=_signer(hashlib.sha256(b"field-encryption-signing:" + derived).digest()))


@lru_cache(maxsize=16)
def _legacy_fernet_for(raw_key: str, signing_key: str) -> FernetBytes:
    """The format written before: django-cryptography signs with SECRET_KEY, so the HMAC cannot
    tell FIELD_ENCRYPTION_KEYs apart (about 1 value in 256 "decrypts" to garbage under a wrong key)
    and rotating SECRET_KEY made every value unreadable. Read-only, until rotate_encryption_key
    rewrites it in the current format."""
    return FernetBytes(derive_key(raw_key), signer=_signer(force_bytes(signing_key)))


def current_fernet() -> FernetBytes:
    return _fernet_for(settings.FIELD_ENCRYPTION_KEY)


def old_fernets() -> list[FernetBytes]:
    return [_fernet_for(k) for k in settings.FIELD_ENCRYPTION_OLD_KEYS if k]


def _legacy_fernets() -> list[FernetBytes]:
    keys = [settings.FIELD_ENCRYPTION_KEY, *[k for k in settings.FIELD_ENCRYPTION_OLD_KEYS if k]]
    signing = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [_legacy_fernet_for(k, s) for k in keys for s in signing]


def decrypt_value(raw: bytes, ttl=None) -> tuple[object, bool]:
    """(the value, whether it is stored in the current format under the current key)."""
    try:
        return pickle.loads(current_fernet().decrypt(raw, ttl)), True  # noqa: S301
    except _UNREADABLE:
        pass
    for fernet in old_fernets():
        try:
            return pickle.loads(fernet.decrypt(raw, ttl)), False  # noqa: S301
        except _UNREADABLE:
            continue
    for fernet in _legacy_fernets():
        try:
            plaintext = fernet.decrypt(raw, ttl)
        except _UNREADABLE:
            continue
        try:
            # Under a wrong key the legacy format can decrypt to garbage with valid padding:
            # only a value that unpickles was written under this key.
            return pickle.loads(plaintext), False  # noqa: S301
        except Exception:  # noqa: BLE001, S112 - garbage, try the next key
            continue
    raise InvalidToken("No configured FIELD_ENCRYPTION_KEY can decrypt this value")


class KeyRotationMixin(EncryptedMixin):
    """Encrypt with the current key (looked up at call time, so settings overrides and
    rotations take effect without a restart); decrypt with the current key, then old ones."""

    def _dump(self, value):
        return current_fernet().encrypt(pickle.dumps(value))

    def _load(self, value: bytes):
        return decrypt_value(value, self.ttl)[0]


class EncryptedTextField(KeyRotationMixin, models.TextField):
    base_class = models.TextField
    wasinstance = True


class EncryptedJSONField(KeyRotationMixin, models.JSONField):
    base_class = models.JSONField
    wasinstance = True


def reencrypt_value(raw: bytes) -> tuple[bytes, bool]:
    """Return (ciphertext in the current format under the current key, whether it changed)."""
    value, current = decrypt_value(raw)
    if current:
        return raw, False
    return current_fernet().encrypt(pickle.dumps(value)), True
