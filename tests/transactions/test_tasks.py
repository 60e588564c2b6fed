"""Periodic work: the categorisation pass for uncategorised and low-confidence rows, orphaned
transfers, and the fan-out tasks for recurring payments and budget alerts."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from open_banking.models import BankTransaction
from transactions.models import Budget, BudgetAlert, MerchantCorrection, RecurringPayment, TransferPair
from transactions.tasks import budget_alerts_check_all, categorise_pending, recurring_detect_all

from .conftest import rec, sync

pytestmark = pytest.mark.django_db


def test_pass_categorises_uncategorised_and_low_confidence_rows(account, make_tx, user):
    make_tx(account, "TESCO STORES", "-5")  # never categorised (e.g. the hook failed)
    make_tx(account, "JOES CAFE", "-4", category="OTHER_OTHER", category_source="default",
            category_confidence=Decimal("0.100"))
    make_tx(account, "SPOTIFY", "-9.99", category="TRAVEL_FLIGHTS", category_source="user",
            category_confidence=Decimal("1.000"), locked_fields=["category"])
    MerchantCorrection.objects.create(user=user, merchant_key="JOES CAFE", category="FOOD_AND_DRINK_RESTAURANT")
    result = categorise_pending.delay().get()
    assert result == {"users": 1, "changed": 2}
    categories = dict(BankTransaction.objects.values_list("description", "category"))
    assert categories == {"TESCO STORES": "FOOD_AND_DRINK_GROCERIES", "JOES CAFE": "FOOD_AND_DRINK_RESTAURANT",
                          "SPOTIFY": "TRAVEL_FLIGHTS"}


def test_pass_leaves_confident_rows_alone(account, make_tx):
    make_tx(account, "TESCO STORES", "-5", category="FOOD_AND_DRINK_GROCERIES", category_source="merchant",
            category_confidence=Decimal("0.900"))
    assert categorise_pending.delay().get() == {"users": 0, "changed": 0}


def test_orphaned_transfer_leg_is_recategorised(make_account):
    current, savings = make_account(), make_account(type="savings")
    sync(current, [rec("SO MOVE TO SAVER", "-100", ext_id="out", day=date(2026, 3, 1))])
    sync(savings, [rec("FROM CURRENT", "100", ext_id="in", day=date(2026, 3, 1))])
    assert TransferPair.objects.count() == 1
    BankTransaction.objects.filter(external_id="in").delete()  # the bank withdrew the other leg
    categorise_pending.delay().get()
    out = BankTransaction.objects.get(external_id="out")
    assert out.category_source != "transfer"


def test_fan_out_tasks(user, account):
    today = timezone.localdate()
    Budget.objects.create(user=user, category="FOOD_AND_DRINK", amount=Decimal("10"),
                          start_month=today.replace(day=1))
    sync(account, [rec("TESCO STORES", "-50", day=today)] +
         [rec("NETFLIX.COM", "-10.99", day=today - timedelta(days=30 * i)) for i in range(1, 6)])
    assert budget_alerts_check_all.delay().get() == 1
    assert BudgetAlert.objects.filter(user=user).count() == 2
    assert recurring_detect_all.delay().get() == 1
    assert RecurringPayment.objects.filter(user=user).exists()
