"""The end-to-end journey: connect a bank -> transactions -> auto-categorised -> budget summary.

SWITCH TO SANDBOX: written while the sandbox and the bank providers were being built, this test
creates the BankConnection and BankAccount itself and feeds TransactionRecords through the real
import service and the categorisation hook, exactly as `connection_sync` does. The same journey now
also runs against the real sandbox over HTTP in test_journey_sandbox.py; this one stays as the fast,
exact version (known amounts, a correction, the next sync learning from it).
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from integrations_core.records import AccountRecord
from integrations_core.services.imports import account_upsert
from open_banking.models import BankConnection

from .conftest import rec, sync

pytestmark = pytest.mark.django_db


def test_journey_connect_bank_to_budget_summary__switch_to_sandbox(api_client, user):
    # 1. Connect a bank (stand-in for the sandbox OAuth flow).
    connection = BankConnection.objects.create(user=user, provider="truelayer", status="active",
                                               institution_name="Sandbox Bank")
    current = account_upsert(connection, AccountRecord(external_id="cur", name="Current", type="current",
                                                       currency="GBP"))
    savings = account_upsert(connection, AccountRecord(external_id="sav", name="Saver", type="savings",
                                                       currency="GBP"))
    month = timezone.localdate().replace(day=1)
    day = month + timedelta(days=1)
    # 2. The user sets a budget before the first sync.
    assert api_client.post("/api/v1/budgets/", {"category": "FOOD_AND_DRINK", "amount": "200.00"}).status_code == 201
    # 3. The first sync writes transactions, categorised on the way in.
    sync(current, [
        rec("TESCO STORES 3297 LONDON GB", "-45.20", day=day),
        rec("CARD PAYMENT TO PRET A MANGER ON 02", "-6.95", day=day),
        rec("DELIVEROO.CO.UK", "-23.40", day=day),
        rec("ACME LTD SALARY", "2650.00", day=day),
        rec("TFL TRAVEL CH", "-8.10", day=day),
        rec("TRANSFER TO SAVER", "-300.00", day=day),
    ])
    sync(savings, [rec("FROM CURRENT ACCOUNT", "300.00", day=day)])
    listed = {t["description"]: t for t in api_client.get("/api/v1/transactions/").json()["results"]}
    assert listed["TESCO STORES 3297 LONDON GB"]["category"] == "FOOD_AND_DRINK_GROCERIES"
    assert listed["DELIVEROO.CO.UK"]["category"] == "FOOD_AND_DRINK_TAKEAWAY_DELIVERY"
    assert listed["ACME LTD SALARY"]["primary_category"] == "INCOME"
    assert listed["TRANSFER TO SAVER"]["category_source"] == "transfer"
    # 4. The budget summary is current.
    summary = api_client.get(f"/api/v1/budgets/summary/?month={month:%Y-%m}").json()
    (food,) = summary["budgets"]
    assert (food["spent"], food["remaining"], food["transactions_count"]) == ("75.55", "124.45", 3)
    # 5. A correction moves money between budgets and teaches the next sync.
    deliveroo = listed["DELIVEROO.CO.UK"]["id"]
    api_client.patch(f"/api/v1/transactions/{deliveroo}/", {"category": "ENTERTAINMENT_OTHER_ENTERTAINMENT"})
    sync(current, [rec("DELIVEROO.CO.UK", "-12.00", day=day)])
    summary = api_client.get(f"/api/v1/budgets/summary/?month={month:%Y-%m}").json()
    assert Decimal(summary["budgets"][0]["spent"]) == Decimal("52.15")
    spending = api_client.get("/api/v1/spending/summary/", {"from": month.isoformat(), "to": day.isoformat()}).json()
    assert {g["key"]: g["spent"] for g in spending["groups"]}["ENTERTAINMENT"] == "35.40"
