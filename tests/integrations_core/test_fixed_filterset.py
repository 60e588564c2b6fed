"""FixedFilterSet (integrations_core/api/filtering.py) filters exactly as django-filter's own
FilterSet does, with shallow per-request filter copies and one form class per FilterSet class:
the same rows and the same errors for the same query, method filters bound to their own
request's filterset, nothing carried from one request to the next."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import django_filters
import pytest
from django.http import QueryDict

from integrations_core.api.filtering import FixedFilterSet
from open_banking.api.filters import BankTransactionFilter
from open_banking.models import BankAccount, BankConnection, BankTransaction

pytestmark = pytest.mark.django_db


class PlainTransactionFilter(django_filters.FilterSet):
    """BankTransactionFilter's filters on django-filter's own FilterSet."""

    for _name, _filter in BankTransactionFilter.base_filters.items():
        locals()[_name] = _filter
    del _name, _filter

    class Meta:
        model = BankTransaction
        fields = BankTransactionFilter.Meta.fields

    filter_type = BankTransactionFilter.filter_type
    filter_search = BankTransactionFilter.filter_search


@pytest.fixture
def rows(user):
    connection = BankConnection.objects.create(user=user, provider="truelayer", status="active", access_token="s")
    account = BankAccount.objects.create(connection=connection, external_id="a", name="Current", currency="GBP")
    for n, (amount, text, category) in enumerate([("-4.99", "NETFLIX.COM", "ENTERTAINMENT_TV_AND_MOVIES"),
                                                  ("-23.10", "TESCO STORES", "FOOD_AND_DRINK_GROCERIES"),
                                                  ("2500", "SALARY", "INCOME_WAGES"),
                                                  ("-1.00", "tesco express", "FOOD_AND_DRINK_GROCERIES")]):
        BankTransaction.objects.create(account=account, external_id=f"t{n}", fingerprint=f"f{n}",
                                       booked_date=dt.date(2026, 3, 28 + n), amount=Decimal(amount),
                                       currency="GBP", description=text, category=category)
    return BankTransaction.objects.all()


QUERIES = ["", "search=tesco", "type=debit", "type=credit&search=sal", "category=FOOD_AND_DRINK_GROCERIES",
           "date_from=2026-03-29&date_to=2026-03-30", "amount_min=-5&amount_max=0", "status=pending",
           "date_from=2026-02-31", "amount_min=lots", "status=nope", "type=sideways"]


@pytest.mark.parametrize("query", QUERIES)
def test_the_same_rows_and_errors_as_django_filters_own_filterset(rows, query):
    fixed = BankTransactionFilter(QueryDict(query), queryset=rows)
    plain = PlainTransactionFilter(QueryDict(query), queryset=rows)
    assert isinstance(fixed, FixedFilterSet) and not isinstance(plain, FixedFilterSet)
    assert fixed.is_valid() == plain.is_valid()
    assert fixed.errors == plain.errors
    if plain.is_valid():
        assert sorted(fixed.qs.values_list("pk", flat=True)) == sorted(plain.qs.values_list("pk", flat=True))


def test_requests_share_no_state(rows):
    first = BankTransactionFilter(QueryDict("search=tesco"), queryset=rows)
    second = BankTransactionFilter(QueryDict("type=credit"), queryset=rows)
    assert first.qs.count() == 2 and second.qs.count() == 1
    # Each method filter calls its own filterset, and the declared filters are left untouched.
    assert first.filters["search"].parent is first and second.filters["search"].parent is second
    assert first.filters["search"] is not BankTransactionFilter.base_filters["search"]
    assert getattr(BankTransactionFilter.base_filters["search"], "parent", None) is None
    assert first.form is not second.form and type(first.form) is type(second.form)
    assert BankTransactionFilter(QueryDict("search=tesco"), queryset=rows).qs.count() == 2
