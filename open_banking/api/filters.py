"""Query-string filters and ordering for the bank API."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from integrations_core.api.filtering import FixedFilterSet
from integrations_core.api.pagination import (  # noqa: F401 (TieBreakOrderingFilter: re-exported for views)
    KeysetCursorPagination,
    TieBreakOrderingFilter,
    ValidatedCursorPagination,
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


class BankTransactionFilter(FixedFilterSet):
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
