"""The home screen (web/views_home.py) and GET /api/v1/home/: every tile with data and empty,
frozen over a month end (and a BST month end), and nobody else's money on anyone's screen."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from integrations_core.home_tiles import HomeTile, home_tiles_for, register, tiles, unregister
from integrations_core.models import ConnectionStatus
from open_banking.models import BalanceSnapshot, BankAccount, BankTransaction
from tests.web.conftest import make_connection
from transactions.models import Budget, BudgetAlert, RecurringPayment
from transactions.services.budgets import budget_alerts_check

pytestmark = pytest.mark.django_db

SLUGS = ["balances", "net-worth", "attention", "money-in-out", "upcoming", "budgets-at-risk", "budget-alerts"]


def money_for(user, *, today: date, institution="Lloyds"):
    """A current account, a savings account and a card with this month's and last month's rows,
    a budget nearly spent and a bill due next week."""
    connection = make_connection(user, institution_name=institution)
    current = BankAccount.objects.create(connection=connection, external_id="cur", name="Club Lloyds",
                                         type="current", currency="GBP", current_balance=Decimal("1250.00"))
    BankAccount.objects.create(connection=connection, external_id="sav", name="Saver", type="savings",
                               currency="GBP", current_balance=Decimal("5000.00"))
    BankAccount.objects.create(connection=connection, external_id="card", name="Platinum", type="credit_card",
                               currency="GBP", current_balance=Decimal("-320.50"))
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=10)
    rows = [("s1", today, "2400.00", "ACME SALARY", "INCOME_SALARY"),
            ("g1", today, "-95.00", "TESCO", "FOOD_AND_DRINK_GROCERIES"),
            ("s0", last_month, "2400.00", "ACME SALARY", "INCOME_SALARY"),
            ("g0", last_month, "-300.00", "TESCO", "FOOD_AND_DRINK_GROCERIES"),
            ("t0", today, "-500.00", "TO SAVER", "TRANSFER_OUT_SAVINGS")]
    for ext, day, amount, description, category in rows:
        BankTransaction.objects.create(account=current, external_id=ext, fingerprint=ext, booked_date=day,
                                       amount=Decimal(amount), currency="GBP", description=description,
                                       status="booked", category=category)
    BalanceSnapshot.objects.create(account=current, date=today, current=Decimal("1250.00"), currency="GBP")
    Budget.objects.create(user=user, category="FOOD_AND_DRINK", amount=Decimal("100.00"), currency="GBP",
                          start_month=today.replace(day=1))
    RecurringPayment.objects.create(
        user=user, account=current, merchant_key="council tax", name="Council Tax", category="", kind="bill",
        direction="out", frequency="monthly", currency="GBP", typical_amount=Decimal("-150.00"),
        last_amount=Decimal("-150.00"), last_date=today - timedelta(days=23),
        next_expected_date=today + timedelta(days=7), next_expected_amount=Decimal("-150.00"), occurrences=4)
    return connection


def by_slug(user, today):
    return {r.tile.slug: r for r in home_tiles_for(user, today=today)}


def test_every_tile_is_registered_by_its_own_app_in_order():
    assert [t.slug for t in tiles()] == ["balances", "net-worth", "attention", "money-in-out", "upcoming",
                                         "budgets-at-risk", "budget-alerts"]


def test_a_new_tile_joins_without_touching_the_home_screen(web, user):
    register(HomeTile(slug="test-extra", title="Extra tile", data=lambda u, t: {"n": 1}, order=1,
                      link="web:portfolio", link_label="Portfolio", template="web/home/tiles/attention.html"))
    try:
        page = web.get("/").content.decode()
        assert "Extra tile" in page and page.index("Extra tile") < page.index("Balances")
    finally:
        unregister("test-extra")


def test_a_failing_tile_is_shown_empty_not_a_500(web, user):
    def broken(u, t):
        raise RuntimeError("boom")

    register(HomeTile(slug="test-broken", title="Broken tile", data=broken, link="web:home", link_label="Home",
                      template="web/home/tiles/attention.html", empty_text="Nothing to see."))
    try:
        response = web.get("/")
        assert response.status_code == 200 and "Nothing to see." in response.content.decode()
    finally:
        unregister("test-broken")


def test_empty_tiles_say_what_to_do(web, user):
    page = web.get("/").content.decode()
    for text in ["No accounts yet", "Connect a bank, platform or pension", "All your banks are up to date",
                 "No money in or out yet", "No bills or income expected", "You have no budgets yet",
                 "No budget alerts"]:
        assert text in page
    body = APIClient()
    body.force_authenticate(user)
    data = body.get("/api/v1/home/").json()
    assert [t["slug"] for t in data["tiles"]] == SLUGS
    assert all(t["empty"] and t["data"] is None for t in data["tiles"])


@time_machine.travel("2026-01-31 23:30 +00:00", tick=False)
def test_tiles_with_data_on_the_last_evening_of_a_month(web, user):
    today = timezone.localdate()
    assert today == date(2026, 1, 31)
    money_for(user, today=today)
    budget_alerts_check(user=user)
    tiles_now = by_slug(user, today)
    balances = tiles_now["balances"].data
    assert (balances["cash"], balances["savings"], balances["credit_owed"]) == (
        Decimal("1250.00"), Decimal("5000.00"), Decimal("320.50"))
    money = tiles_now["money-in-out"].data
    assert money["month"] == "2026-01"
    assert (money["money_in"], money["money_out"]) == (Decimal("2400.00"), Decimal("95.00"))  # transfer not spent
    assert [m["month"] for m in money["months"]] == ["2025-08", "2025-09", "2025-10", "2025-11", "2025-12", "2026-01"]
    assert money["months"][-2]["money_out"] == Decimal("300.00")
    assert money["average_out_before"] == Decimal("300.00") and money["out_vs_average"] == Decimal("-205.00")
    upcoming = tiles_now["upcoming"].data
    assert [(i["name"], i["date"]) for i in upcoming["items"]] == [("Council Tax", date(2026, 2, 7))]
    assert len(upcoming["days"]) == 30 and upcoming["days"][7]["money_out"] and upcoming["total_out"] == Decimal("150")
    risk = tiles_now["budgets-at-risk"].data
    assert [(b["label"], b["status"]) for b in risk["at_risk"]] == [("Food and drink", "warning")]
    alerts = tiles_now["budget-alerts"].data
    assert alerts["unread_count"] == 1 and "80%" in alerts["alerts"][0]["message"]
    net = tiles_now["net-worth"].data
    assert net["total"] == Decimal("5929.50") and net["by_family"] == [{"family": "banking", "value": Decimal("5929.50")}]
    assert tiles_now["attention"].data is None

    page = web.get("/").content.decode()
    for text in ["£1,250.00", "£5,000.00", "£320.50", "owed", "Council Tax", "Food and drink", "£5,929.50",
                 "January 2026"]:
        assert text in page, text
    assert '<svg class="trend"' in page and "<script>" not in page


def test_the_month_turns_at_midnight_local_time(user):
    with time_machine.travel("2026-01-31 12:00 +00:00", tick=False):
        money_for(user, today=timezone.localdate())
    with time_machine.travel("2026-02-01 00:30 +00:00", tick=False):
        money = by_slug(user, timezone.localdate())["money-in-out"].data
        assert money["month"] == "2026-02" and money["money_out"] == Decimal("0.00")
        assert money["months"][-2]["money_out"] == Decimal("95.00")
        # The budgets start afresh: nothing at risk on the first of the month.
        assert by_slug(user, timezone.localdate())["budgets-at-risk"].data["at_risk"] == []


def test_a_bst_month_end_is_still_march_at_half_past_eleven(user):
    with time_machine.travel("2026-03-31 22:30 +00:00", tick=False):  # 23:30 BST
        today = timezone.localdate()
        assert today == date(2026, 3, 31)
        money_for(user, today=today)
        assert by_slug(user, today)["money-in-out"].data["month"] == "2026-03"


@time_machine.travel("2026-06-15 09:00 +01:00", tick=False)
def test_accounts_needing_attention_most_urgent_first(user):
    today = timezone.localdate()
    make_connection(user, institution_name="Monzo", status=ConnectionStatus.REAUTH_REQUIRED)
    make_connection(user, institution_name="Halifax", last_synced_at=timezone.now() - timedelta(days=3))
    make_connection(user, institution_name="Nationwide", status=ConnectionStatus.PENDING, last_synced_at=None)
    failing = make_connection(user, institution_name="Barclays")
    BankAccount.objects.create(connection=failing, external_id="x", name="Everyday", type="current", currency="GBP",
                               current_balance=Decimal("1"), sync_error_code="account_failing",
                               sync_error="The bank did not send this account's transactions.")
    make_connection(user, institution_name="Santander")  # fine: not listed
    items = by_slug(user, today)["attention"].data["items"]
    assert [(i["name"], i["state"]) for i in items] == [
        ("Monzo", "reauth_required"), ("Everyday (Barclays)", "failing"), ("Halifax", "stale"),
        ("Nationwide", "pending")]


def test_manual_accounts_count_in_the_balances(user):
    from open_banking.services.manual import manual_account_create

    manual_account_create(user=user, name="Cash tin", type="current", currency="GBP", balance=Decimal("40"))
    manual_account_create(user=user, name="Dollars", type="savings", currency="USD", balance=Decimal("9"))
    data = by_slug(user, date(2026, 1, 1))["balances"].data
    assert data["cash"] == Decimal("40") and data["other_currency_accounts"] == {"USD": 1}


@time_machine.travel("2026-01-20 10:00 +00:00", tick=False)
def test_nobody_sees_anyone_elses_tiles(web, user, other_user):
    money_for(other_user, today=timezone.localdate(), institution="Mallory Bank")
    budget_alerts_check(user=other_user)
    page = web.get("/").content.decode()
    assert "Mallory Bank" not in page and "Council Tax" not in page and "£5,000.00" not in page
    body = APIClient()
    body.force_authenticate(user)
    assert all(t["empty"] for t in body.get("/api/v1/home/").json()["tiles"])
    # Another person's alert cannot be marked read from here.
    alert = BudgetAlert.objects.get(user=other_user)
    web.post("/home/alerts/read/", {"alert": str(alert.pk)})
    alert.refresh_from_db()
    assert alert.read_at is None


@time_machine.travel("2026-01-20 10:00 +00:00", tick=False)
def test_mark_an_alert_read_on_the_home_screen(web, user):
    money_for(user, today=timezone.localdate())
    budget_alerts_check(user=user)
    page = web.get("/").content.decode()
    assert "Mark read" in page and "New" in page
    alert = BudgetAlert.objects.get(user=user)
    response = web.post("/home/alerts/read/", {"alert": str(alert.pk)})
    assert response.status_code == 302 and response["Location"] == "/"
    alert.refresh_from_db()
    assert alert.read_at is not None
    data = by_slug(user, timezone.localdate())["budget-alerts"].data
    assert data["unread_count"] == 0 and data["alerts"][0]["read"] is True
    assert "Mark read" not in web.get("/").content.decode()


def test_mark_read_refuses_a_bad_id(web, user):
    response = web.post("/home/alerts/read/", {"alert": "not-a-uuid"}, follow=True)
    assert "could not be found" in response.content.decode()


@time_machine.travel("2026-01-20 10:00 +00:00", tick=False)
def test_api_home_answers_money_as_strings(user):
    money_for(user, today=timezone.localdate())
    body = APIClient()
    body.force_authenticate(user)
    data = body.get("/api/v1/home/").json()
    assert data["today"] == "2026-01-20"
    tiles_by_slug = {t["slug"]: t for t in data["tiles"]}
    assert tiles_by_slug["balances"]["data"]["credit_owed"] == "320.5000"  # stored precision, as the other endpoints
    assert tiles_by_slug["balances"]["url"] == "/my-accounts/"
    assert tiles_by_slug["upcoming"]["data"]["items"][0]["date"] == "2026-01-27"
    # The API's own mark-read marks the same alerts.
    budget_alerts_check(user=user)
    assert body.post("/api/v1/budgets/alerts/read/", {}, format="json").json() == {"count": 1}
    assert BudgetAlert.objects.get(user=user).read_at is not None


def test_api_home_needs_a_login():
    assert APIClient().get("/api/v1/home/").status_code in (401, 403)


def test_schema_covers_the_home_api(user):
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    assert "/api/v1/home/" in schema["paths"] and "/api/v1/budgets/alerts/read/" in schema["paths"]
    assert "HomeTile" in schema["components"]["schemas"]
