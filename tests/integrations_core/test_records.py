"""Investment and cursor records: frozen, Decimal-valued, no validation of their own."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from integrations_core import records
from integrations_core.records import (
    AccountRecord,
    BalanceRecord,
    ChangeSet,
    HoldingRecord,
    HoldingSnapshotRecord,
    InvestmentTransactionRecord,
    PensionValuationRecord,
    PortfolioData,
    RemovedRecord,
    SecurityRecord,
    TransactionRecord,
    ValuationRecord,
)

AS_OF = datetime(2025, 3, 31, 16, 30, tzinfo=UTC)


def _examples():
    security = SecurityRecord(external_id="VUSA_EQ", name="Vanguard S&P 500", isin="IE00B3XXRP09",
                              ticker="VUSA", quote_currency="GBX", type="etf")
    holding = HoldingRecord(security_external_id="VUSA_EQ", quantity=Decimal("12.3456789012"),
                            price=Decimal("8123.5"), price_currency="GBX", price_as_of=AS_OF,
                            value=Decimal("1002.91"), book_cost=Decimal("900.00"), currency="GBP")
    snapshot = HoldingSnapshotRecord(as_of=AS_OF, holdings=[holding],
                                     cash=BalanceRecord(currency="GBP", current=Decimal("10.5")))
    buy = InvestmentTransactionRecord(
        external_id="t1", type="buy", booked_date=date(2025, 3, 3), amount=Decimal("-101.50"),
        currency="GBP", security_external_id="VUSA_EQ", quantity=Decimal("0.00000001"),
        price=Decimal("8000"), price_currency="GBX", fees=Decimal("1.50"), fx_rate=Decimal("1.0000000000"),
    )
    valuation = ValuationRecord(as_of=date(2025, 3, 31), value=Decimal("1013.41"), currency="GBP")
    pension = PensionValuationRecord(as_of=date(2025, 3, 31), value=Decimal("50000.00"), currency="GBP",
                                     contributions=Decimal("30000"), employer_contributions=Decimal("12000"))
    account = AccountRecord(external_id="a1", name="ISA", type="investment", currency="GBP")
    portfolio = PortfolioData(account=account, securities=[security], snapshot=snapshot, transactions=[buy],
                              window_from=date(2025, 1, 1), window_to=date(2025, 3, 31))
    removed = RemovedRecord(account_external_id="a1", external_id="gone")
    changes = ChangeSet(
        accounts=[account],
        added={"a1": [TransactionRecord(external_id="x", booked_date=date(2025, 3, 1), amount=Decimal("-1"),
                                        currency="GBP", description="Coffee")]},
        modified={}, removed=[removed], next_cursor="c2", has_more=False,
    )
    return [security, holding, snapshot, buy, valuation, pension, portfolio, removed, changes]


@pytest.mark.parametrize("record", _examples(), ids=lambda record: type(record).__name__)
def test_records_are_frozen(record):
    assert dataclasses.is_dataclass(record)
    name = dataclasses.fields(record)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(record, name, None)


def _numbers(value):
    """Every non-str, non-bool scalar reachable from the record (through records, lists, dicts)."""
    if dataclasses.is_dataclass(value):
        for item in dataclasses.fields(value):
            yield from _numbers(getattr(value, item.name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _numbers(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _numbers(item)
    elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        yield value


@pytest.mark.parametrize("record", _examples(), ids=lambda record: type(record).__name__)
def test_records_hold_decimals_never_floats(record):
    assert all(isinstance(number, Decimal) for number in _numbers(record))


def test_defaults_are_decimal_and_independent():
    one = InvestmentTransactionRecord(external_id=None, type="fee", booked_date=date(2025, 1, 1),
                                      amount=Decimal("-2"), currency="GBP")
    assert one.fees == Decimal(0) and isinstance(one.fees, Decimal)
    assert one.taxes == Decimal(0) and isinstance(one.taxes, Decimal)
    assert one.quantity is None and one.price is None and one.fx_rate is None
    assert HoldingSnapshotRecord(as_of=AS_OF).complete is True
    first, second = SecurityRecord("a", "A"), SecurityRecord("b", "B")
    assert first.raw is not second.raw
    assert first.type == "other"
    assert isinstance(PensionValuationRecord(date(2025, 1, 1), Decimal(1), "GBP"), ValuationRecord)
    assert ValuationRecord(date(2025, 1, 1), Decimal(1), "GBP").source == "synced"


def test_records_validate_nothing_beyond_construction():
    # Mappers validate; a record takes what it is given (sign, decimals) unchanged.
    holding = HoldingRecord(security_external_id="x", quantity=Decimal("-1.123456789012345"))
    assert holding.quantity == Decimal("-1.123456789012345")


def test_records_module_has_no_orm():
    assert "django" not in {getattr(value, "__module__", "").split(".")[0] for value in vars(records).values()}
