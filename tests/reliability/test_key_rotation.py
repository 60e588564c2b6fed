"""Key rotation across every encrypted column in the project, with a table that holds values
under both keys mid-switch (rows written after the new key was deployed, before the command ran).
The single-connection case is tests/integrations_core/test_encryption.py::
test_key_rotation_keeps_every_token."""

from __future__ import annotations

import pickle
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection as db
from django.test import override_settings
from django.utils import timezone
from django_cryptography.utils.crypto import FernetBytes, InvalidToken

from integrations_core.fields import KeyRotationMixin, _fernet_for, derive_key
from integrations_core.models import OAuthState, StatementImport
from investments.models import InvestmentConnection
from open_banking.models import BankConnection
from open_banking.providers.gocardless.models import ServerToken
from pensions.models import PensionConnection, PensionIdentity, PensionInformationRequest, PensionScheme

pytestmark = pytest.mark.django_db

NEW_KEY = "rotated-field-encryption-key-fedcba9876543210"
ENCRYPTED = {"integrations_core.OAuthState": ["code_verifier"],
             "integrations_core.StatementImport": ["records"],
             "open_banking.BankConnection": ["access_token", "refresh_token", "credentials"],
             "gocardless.ServerToken": ["access_token", "refresh_token"],
             "investments.InvestmentConnection": ["access_token", "refresh_token", "credentials"],
             "pensions.PensionConnection": ["access_token", "refresh_token", "credentials"],
             "pensions.PensionInformationRequest": ["person_details"],
             "pensions.PensionIdentity": ["data"],
             "payments.PaymentsConnection": ["access_token", "refresh_token", "credentials"],
             "accounting.BooksConnection": ["access_token", "refresh_token", "credentials"]}


def secrets_in_db() -> dict:
    out = {}
    for label, fields in ENCRYPTED.items():
        for obj in apps.get_model(label).objects.order_by("pk"):
            out[(label, str(obj.pk))] = tuple(getattr(obj, f) for f in fields)
    return out


def raw(label: str) -> list[bytes]:
    model = apps.get_model(label)
    columns = ", ".join(db.ops.quote_name(model._meta.get_field(f).column) for f in ENCRYPTED[label])
    with db.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {db.ops.quote_name(model._meta.db_table)}")  # noqa: S608
        return [bytes(v) for row in cursor.fetchall() for v in row]


def make_rows(user, tag: str) -> None:
    connection = BankConnection.objects.create(
        user=user, provider="truelayer", status="active", access_token=f"access-{tag}",
        refresh_token=f"refresh-{tag}", credentials={"api_key": f"key-{tag}"})
    InvestmentConnection.objects.create(user=user, provider="trading212", status="active",
                                        access_token=f"inv-access-{tag}", refresh_token=f"inv-refresh-{tag}",
                                        credentials={"key": f"t212-key-{tag}", "secret": f"t212-secret-{tag}"})
    ServerToken.objects.create(key=f"k-{tag}", provider="gocardless", access_token=f"server-access-{tag}",
                               refresh_token=f"server-refresh-{tag}")
    OAuthState.objects.create(state=f"state-{tag}", user=user, provider="truelayer",
                              connection_type=ContentType.objects.get_for_model(connection),
                              connection_id=connection.pk, redirect_uri="http://testserver/cb",
                              code_verifier=f"verifier-{tag}", expires_at=timezone.now() + timedelta(minutes=5))
    StatementImport.objects.create(user=user, provider="truelayer", filename=f"{tag}.csv", sha256=tag, size=1,
                                   records={"rows": f"records-{tag}"}, expires_at=timezone.now() + timedelta(days=1))
    scheme, _ = PensionScheme.objects.get_or_create(register_id="rotation-scheme", defaults={
        "name": "Rotation Scheme", "kind": "occupational", "sources": [{"url": "https://example.org", "retrieved_on": "2026-01-01"}]})
    PensionInformationRequest.objects.create(user=user, scheme=scheme, person_details={"ni_number": f"ni-{tag}"})
    PensionConnection.objects.create(user=user, provider="sandbox_pensions", status="active",
                                     access_token=f"pen-access-{tag}", refresh_token=f"pen-refresh-{tag}",
                                     credentials={"find": f"pen-find-{tag}"})
    # One identity per person: each tag's belongs to a person of its own.
    owner = get_user_model().objects.create_user(username=f"identity-{tag}", email=f"identity-{tag}@example.com")
    PensionIdentity.objects.create(user=owner, data={"ni_number": f"identity-{tag}"})
    from accounting.models import BooksConnection
    from payments.models import PaymentsConnection

    PaymentsConnection.objects.create(user=user, provider="stripe", status="active", access_token=f"pay-access-{tag}",
                                      refresh_token=f"pay-refresh-{tag}", credentials={"key": f"rk-{tag}"})
    BooksConnection.objects.create(user=user, provider="xero", status="active", access_token=f"books-access-{tag}",
                                   refresh_token=f"books-refresh-{tag}", credentials={"tenant": f"t-{tag}"})


def test_every_encrypted_column_is_listed():
    found = {m._meta.label: [f.name for f in m._meta.concrete_fields if isinstance(f, KeyRotationMixin)]
             for m in apps.get_models()}
    assert {k: v for k, v in found.items() if v} == ENCRYPTED, "add the new encrypted column to this test"


def test_rotation_mid_switch_loses_no_secret(user, settings):
    old_key = settings.FIELD_ENCRYPTION_KEY
    make_rows(user, "old")
    try:
        with override_settings(FIELD_ENCRYPTION_KEY=NEW_KEY, FIELD_ENCRYPTION_OLD_KEYS=[old_key]):
            make_rows(user, "new")  # written during the switch, under the new key
            expected = secrets_in_db()  # both generations readable
            assert len(expected) == 2 * len(ENCRYPTED)  # one row per model and generation
            before = {label: raw(label) for label in ENCRYPTED}
            call_command("rotate_encryption_key", stdout=open("/dev/null", "w"))
            call_command("rotate_encryption_key", stdout=open("/dev/null", "w"))  # safe to run again
            assert secrets_in_db() == expected
        # The old key is gone: everything is still readable, nothing was lost or mixed up.
        with override_settings(FIELD_ENCRYPTION_KEY=NEW_KEY, FIELD_ENCRYPTION_OLD_KEYS=[]):
            _fernet_for.cache_clear()
            assert secrets_in_db() == expected
            for label in ENCRYPTED:
                after = raw(label)
                plain = [str(v).encode() for values in expected.values() for v in values]
                assert not any(p in value for p in plain for value in after), "never plaintext"
                assert len(set(after) & set(before[label])) >= 1, "rows already under the new key are left alone"
    finally:
        _fernet_for.cache_clear()


# --- the legacy format (django-cryptography's: AES under the field key, HMAC under SECRET_KEY) ----
def legacy_ciphertext(value, raw_key: str) -> bytes:
    return FernetBytes(derive_key(raw_key)).encrypt(pickle.dumps(value))


def store_raw(connection, column: str, raw: bytes) -> None:
    with db.cursor() as cursor:
        cursor.execute(f"UPDATE open_banking_bankconnection SET {column} = %s WHERE id = %s",  # noqa: S608
                       [raw, connection.pk.hex if db.vendor == "sqlite" else connection.pk])


def test_a_legacy_value_that_a_wrong_key_turns_into_garbage_is_not_lost(user, settings):
    """Signed with SECRET_KEY, the legacy format cannot tell field keys apart: about one value in
    256 decrypts under the *new* key to garbage with valid padding. Such a value must still be
    read during the switch and re-encrypted by the rotation, not taken as already rotated."""
    old_key = settings.FIELD_ENCRYPTION_KEY
    under_new = FernetBytes(derive_key(NEW_KEY))
    for attempt in range(20000):
        raw = legacy_ciphertext(f"token-{attempt}", old_key)
        try:
            under_new.decrypt(raw)
        except InvalidToken:
            continue
        break
    else:
        pytest.fail("no colliding ciphertext found")
    connection = BankConnection.objects.create(user=user, provider="truelayer", status="active")
    store_raw(connection, "access_token", raw)
    try:
        with override_settings(FIELD_ENCRYPTION_KEY=NEW_KEY, FIELD_ENCRYPTION_OLD_KEYS=[old_key]):
            assert BankConnection.objects.get(pk=connection.pk).access_token == f"token-{attempt}"
            call_command("rotate_encryption_key", stdout=open("/dev/null", "w"))
        with override_settings(FIELD_ENCRYPTION_KEY=NEW_KEY, FIELD_ENCRYPTION_OLD_KEYS=[]):
            assert BankConnection.objects.get(pk=connection.pk).access_token == f"token-{attempt}"
    finally:
        _fernet_for.cache_clear()


def test_rotating_secret_key_keeps_every_token(user, settings):
    """FIELD_ENCRYPTION_KEY and SECRET_KEY rotate independently: a new SECRET_KEY must not make
    the tokens unreadable (legacy values: while the old SECRET_KEY is in SECRET_KEY_FALLBACKS,
    until rotate_encryption_key rewrites them)."""
    old_secret = settings.SECRET_KEY
    fresh = BankConnection.objects.create(user=user, provider="truelayer", status="active", access_token="fresh")
    legacy = BankConnection.objects.create(user=user, provider="truelayer", status="active")
    store_raw(legacy, "access_token", legacy_ciphertext("legacy", settings.FIELD_ENCRYPTION_KEY))
    new_secret = "a-brand-new-django-secret-key-0123456789abcdef"
    # A deploy with the new SECRET_KEY starts fresh processes: nothing cached from the old one.
    _fernet_for.cache_clear()
    with override_settings(SECRET_KEY=new_secret, SECRET_KEY_FALLBACKS=[old_secret]):
        assert BankConnection.objects.get(pk=fresh.pk).access_token == "fresh"
        assert BankConnection.objects.get(pk=legacy.pk).access_token == "legacy"
        call_command("rotate_encryption_key", stdout=open("/dev/null", "w"))
    try:
        with override_settings(SECRET_KEY=new_secret, SECRET_KEY_FALLBACKS=[]):
            assert BankConnection.objects.get(pk=fresh.pk).access_token == "fresh"
            assert BankConnection.objects.get(pk=legacy.pk).access_token == "legacy"
    finally:
        _fernet_for.cache_clear()
