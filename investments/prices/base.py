"""The two narrow interfaces every price and FX source implements, and conversion with them.

A source answers for one day and never guesses: None means "no price/rate I can stand behind",
never an exception and never an interpolated value. Sources work offline; which ones are used
is a settings list (see registry.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, localcontext
from typing import Protocol, runtime_checkable

from integrations_core.money import quote_to_major, to_minor

PENCE_QUOTES = frozenset({"GBX", "GBp"})


@dataclass(frozen=True)
class Quote:
    """One price of one security: `price` per unit in `currency` as quoted (GBX stays GBX, so
    nothing is rounded), `as_of` the moment it was taken, `source` the source's name."""

    security: str
    price: Decimal
    currency: str
    as_of: date | datetime
    source: str = ""

    def in_major(self) -> tuple[Decimal, str]:
        """The price in the major currency, exactly: GBX 123.45 -> (1.2345, "GBP")."""
        return quote_to_major(self.price, self.currency)


@runtime_checkable
class PriceSource(Protocol):
    def price(self, security: str, on: date) -> Quote | None:
        """The price of `security` (its external id) on `on`, or the latest before it that the
        source trusts; None when it has none."""
        ...


@runtime_checkable
class FxSource(Protocol):
    def rate(self, base: str, quote: str, on: date) -> Decimal | None:
        """Units of `quote` for one unit of `base` on `on` (1 GBP = rate USD), or None."""
        ...


def major(currency: str) -> str:
    """The major currency of a quote currency: GBX/GBp -> GBP, others unchanged (upper case)."""
    return "GBP" if currency in PENCE_QUOTES or str(currency).upper() == "GBX" else str(currency).upper()


def shift_point(value: Decimal, places: int) -> Decimal:
    """value x 10**places exactly: the decimal point moves, no digit changes (Decimal.scaleb
    would round to the context's precision). shift_point(x, 2) is pence per pound."""
    if not value.is_finite():
        return value
    sign, digits, exponent = value.as_tuple()
    return Decimal((sign, digits, exponent + places))


def value_in(amount: Decimal, currency: str, target: str, on: date, fx: FxSource) -> Decimal | None:
    """`amount` in `currency` (GBX allowed) as `target`, rounded once with to_minor; None when
    `fx` has no rate for that day. GBX -> GBP is exact and needs no rate."""
    amount, currency = quote_to_major(amount, currency)
    target_major = major(target)
    if currency.upper() == target_major:
        converted = amount
    else:
        rate = fx.rate(currency, target_major, on)
        if rate is None:
            return None
        with localcontext() as context:
            context.prec = 100  # exact product; the only rounding is to_minor below
            converted = amount * rate
    if target_major != target.upper() or target in PENCE_QUOTES:  # a pence target: x100, exactly
        converted = shift_point(converted, 2)
    return to_minor(converted, target)
