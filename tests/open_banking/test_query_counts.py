"""The list endpoints run a fixed number of queries whatever the page size (no query per row),
and the transactions list's keyset cursor walks every row once, in order, even when many rows
share a date (DRF's own cursor skipped those with an offset it capped at 1,000)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from open_banking.models import BankAccount, BankConnection, BankTransaction

BASE = "/api/v1/open-banking"
ROWS = 60


@pytest.fixture
def web(client, user):
    client.force_login(user)  # the whole stack: session, user, then the view's own queries
    return client


@pytest.fixture
def many(user):
    """ROWS connections and accounts and ROWS transactions spread over several accounts."""
    connections = BankConnection.objects.bulk_create(
        BankConnection(user=user, provider="truelayer" if i % 2 else "gocardless", status="active",
                       institution_name=f"Bank {i}", access_token=f"secret-{i}") for i in range(ROWS))
    accounts = BankAccount.objects.bulk_create(
        BankAccount(connection=connections[i], external_id=f"acc-{i}", name=f"Account {i}", currency="GBP")
        for i in range(ROWS))
    BankTransaction.objects.bulk_create(
        BankTransaction(account=accounts[i % 7], external_id=f"t{i}", fingerprint=f"fp{i}",
                        booked_date=date(2026, 1, 1) + timedelta(days=i % 5), amount=Decimal(-i),
                        currency="GBP", description=f"SHOP {i}", category="FOOD_AND_DRINK_GROCERIES")
        for i in range(ROWS))
    return accounts


def _queries(web, path: str, page_size: int, **params) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = web.get(path, {"page_size": page_size, **params})
    assert response.status_code == 200, response.content
    return len(captured.captured_queries), len(response.json()["results"])


@pytest.mark.parametrize(("path", "params"), [
    ("transactions/", {}),
    ("transactions/", {"category": "FOOD_AND_DRINK_GROCERIES", "search": "shop", "date_from": "2026-01-01"}),
    ("transactions/", {"ordering": "amount"}),
    ("accounts/", {}),
    ("connections/", {}),
])
def test_list_endpoints_query_count_does_not_grow_with_the_page(web, many, path, params):
    small, small_rows = _queries(web, f"{BASE}/{path}", 5, **params)
    large, large_rows = _queries(web, f"{BASE}/{path}", 50, **params)
    assert (small_rows, large_rows) == (5, 50)
    assert small == large, f"{path}: {small} queries for 5 rows, {large} for 50"


def test_one_accounts_transactions_query_count_does_not_grow_with_the_page(web, user):
    connection_ = BankConnection.objects.create(user=user, provider="truelayer", status="active")
    account = BankAccount.objects.create(connection=connection_, external_id="a", name="A", currency="GBP")
    BankTransaction.objects.bulk_create(
        BankTransaction(account=account, external_id=f"t{i}", fingerprint=f"fp{i}", booked_date=date(2026, 1, 1),
                        amount=Decimal(i), currency="GBP", description="X") for i in range(ROWS))
    path = f"{BASE}/accounts/{account.pk}/transactions/"
    assert _queries(web, path, 5)[0] == _queries(web, path, 50)[0]


@pytest.mark.parametrize("ordering", ["-booked_date", "booked_date", "amount", "-amount", "amount,-booked_date"])
def test_keyset_cursor_walks_every_row_once_forwards_and_back(web, user, ordering):
    connection_ = BankConnection.objects.create(user=user, provider="truelayer", status="active")
    account = BankAccount.objects.create(connection=connection_, external_id="a", name="A", currency="GBP")
    # 40 rows on one date and a few amounts: every page boundary falls inside a tie.
    BankTransaction.objects.bulk_create(
        BankTransaction(account=account, external_id=f"t{i}", fingerprint=f"fp{i}",
                        booked_date=date(2026, 1, 1) + timedelta(days=i // 40), amount=Decimal(i % 3),
                        currency="GBP", description="X") for i in range(45))
    pages, url, params = [], f"{BASE}/transactions/", {"page_size": 7, "ordering": ordering}
    while url:
        body = web.get(url, params).json()
        pages.append(body)
        url, params = body["next"], None
    seen = [row["id"] for page in pages for row in page["results"]]
    assert len(seen) == len(set(seen)) == 45

    expected = BankTransaction.objects.order_by(*ordering.split(","), "-id" if ordering.startswith("-") else "id")
    assert seen == [str(pk) for pk in expected.values_list("pk", flat=True)]

    # Back from the last page: the previous links give the same pages in reverse.
    back, url = [], pages[-1]["previous"]
    while url:
        body = web.get(url).json()
        back.append([row["id"] for row in body["results"]])
        url = body["previous"]
    assert [row for page in reversed(back) for row in page] == seen[:len(seen) - len(pages[-1]["results"])]


def test_a_tampered_cursor_is_a_400_not_a_500(web, user):
    # A 400 naming `cursor` (the choice); tests/reliability/test_bad_input.py has the rest.
    response = web.get(f"{BASE}/transactions/", {"cursor": "cD1ub3QtanNvbg=="})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_cursor"
