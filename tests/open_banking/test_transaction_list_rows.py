"""The transaction list reads each row's account name, connection and provider in the rows' own
query (no accounts query, no account objects), builds django-filter's FilterSet only when the
query string names a filter, and answers exactly as before either way."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations_core.api import filtering
from open_banking.api.serializers import BankTransactionSerializer
from open_banking.models import BankAccount, BankConnection, BankTransaction

pytestmark = pytest.mark.django_db
BASE = "/api/v1/open-banking"


@pytest.fixture
def rows(user):
    made = []
    for i, provider in enumerate(("truelayer", "gocardless")):
        conn = BankConnection.objects.create(user=user, provider=provider, status="active", access_token="s")
        account = BankAccount.objects.create(connection=conn, external_id=f"a{i}", name=f"Account {i}",
                                             currency="GBP")
        made += [BankTransaction.objects.create(account=account, external_id=f"t{i}{j}", fingerprint=f"f{i}{j}",
                                                booked_date=date(2026, 1, 1 + j), amount=Decimal(f"-{j}.50"),
                                                currency="GBP", description=f"SHOP {i}{j}",
                                                category="FOOD_AND_DRINK_GROCERIES" if j % 2 else "")
                 for j in range(3)]
    return made


@pytest.fixture
def web(client, user):
    client.force_login(user)
    return client


def test_each_row_shows_its_accounts_name_connection_and_provider_as_a_loaded_row_would(web, rows):
    response = web.get(f"{BASE}/transactions/")
    assert response.status_code == 200
    by_id = {item["id"]: item for item in response.json()["results"]}
    for tx in rows:
        expected = BankTransactionSerializer(BankTransaction.objects.get(pk=tx.pk)).data  # via tx.account
        assert by_id[str(tx.pk)] == expected
        assert (expected["account_name"], expected["provider"]) == (tx.account.name, tx.account.connection.provider)


def test_the_page_reads_no_accounts(web, rows):
    with CaptureQueriesContext(connection) as captured:
        assert web.get(f"{BASE}/transactions/").status_code == 200
    account_table = BankAccount._meta.db_table
    assert not [q for q in captured.captured_queries if q["sql"].startswith(f'SELECT "{account_table}"')]


def test_the_csv_export_names_each_rows_account(web, rows):
    response = web.get(f"{BASE}/transactions/", {"format": "csv"})
    body = b"".join(response.streaming_content).decode()
    assert "Account 0" in body and "Account 1" in body


def test_no_filter_named_no_filterset_built_and_the_same_rows(web, rows, monkeypatch):
    built = []
    real = filtering.DjangoFilterBackend.filter_queryset

    def spy(self, request, queryset, view):
        built.append(dict(request.query_params))
        return real(self, request, queryset, view)

    monkeypatch.setattr(filtering.DjangoFilterBackend, "filter_queryset", spy)
    everything = web.get(f"{BASE}/transactions/", {"ordering": "amount", "page_size": 50}).json()["results"]
    assert built == [] and len(everything) == 6
    filtered = web.get(f"{BASE}/transactions/", {"category": "FOOD_AND_DRINK_GROCERIES"}).json()["results"]
    assert len(built) == 1 and {r["category"] for r in filtered} == {"FOOD_AND_DRINK_GROCERIES"}
    assert web.get(f"{BASE}/transactions/", {"category": ""}).json()["results"].__len__() == 6
    assert web.get(f"{BASE}/transactions/", {"amount_min": "abc"}).status_code == 400, "invalid is still a 400"


def test_a_parameter_that_may_feed_a_filter_is_recognised():
    names = ["date_from", "amount_min", "search"]
    assert filtering._names_a_filter({"date_from": "x"}, names)
    assert filtering._names_a_filter({"search_0": "x"}, names), "a multi-widget's part"
    assert not filtering._names_a_filter({"ordering": "amount", "cursor": "abc", "page_size": "5"}, names)


def test_every_list_skips_the_filterset_when_no_filter_is_named(web, rows, monkeypatch):
    """DEFAULT_FILTER_BACKENDS is FilterParamsBackend: the accounts list (the default backends)
    builds no FilterSet for a plain request, and still filters and refuses bad values."""
    built = []
    real = filtering.DjangoFilterBackend.filter_queryset

    def spy(self, request, queryset, view):
        built.append(dict(request.query_params))
        return real(self, request, queryset, view)

    monkeypatch.setattr(filtering.DjangoFilterBackend, "filter_queryset", spy)
    everything = web.get(f"{BASE}/accounts/").json()["results"]
    assert built == [] and len(everything) == BankAccount.objects.count() >= 1
    assert web.get(f"{BASE}/accounts/", {"is_active": "false"}).json()["results"] == []
    assert len(built) == 1
    refused = web.get(f"{BASE}/accounts/", {"type": "sideways"})
    assert refused.status_code == 400 and "type" in refused.json()["error"]["fields"]
