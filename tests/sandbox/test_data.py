"""The generated data: a pure function of (institution, username, date), internally
consistent, and growing - never rewriting - as the sandbox clock moves on."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from sandbox.data import build_book
from sandbox.data.generator import generate_book
from sandbox.institutions import INSTITUTIONS, Product, institution_by_slug

from .edge_days import EDGE_TODAYS

TODAY = date(2026, 11, 21)
REPO = Path(__file__).resolve().parents[2]
on_edge_days = pytest.mark.parametrize("today", EDGE_TODAYS, ids=str)


def generate(slug: str, username: str, today: date):
    """A fresh generation from ANCHOR, sharing nothing with build_book, so two calls really
    compute twice."""
    return generate_book(slug, username, today)


def fingerprint(book) -> list[tuple]:
    return [(s.account.key, s.account.iban, s.account.card_number, s.current, s.available,
             tuple((t.transaction_id, t.timestamp, t.amount, t.description, t.running_balance) for t in s.booked),
             tuple((t.transaction_id, t.amount) for t in s.pending)) for s in book.accounts]


def test_same_inputs_give_the_same_data():
    first, second = generate("barclays", "john", TODAY), generate("barclays", "john", TODAY)
    assert first is not second
    assert fingerprint(first) == fingerprint(second) and first.identity == second.identity


def test_same_data_in_another_process():
    """A different PYTHONHASHSEED catches any accidental use of hash() or set ordering."""
    script = ("import django; django.setup()\n"
              "from datetime import date\n"
              "from sandbox.data import build_book\n"
              "b = build_book('lloyds', 'john', date(2026, 11, 21))\n"
              "print(b.identity.full_name, *[(s.account.iban, s.current, len(s.booked)) for s in b.accounts])\n")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings", "PYTHONHASHSEED": "12345"}
    output = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True,
                            check=True).stdout.strip()
    book = generate("lloyds", "john", TODAY)
    assert output == " ".join(map(str, [book.identity.full_name,
                                        *[(s.account.iban, s.current, len(s.booked)) for s in book.accounts]]))


def test_people_and_banks_differ():
    john, jane = generate("monzo", "john", TODAY), generate("monzo", "jane", TODAY)
    assert john.identity != jane.identity
    assert fingerprint(john) != fingerprint(jane)
    assert fingerprint(john) != fingerprint(generate("santander", "john", TODAY))


@on_edge_days
def test_clock_advance_keeps_old_days_and_adds_new_ones(today):
    before, after = build_book("monzo", "john", today), build_book("monzo", "john", today + timedelta(days=7))
    for old, new in zip(before.accounts, after.accounts, strict=True):
        overlap = [t for t in old.booked if t.booking_date >= after.history_start]
        assert overlap == [t for t in new.booked if t.booking_date <= today]
        assert any(t.booking_date > today for t in new.booked) or old.account.product == Product.SAVINGS
    current = after.snapshot("current")
    assert [t for t in current.booked if t.booking_date > today], "a week brings new transactions"
    # Monzo keeps a card payment's id when it books: yesterday's pending lines are today's booked ones.
    booked_ids = {t.transaction_id for t in current.booked}
    settled = [p for p in before.snapshot("current").pending if p.booking_date <= after.today]
    untipped = [p for p in settled if p.classification != ("Food & Dining", "Restaurants")]  # tips re-book
    assert untipped and all(p.transaction_id in booked_ids for p in untipped)


@on_edge_days
def test_balances_are_consistent_with_transactions(today):
    for institution in INSTITUTIONS:
        for snapshot in build_book(institution.slug, "john", today).accounts:
            balance = snapshot.opening_balance
            for line in snapshot.booked:
                balance += line.amount
                assert line.running_balance == balance
            assert snapshot.current == balance
            limit = snapshot.account.credit_limit or Decimal(0)
            assert snapshot.available == snapshot.current + sum(p.amount for p in snapshot.pending) + limit


@on_edge_days
def test_history_is_three_to_six_months_with_salary_and_bills(today):
    book = build_book("hsbc", "john", today)
    assert 90 <= (today - book.history_start).days <= 184
    descriptions = [t.description for t in book.snapshot("current").booked]
    salaries = [t for t in book.snapshot("current").booked if t.description == "ACME LTD SALARY"]
    assert len(salaries) >= 3 and len({t.amount for t in salaries}) == 1
    assert len({t.timestamp.day for t in salaries}) <= 3  # a fixed day, moved only for weekends
    for expected in ("TESCO STORES", "TFL TRAVEL CH", "BRITISH GAS", "THAMES WATER DD", "COUNCIL TAX",
                     "VODAFONE", "RENT "):
        assert any(d.startswith(expected) for d in descriptions), expected
    card = [t.description for t in book.snapshot("credit_card").booked]
    assert "NETFLIX.COM" in card and "SPOTIFY" in card


def test_tipped_restaurant_bills_book_under_a_new_id_and_amount():
    """Find a restaurant pre-authorisation, then look at it after it books."""
    for offset in range(60):
        today = TODAY - timedelta(days=offset)
        for line in build_book("barclays", "john", today).snapshot("credit_card").pending:
            if line.classification == ("Food & Dining", "Restaurants"):
                later = build_book("barclays", "john", line.booking_date).snapshot("credit_card")
                booked = next(t for t in later.booked if t.timestamp == line.timestamp)
                assert booked.transaction_id != line.transaction_id
                assert booked.amount < line.amount  # more money out: the tip
                return
    pytest.fail("no pending restaurant bill found in 60 days")


def test_us_banks_use_dollars_and_us_merchants():
    book = generate("chase", "john", TODAY)
    current = book.snapshot("current")
    assert current.account.currency == "USD" and not current.account.iban
    assert any(t.description == "ACME INC PAYROLL" for t in current.booked)


def test_account_numbers_and_cards_look_real():
    account = generate("lloyds", "john", TODAY).snapshot("current").account
    rearranged = account.iban[4:] + account.iban[:4]
    assert int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1  # a valid IBAN check
    assert account.masked_number.endswith(account.account_number[-4:])
    card = generate("lloyds", "john", TODAY).snapshot("credit_card").account
    digits = [int(d) for d in reversed(card.card_number)]
    assert (sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])) % 10 == 0  # Luhn
    assert card.masked_pan.count("*") == len(card.card_number) - 10


def test_institutions_have_unique_ids_and_logo_files():
    for attribute in ("slug", "truelayer_id", "gocardless_id"):
        assert len({getattr(i, attribute) for i in INSTITUTIONS}) == len(INSTITUTIONS)
    logos = REPO / "sandbox" / "static" / "sandbox" / "logos"
    assert all((logos / f"{i.slug}.svg").read_text().startswith("<svg") for i in INSTITUTIONS)
    assert institution_by_slug("monzo").truelayer_id == "ob-monzo"
    assert institution_by_slug("monzo").gocardless_id == "MONZO_MONZGB2L"



def test_council_tax_is_ten_fixed_instalments_from_april():
    from datetime import date

    book = build_book("hsbc", "john", date(2027, 3, 20))
    rows = [t for t in book.snapshot("current").booked if t.description.startswith("COUNCIL TAX")]
    months = {t.timestamp.month for t in rows}
    assert months and months.isdisjoint({2, 3})  # February and March are free
    by_year = {}
    for t in rows:
        stamp = t.timestamp
        by_year.setdefault(stamp.year if stamp.month >= 4 else stamp.year - 1, set()).add(t.amount)
    assert all(len(amounts) == 1 for amounts in by_year.values())  # the same instalment all year


def test_one_person_has_one_salary_and_one_rent_across_their_banks():
    from datetime import date

    today = date(2026, 11, 20)
    main = [t.description for t in build_book("monzo", "john", today).snapshot("current").booked]
    second = build_book("hsbc", "john", today, main=False)
    other = [t.description for t in second.snapshot("current").booked]
    assert "ACME LTD SALARY" in main and any(d.startswith("RENT ") for d in main)
    assert "ACME LTD SALARY" not in other and not any(d.startswith(("RENT ", "COUNCIL TAX")) for d in other)
    name = second.identity.full_name.upper()
    assert f"FROM {name}" in other  # they pay their second bank from their own name


@pytest.mark.django_db
def test_the_first_bank_a_login_connects_is_their_main_bank():
    from django.utils import timezone

    from sandbox.models import Consent
    from sandbox.persona import is_main_bank

    assert is_main_bank("ann", "hsbc")  # nothing connected yet
    now = timezone.now()
    for n, slug in enumerate(("monzo", "hsbc")):
        Consent.objects.create(provider="truelayer", institution_slug=slug, username="ann",
                               authorised_at=now + timedelta(minutes=n), expires_at=now + timedelta(days=90))
    assert is_main_bank("ann", "monzo") and not is_main_bank("ann", "hsbc")
