"""Money helpers shared by every family: how many decimals a currency has (ISO 4217, from the
`iso4217` package's copy of the official table, offline) and how an amount is written for it."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

import iso4217

# The widest ISO 4217 minor unit is 4 (CLF, UYW). Provider money columns keep 4 decimals, so
# every currency's amounts are stored exactly as the provider sent them (KWD 3, JPY 0, GBP 2).
STORED_DECIMALS = 4
DEFAULT_MINOR_UNITS = 2  # a code the table does not know (or a fund code without a minor unit)


@lru_cache(maxsize=512)
def minor_units(currency: str) -> int:
    """Decimals of the currency's minor unit: GBP 2, JPY 0, KWD 3."""
    try:
        exponent = iso4217.Currency(str(currency or "").upper()).exponent
    except ValueError:
        return DEFAULT_MINOR_UNITS
    return DEFAULT_MINOR_UNITS if exponent is None else int(exponent)


def fits_storage(amount: Decimal) -> bool:
    """True when the amount has no more decimals than the money columns keep."""
    return amount == amount.quantize(Decimal(1).scaleb(-STORED_DECIMALS))


def money_text(amount: Decimal, currency: str) -> str:
    """The amount at the currency's minor unit (more digits only if the provider sent them):
    GBP -12.3 -> "-12.30", JPY 1500.0000 -> "1500", KWD 1.2345 -> "1.2345"."""
    places = minor_units(currency)
    quantum = Decimal(1).scaleb(-places)
    exact = amount.quantize(quantum) if amount == amount.quantize(quantum) else amount.normalize()
    if exact == 0:
        exact = abs(exact)  # never "-0.00"
    return f"{exact:f}"
