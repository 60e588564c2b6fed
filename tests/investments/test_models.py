"""Investment models: constraints, precision, and how the core finds a family's models."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction

from integrations_core.models import RecordKind, connection_record_model
from investments.models import (
    Holding,
    HoldingSnapshot,
    InvestmentConnection,
    InvestmentTransaction,
    Security,
    SecurityAlias,
)
from open_banking.models import BankAccount, BankConnection, BankTransaction

from .conftest import AS_OF, DAY

pytestmark = pytest.mark.django_db


def test_isin_is_unique_but_blank_isins_are_not():
    Security.objects.create(name="A", isin="IE00B3XXRP09")
    Security.objects.create(name="Cash", isin="")
    Security.objects.create(name="Other cash", isin="")  # many instruments have no ISIN
    with pytest.raises(IntegrityError), transaction.atomic():
        Security.objects.create(name="A again", isin="IE00B3XXRP09")
    assert Security.objects.filter(isin="").count() == 2


def test_alias_is_unique_per_provider():
    security = Security.objects.create(name="A")
    SecurityAlias.objects.create(provider="p1", external_id="X", security=security)
    SecurityAlias.objects.create(provider="p2", external_id="X", security=security)
    with pytest.raises(IntegrityError), transaction.atomic():
        SecurityAlias.objects.create(provider="p1", external_id="X", security=security)


ON_SQLITE = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")


@pytest.mark.parametrize("quantity", [
    "0.0000000001", "-3.5000000000", "0.12345678", "1234.5678901234",
    # SQLite keeps NUMERIC as a double: about 15 significant digits survive. PostgreSQL, the
    # reference backend, keeps all 18 (docs/design/family-agnostic-core.md, step 3 risk).
    pytest.param("12345678.1234567891", marks=pytest.mark.skipif(ON_SQLITE, reason="needs PostgreSQL")),
])
def test_quantities_and_prices_keep_ten_decimals(account, quantity):
    security = Security.objects.create(name="A")
    snapshot = HoldingSnapshot.objects.create(account=account, date=DAY, as_of=AS_OF)
    Holding.objects.create(snapshot=snapshot, security=security, quantity=Decimal(quantity),
                           price=Decimal("123.4567890123"), price_currency="GBX")
    stored = Holding.objects.get()
    assert stored.quantity == Decimal(quantity)
    assert stored.price == Decimal("123.4567890123")


def test_one_snapshot_per_account_and_day_and_one_holding_per_security(account):
    security = Security.objects.create(name="A")
    snapshot = HoldingSnapshot.objects.create(account=account, date=DAY, as_of=AS_OF)
    with pytest.raises(IntegrityError), transaction.atomic():
        HoldingSnapshot.objects.create(account=account, date=DAY, as_of=AS_OF)
    Holding.objects.create(snapshot=snapshot, security=security, quantity=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Holding.objects.create(snapshot=snapshot, security=security, quantity=2)


def test_a_held_security_cannot_be_deleted_but_its_account_can(account):
    from django.db.models import ProtectedError

    security = Security.objects.create(name="A")
    snapshot = HoldingSnapshot.objects.create(account=account, date=DAY, as_of=AS_OF)
    Holding.objects.create(snapshot=snapshot, security=security, quantity=1)
    account.current_snapshot = snapshot
    account.save()
    with pytest.raises(ProtectedError):
        security.delete()
    account.connection.delete()  # a purge: holdings go, the shared security stays
    assert not Holding.objects.exists()
    assert Security.objects.filter(pk=security.pk).exists()


def test_record_models_name_every_investment_kind_and_banks_still_answer():
    assert connection_record_model(InvestmentConnection, RecordKind.HOLDING) is Holding
    assert connection_record_model(InvestmentConnection, "investment_transaction") is InvestmentTransaction
    assert InvestmentConnection.transaction_model is InvestmentTransaction
    # Banking predates record_models: its two kinds come from account_model/transaction_model.
    assert connection_record_model(BankConnection, RecordKind.ACCOUNT) is BankAccount
    assert connection_record_model(BankConnection, RecordKind.TRANSACTION) is BankTransaction
    with pytest.raises(LookupError):
        connection_record_model(BankConnection, RecordKind.HOLDING)


def test_declared_synced_and_fingerprint_fields_are_columns():
    names = {f.name for f in InvestmentTransaction._meta.get_fields()}
    assert set(InvestmentTransaction.SYNCED_FIELDS) <= names
    assert set(InvestmentTransaction.FINGERPRINT_FIELDS) <= names
    assert not set(InvestmentTransaction.SYNCED_FIELDS) & set(InvestmentTransaction.USER_EDITABLE_FIELDS) - {
        "description"}
