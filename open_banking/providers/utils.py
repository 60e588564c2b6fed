"""Small parsing helpers the bank mappers and clients share."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import requests

from integrations_core.money import fits_storage
from integrations_core.providers.errors import BadProviderResponse

# What an amount may look like on the wire: digits, one point, an optional exponent. No NaN or
# Infinity (Decimal and Python's json accept both), no "1_000", no currency signs or separators.
_AMOUNT = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
# The provider money columns hold 22 digits, 4 of them decimals (every ISO 4217 minor unit);
# anything larger is not a real amount and would fail the whole account's write instead of being
# reported as a bad response.
MAX_AMOUNT = Decimal(10) ** 16


def _not_finite(constant: str):
    raise BadProviderResponse(f"The provider sent a number that is not finite ({constant[:10]})")


def decimal_json(response: requests.Response) -> Any:
    """The body as JSON with every number a Decimal: money never passes through a float."""
    try:
        return json.loads(response.content or b"null", parse_float=Decimal, parse_constant=_not_finite)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise BadProviderResponse("The provider sent a body that is not JSON") from exc


def to_decimal(value: Any) -> Decimal | None:
    """An exact, finite amount from a JSON number (Decimal or int) or a string; None for a
    missing one; BadProviderResponse for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, float):  # never expected (see decimal_json), but never trust a float's digits
        value = repr(value)
    if isinstance(value, str):
        value = value.strip()
        if not _AMOUNT.match(value):
            raise BadProviderResponse("Not an amount: str")
    elif isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise BadProviderResponse(f"Not an amount: {type(value).__name__}")
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise BadProviderResponse(f"Not an amount: {type(value).__name__}") from exc
    if not amount.is_finite() or amount.copy_abs() >= MAX_AMOUNT:
        raise BadProviderResponse("Not an amount: out of range")
    if not fits_storage(amount):
        # More decimals than any ISO 4217 currency has: storing it would round it, and the
        # stored value would never equal the incoming one again.
        raise BadProviderResponse("Not an amount: more decimals than any currency has")
    return amount


def parse_datetime(value: str | None) -> datetime | None:
    """An aware datetime; a naive one from the provider is taken as UTC."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadProviderResponse("Unreadable timestamp") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError as exc:
        raise BadProviderResponse("Unreadable date") from exc


def local_date(value: str | None) -> date | None:
    """The calendar date as the bank wrote it: '2024-03-06T00:30:00+01:00' is the 6th, even
    though it is the 5th in UTC."""
    return parse_date(value)


def mask_iban(iban: str) -> str:
    compact = (iban or "").replace(" ", "")
    if len(compact) < 8:
        return ""
    return f"{compact[:4]}{'*' * 4}{compact[-4:]}"


def mask_sort_code(sort_code: str) -> str:
    digits = "".join(ch for ch in sort_code or "" if ch.isdigit())
    return f"**-**-{digits[-2:]}" if len(digits) == 6 else ""


def mask_number(number: str) -> str:
    digits = "".join(ch for ch in number or "" if ch.isalnum())
    return f"****{digits[-4:]}" if digits else ""


def jsonable(value: Any) -> Any:
    """Raw payloads go into JSONFields: Decimals become strings (exact, unlike floats)."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value
