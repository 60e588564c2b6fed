"""Issue 18 §2: a person's own edits — splits (budgets and spending honour them, the sum must
match exactly), tags, hiding and leaving out of budgets, custom categories and sub-category
budgets, payday budget periods over month and year ends, the total budget and pending payments."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from transactions.models import Budget, BudgetSettings, CustomCategory
from transactions.selectors.amounts import AmountQueryError, amount_query
from transactions.selectors.listing import transactions_refine, transactions_totals
from transactions.selectors.spending import spending_summary
from transactions.services.budgets import (
    budget_alerts_check,
    budget_period,
    budget_settings_update,
    budget_summary,
    period_containing,
)
from transactions.services.editing import (
    EditError,
    custom_category_create,
    custom_category_delete,
    transaction_edit,
    transaction_split,
)

pytestmark = pytest.mark.django_db
MARCH = date(2026, 3, 1)


def budget(user, category, amount="100.00"):
    return Budget.objects.create(user=user, category=category, amount=Decimal(amount), currency="GBP",
                                 start_month=date(2025, 1, 1))


def row(summary, category):
    return next(r for r in summary["budgets"] if r["category"] == category)


# --- splits -----------------------------------------------------------------------------------
def test_a_split_payment_counts_by_its_parts_in_budgets_and_spending(user, account, make_tx):
    shop = make_tx(account, "TESCO EXTRA", "-61.86", category="FOOD_AND_DRINK_GROCERIES")
    budget(user, "FOOD_AND_DRINK_GROCERIES")
    budget(user, "GENERAL_MERCHANDISE")
    assert row(budget_summary(user=user, month=MARCH), "FOOD_AND_DRINK_GROCERIES")["spent"] == Decimal("61.86")

    transaction_split(user=user, tx=shop, parts=[
        {"category": "FOOD_AND_DRINK_GROCERIES", "amount": "-41.86"},
        {"category": "GENERAL_MERCHANDISE_GIFTS_AND_NOVELTIES", "amount": "-20.00"}])
    summary = budget_summary(user=user, month=MARCH)
    assert row(summary, "FOOD_AND_DRINK_GROCERIES")["spent"] == Decimal("41.86")
    assert row(summary, "GENERAL_MERCHANDISE")["spent"] == Decimal("20.00")
    spending = spending_summary(user, date_from=MARCH, date_to=date(2026, 3, 31), currency="GBP", group_by="category")
    assert {g["key"]: g["spent"] for g in spending["groups"]} == {
        "FOOD_AND_DRINK": Decimal("41.86"), "GENERAL_MERCHANDISE": Decimal("20.00")}
    assert spending["total_spent"] == Decimal("61.86")  # the whole, counted once
    by_month = spending_summary(user, date_from=MARCH, date_to=date(2026, 3, 31), currency="GBP", group_by="month")
    assert by_month["groups"][0]["spent"] == Decimal("61.86") and by_month["groups"][0]["count"] == 1


def test_a_split_part_into_a_transfer_is_not_spending(user, account, make_tx):
    tx = make_tx(account, "CASHBACK AT TILL", "-50.00", category="FOOD_AND_DRINK_GROCERIES")
    transaction_split(user=user, tx=tx, parts=[{"category": "FOOD_AND_DRINK_GROCERIES", "amount": "-30"},
                                               {"category": "TRANSFER_OUT_WITHDRAWAL", "amount": "-20"}])
    spending = spending_summary(user, date_from=MARCH, date_to=date(2026, 3, 31), currency="GBP", group_by="category")
    assert spending["total_spent"] == Decimal("30")


@pytest.mark.parametrize("parts, field", [
    ([{"category": "FOOD_AND_DRINK", "amount": "-40"}, {"category": "SHOPPING", "amount": "-21.86"}],
     "splits[1].category"),  # SHOPPING is no code
    ([{"category": "FOOD_AND_DRINK", "amount": "-40"}, {"category": "GENERAL_MERCHANDISE", "amount": "-21.85"}],
     "splits"),  # a penny short
    ([{"category": "FOOD_AND_DRINK", "amount": "-61.86"}], "splits"),  # one part is no split
    ([{"category": "FOOD_AND_DRINK", "amount": "-70"}, {"category": "GENERAL_MERCHANDISE", "amount": "8.14"}],
     "splits[1].amount"),  # wrong sign
    ([{"category": "FOOD_AND_DRINK", "amount": "lots"}, {"category": "GENERAL_MERCHANDISE", "amount": "-1"}],
     "splits[0].amount"),
    ([{"category": "FOOD_AND_DRINK", "amount": "-61.860001"}, {"category": "GENERAL_MERCHANDISE", "amount": "-0"}],
     "splits[0].amount"),
])
def test_a_split_that_does_not_add_up_exactly_is_refused(user, account, make_tx, parts, field):
    tx = make_tx(account, "TESCO EXTRA", "-61.86", category="FOOD_AND_DRINK_GROCERIES")
    with pytest.raises(EditError) as caught:
        transaction_split(user=user, tx=tx, parts=parts)
    assert field in caught.value.errors
    assert not tx.splits.exists()


def test_split_sum_is_exact_decimal_not_float(user, account, make_tx):
    tx = make_tx(account, "THREE WAYS", "-0.30", category="FOOD_AND_DRINK")
    # 0.1 + 0.2 != 0.3 in floats; in Decimal it is exact.
    transaction_split(user=user, tx=tx, parts=[{"category": "FOOD_AND_DRINK", "amount": "-0.1"},
                                               {"category": "GENERAL_MERCHANDISE", "amount": "-0.2"}])
    assert sum(p.amount for p in tx.splits.all()) == Decimal("-0.30")


# --- hidden, excluded, tags -------------------------------------------------------------------
def test_hidden_and_excluded_rows_are_not_counted_but_excluded_rows_are_listed(user, account, make_tx):
    budget(user, "FOOD_AND_DRINK")
    kept = make_tx(account, "TESCO", "-10.00", category="FOOD_AND_DRINK_GROCERIES")
    hidden = make_tx(account, "TESCO", "-20.00", category="FOOD_AND_DRINK_GROCERIES")
    excluded = make_tx(account, "WORK LUNCH", "-40.00", category="FOOD_AND_DRINK_RESTAURANT")
    transaction_edit(hidden, hidden=True)
    transaction_edit(excluded, excluded_from_budgets=True, tags=["work", " Work ", "expenses"], notes=" claim it ")
    assert row(budget_summary(user=user, month=MARCH), "FOOD_AND_DRINK")["spent"] == Decimal("10.00")
    listed = transactions_refine(account.transactions.all())
    assert set(listed) == {kept, excluded}
    assert set(transactions_refine(account.transactions.all(), hidden="only")) == {hidden}
    excluded.refresh_from_db()
    assert excluded.details.tags == ["work", "expenses"] and excluded.notes == "claim it"
    assert "notes" in excluded.locked_fields
    assert list(transactions_refine(account.transactions.all(), tag="WORK")) == [excluded]


def test_totals_in_and_out_of_the_filtered_set(user, account, make_tx):
    make_tx(account, "SALARY", "2500.00", category="INCOME_WAGES")
    make_tx(account, "TESCO", "-61.86")
    make_tx(account, "RENT", "-900.00")
    (line,) = transactions_totals(account.transactions.all())
    assert (line["money_in"], line["money_out"], line["net"], line["count"]) == (
        Decimal("2500.00"), Decimal("-961.86"), Decimal("1538.14"), 3)


# --- amount search ----------------------------------------------------------------------------
@pytest.mark.parametrize("query, expected", [
    ("61.86", {"-61.86", "61.86"}), ("-61.86", {"-61.86"}), ("+61.86", {"61.86"}), ("£61.86", {"-61.86", "61.86"}),
    ("50..100", {"-61.86", "61.86", "-100.00"}), ("-100..-50", {"-61.86", "-100.00"}), ("..10", {"-5.00"}),
    ("1,000", {"1000.00"}),
])
def test_search_by_amount(user, account, make_tx, query, expected):
    for amount in ("-61.86", "61.86", "-100.00", "-5.00", "1000.00", "-120.00"):
        make_tx(account, "X", amount)
    found = {f"{a:.2f}" for a in account.transactions.filter(amount_query(query)).values_list("amount", flat=True)}
    assert found == expected


@pytest.mark.parametrize("query", ["sixty", "61.86.1", "100..50", "..", "1.23456"])
def test_a_bad_amount_search_is_refused(query):
    with pytest.raises(AmountQueryError):
        amount_query(query)


# --- custom categories ------------------------------------------------------------------------
def test_custom_categories_and_sub_categories_count_under_their_parents(user, other_user, account, make_tx):
    coffee = custom_category_create(user=user, parent="FOOD_AND_DRINK_COFFEE", label="Flat whites")
    oat = custom_category_create(user=user, parent=coffee.code, label="Oat")
    assert coffee.code == "FOOD_AND_DRINK_COFFEE__FLAT_WHITES" and oat.code.endswith("__FLAT_WHITES__OAT")
    make_tx(account, "PRET", "-3.40", category=coffee.code)
    make_tx(account, "PRET OAT", "-3.60", category=oat.code)
    make_tx(account, "TESCO", "-10.00", category="FOOD_AND_DRINK_GROCERIES")
    budget(user, "FOOD_AND_DRINK")
    budget(user, coffee.code, "5.00")  # a budget on one's own sub-category
    budget(user, oat.code, "5.00")
    summary = budget_summary(user=user, month=MARCH)
    assert row(summary, "FOOD_AND_DRINK")["spent"] == Decimal("17.00")
    assert row(summary, coffee.code)["spent"] == Decimal("7.00")
    assert row(summary, coffee.code)["label"] == "Coffee › Flat whites"
    assert row(summary, oat.code)["label"] == "Coffee › Flat whites › Oat"
    assert row(summary, oat.code)["spent"] == Decimal("3.60")
    # Another person has no such category.
    with pytest.raises(EditError):
        custom_category_create(user=other_user, parent=coffee.code, label="Mine")
    with pytest.raises(EditError) as caught:
        custom_category_create(user=user, parent="FOOD_AND_DRINK_COFFEE", label="Flat whites")
    assert "label" in caught.value.errors


def test_deleting_a_custom_category_moves_its_rows_back_to_the_parent(user, account, make_tx):
    coffee = custom_category_create(user=user, parent="FOOD_AND_DRINK_COFFEE", label="Flat whites")
    tx = make_tx(account, "PRET", "-3.40", category=coffee.code)
    budget(user, coffee.code)
    moved = custom_category_delete(coffee, transactions=account.transactions.all())
    tx.refresh_from_db()
    assert moved == 1 and tx.category == "FOOD_AND_DRINK_COFFEE"
    assert not CustomCategory.objects.exists() and not Budget.objects.filter(category=coffee.code).exists()


# --- payday periods ---------------------------------------------------------------------------
@pytest.mark.parametrize("month, payday, expected", [
    (date(2026, 3, 1), 25, (date(2026, 3, 25), date(2026, 4, 24))),
    (date(2026, 12, 1), 25, (date(2026, 12, 25), date(2027, 1, 24))),  # over the year end
    (date(2026, 1, 1), 31, (date(2026, 1, 31), date(2026, 2, 27))),  # February has no 31st
    (date(2026, 2, 1), 31, (date(2026, 2, 28), date(2026, 3, 30))),
    (date(2028, 2, 1), 30, (date(2028, 2, 29), date(2028, 3, 29))),  # leap year
    (date(2026, 4, 1), 31, (date(2026, 4, 30), date(2026, 5, 30))),
    (date(2026, 3, 1), 1, (date(2026, 3, 1), date(2026, 3, 31))),
])
def test_budget_periods_start_on_payday(month, payday, expected):
    assert budget_period(month, payday) == expected


@pytest.mark.parametrize("day, payday, start", [
    (date(2026, 3, 24), 25, date(2026, 2, 25)), (date(2026, 3, 25), 25, date(2026, 3, 25)),
    (date(2027, 1, 10), 25, date(2026, 12, 25)), (date(2026, 2, 28), 31, date(2026, 2, 28)),
    (date(2026, 2, 27), 31, date(2026, 1, 31)), (date(2026, 3, 30), 31, date(2026, 2, 28)),
    (date(2026, 3, 31), 31, date(2026, 3, 31)),
])
def test_the_period_a_day_falls_in(day, payday, start):
    assert period_containing(day, payday)[0] == start


def test_a_payday_budget_counts_the_25th_to_the_24th(user, account, make_tx):
    budget_settings_update(user, payday=25)
    budget(user, "FOOD_AND_DRINK")
    make_tx(account, "TESCO", "-10.00", day=date(2026, 3, 24), category="FOOD_AND_DRINK")  # February's period
    make_tx(account, "TESCO", "-20.00", day=date(2026, 3, 25), category="FOOD_AND_DRINK")
    make_tx(account, "TESCO", "-30.00", day=date(2026, 4, 24), category="FOOD_AND_DRINK")
    make_tx(account, "TESCO", "-40.00", day=date(2026, 4, 25), category="FOOD_AND_DRINK")  # April's
    summary = budget_summary(user=user, month=MARCH)
    assert (summary["period_start"], summary["period_end"]) == (date(2026, 3, 25), date(2026, 4, 24))
    assert row(summary, "FOOD_AND_DRINK")["spent"] == Decimal("50.00")


@pytest.mark.parametrize("today, period_month", [
    ("2026-12-31 23:30:00+00:00", date(2026, 12, 1)),  # New Year's Eve: December's period
    ("2027-01-24 12:00:00+00:00", date(2026, 12, 1)),  # still December's until the 25th
    ("2027-01-25 00:30:00+00:00", date(2027, 1, 1)),
])
def test_alerts_use_the_period_today_is_in_over_the_year_end(user, account, make_tx, today, period_month):
    budget_settings_update(user, payday=25)
    budget(user, "FOOD_AND_DRINK", "10.00")
    start, _ = budget_period(period_month, 25)
    make_tx(account, "TESCO", "-12.00", day=start, category="FOOD_AND_DRINK")
    with time_machine.travel(today, tick=False):
        alerts = budget_alerts_check(user=user)
    assert {a.month for a in alerts} == {period_month}


def test_payday_31_over_february_with_the_clock_frozen(user, account, make_tx):
    budget_settings_update(user, payday=31)
    budget(user, "FOOD_AND_DRINK", "10.00")
    make_tx(account, "TESCO", "-12.00", day=date(2026, 2, 28), category="FOOD_AND_DRINK")
    with time_machine.travel("2026-03-01 09:00:00+00:00", tick=False):
        alerts = budget_alerts_check(user=user)
    assert {a.month for a in alerts} == {date(2026, 2, 1)}  # 28 Feb to 30 Mar is February's period


# --- total budget and pending -----------------------------------------------------------------
def test_total_budget_and_pending_shown_separately_or_counted(user, account, make_tx):
    budget(user, "FOOD_AND_DRINK")
    make_tx(account, "TESCO", "-30.00", category="FOOD_AND_DRINK")
    make_tx(account, "NETFLIX", "-10.00", category="ENTERTAINMENT_TV_AND_MOVIES")
    make_tx(account, "TESCO", "-5.00", category="FOOD_AND_DRINK", status="pending")
    budget_settings_update(user, total_monthly=Decimal("100.00"))
    summary = budget_summary(user=user, month=MARCH)
    food = row(summary, "FOOD_AND_DRINK")
    assert (food["spent"], food["pending"], food["pending_counted"]) == (Decimal("30.00"), Decimal("5.00"), False)
    assert summary["total"]["spent"] == Decimal("40.00") and summary["total"]["pending"] == Decimal("5.00")
    assert summary["total"]["remaining"] == Decimal("60.00")

    budget_settings_update(user, pending="counted")
    summary = budget_summary(user=user, month=MARCH)
    assert row(summary, "FOOD_AND_DRINK")["spent"] == Decimal("35.00")
    assert summary["total"]["spent"] == Decimal("45.00")
    assert BudgetSettings.objects.get(user=user).pending == "counted"
