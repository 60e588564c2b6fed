"""Tokens are encrypted at rest with FIELD_ENCRYPTION_KEY, and keys rotate without data loss."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection as db
from django.test import override_settings

from integrations_core.fields import _fernet_for, derive_key
from open_banking.models import BankConnection

pytestmark = pytest.mark.django_db


def raw_columns(pk) -> tuple[bytes, bytes, bytes]:
    with db.cursor() as cursor:
        cursor.execute("SELECT access_token, refresh_token, credentials FROM open_banking_bankconnection "
                       "WHERE id = %s", [pk.hex if db.vendor == "sqlite" else pk])
        return tuple(bytes(v) for v in cursor.fetchone())


def test_raw_columns_hold_no_plaintext(connection):
    connection.credentials = {"api_key": "key-secret-CCC"}
    connection.save()
    for raw in raw_columns(connection.pk):
        for secret in (b"access-token-secret-AAA", b"refresh-token-secret-BBB", b"key-secret-CCC"):
            assert secret not in raw
    fresh = BankConnection.objects.get(pk=connection.pk)
    assert fresh.access_token == "access-token-secret-AAA"
    assert fresh.refresh_token == "refresh-token-secret-BBB"
    assert fresh.credentials == {"api_key": "key-secret-CCC"}


def test_encryption_key_is_not_secret_key(settings):
    assert settings.FIELD_ENCRYPTION_KEY != settings.SECRET_KEY
    # django-cryptography stores the PBKDF2-derived key back into CRYPTOGRAPHY_KEY.
    assert settings.CRYPTOGRAPHY_KEY == derive_key(settings.FIELD_ENCRYPTION_KEY)
    assert settings.CRYPTOGRAPHY_KEY != derive_key(settings.SECRET_KEY)


def test_value_written_under_another_key_is_unreadable_without_it(connection, settings):
    with override_settings(FIELD_ENCRYPTION_KEY="a-completely-different-key-0123456789abcdef",
                           FIELD_ENCRYPTION_OLD_KEYS=[]):
        _fernet_for.cache_clear()
        with pytest.raises(Exception, match="decrypt"):
            BankConnection.objects.get(pk=connection.pk)


def test_key_rotation_keeps_every_token(connection, settings):
    old_key = settings.FIELD_ENCRYPTION_KEY
    new_key = "rotated-field-encryption-key-fedcba9876543210"
    before = raw_columns(connection.pk)
    with override_settings(FIELD_ENCRYPTION_KEY=new_key, FIELD_ENCRYPTION_OLD_KEYS=[old_key]):
        # During the switch both keys are readable.
        assert BankConnection.objects.get(pk=connection.pk).access_token == "access-token-secret-AAA"
        call_command("rotate_encryption_key", stdout=open("/dev/null", "w"))
        after = raw_columns(connection.pk)
        assert all(a != b for a, b in zip(before, after, strict=True))
    # Once rotated, the old key can be dropped entirely.
    with override_settings(FIELD_ENCRYPTION_KEY=new_key, FIELD_ENCRYPTION_OLD_KEYS=[]):
        fresh = BankConnection.objects.get(pk=connection.pk)
        assert fresh.access_token == "access-token-secret-AAA"
        assert fresh.refresh_token == "refresh-token-secret-BBB"
