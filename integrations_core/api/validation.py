"""Limits on query values, shared by serializers and filters, so a value the database (or Python's
date arithmetic) cannot handle is a 400 with a field error rather than a 500.

`0001-01-01` parses as a date, but a month before it does not exist (rollover and "previous
month" arithmetic raise ValueError), and a `1e999999` amount parses as a Decimal that PostgreSQL
refuses ("value overflows numeric format")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)
DATE_RANGE_MESSAGE = f"Use a date between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}."
MONTH_RANGE_MESSAGE = f"Use a month between {EARLIEST_DATE:%Y-%m} and {LATEST_DATE:%Y-%m}."

# Filter amounts: far past any real balance, well inside every column's range.
MAX_FILTER_AMOUNT = Decimal("1000000000000")
FILTER_AMOUNT_DECIMALS = 4


def validate_api_date(value: date) -> None:
    """Django validator (DRF fields and django-filter forms both run these)."""
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(DATE_RANGE_MESSAGE, code="date_out_of_range")


def validate_api_month(value: date) -> None:
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(MONTH_RANGE_MESSAGE, code="month_out_of_range")


# For django_filters.NumberFilter(..., **AMOUNT_FILTER): the form field's own limits.
AMOUNT_FILTER = {"max_value": MAX_FILTER_AMOUNT, "min_value": -MAX_FILTER_AMOUNT,
                 "decimal_places": FILTER_AMOUNT_DECIMALS, "max_digits": 13 + FILTER_AMOUNT_DECIMALS}
DATE_FILTER = {"validators": [validate_api_date]}
