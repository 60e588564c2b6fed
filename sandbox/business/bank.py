"""The business persona's bank account, as the sandbox banks serve accounts: a Book
(sandbox/data/records.py) with one business current account at the Sandbox Business Bank,
whose lines are the business book's bank lines (sandbox/business/persona.py): Stripe payouts on
their arrival dates, PayPal withdrawals, customers' transfers quoting the invoice number, bill
payments on their due dates, card spending and the owner's drawings. The TrueLayer and
GoCardless mocks serve it like any other bank (sandbox/data/generator.py hands them this book
for the business bank), so a payout the Stripe mock reports arrives here to the penny.

Every line books the day it happens (the business book has no card authorisations), dated at
midnight UTC as banks date transfers. The account's history reaches HISTORY_DAYS back, never
before the persona's anchor."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from sandbox.data.profile import _gb_iban, identity_for
from sandbox.data.records import AccountSnapshot, Book, SandboxAccount, Transaction
from sandbox.institutions import BUSINESS_BANK, Product, institution_by_slug

from .persona import ANCHOR, OPENING_BANK_BALANCE, business_book

ACCOUNT_KEY = "business_current"
HISTORY_DAYS = 730  # TrueLayer and GoCardless banks commonly give two years of a business account
# A bank line's kind -> the bank's own type code (what the TrueLayer mock calls transaction_category).
BANK_CODES = {"stripe_payout": "BGC", "paypal_withdrawal": "BGC", "invoice_transfer": "FPI",
              "bill_payment": "DD", "spend": "DEB", "drawings": "TFR"}
SPEND_CLASSIFICATION = ("Business Services", "Office Supplies")


def _line_id(line_id: str) -> str:
    return hashlib.sha256(f"business-bank|{line_id}".encode()).hexdigest()[:32]


@lru_cache(maxsize=64)
def business_bank_book(username: str, today: date) -> Book:
    """What `username`'s business bank account holds on `today` (pure, so cached)."""
    institution = institution_by_slug(BUSINESS_BANK)
    book = business_book(username, today)
    account = SandboxAccount(
        key=ACCOUNT_KEY, product=Product.CURRENT, display_name=f"{book.business_name} Business Current Account",
        currency="GBP", account_number=book.bank_account_number, sort_code=book.bank_sort_code,
        iban=_gb_iban(institution.bic, book.bank_sort_code, book.bank_account_number), bic=institution.bic,
        owner_name=book.business_name, business=True)
    history_start = max(ANCHOR, today - timedelta(days=HISTORY_DAYS))
    balance, opening, booked = OPENING_BANK_BALANCE, None, []
    for line in book.bank_lines:  # already in booking order (booked_on, id)
        if line.booked_on > today:
            continue
        if line.booked_on >= history_start and opening is None:
            opening = balance
        balance += line.amount
        if line.booked_on < history_start:
            continue
        booked.append(Transaction(
            transaction_id=_line_id(line.id), account_key=ACCOUNT_KEY,
            timestamp=datetime.combine(line.booked_on, time(0, 0), tzinfo=UTC), booking_date=line.booked_on,
            description=line.description, amount=line.amount, currency=line.currency,
            bank_code=BANK_CODES.get(line.kind, "TFR"),
            classification=SPEND_CLASSIFICATION if line.kind == "spend" else (),
            merchant_name=line.counterparty if line.kind == "spend" else "", counterparty=line.counterparty,
            running_balance=balance, reference=line.reference))
    snapshot = AccountSnapshot(account=account, booked=tuple(booked), pending=(),
                               opening_balance=balance if opening is None else opening, current=balance,
                               available=balance)
    return Book(institution=institution, username=username, today=today, history_start=history_start,
                identity=identity_for(username, "GB"), accounts=(snapshot,))
