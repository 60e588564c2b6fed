"""Money helpers shared by every family: how many decimals a currency has (ISO 4217, from the
`iso4217` package's copy of the official table, offline), how an amount is written for it, and
the column sizes for quantities, prices and FX rates.

Values from providers are stored exactly as sent: mappers check them with `fits` and raise
`BadProviderResponse` when they do not fit, never round them. Only amounts *we compute* (pence x
quantity, a converted price) are rounded, with `to_minor`."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from functools import lru_cache

import iso4217

# The widest ISO 4217 minor unit is 4 (CLF, UYW). Provider money columns keep 4 decimals, so
# every currency's amounts are stored exactly as the provider sent them (KWD 3, JPY 0, GBP 2).
STORED_DECIMALS = 4
DEFAULT_MINOR_UNITS = 2  # a code the table does not know (or a fund code without a minor unit)

# DecimalField kwargs (amounts stay `models.PROVIDER_MONEY`, 22 digits with 4 decimals).
# Quantities need at least 8 decimals (crypto); 10 also covers fractional shares.
QUANTITY = {"max_digits": 28, "decimal_places": 10}
PRICE = {"max_digits": 28, "decimal_places": 10}  # stored as sent, in the quote currency (GBX too)
FX_RATE = {"max_digits": 20, "decimal_places": 10}

# Quote currencies in minor units: London prices in pence ("GBX", or "GBp" as some feeds write it).
_PENCE_QUOTES = frozenset({"GBX", "GBp"})


@lru_cache(maxsize=512)
def minor_units(currency: str) -> int:
    """Decimals of the currency's minor unit: GBP 2, JPY 0, KWD 3."""
    try:
        exponent = iso4217.Currency(str(currency or "").upper()).exponent
    except ValueError:
        return DEFAULT_MINOR_UNITS
    return DEFAULT_MINOR_UNITS if exponent is None else int(exponent)


def fits(value: Decimal, places: int) -> bool:
    """True when the finite value has no more than `places` significant decimals (trailing zeros
    do not count: 1.2300 fits 2). Exact for any size of value; NaN and infinities never fit."""
    if not value.is_finite():
        return False
    _sign, digits, exponent = value.as_tuple()
    extra = -places - exponent  # how many digits sit beyond the allowed places
    if extra <= 0:
        return True
    return not any(digits[-extra:])


def fits_storage(amount: Decimal) -> bool:
    """True when the amount has no more decimals than the money columns keep."""
    return fits(amount, STORED_DECIMALS)


def to_minor(amount: Decimal, currency: str) -> Decimal:
    """A *computed* amount at the currency's minor unit, ROUND_HALF_EVEN (banker's rounding):
    GBP 1.005 -> 1.00, 1.015 -> 1.02; JPY 2.5 -> 2; KWD 0.0005 -> 0.000. Never -0."""
    if not amount.is_finite():
        raise ValueError("Cannot round a value that is not finite")
    quantum = Decimal(1).scaleb(-minor_units(currency))
    with localcontext() as context:
        # Enough precision for the whole result, so quantize never fails or rounds elsewhere.
        context.prec = max(context.prec, amount.adjusted() + minor_units(currency) + 2)
        context.Emax = max(context.Emax, amount.adjusted() + 1)
        rounded = amount.quantize(quantum, rounding=ROUND_HALF_EVEN)
    return rounded.copy_abs() if rounded.is_zero() else rounded


def quote_to_major(price: Decimal, currency: str) -> tuple[Decimal, str]:
    """A price quoted in a minor unit as the major currency, exactly: GBX/GBp 123.45 ->
    (1.2345, "GBP") (the decimal point moves; no digit is rounded). Others come back unchanged."""
    if currency not in _PENCE_QUOTES and str(currency or "").upper() != "GBX":
        return price, currency
    if not price.is_finite():
        return price, "GBP"
    sign, digits, exponent = price.as_tuple()
    # Decimal(tuple) is exact; Decimal.scaleb(-2) would round to the context's precision.
    return Decimal((sign, digits, exponent - 2)), "GBP"


def money_text(amount: Decimal, currency: str) -> str:
    """The amount at the currency's minor unit (more digits only if the provider sent them):
    GBP -12.3 -> "-12.30", JPY 1500.0000 -> "1500", KWD 1.2345 -> "1.2345"."""
    places = minor_units(currency)
    quantum = Decimal(1).scaleb(-places)
    exact = amount.quantize(quantum) if amount == amount.quantize(quantum) else amount.normalize()
    if exact == 0:
        exact = abs(exact)  # never "-0.00"
    return f"{exact:f}"
