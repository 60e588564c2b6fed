"""Investment fixtures: a connection to a made-up platform, one GBP ISA, and record builders.
The import services need no registered provider (the slug is the connection's)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from integrations_core.models import ConnectionStatus
from integrations_core.records import (
    AccountRecord,
    BalanceRecord,
    HoldingRecord,
    HoldingSnapshotRecord,
    InvestmentTransactionRecord,
    PortfolioData,
    SecurityRecord,
)
from investments.models import (
    AccountValuation,
    Holding,
    HoldingSnapshot,
    InvestmentAccount,
    InvestmentConnection,
    InvestmentTransaction,
    Security,
    SecurityAlias,
)

PROVIDER = "fake-broker"
AS_OF = datetime(2026, 3, 2, 16, 30, tzinfo=UTC)
DAY = date(2026, 3, 2)

VUSA = SecurityRecord(external_id="VUSA_EQ", name="Vanguard S&P 500 UCITS ETF", isin="IE00B3XXRP09",
                      ticker="VUSA", mic="XLON", type="etf", quote_currency="GBX")
AAPL = SecurityRecord(external_id="AAPL_US_EQ", name="Apple Inc", isin="US0378331005", ticker="AAPL",
                      mic="XNAS", type="equity", quote_currency="USD")
CASH_FUND = SecurityRecord(external_id="MMF", name="Money market fund", type="fund", quote_currency="GBP")


@pytest.fixture
def connection(user):
    return InvestmentConnection.objects.create(user=user, provider=PROVIDER, status=ConnectionStatus.ACTIVE,
                                               institution_name="Fake Broker", credentials={"key": "k-SECRET"})


@pytest.fixture
def account(connection):
    return InvestmentAccount.objects.create(connection=connection, external_id="isa-1", name="Stocks ISA",
                                            currency="GBP", wrapper="isa")


def holding(security: SecurityRecord, quantity: str, *, value: str | None = None, price: str | None = None,
            price_currency: str = "", book_cost: str | None = None) -> HoldingRecord:
    dec = lambda v: None if v is None else Decimal(v)  # noqa: E731
    return HoldingRecord(security_external_id=security.external_id, quantity=Decimal(quantity), price=dec(price),
                         price_currency=price_currency, value=dec(value), book_cost=dec(book_cost), currency="GBP")


def snapshot(*holdings: HoldingRecord, cash: str | None = "100.00", as_of: datetime = AS_OF,
             complete: bool = True) -> HoldingSnapshotRecord:
    balance = None if cash is None else BalanceRecord(currency="GBP", current=Decimal(cash))
    return HoldingSnapshotRecord(as_of=as_of, holdings=list(holdings), cash=balance, complete=complete)


def trade(type_: str, day: date, amount: str, *, security: SecurityRecord | None = None, quantity: str | None = None,
          external_id: str | None = None, **extra) -> InvestmentTransactionRecord:
    return InvestmentTransactionRecord(
        external_id=external_id, type=type_, booked_date=day, amount=Decimal(amount), currency="GBP",
        security_external_id=security.external_id if security else "",
        quantity=None if quantity is None else Decimal(quantity), **extra)


def portfolio(*, securities=(VUSA, AAPL), snap: HoldingSnapshotRecord | None = None, transactions=(),
              window=(None, None), **errors) -> PortfolioData:
    return PortfolioData(account=AccountRecord(external_id="isa-1", name="Stocks ISA", type="investment",
                                               currency="GBP"),
                         securities=list(securities), snapshot=snap, transactions=list(transactions),
                         window_from=window[0], window_to=window[1], **errors)


TABLES = (Security, SecurityAlias, HoldingSnapshot, Holding, InvestmentTransaction, AccountValuation,
          InvestmentAccount)


def table_state() -> dict:
    """Every column of every investment row (updated_at included), so a re-import that rewrote
    anything, even to the same values, shows up."""
    return {model.__name__: sorted((tuple(sorted(row.items())) for row in model.objects.values()), key=repr)
            for model in TABLES}
