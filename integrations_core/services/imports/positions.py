"""Holdings rebuilt from an account's stored trade history, for sources that send trades but no
positions (statement files). The pooled book cost is the family's rule (settings
BOOK_COST_FROM_TRADES, a `positions_from_trades(transactions, *, account_currency)` callable):
the core knows how to write holdings, not how a jurisdiction pools costs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from integrations_core.models import Account
from integrations_core.money import PRICE, quote_to_major, to_minor
from integrations_core.records import HoldingRecord, HoldingSnapshotRecord, InvestmentTransactionRecord

PRICED = ("buy", "sell")  # the trades whose price is a market price (a transfer's is a cost)
ACQUISITIONS = ("buy", "transfer_in")
DISPOSALS = ("sell", "transfer_out")
PRICE_QUANTUM = Decimal(1).scaleb(-PRICE["decimal_places"])


def _records(rows) -> list[InvestmentTransactionRecord]:
    """Stored rows as the records the pool reads, keyed by Security pk (all providers alike)."""
    return [InvestmentTransactionRecord(
        external_id=row.external_id, type=row.type, booked_date=row.booked_date, amount=row.amount,
        currency=row.currency, security_external_id=str(row.security_id) if row.security_id else "",
        quantity=row.quantity, price=row.price, price_currency=row.price_currency, fees=row.fees, taxes=row.taxes,
        original_currency=row.original_currency, fx_rate=row.fx_rate, booked_at=row.booked_at,
    ) for row in rows]


def _day_end(day) -> datetime:
    # The positions after every trade of that day, in the platform's (our) local time.
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


@dataclass
class _Price:
    price: Decimal | None
    trade: InvestmentTransactionRecord | None = None  # the trade it came from (its currency, FX rate)
    quantity: Decimal = Decimal(0)  # units held just after it, to follow a later split


def _when(record: InvestmentTransactionRecord) -> tuple:
    return record.booked_date, record.booked_at or _day_end(record.booked_date)


def _order(record: InvestmentTransactionRecord) -> tuple:
    # Two fills the same day without a time: the external id decides, as in the book cost's
    # order, so the price never depends on which file (or import) brought which row.
    return *_when(record), record.external_id or ""


def _latest_prices(records: list[InvestmentTransactionRecord]) -> dict[str, _Price]:
    """Security -> its latest buy or sell price as sent (a transfer's price is a cost, not a
    market price). A split afterwards scales it by units before / units after (a 10-for-1
    turns 490 into 49), rounded to the price column's 10 places; a split the units held before
    it cannot explain leaves the price unknown rather than ten times too high."""
    latest: dict[str, _Price] = {}
    for record in sorted(records, key=_order):
        key, quantity = record.security_external_id, record.quantity
        if not key or quantity is None:
            continue
        state = latest.setdefault(key, _Price(None))
        if record.type == "split":
            after = state.quantity + quantity
            if state.price is not None:
                state.price = ((state.price * state.quantity / after).quantize(PRICE_QUANTUM)
                               if state.quantity > 0 and after > 0 else None)
            state.quantity = after
            continue
        state.quantity += quantity if record.type in ACQUISITIONS else -quantity if record.type in DISPOSALS else 0
        if record.type in PRICED and record.price is not None:
            state.price, state.trade = record.price, record
    return {key: state for key, state in latest.items() if state.price is not None}


def _value(quantity: Decimal, price: _Price, price_currency: str, currency: str) -> Decimal | None:
    """quantity x price in the account currency: GBX to GBP exactly, another currency at the
    trade's own FX rate; None when neither applies (no guessed rate)."""
    amount, major = quote_to_major(price.price, price_currency)
    if major == currency:
        return to_minor(quantity * amount, currency)
    trade = price.trade
    if trade.fx_rate is not None and (trade.original_currency or "").upper() == major:
        return to_minor(quantity * amount * trade.fx_rate, currency)
    return None


def holdings_from_history(account: Account) -> tuple[HoldingSnapshotRecord | None, dict]:
    """The account's holdings as its whole stored history implies, as of its latest
    transaction's day, and the securities they name (str(pk) -> Security). (None, {}) when the
    account has no transactions. Quantity and book cost from the pool; the price is the latest
    buy or sell price, as sent (GBX stays GBX; see _latest_prices for splits); the value is
    quantity x that price."""
    model = account.transactions.model
    rows = list(model.objects.filter(account=account).order_by("booked_date", "booked_at", "created_at", "id"))
    if not rows:
        return None, {}
    records = _records(rows)
    positions = import_string(settings.BOOK_COST_FROM_TRADES)(records, account_currency=account.currency)
    latest = _latest_prices(records)
    security_model = model._meta.get_field("security").related_model
    held = {key: pos for key, pos in positions.items() if pos.quantity}
    securities = {str(pk): s for pk, s in security_model.objects.in_bulk(list(held)).items()}
    holdings = []
    for key, position in held.items():
        price = latest.get(key)
        price_currency = ""
        if price is not None:
            price_currency = price.trade.price_currency or securities[key].quote_currency or price.trade.currency
        holdings.append(HoldingRecord(
            security_external_id=key, quantity=position.quantity,
            price=price.price if price else None, price_currency=price_currency,
            price_as_of=_when(price.trade)[1] if price else None,
            value=_value(position.quantity, price, price_currency, account.currency) if price else None,
            book_cost=position.book_cost, currency=account.currency,
            raw={"warnings": position.warnings} if position.warnings else {},
        ))
    return HoldingSnapshotRecord(as_of=_day_end(rows[-1].booked_date), holdings=holdings), securities

