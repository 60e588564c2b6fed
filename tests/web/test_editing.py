"""The editing pages (issue 18 §2): a transaction's note, tags, hiding and split; the list's
totals, days and amount search; categories; budget settings; rules; an account's page; manual
accounts. 404 for anyone else's rows, 400 with the field's error for bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest

from open_banking.models import BalanceSnapshot, BankAccount, BankTransaction
from open_banking.services.manual import manual_account_create
from transactions.models import BudgetSettings, CategoryRule, CustomCategory

pytestmark = pytest.mark.django_db


def test_edit_note_tags_and_hide(web, bank):
    tx = bank["txns"]["t2"]
    page = web.get(f"/transactions/{tx.pk}/")
    assert page.status_code == 200 and "Split this payment" in page.content.decode()
    response = web.post(f"/transactions/{tx.pk}/", {"action": "details", "notes": "Party food",
                                                    "tags": "party, kids"}, follow=True)
    assert "Saved." in response.content.decode()
    tx.refresh_from_db()
    assert tx.notes == "Party food" and tx.details.tags == ["party", "kids"]
    listed = web.get("/transactions/", {"tag": "party"}).content.decode()
    assert "TESCO STORES 123" in listed and "GOOGLE PLAY" not in listed
    web.post(f"/transactions/{tx.pk}/", {"action": "details", "notes": "Party food", "tags": "party",
                                         "hidden": "on"})
    assert "TESCO STORES 123" not in web.get("/transactions/").content.decode()
    assert "TESCO STORES 123" in web.get("/transactions/", {"hidden": "only"}).content.decode()


def test_split_on_the_page_and_its_errors(web, bank):
    tx = bank["txns"]["t2"]  # -25.25
    bad = web.post(f"/transactions/{tx.pk}/", {"action": "split", "rows": "4",
                                               "category_0": "FOOD_AND_DRINK_GROCERIES", "amount_0": "-20",
                                               "category_1": "GENERAL_MERCHANDISE", "amount_1": "-5"})
    assert bad.status_code == 400 and "must match exactly" in bad.content.decode()
    ok = web.post(f"/transactions/{tx.pk}/", {"action": "split", "rows": "4",
                                              "category_0": "FOOD_AND_DRINK_GROCERIES", "amount_0": "-20",
                                              "category_1": "GENERAL_MERCHANDISE", "amount_1": "-5.25"}, follow=True)
    assert "Split saved" in ok.content.decode() and tx.splits.count() == 2
    web.post(f"/transactions/{tx.pk}/", {"action": "unsplit"})
    assert tx.splits.count() == 0


def test_anyone_elses_transaction_account_rule_and_category_is_a_404(other_web, web, user, bank):
    tx = bank["txns"]["t1"]
    rule = CategoryRule.objects.create(user=user, name="r", category="FOOD_AND_DRINK", pattern="TESCO")
    category = CustomCategory.objects.create(user=user, code="FOOD_AND_DRINK__X", parent="FOOD_AND_DRINK", label="X")
    manual = manual_account_create(user=user, name="Cash", type="other", currency="GBP", balance=Decimal("5"))
    assert other_web.get(f"/transactions/{tx.pk}/").status_code == 404
    assert other_web.post(f"/transactions/{tx.pk}/", {"action": "details", "notes": "x"}).status_code == 404
    assert other_web.get(f"/my-accounts/{bank['current'].pk}/").status_code == 404
    assert other_web.get(f"/my-accounts/{manual.pk}/").status_code == 404
    assert other_web.post(f"/my-accounts/manual/{manual.pk}/balance/", {"balance": "1"}).status_code == 404
    assert other_web.get(f"/my-accounts/manual/{manual.pk}/delete/").status_code == 404
    assert other_web.post(f"/rules/{rule.pk}/apply/").status_code == 404
    assert other_web.post(f"/rules/{rule.pk}/delete/").status_code == 404
    assert other_web.post(f"/categories/{category.pk}/delete/").status_code == 404
    assert CategoryRule.objects.filter(pk=rule.pk).exists() and CustomCategory.objects.filter(pk=category.pk).exists()


def test_list_totals_days_and_amount_search(web, bank):
    page = web.get("/transactions/").content.decode()
    assert 'data-total-in>+£1,500.00' in page and "data-day=" in page
    found = web.get("/transactions/", {"amount": "-25.25"}).content.decode()
    assert "TESCO STORES 123" in found and "GOOGLE PLAY" not in found
    assert "TESCO STORES 123" in web.get("/transactions/", {"q": "25.25"}).content.decode()
    ranged = web.get("/transactions/", {"amount": "20..60"}).content.decode()
    assert "TESCO STORES 123" in ranged and "AMAZON" in ranged and "GOOGLE PLAY" not in ranged
    bad = web.get("/transactions/", {"amount": "sixty"})
    assert bad.status_code == 400 and "Type an amount such as 61.86" in bad.content.decode()


def test_custom_categories_page(web, user):
    response = web.post("/categories/", {"parent": "FOOD_AND_DRINK_COFFEE", "label": "Flat whites"}, follow=True)
    assert "Added Flat whites" in response.content.decode()
    assert CustomCategory.objects.get(user=user).code == "FOOD_AND_DRINK_COFFEE__FLAT_WHITES"
    again = web.post("/categories/", {"parent": "FOOD_AND_DRINK_COFFEE", "label": "Flat whites"})
    assert again.status_code == 400 and "already have a category" in again.content.decode()
    # Offered for budgets (a sub-category budget) and transactions.
    assert "FOOD_AND_DRINK_COFFEE__FLAT_WHITES" in web.get("/budgets/").content.decode()


def test_budget_settings_on_the_page(web, user, bank):
    web.post("/budgets/settings/", {"payday": "25", "total_monthly": "1000", "pending": "separate",
                                    "month": "2026-03"})
    settings = BudgetSettings.objects.get(user=user)
    assert settings.payday == 25 and settings.total_monthly == Decimal("1000.00")
    page = web.get("/budgets/", {"month": "2026-03"}).content.decode()
    assert "25 Mar – 24 Apr 2026" in page and "All spending" in page
    assert "Pending card payments are not counted until the bank books them" in page
    response = web.post("/budgets/settings/", {"payday": "32", "pending": "separate"}, follow=True)
    assert "My budget month starts on day" in response.content.decode()
    assert BudgetSettings.objects.get(user=user).payday == 25


def test_rules_page_create_preview_apply(web, user, bank):
    form = {"name": "Supermarket", "pattern": "TESCO", "match_field": "any", "match_type": "contains",
            "direction": "any", "category": "GENERAL_MERCHANDISE", "priority": "100"}
    preview = web.post("/rules/", {**form, "action": "preview"})
    assert preview.status_code == 200
    assert "This rule would change 1 transaction" in preview.content.decode()
    assert not CategoryRule.objects.exists()
    saved = web.post("/rules/", {**form, "action": "save"}, follow=True)
    assert "Rule “Supermarket” saved." in saved.content.decode()
    rule = CategoryRule.objects.get(user=user)
    applied = web.post(f"/rules/{rule.pk}/apply/", follow=True)
    assert "1 transaction changed" in applied.content.decode()
    bank["txns"]["t2"].refresh_from_db()
    assert bank["txns"]["t2"].category == "GENERAL_MERCHANDISE"
    bad = web.post("/rules/", {**form, "pattern": "", "category": "NOPE", "action": "save"})
    assert bad.status_code == 400 and "This field is required." in bad.content.decode()


def test_account_page_connected(web, bank):
    page = web.get(f"/my-accounts/{bank['current'].pk}/").content.decode()
    assert "Club Lloyds" in page and "Its connection" in page and "Up to date" in page
    assert "<polyline" in page and "TESCO STORES 123" in page
    assert "Update the balance" not in page


def test_manual_account_balance_history_transactions_and_delete_with_confirmation(web, user):
    web.post("/my-accounts/manual/", {"name": "Car loan", "type": "loan", "currency": "GBP", "balance": "8000"})
    account = BankAccount.objects.get(connection__user=user, name="Car loan")
    assert account.current_balance == Decimal("-8000.00")  # owed
    page = web.get(f"/my-accounts/{account.pk}/").content.decode()
    assert "Update the balance" in page and "owed" in page
    web.post(f"/my-accounts/manual/{account.pk}/balance/", {"balance": "7800"})
    account.refresh_from_db()
    assert account.current_balance == Decimal("-7800.00")
    assert BalanceSnapshot.objects.filter(account=account).count() >= 1
    bad = web.post(f"/my-accounts/manual/{account.pk}/balance/", {"balance": "lots"})
    assert bad.status_code == 400 and "Enter a number." in bad.content.decode()
    web.post(f"/my-accounts/manual/{account.pk}/transactions/", {"booked_date": "2026-03-02",
                                                                  "description": "Payment", "amount": "200"})
    account.refresh_from_db()
    assert account.current_balance == Decimal("-7600.00")
    assert BankTransaction.objects.filter(account=account).count() == 1
    confirm = web.get(f"/my-accounts/manual/{account.pk}/delete/")
    assert confirm.status_code == 200 and "This cannot be undone" in confirm.content.decode()
    assert BankAccount.objects.filter(pk=account.pk).exists()  # asking is not deleting
    web.post(f"/my-accounts/manual/{account.pk}/delete/")
    assert not BankAccount.objects.filter(pk=account.pk).exists()


def test_a_connected_account_has_no_manual_forms(web, bank):
    assert web.post(f"/my-accounts/manual/{bank['current'].pk}/balance/", {"balance": "1"}).status_code == 404
    assert web.get(f"/my-accounts/manual/{bank['current'].pk}/delete/").status_code == 404


@pytest.mark.parametrize("now, shown", [
    ("2026-12-03 10:00:00+00:00", "25 Nov – 24 Dec 2026"),  # before payday: last month's period
    ("2026-12-25 00:30:00+00:00", "25 Dec – 24 Jan 2027"),  # payday: the new period, over the year end
])
def test_the_budgets_page_opens_on_the_period_today_is_in(web, user, now, shown):
    BudgetSettings.objects.create(user=user, payday=25)
    import time_machine

    with time_machine.travel(now, tick=False):
        web.force_login(user)  # a session from the real today may have expired by then
        assert shown in web.get("/budgets/").content.decode()
