"""One amount in another currency, saying how: the rate and the fixing date used, or why there
is none. The figures (selectors.py) convert through here so a page or the API can say
"converted at the ECB rate of <date>", and never show a guess: no rate, no figure.

GBX -> GBP (and back) is exact and uses no rate. A rate is asked of the FX source for the day
of the figure (a snapshot's date); the ECB source answers a weekend or TARGET holiday with the
previous fixing and says so (`fixing()`), and has nothing after its shipped history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, localcontext

from integrations_core.money import quote_to_major, to_minor
from investments.prices.base import FxSource, major, shift_point

_EXACT = 100  # digits of the product before its one rounding


@dataclass(frozen=True)
class Conversion:
    """`amount` in the target currency, or None with `reason`. `rate` and `fixing_date` are set
    only when an FX rate was used (None for the same currency or GBX -> GBP)."""

    amount: Decimal | None
    rate: Decimal | None = None
    fixing_date: date | None = None
    reason: str = ""

    @property
    def converted(self) -> bool:
        return self.rate is not None


def fx_fixing(fx: FxSource, base: str, quote: str, on: date) -> tuple[Decimal, date] | None:
    """(rate, the fixing's date): from `fixing()` when the source has it (the ECB one), else
    `rate()` dated by the day asked."""
    fixing = getattr(fx, "fixing", None)
    if callable(fixing):
        found = fixing(base, quote, on)
        return None if found is None else (found.rate, found.fixing_date)
    rate = fx.rate(base, quote, on)
    return None if rate is None else (rate, on)


def no_rate_reason(fx: FxSource, base: str, quote: str, on: date) -> str:
    """Why a conversion has no figure, in words a person can read."""
    text = f"No {getattr(fx, 'name', 'FX').upper()} rate for {base} to {quote} on {on.isoformat()}"
    last_date = getattr(fx, "last_date", None)
    if callable(last_date):
        lasts = [last_date(currency) for currency in (base, quote)]
        if None in lasts:
            return f"{text}: the rate history has no {base if lasts[0] is None else quote}."
        last = min(lasts)
        if on > last:
            return f"{text}: the shipped rate history ends on {last.isoformat()}."
    return f"{text}."


def convert(amount: Decimal | None, currency: str, target: str, on: date | datetime, fx: FxSource, *,
            places: int | None = None) -> Conversion:
    """`amount` in `currency` (GBX allowed) as `target` (a major currency), rounded once: to the
    target's minor unit, or to `places` decimal places (prices). None stays None (no reason:
    nothing was missing but the amount itself)."""
    if isinstance(on, datetime):
        on = on.date()
    if amount is None:
        return Conversion(amount=None)
    amount, currency = quote_to_major(amount, currency)
    target = major(target)
    rate = fixing_date = None
    if currency.upper() == target:
        converted = amount
    else:
        found = fx_fixing(fx, currency.upper(), target, on)
        if found is None:
            return Conversion(amount=None, reason=no_rate_reason(fx, currency.upper(), target, on))
        rate, fixing_date = found
        with localcontext() as context:
            context.prec = _EXACT
            converted = amount * rate
    if places is None:
        rounded = to_minor(converted, target)
    elif rate is None:
        rounded = converted  # the same price, exactly (GBX 123.45 is GBP 1.2345)
    else:
        with localcontext() as context:
            context.prec = _EXACT
            rounded = converted.quantize(shift_point(Decimal(1), -places))
    return Conversion(amount=rounded, rate=rate, fixing_date=fixing_date)
