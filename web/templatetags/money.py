"""{{ amount|money:currency }} -> "£1,170.20", "−£2.99", "12.00 CHF"; {{ amount|money_signed:currency }}
adds "+" to money in. Decimal all the way: no float ever touches an amount."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django import template

from integrations_core.money import minor_units

register = template.Library()

SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}
MINUS = "\u2212"  # a real minus sign: read as "minus" by screen readers, unlike a hyphen


def format_money(amount, currency: str = "GBP", *, signed: bool = False) -> str:
    if amount is None or amount == "":
        return "—"
    currency = (currency or "").upper()
    try:
        # Shown at the currency's minor unit (JPY 0, KWD 3); the API carries every digit.
        places = minor_units(currency)
        value = Decimal(str(amount)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    except (InvalidOperation, ValueError):
        return str(amount)
    sign = MINUS if value < 0 else ("+" if signed and value > 0 else "")
    digits = f"{abs(value):,.{places}f}"
    symbol = SYMBOLS.get(currency)
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{digits} {currency}".rstrip()


@register.filter
def money(amount, currency="GBP") -> str:
    return format_money(amount, currency)


@register.filter
def money_signed(amount, currency="GBP") -> str:
    return format_money(amount, currency, signed=True)


@register.filter
def quantity(value) -> str:
    """Units as the platform reported them, without trailing zeros: "12.5", "0.00012345", "1,200"."""
    if value is None or value == "":
        return "—"
    number = Decimal(str(value))
    return f"{number.normalize():,f}".replace("-", MINUS)


@register.filter
def price(value, currency="GBP") -> str:
    """A price at the provider's precision (at least 2 dp): "$228.52", "8,912.25p" (GBX), "1.2345 CHF"."""
    if value is None or value == "":
        return "—"
    currency = (currency or "").upper()
    number = Decimal(str(value))
    places = max(2, -number.normalize().as_tuple().exponent)
    digits = f"{abs(number):,.{places}f}"
    sign = MINUS if number < 0 else ""
    if currency == "GBX":
        return f"{sign}{digits}p"
    symbol = SYMBOLS.get(currency)
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{digits} {currency}".rstrip()


@register.filter
def percent_signed(value) -> str:
    """"+12.34%", "−5.00%", "0.00%"; "—" when unknown."""
    if value is None or value == "":
        return "—"
    number = Decimal(str(value))
    sign = MINUS if number < 0 else ("+" if number > 0 else "")
    return f"{sign}{abs(number):,.2f}%"


@register.filter
def gain_tone(value) -> str:
    """CSS modifier for a gain: "up", "down" or "" (no change or unknown)."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value))
    return "up" if number > 0 else "down" if number < 0 else ""


@register.filter
def money_abs(amount, currency="GBP") -> str:
    """The size of a change, when the words around it say which way ("up £12.00")."""
    if amount is None or amount == "":
        return "—"
    return format_money(abs(Decimal(str(amount))), currency)
