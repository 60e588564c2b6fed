"""Cursor pagination whose cursors are checked before they reach the database.

A cursor is base64 of a query string the client can rewrite: `p=` (the position: the last row's
value of the ordering field) can be any text. DRF's CursorPagination passes it straight into the
query, so `p=notadate`, a 31 February, a UUID where a date belongs, a number past the column's
range, a NUL byte (which PostgreSQL refuses) or a time zone offset PostgreSQL cannot store each
became a 500. Here the position is parsed with the ordering field's own type and range first;
anything that is not a value that field could hold is a 400 with a field error on `cursor`."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import DecimalValidator
from django.db import connection, models
from django.db.models import F, Q
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from rest_framework.exceptions import NotFound
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import Cursor, CursorPagination, _reverse_ordering

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


class TieBreakOrderingFilter(OrderingFilter):
    """?ordering=amount, -amount, booked_date or -booked_date; the id is appended in the same
    direction so rows that tie always come back in one order (cursor pages rely on it)."""

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or ["-booked_date"])
        if not any(f.lstrip("-") == "id" for f in ordering):
            ordering.append("-id" if ordering[0].startswith("-") else "id")
        return ordering


class KeysetCursorPagination(CursorPagination):
    """Cursor pagination on the whole ordering, not only its first field: the cursor holds the
    last row's values (booked date and id) and the next page is `WHERE (booked_date, id) <
    (d, i) ORDER BY booked_date DESC, id DESC LIMIT n`, one index seek however deep the page.

    DRF's own cursor keeps the first field only and skips the rows sharing it with an OFFSET,
    which the database reads and throws away, and which DRF caps at 1,000: past a thousand rows
    on one date the next page never came. The ordering must end with a unique field (the
    TieBreakOrderingFilter appends the id) and use non-null fields."""

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        if not self.page_size:
            return None
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        check_cursor_length(request, self.cursor_query_param)
        try:
            self.cursor = self.decode_cursor(request)
        except NotFound:
            raise InvalidCursor() from None
        reverse = bool(self.cursor and self.cursor.reverse)
        position = self.cursor.position if self.cursor else None
        ordering = _reverse_ordering(self.ordering) if reverse else self.ordering
        queryset = queryset.order_by(*ordering)
        if position is not None:
            queryset = queryset.filter(self._after(queryset.model, ordering, position))
        results = list(queryset[:self.page_size + 1])
        self.page = results[:self.page_size]
        more = len(results) > self.page_size
        if reverse:
            self.page.reverse()
            self.has_next, self.has_previous = True, more
        else:
            self.has_next, self.has_previous = more, position is not None
        self.display_page_controls = (self.has_next or self.has_previous) and self.template is not None
        return self.page

    def _after(self, model, ordering, position: str):
        """The rows strictly after `position` in `ordering`. The position is the client's text:
        each value is checked against its field's type and range (InvalidCursor, a 400)."""
        names = [o.lstrip("-") for o in ordering]
        if len(position) > MAX_POSITION_LENGTH:
            raise InvalidCursor()
        try:
            raw = json.loads(position)
        except (ValueError, RecursionError):
            raise InvalidCursor() from None
        if not isinstance(raw, list) or len(raw) != len(names):
            raise InvalidCursor()
        values = [cursor_value(model, name, value) for name, value in zip(names, raw, strict=True)]
        descending = [o.startswith("-") for o in ordering]
        if len(set(descending)) == 1:
            # One direction: a row comparison, which PostgreSQL answers with one index seek.
            lookup = TupleLessThan if descending[0] else TupleGreaterThan
            return lookup(Tuple(*(F(name) for name in names)), values)
        after = Q()
        for i, (name, value) in enumerate(zip(names, values, strict=True)):
            ties = Q(**{n: v for n, v in zip(names[:i], values[:i], strict=True)})
            after |= ties & Q(**{f"{name}__{'lt' if descending[i] else 'gt'}": value})
        return after

    def _get_position_from_instance(self, instance, ordering):
        # A model instance, or a values() row (the lean list path): the same text either way.
        if isinstance(instance, Mapping):
            return json.dumps([str(instance[o.lstrip("-")]) for o in ordering])
        return json.dumps([str(getattr(instance, o.lstrip("-"))) for o in ordering])

    def get_next_link(self):
        if not self.has_next:
            return None
        position = self._get_position_from_instance(self.page[-1], self.ordering) if self.page else None
        return self.encode_cursor(Cursor(offset=0, reverse=False, position=position))

    def get_previous_link(self):
        if not self.has_previous:
            return None
        position = (self._get_position_from_instance(self.page[0], self.ordering) if self.page
                    else self.cursor.position)
        return self.encode_cursor(Cursor(offset=0, reverse=True, position=position))
