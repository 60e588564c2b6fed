"""Query-string filters and ordering for the bank API."""

from __future__ import annotations

import json

import django_filters
from django.db.models import F, Q
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from rest_framework.exceptions import NotFound
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import Cursor, CursorPagination, _reverse_ordering

from integrations_core.api.errors import InvalidCursor
from integrations_core.api.pagination import (
    MAX_POSITION_LENGTH,
    ValidatedCursorPagination,
    check_cursor_length,
    cursor_value,
)
from integrations_core.api.validation import AMOUNT_FILTER, DATE_FILTER
from integrations_core.models import AccountType, TransactionStatus

from ..models import BankAccount, BankTransaction, Institution


class InstitutionFilter(django_filters.FilterSet):
    provider = django_filters.CharFilter()
    country = django_filters.CharFilter(method="filter_country")
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = Institution
        fields = ["provider", "country", "search"]

    def filter_country(self, queryset, name, value):
        return queryset.filter(country=value.upper())


class BankAccountFilter(django_filters.FilterSet):
    connection = django_filters.UUIDFilter(field_name="connection_id")
    type = django_filters.ChoiceFilter(choices=AccountType.choices)
    provider = django_filters.CharFilter(field_name="connection__provider")
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = BankAccount
        fields = ["connection", "type", "provider", "is_active"]


class BankTransactionFilter(django_filters.FilterSet):
    account = django_filters.UUIDFilter(field_name="account_id")
    connection = django_filters.UUIDFilter(field_name="account__connection_id")
    provider = django_filters.CharFilter(field_name="account__connection__provider")
    category = django_filters.CharFilter()
    status = django_filters.ChoiceFilter(choices=TransactionStatus.choices)
    type = django_filters.ChoiceFilter(choices=[("debit", "Debit"), ("credit", "Credit")], method="filter_type")
    date_from = django_filters.DateFilter(field_name="booked_date", lookup_expr="gte", **DATE_FILTER)
    date_to = django_filters.DateFilter(field_name="booked_date", lookup_expr="lte", **DATE_FILTER)
    amount_min = django_filters.NumberFilter(field_name="amount", lookup_expr="gte", **AMOUNT_FILTER)
    amount_max = django_filters.NumberFilter(field_name="amount", lookup_expr="lte", **AMOUNT_FILTER)
    search = django_filters.CharFilter(method="filter_search", help_text="Text in description or merchant.")

    class Meta:
        model = BankTransaction
        fields = ["account", "connection", "provider", "category", "status", "type", "date_from", "date_to",
                  "amount_min", "amount_max", "search"]

    def filter_type(self, queryset, name, value):
        return queryset.filter(amount__lt=0) if value == "debit" else queryset.filter(amount__gte=0)

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(description__icontains=value) | Q(merchant_name__icontains=value))


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


class TransactionCursorPagination(KeysetCursorPagination):
    ordering = ("-booked_date", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class NameCursorPagination(ValidatedCursorPagination):
    ordering = ("name", "id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


class StartedCursorPagination(ValidatedCursorPagination):
    ordering = ("-started_at",)
    page_size = 50
