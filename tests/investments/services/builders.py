"""Builders for investment transaction records in book-cost and reconciliation tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from integrations_core.records import InvestmentTransactionRecord


def trade(
    kind: str,
    day: date,
    quantity: str | int | None = None,
    price: str | None = None,
    *,
    amount: str | int = 0,
    security: str = "VWRL",
    currency: str = "GBP",
    price_currency: str = "GBP",
    fees: str = "0",
    taxes: str = "0",
    fx_rate: str | None = None,
    original_currency: str = "",
    external_id: str | None = None,
) -> InvestmentTransactionRecord:
    return InvestmentTransactionRecord(
        external_id=external_id,
        type=kind,
        booked_date=day,
        amount=Decimal(amount),
        currency=currency,
        security_external_id=security,
        quantity=None if quantity is None else Decimal(quantity),
        price=None if price is None else Decimal(price),
        price_currency=price_currency,
        fees=Decimal(fees),
        taxes=Decimal(taxes),
        fx_rate=None if fx_rate is None else Decimal(fx_rate),
        original_currency=original_currency,
    )
