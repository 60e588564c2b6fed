"""Manual accounts in the API (issue 18 §2): listed with every account at accounts/ (flagged
manual), created, re-balanced with history, given transactions, deleted; 404 for anyone else."""

from decimal import Decimal

import pytest
import time_machine

from open_banking.models import BalanceSnapshot, BankAccount, BankConnection
from open_banking.services.manual import manual_account_create

pytestmark = pytest.mark.django_db
BASE = "/api/v1/open-banking"


def test_manual_accounts_are_listed_with_the_others_flagged_manual(api_client, user):
    connection = BankConnection.objects.create(user=user, provider="truelayer", status="active")
    BankAccount.objects.create(connection=connection, external_id="a", name="Current", currency="GBP")
    manual_account_create(user=user, name="Mortgage", type="mortgage", currency="GBP", balance=Decimal("180000"))
    rows = {r["name"]: r for r in api_client.get(f"{BASE}/accounts/").json()["results"]}
    assert rows["Current"]["is_manual"] is False
    assert rows["Mortgage"]["is_manual"] is True and rows["Mortgage"]["type"] == "mortgage"
    assert rows["Mortgage"]["current_balance"] == "-180000.00"  # owed
    # The manual accounts' connection is not a bank connection to list or sync.
    assert [c["provider"] for c in api_client.get(f"{BASE}/connections/").json()["results"]] == ["truelayer"]


@time_machine.travel("2026-03-30 12:00:00+01:00", tick=False)
def test_create_rebalance_add_a_transaction_and_delete(api_client, other_api_client):
    created = api_client.post(f"{BASE}/manual-accounts/", {"name": "House", "type": "property", "currency": "gbp",
                                                           "balance": "350000.00"}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["is_manual"] is True and created.json()["currency"] == "GBP"
    for method, path, body in (("post", f"{pk}/balance/", {"balance": "1"}),
                               ("post", f"{pk}/transactions/", {"booked_date": "2026-03-01", "description": "x",
                                                                "amount": "-1"}),
                               ("delete", f"{pk}/", None), ("get", f"{pk}/", None)):
        assert getattr(other_api_client, method)(f"{BASE}/manual-accounts/{path}", body,
                                                 format="json").status_code == 404
    with time_machine.travel("2026-03-31 23:30:00+00:00", tick=False):  # BST: already 1 April in London
        updated = api_client.post(f"{BASE}/manual-accounts/{pk}/balance/", {"balance": "360000.00"}, format="json")
    assert updated.json()["current_balance"] == "360000.00"
    history = api_client.get(f"{BASE}/accounts/{pk}/balances/").json()
    assert [h["current"] for h in history][-1] == "360000.00" and history[-1]["date"] == "2026-04-01"
    tx = api_client.post(f"{BASE}/manual-accounts/{pk}/transactions/", {
        "booked_date": "2026-03-02", "description": "New boiler", "amount": "-2500.00",
        "category": "HOME_IMPROVEMENT_REPAIR_AND_MAINTENANCE"}, format="json")
    assert tx.status_code == 201, tx.content
    assert api_client.get(f"{BASE}/accounts/{pk}/").json()["current_balance"] == "357500.00"
    assert api_client.delete(f"{BASE}/manual-accounts/{pk}/").status_code == 204
    assert not BankAccount.objects.filter(pk=pk).exists() and not BalanceSnapshot.objects.filter(account_id=pk).exists()


def test_bad_manual_input_is_a_400_with_fields(api_client, user):
    bad = api_client.post(f"{BASE}/manual-accounts/", {"name": "", "type": "yacht", "currency": "pounds",
                                                       "balance": "lots"}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"name", "type", "currency", "balance"}
    account = manual_account_create(user=user, name="Cash", type="other", currency="GBP", balance=Decimal("5"))
    bad = api_client.post(f"{BASE}/manual-accounts/{account.pk}/transactions/", {
        "booked_date": "soon", "description": "x", "amount": "0", "category": "NOPE"}, format="json")
    assert bad.status_code == 400 and {"booked_date", "amount"} <= set(bad.json()["error"]["fields"])


def test_a_connected_account_cannot_be_changed_by_hand(api_client, user):
    connection = BankConnection.objects.create(user=user, provider="truelayer", status="active")
    account = BankAccount.objects.create(connection=connection, external_id="a", name="Current", currency="GBP")
    assert api_client.post(f"{BASE}/manual-accounts/{account.pk}/balance/", {"balance": "1"},
                           format="json").status_code == 404
