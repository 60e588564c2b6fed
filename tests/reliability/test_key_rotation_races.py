"""Key rotation while the app is live: a sync that rotates a refresh token between the command's
read and its write must keep the new token. The command is wrapped so that, after it has read a
connection's refresh token and before it writes the re-encrypted copy back, the sync stores the
provider's new refresh token (through the real token service)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from integrations_core.fields import _fernet_for, decrypt_value
from integrations_core.management.commands import rotate_encryption_key
from integrations_core.records import TokenSet
from integrations_core.services.tokens import token_store
from open_banking.models import BankConnection

from .test_key_rotation import NEW_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_key_cache():
    _fernet_for.cache_clear()
    yield
    _fernet_for.cache_clear()


def interleave(monkeypatch, when_value: str, write) -> list:
    """Wrap the command's re-encryption: the first time it has read `when_value` (and before it
    writes the re-encrypted copy back), `write()` runs, as a sync would at that moment."""
    original = rotate_encryption_key.reencrypt_value
    fired = []

    def reencrypt_value(raw):
        if not fired and decrypt_value(raw)[0] == when_value:
            fired.append(True)
            write()
        return original(raw)

    monkeypatch.setattr(rotate_encryption_key, "reencrypt_value", reencrypt_value)
    return fired


def spent_connection(user) -> BankConnection:
    return BankConnection.objects.create(user=user, provider="truelayer", status="active",
                                         access_token="access-spent", refresh_token="refresh-spent")


def rotate(old_key: str) -> None:
    with override_settings(FIELD_ENCRYPTION_KEY=NEW_KEY, FIELD_ENCRYPTION_OLD_KEYS=[old_key]):
        call_command("rotate_encryption_key", stdout=open("/dev/null", "w"))


def stored_after_dropping_the_old_key(pk) -> BankConnection:
    with override_settings(FIELD_ENCRYPTION_KEY=NEW_KEY, FIELD_ENCRYPTION_OLD_KEYS=[]):
        _fernet_for.cache_clear()
        return BankConnection.objects.get(pk=pk)


def test_refresh_token_renewed_by_a_sync_during_key_rotation_is_not_lost(user, settings, monkeypatch):
    """The sync refreshes the token (the provider spends the old refresh token and issues a new
    one) after the command read the old one: the command must not write the spent one back."""
    connection = spent_connection(user)

    def sync_refreshes():
        token_store(BankConnection.objects.get(pk=connection.pk),
                    TokenSet(access_token="access-new", refresh_token="refresh-new",
                             expires_at=timezone.now() + timedelta(hours=1)))

    fired = interleave(monkeypatch, "refresh-spent", sync_refreshes)
    rotate(settings.FIELD_ENCRYPTION_KEY)

    assert fired, "the sync stored its tokens between the command's read and its write"
    stored = stored_after_dropping_the_old_key(connection.pk)
    assert (stored.refresh_token, stored.access_token) == ("refresh-new", "access-new")


def test_a_token_written_under_the_old_key_during_rotation_is_rotated_too(user, settings, monkeypatch):
    """A process still on the old key (mid-deploy) writes the new refresh token after the command
    read the old one: the command keeps the new value and re-encrypts it, so dropping the old key
    loses nothing."""
    old_key = settings.FIELD_ENCRYPTION_KEY
    connection = spent_connection(user)

    def old_process_refreshes():
        with override_settings(FIELD_ENCRYPTION_KEY=old_key, FIELD_ENCRYPTION_OLD_KEYS=[]):
            BankConnection.objects.filter(pk=connection.pk).update(refresh_token="refresh-new")

    fired = interleave(monkeypatch, "refresh-spent", old_process_refreshes)
    rotate(old_key)

    assert fired
    assert stored_after_dropping_the_old_key(connection.pk).refresh_token == "refresh-new"


def test_a_disconnect_during_key_rotation_stays_erased(user, settings, monkeypatch):
    """Erasing tokens (a disconnect) after the command read them: the erased value stays erased."""
    from integrations_core.services.tokens import token_erase

    connection = spent_connection(user)
    fired = interleave(monkeypatch, "refresh-spent",
                       lambda: token_erase(BankConnection.objects.get(pk=connection.pk)))
    rotate(settings.FIELD_ENCRYPTION_KEY)

    assert fired
    stored = stored_after_dropping_the_old_key(connection.pk)
    assert (stored.refresh_token, stored.access_token) == ("", "")
