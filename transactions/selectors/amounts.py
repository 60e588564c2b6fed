"""Searching transactions by amount, as people type it: "61.86" (either way), "-61.86" (money
out only), "+61.86" (money in only), "50..100" (either way, by size) and "-100..-50" (signed)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.db.models import Q

NUMBER = r"[+-]?\d+(?:\.\d{1,4})?"
SINGLE = re.compile(rf"^({NUMBER})$")
RANGE = re.compile(rf"^({NUMBER})?\s*\.\.\s*({NUMBER})?$")
HELP = 'Type an amount such as 61.86, -61.86 (money out), +61.86 (money in) or a range such as 50..100.'


class AmountQueryError(ValueError):
    message = HELP


def looks_like_amount(text: str) -> bool:
    cleaned = _clean(text)
    return bool(cleaned) and bool(SINGLE.match(cleaned) or (".." in cleaned and RANGE.match(cleaned)))


def _clean(text: str) -> str:
    return (text or "").strip().replace("£", "").replace("€", "").replace("$", "").replace(",", "").replace(" ", "")


def _number(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise AmountQueryError(HELP) from None


def amount_query(text: str, field: str = "amount") -> Q:
    """The Q for an amount search; AmountQueryError for anything else."""
    cleaned = _clean(text)
    if match := SINGLE.match(cleaned):
        value = _number(match.group(1))
        if cleaned[0] in "+-":
            return Q(**{field: value})
        return Q(**{field: value}) | Q(**{field: -value})
    match = RANGE.match(cleaned) if ".." in cleaned else None
    if not match or not (match.group(1) or match.group(2)):
        raise AmountQueryError(HELP)
    low, high = match.group(1), match.group(2)
    signed = any(part and part[0] in "+-" for part in (low, high))
    low_value = _number(low) if low else None
    high_value = _number(high) if high else None
    if low_value is not None and high_value is not None and low_value > high_value:
        raise AmountQueryError("The first amount of a range must be the smaller (50..100, or -100..-50).")
    bounds = {}
    if low_value is not None:
        bounds[f"{field}__gte"] = low_value
    if high_value is not None:
        bounds[f"{field}__lte"] = high_value
    if signed:
        return Q(**bounds)
    if low_value is None:  # "..10": any size up to 10, either way
        low_value = Decimal("0")
        bounds[f"{field}__gte"] = low_value
    mirrored = {}  # the same sizes of money out
    if high_value is not None:
        mirrored[f"{field}__gte"] = -high_value
    if low_value is not None:
        mirrored[f"{field}__lte"] = -low_value
    return Q(**bounds) | Q(**mirrored)
