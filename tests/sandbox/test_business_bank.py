"""The sandbox business bank (sandbox/business/bank.py): the business persona's bank lines as a
business current account, served by the TrueLayer mock like any bank; personal banks unchanged."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine

from sandbox.business.bank import business_bank_book
from sandbox.business.persona import business_book
from sandbox.data import build_book
from sandbox.data.generator import generate_book
from sandbox.institutions import BUSINESS_BANK

TODAY = date(2026, 3, 10)


def test_the_account_holds_the_business_books_bank_lines_with_running_balances():
    book = build_book(BUSINESS_BANK, "taylor", TODAY)
    [snapshot] = book.accounts
    assert snapshot.account.business and snapshot.account.currency == "GBP"
    lines = business_book("taylor", TODAY).bank_lines
    assert [(t.booking_date, t.amount, t.reference) for t in snapshot.booked] == [
        (line.booked_on, line.amount, line.reference) for line in lines if line.booked_on >= book.history_start]
    balance = snapshot.opening_balance
    for line in snapshot.booked:
        balance += line.amount
        assert line.running_balance == balance
    assert snapshot.current == balance == snapshot.available and snapshot.pending == ()


def test_every_stripe_payout_that_arrived_is_a_credit_on_its_arrival_date():
    snapshot = build_book(BUSINESS_BANK, "taylor", TODAY).accounts[0]
    credits = {(t.booking_date, t.amount) for t in snapshot.booked if t.reference == "STRIPE"}
    payouts = [p for p in business_book("taylor", TODAY).stripe.payouts if p.arrival_date <= TODAY]
    assert payouts and {(p.arrival_date, p.amount) for p in payouts} == credits


def test_a_later_day_only_adds_lines_and_replays_agree():
    before = build_book(BUSINESS_BANK, "taylor", TODAY).accounts[0].booked
    after = build_book(BUSINESS_BANK, "taylor", TODAY + timedelta(days=9)).accounts[0].booked
    assert after[:len(before)] == before and len(after) > len(before)
    assert generate_book(BUSINESS_BANK, "taylor", TODAY) == business_bank_book("taylor", TODAY)


def test_personal_banks_are_not_business_accounts():
    assert not any(s.account.business for s in build_book("monzo", "taylor", TODAY).accounts)


@pytest.mark.django_db
def test_the_truelayer_mock_serves_it_as_a_business_account_with_references(client, truelayer_tokens, tl_get):
    with time_machine.travel("2026-03-10 12:00:00+00:00", tick=False):
        tokens = truelayer_tokens("taylor", BUSINESS_BANK)
        [account] = tl_get("accounts", tokens["access_token"]).json()["results"]
        assert account["account_type"] == "BUSINESS_TRANSACTION"
        assert account["provider"]["provider_id"] == "ob-sandbox-business"
        lines = tl_get(f"accounts/{account['account_id']}/transactions", tokens["access_token"]).json()["results"]
    invoices = [t for t in lines if t["meta"].get("provider_reference", "").startswith("INV-")]
    assert invoices and all(t["amount"] > 0 and t["transaction_category"] == "CREDIT" for t in invoices)
    payouts = [t for t in lines if t["meta"].get("provider_reference") == "STRIPE"]
    assert payouts and all(t["description"] == "STRIPE PAYMENTS UK LTD" for t in payouts)
    assert sum(Decimal(str(t["amount"])) for t in lines) != 0


@pytest.mark.django_db
def test_a_personal_bank_serves_no_references_and_its_usual_type(client, truelayer_tokens, tl_get):
    with time_machine.travel("2026-03-10 12:00:00+00:00", tick=False):
        tokens = truelayer_tokens("taylor", "monzo")
        accounts = tl_get("accounts", tokens["access_token"]).json()["results"]
        assert {a["account_type"] for a in accounts} <= {"TRANSACTION", "SAVINGS"}
        lines = tl_get(f"accounts/{accounts[0]['account_id']}/transactions", tokens["access_token"]).json()["results"]
    assert lines and not any("provider_reference" in t["meta"] for t in lines)


def test_the_gocardless_mock_carries_the_reference_of_business_lines_only():
    from sandbox.gocardless import render

    business = build_book(BUSINESS_BANK, "taylor", TODAY).accounts[0].booked
    invoice = next(t for t in business if t.reference.startswith("INV-"))
    body = render.transaction(invoice, ids_survive_booking=False)
    assert body["remittanceInformationStructured"] == invoice.reference
    assert body["debtorName"] == invoice.counterparty
    personal = build_book("hsbc", "taylor", TODAY).accounts[0].booked[0]
    assert "remittanceInformationStructured" not in render.transaction(personal, ids_survive_booking=False)
