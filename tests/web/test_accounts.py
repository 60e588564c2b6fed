"""The Accounts page: connected and manual accounts side by side, and the balance history."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from open_banking.models import BalanceSnapshot, BankAccount, BankTransaction
from open_banking.services.manual import manual_account_create
from web.selectors import balance_chart, balance_history

from .conftest import make_connection

pytestmark = pytest.mark.django_db


def test_connected_and_manual_accounts_side_by_side(web, user, bank):
    manual_account_create(user=user, name="Cash jar", type="other", currency="GBP", balance=Decimal("-12.5"))
    page = web.get("/my-accounts/").content.decode()
    assert "Club Lloyds" in page and "Platinum" in page and "Cash jar" in page
    assert '<span class="badge badge--manual">Manual</span>' in page
    assert '<span class="badge badge--bank">Lloyds</span>' in page
    assert "£1,170.20" in page and "\u2212£12.50" in page
    assert 'id="balance-chart"' in page and 'id="balance-data"' in page
    assert "/static/vendor/chartjs/chart.umd.min.js" in page


def test_add_a_manual_account(web, user):
    response = web.post("/my-accounts/manual/", {"name": " Premium Bonds ", "type": "savings", "currency": "GBP",
                                                 "balance": "2500.00"}, follow=True)
    account = BankAccount.objects.get(connection__user=user, connection__provider="manual")
    assert (account.name, account.type, account.current_balance) == ("Premium Bonds", "savings", Decimal("2500.00"))
    assert "Added Premium Bonds." in response.content.decode()


def test_a_bad_manual_account_shows_the_errors_beside_the_fields(web, user):
    response = web.post("/my-accounts/manual/", {"name": "", "type": "savings", "currency": "XXX", "balance": "lots"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="field field--error"' in page and "This field is required." in page
    assert not BankAccount.objects.exists()


def test_remove_a_manual_account_only_your_own(web, user, other_user):
    mine = manual_account_create(user=user, name="Mine", type="other", currency="GBP", balance=Decimal(1))
    theirs = manual_account_create(user=other_user, name="Theirs", type="other", currency="GBP", balance=Decimal(1))
    assert web.post(f"/my-accounts/manual/{theirs.pk}/delete/").status_code == 404
    assert web.post(f"/my-accounts/manual/{mine.pk}/delete/").status_code == 302
    assert list(BankAccount.objects.values_list("name", flat=True)) == ["Theirs"]


def test_only_your_own_accounts_are_listed(web, other_user):
    connection = make_connection(other_user, institution_name="Their Bank")
    BankAccount.objects.create(connection=connection, external_id="x", name="Their Current", currency="GBP",
                               current_balance=5)
    manual_account_create(user=other_user, name="Their Cash", type="other", currency="GBP", balance=Decimal(1))
    page = web.get("/my-accounts/").content.decode()
    assert "Their Current" not in page and "Their Cash" not in page and "No accounts yet" in page


def test_disconnected_accounts_say_they_no_longer_update(web, user):
    connection = make_connection(user, status="revoked")
    BankAccount.objects.create(connection=connection, external_id="x", name="Old Current", currency="GBP",
                               current_balance=5)
    assert "Disconnected: no longer updating" in web.get("/my-accounts/").content.decode()


def _account(user, type_="current", balance="100.00"):
    return BankAccount.objects.create(connection=make_connection(user), external_id=f"a-{type_}", name=type_,
                                      type=type_, currency="GBP", current_balance=Decimal(balance))


def _tx(account, day, amount, status="booked"):
    return BankTransaction.objects.create(account=account, external_id=f"{day}{amount}{status}", fingerprint="f",
                                          booked_date=day, amount=Decimal(amount), currency="GBP",
                                          description="x", status=status)


def test_history_is_worked_back_from_the_balance_through_booked_transactions(user):
    account = _account(user, balance="100.00")
    today = account.created_at.date()
    _tx(account, today, "-20.00")
    _tx(account, today - timedelta(days=2), "50.00")
    _tx(account, today, "-999.00", status="pending")  # not in the balance yet: ignored
    history = balance_history(account, days=5, today=today)
    assert history[today] == Decimal("100.00")
    assert history[today - timedelta(days=1)] == Decimal("120.00")
    assert history[today - timedelta(days=2)] == Decimal("120.00")
    assert history[today - timedelta(days=3)] == Decimal("70.00"), "the evening before the first transaction"
    assert today - timedelta(days=4) not in history, "nothing is drawn before the history starts"


def test_history_of_a_card_runs_with_the_amounts_like_every_balance(user):
    card = _account(user, type_="credit_card", balance="-60.00")  # owed: negative, for every provider
    today = card.created_at.date()
    _tx(card, today, "-10.00")  # spending: the amount owed went up by 10 today
    assert balance_history(card, days=2, today=today) == {today - timedelta(days=1): Decimal("-50.00"),
                                                          today: Decimal("-60.00")}


def test_stored_snapshots_win_over_worked_back_figures(user):
    account = _account(user, balance="100.00")
    today = account.created_at.date()
    _tx(account, today - timedelta(days=3), "1.00")
    BalanceSnapshot.objects.create(account=account, date=today - timedelta(days=1), current=Decimal("80.00"),
                                   currency="GBP")
    history = balance_history(account, days=3, today=today)
    assert history[today - timedelta(days=1)] == Decimal("80.00")
    assert history[today - timedelta(days=2)] == Decimal("80.00")


def test_chart_data_is_one_line_per_account_over_the_same_days(user, bank):
    chart = balance_chart(user, days=7, today=bank["today"])
    assert len(chart["labels"]) == 7 and chart["labels"][-1] == bank["today"].isoformat()
    assert [d["label"] for d in chart["datasets"]] == ["Club Lloyds (GBP)", "Platinum (GBP)"]
    assert chart["datasets"][0]["data"][-1] == "1170.20"
    assert all(len(d["data"]) == 7 for d in chart["datasets"])


def test_updated_is_when_we_last_fetched_not_the_banks_reference_date(web, bank):
    from datetime import timedelta

    from django.utils import timezone

    account = bank["current"]
    account.last_synced_at = timezone.now() - timedelta(minutes=2)
    account.balance_updated_at = timezone.now() - timedelta(hours=22)  # GoCardless: yesterday's date
    account.save(update_fields=["last_synced_at", "balance_updated_at"])
    page = web.get("/my-accounts/").content.decode()
    assert "2\xa0minutes ago" in page and "22\xa0hours ago" not in page
