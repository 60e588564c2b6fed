"""Query-string filters of the payments API: a bad value is a 400 with the field named."""

from __future__ import annotations

import django_filters

from integrations_core.api.pagination import KeysetCursorPagination
from integrations_core.api.validation import AMOUNT_FILTER, DATE_FILTER

from ..models import BalanceTransaction, BalanceTransactionType, Payout, PayoutStatus


class BalanceTransactionFilter(django_filters.FilterSet):
    account = django_filters.UUIDFilter(field_name="account_id")
    payout = django_filters.UUIDFilter(field_name="payout_id")
    type = django_filters.ChoiceFilter(choices=BalanceTransactionType.choices)
    status = django_filters.ChoiceFilter(choices=(("pending", "Pending"), ("available", "Available")))
    currency = django_filters.CharFilter(method="filter_currency", max_length=3)
    date_from = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__gte", **DATE_FILTER)
    date_to = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__lte", **DATE_FILTER)
    amount_min = django_filters.NumberFilter(field_name="amount", lookup_expr="gte", **AMOUNT_FILTER)
    amount_max = django_filters.NumberFilter(field_name="amount", lookup_expr="lte", **AMOUNT_FILTER)
    reference = django_filters.CharFilter(field_name="reference", max_length=255)

    class Meta:
        model = BalanceTransaction
        fields = ["account", "payout", "type", "status", "currency", "date_from", "date_to", "amount_min",
                  "amount_max", "reference"]

    def filter_currency(self, queryset, name, value):
        return queryset.filter(currency=value.upper())


class PayoutFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PayoutStatus.choices)
    arrival_from = django_filters.DateFilter(field_name="arrival_date", lookup_expr="gte", **DATE_FILTER)
    arrival_to = django_filters.DateFilter(field_name="arrival_date", lookup_expr="lte", **DATE_FILTER)

    class Meta:
        model = Payout
        fields = ["status", "arrival_from", "arrival_to"]


class BalanceTransactionPagination(KeysetCursorPagination):
    ordering = ("-occurred_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class PayoutPagination(KeysetCursorPagination):
    ordering = ("-occurred_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
