"""Rotating SECRET_KEY (or FIELD_ENCRYPTION_KEY) must never start a second copy of a GoCardless
account. A reconnect brings new account ids; only the keyed digest of the IBAN ties them to the
accounts we hold, and that digest used to be keyed on SECRET_KEY. Each test syncs, rotates a key,
reconnects (the requisition now names the accounts with new ids) and syncs again: the same
accounts, with their history, under the new ids."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils.crypto import salted_hmac

from integrations_core.fields import _fernet_for
from integrations_core.models import SyncOutcome
from integrations_core.services.sync import connection_sync
from open_banking.models import BankAccount, BankTransaction
from open_banking.providers.gocardless import digest

from .conftest import GC_API
from .providers import test_gocardless as gc

pytestmark = pytest.mark.django_db

IBAN = "GB33BUKB20201555555555"  # the current account's, in the recorded details payload
NEW_CURRENT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
NEW_SECRET = "a-rotated-django-secret-key-0123456789abcdef"
NEW_FIELD_KEY = "rotated-field-encryption-key-fedcba9876543210"


@pytest.fixture(autouse=True)
def _fresh_key_cache():
    _fernet_for.cache_clear()
    yield
    _fernet_for.cache_clear()


@pytest.fixture
def synced(user, rsps):
    contract = gc.TestGoCardlessContract()
    connection = contract.make_connection(user, rsps)
    payloads = contract.recorded_payloads()
    contract.register_data(rsps, payloads)
    assert connection_sync(connection).outcome == SyncOutcome.SUCCEEDED
    rsps.reset()
    return connection, payloads


def reconnect_and_sync(connection, rsps, payloads):
    """The person reconnected: GoCardless lists the current account under a new id."""
    linked = {**payloads["requisition_linked"], "accounts": [NEW_CURRENT, gc.SAVINGS]}
    rsps.get(f"{GC_API}/requisitions/{gc.REQ_ID}/", json=linked)
    for scope in ("details", "balances", "transactions"):
        rsps.get(gc.account_url(NEW_CURRENT, scope), json=payloads[f"{scope}_current"])
    gc.TestGoCardlessContract().register_data(rsps, payloads)
    run = connection_sync(connection)
    assert run.outcome == SyncOutcome.SUCCEEDED, run.account_results
    return run


def assert_one_current_account(history: int) -> BankAccount:
    assert BankAccount.objects.count() == 2, "no second copy of the account"
    current = BankAccount.objects.get(type="current")
    assert (current.external_id, current.is_active) == (NEW_CURRENT, True)
    assert current.transactions.count() == history
    assert BankTransaction.objects.values("account", "external_id").distinct().count() == \
        BankTransaction.objects.count()
    return current


def test_rotating_secret_key_then_reconnecting_keeps_one_account(synced, rsps, settings):
    connection, payloads = synced
    history = BankAccount.objects.get(external_id=gc.CURRENT).transactions.count()
    with override_settings(SECRET_KEY=NEW_SECRET, SECRET_KEY_FALLBACKS=[settings.SECRET_KEY]):
        run = reconnect_and_sync(connection, rsps, payloads)
    assert (run.added, run.removed) == (0, 0)
    assert_one_current_account(history)


def test_rotating_secret_key_and_dropping_the_old_one_keeps_one_account(synced, rsps):
    connection, payloads = synced
    history = BankAccount.objects.get(external_id=gc.CURRENT).transactions.count()
    with override_settings(SECRET_KEY=NEW_SECRET, SECRET_KEY_FALLBACKS=[]):
        reconnect_and_sync(connection, rsps, payloads)
    assert_one_current_account(history)


def test_a_digest_stored_by_the_old_version_is_matched_through_the_fallbacks_and_upgraded(synced, rsps, settings):
    """Accounts synced before this fix hold the SECRET_KEY digest. Rotated with the old key in
    SECRET_KEY_FALLBACKS, the reconnect still finds the account, and stores the new digest."""
    connection, payloads = synced
    current = BankAccount.objects.get(external_id=gc.CURRENT)
    legacy = salted_hmac("open_banking.iban_digest", IBAN, algorithm="sha256").hexdigest()
    # Hide the masked IBAN, so that only the digest can tie the accounts together.
    BankAccount.objects.filter(pk=current.pk).update(raw={**current.raw, "iban_digest": legacy},
                                                     masked_number="", iban_masked="")
    history = current.transactions.count()
    with override_settings(SECRET_KEY=NEW_SECRET, SECRET_KEY_FALLBACKS=[settings.SECRET_KEY]):
        reconnect_and_sync(connection, rsps, payloads)
    upgraded = assert_one_current_account(history)
    assert upgraded.raw["iban_digest"] == digest.iban_digest(IBAN)
    assert upgraded.raw["iban_digest"].startswith(digest.PREFIX)


def test_rotating_the_field_encryption_key_keeps_one_account(synced, rsps, settings):
    """With ACCOUNT_DIGEST_KEY set, the field key can rotate completely (the command, then the
    old key dropped) and the digest still matches."""
    connection, payloads = synced
    old_key = settings.FIELD_ENCRYPTION_KEY
    settings.ACCOUNT_DIGEST_KEY = "a-dedicated-account-digest-key-never-rotated"
    current = BankAccount.objects.get(external_id=gc.CURRENT)
    BankAccount.objects.filter(pk=current.pk).update(
        raw={**current.raw, "iban_digest": digest.iban_digest(IBAN)}, masked_number="", iban_masked="")
    history = current.transactions.count()
    with override_settings(FIELD_ENCRYPTION_KEY=NEW_FIELD_KEY, FIELD_ENCRYPTION_OLD_KEYS=[old_key]):
        call_command("rotate_encryption_key", stdout=open("/dev/null", "w"))
    with override_settings(FIELD_ENCRYPTION_KEY=NEW_FIELD_KEY, FIELD_ENCRYPTION_OLD_KEYS=[]):
        _fernet_for.cache_clear()
        reconnect_and_sync(connection, rsps, payloads)
    assert_one_current_account(history)


def test_without_a_dedicated_key_a_field_key_rotation_is_followed_while_the_old_key_is_listed(synced, rsps, settings):
    connection, payloads = synced
    old_key = settings.FIELD_ENCRYPTION_KEY
    current = BankAccount.objects.get(external_id=gc.CURRENT)
    BankAccount.objects.filter(pk=current.pk).update(masked_number="", iban_masked="")  # the digest only
    history = current.transactions.count()
    with override_settings(FIELD_ENCRYPTION_KEY=NEW_FIELD_KEY, FIELD_ENCRYPTION_OLD_KEYS=[old_key]):
        reconnect_and_sync(connection, rsps, payloads)
        upgraded = assert_one_current_account(history)
        assert upgraded.raw["iban_digest"] == digest.iban_digest(IBAN), "now under the new key"


def test_a_digest_no_configured_key_reproduces_falls_back_to_the_masked_iban(synced, rsps):
    """The last resort: the old key is gone for good. The same masked IBAN, type and currency,
    on an account the requisition no longer lists, is still the one account."""
    connection, payloads = synced
    current = BankAccount.objects.get(external_id=gc.CURRENT)
    BankAccount.objects.filter(pk=current.pk).update(raw={**current.raw, "iban_digest": "lost-key-digest"})
    reconnect_and_sync(connection, rsps, payloads)
    assert_one_current_account(current.transactions.count())
