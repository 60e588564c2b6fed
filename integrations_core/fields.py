"""Encrypted model fields with key rotation.

django-cryptography encrypts with settings.CRYPTOGRAPHY_KEY (we set it from
FIELD_ENCRYPTION_KEY, never SECRET_KEY). This subclass also *reads* values written under any key
in FIELD_ENCRYPTION_OLD_KEYS, so a key can be rotated without losing data: deploy the new key with
the old one listed, run `manage.py rotate_encryption_key`, then drop the old key."""

from __future__ import annotations

import pickle  # noqa: S403  (django-cryptography's own storage format; data is authenticated)
from functools import lru_cache

from cryptography.hazmat.primitives.kdf import pbkdf2
from django.conf import settings
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


@lru_cache(maxsize=8)
def _fernet_for(raw_key: str) -> FernetBytes:
    return FernetBytes(derive_key(raw_key))


def current_fernet() -> FernetBytes:
    return _fernet_for(settings.FIELD_ENCRYPTION_KEY)


def old_fernets() -> list[FernetBytes]:
    return [_fernet_for(k) for k in settings.FIELD_ENCRYPTION_OLD_KEYS if k]


class KeyRotationMixin(EncryptedMixin):
    """Encrypt with the current key (looked up at call time, so settings overrides and
    rotations take effect without a restart); decrypt with the current key, then old ones."""

    def _dump(self, value):
        return current_fernet().encrypt(pickle.dumps(value))

    def _load(self, value: bytes):
        for fernet in [current_fernet(), *old_fernets()]:
            try:
                return pickle.loads(fernet.decrypt(value, self.ttl))  # noqa: S301
            except InvalidToken:
                continue
        raise InvalidToken("No configured FIELD_ENCRYPTION_KEY can decrypt this value")


class EncryptedTextField(KeyRotationMixin, models.TextField):
    base_class = models.TextField
    wasinstance = True


class EncryptedJSONField(KeyRotationMixin, models.JSONField):
    base_class = models.JSONField
    wasinstance = True


def reencrypt_value(raw: bytes) -> tuple[bytes, bool]:
    """Return (ciphertext under the current key, whether it changed)."""
    current = current_fernet()
    try:
        current.decrypt(raw)
        return raw, False
    except InvalidToken:
        pass
    for fernet in old_fernets():
        try:
            return current.encrypt(fernet.decrypt(raw)), True
        except InvalidToken:
            continue
    raise InvalidToken("Value is not readable with the current or any old key")
