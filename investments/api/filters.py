"""Query-string filters and cursor pages for the investment API (the core's keyset cursor)."""

from __future__ import annotations

import django_filters

from integrations_core.api.pagination import KeysetCursorPagination
from integrations_core.api.validation import AMOUNT_FILTER, DATE_FILTER

from ..models import InvestmentTransaction, InvestmentTransactionType


class InvestmentTransactionFilter(django_filters.FilterSet):
    account = django_filters.UUIDFilter(field_name="account_id")
    security = django_filters.UUIDFilter(field_name="security_id")
    type = django_filters.ChoiceFilter(choices=InvestmentTransactionType.choices)
    date_from = django_filters.DateFilter(field_name="booked_date", lookup_expr="gte", **DATE_FILTER)
    date_to = django_filters.DateFilter(field_name="booked_date", lookup_expr="lte", **DATE_FILTER)
    amount_min = django_filters.NumberFilter(field_name="amount", lookup_expr="gte", **AMOUNT_FILTER)
    amount_max = django_filters.NumberFilter(field_name="amount", lookup_expr="lte", **AMOUNT_FILTER)

    class Meta:
        model = InvestmentTransaction
        fields = ["account", "security", "type", "date_from", "date_to", "amount_min", "amount_max"]


class InvestmentTransactionCursorPagination(KeysetCursorPagination):
    ordering = ("-booked_date", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
