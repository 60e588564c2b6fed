"""Cursor pagination whose cursors are checked before they reach the database.

A cursor is base64 of a query string the client can rewrite: `p=` (the position: the last row's
value of the ordering field) can be any text. DRF's CursorPagination passes it straight into the
query, so `p=notadate`, a 31 February, a UUID where a date belongs, a number past the column's
range, a NUL byte (which PostgreSQL refuses) or a time zone offset PostgreSQL cannot store each
became a 500. Here the position is parsed with the ordering field's own type and range first;
anything that is not a value that field could hold is a 400 with a field error on `cursor`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import DecimalValidator
from django.db import connection, models
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination

from .errors import InvalidCursor

# A genuine cursor is well under 200 characters; a longer one was written by hand.
MAX_CURSOR_LENGTH = 1000
MAX_POSITION_LENGTH = 600


def _field(model, path: str) -> models.Field:
    """The model field an ordering name points at, following `a__b` through relations."""
    field = None
    for part in path.split("__"):
        field = model._meta.get_field(part)
        if field.is_relation and field.related_model is not None:
            model = field.related_model
    if field is not None and field.is_relation and getattr(field, "target_field", None) is not None:
        field = field.target_field  # ordering by a foreign key compares its id
    return field


def cursor_value(model, name: str, raw) -> object:
    """`raw` (text from a cursor) as a value of the ordering field `name`, or InvalidCursor.

    The value must be one the column could hold: the type's own parsing, then the limits the
    database would otherwise enforce with an error (integer range, decimal digits, NUL bytes,
    time zone offsets)."""
    if not isinstance(raw, str) or len(raw) > MAX_POSITION_LENGTH or "\x00" in raw:
        raise InvalidCursor()
    try:
        field = _field(model, name)
    except FieldDoesNotExist:
        raise InvalidCursor() from None
    try:
        value = field.to_python(raw)
        if value is None:
            raise ValidationError("empty")
        if isinstance(field, models.DateTimeField):
            if value.tzinfo is None:  # our cursors always carry their offset
                raise ValidationError("naive datetime")
            # PostgreSQL stores offsets up to 15:59 only; UTC is what it stores anyway.
            value = value.astimezone(dt.UTC)
        elif isinstance(field, models.DecimalField):
            if not isinstance(value, Decimal) or not value.is_finite():
                raise ValidationError("not a finite number")
            DecimalValidator(field.max_digits, field.decimal_places)(value)
        elif isinstance(field, models.IntegerField):
            low, high = connection.ops.integer_field_range(field.get_internal_type())
            if (low is not None and value < low) or (high is not None and value > high):
                raise ValidationError("out of range")
        elif isinstance(field, models.CharField) and field.max_length and len(value) > field.max_length:
            raise ValidationError("too long")
    except (ValidationError, ValueError, TypeError, ArithmeticError, OverflowError):
        raise InvalidCursor() from None
    return value


def check_cursor_length(request, param: str) -> None:
    encoded = request.query_params.get(param)
    if encoded is not None and (len(encoded) > MAX_CURSOR_LENGTH or "\x00" in encoded):
        raise InvalidCursor()


class ValidatedCursorPagination(CursorPagination):
    """DRF's cursor pagination, with the cursor's position checked against the type of the
    ordering's first field (the one DRF compares) before it is used in a query."""

    def paginate_queryset(self, queryset, request, view=None):
        self._cursor_model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        check_cursor_length(request, self.cursor_query_param)
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise InvalidCursor() from None
        if cursor is None or cursor.position is None:
            return cursor
        value = cursor_value(self._cursor_model, self.ordering[0].lstrip("-"), cursor.position)
        if isinstance(value, dt.datetime):
            # Compare with the normalised value, not the client's text (its offset may be one the
            # database cannot store).
            return Cursor(offset=cursor.offset, reverse=cursor.reverse, position=value.isoformat())
        return cursor


class CreatedCursorPagination(ValidatedCursorPagination):
    """Keyset pagination: stable under inserts and constant-time at any depth."""

    ordering = "-created_at"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
