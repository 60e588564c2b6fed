"""A row's identity and value are stable: repeated provider ids keep the same row whatever the
order of the answer, and amounts in currencies with 0 or 3 decimals are stored exactly (so an
unchanged re-sync writes nothing)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from open_banking.models import BankTransaction

from .fakes import run_import as run
from .fakes import txn

pytestmark = pytest.mark.django_db
D1, D2 = date(2026, 11, 1), date(2026, 11, 2)


def lock_category(row, category="ENTERTAINMENT_OTHER"):
    row.category, row.category_source, row.locked_fields = category, "user", ["category"]
    row.save()


def test_a_locked_edit_stays_on_its_payment_when_the_bank_repeats_an_id_in_another_order(account):
    cinema = txn("dup-7", D1, "-12.00", "ODEON CINEMA")
    parking = txn("dup-7", D1, "-4.50", "NCP PARKING")
    run(account, [cinema, parking], window_from=D1, window_to=D2)
    lock_category(BankTransaction.objects.get(description="ODEON CINEMA"))
    before = dict(BankTransaction.objects.values_list("description", "pk"))

    result = run(account, [parking, cinema], window_from=D1, window_to=D2)  # same answer, reordered

    assert (result.added, result.updated, result.removed) == (0, 0, 0), "nothing deleted or re-inserted"
    assert dict(BankTransaction.objects.values_list("description", "pk")) == before
    locked = BankTransaction.objects.get(description="ODEON CINEMA")
    assert locked.category == "ENTERTAINMENT_OTHER" and locked.locked_fields == ["category"]
    assert BankTransaction.objects.get(description="NCP PARKING").category != "ENTERTAINMENT_OTHER"


def test_a_payment_keeps_its_row_when_its_id_starts_and_stops_being_repeated(account):
    cinema = txn("dup-9", D1, "-12.00", "ODEON CINEMA")
    run(account, [cinema], window_from=D1, window_to=D2)
    row = BankTransaction.objects.get()
    lock_category(row)
    # The bank now also sends another payment under the same id...
    result = run(account, [txn("dup-9", D1, "-4.50", "NCP PARKING"), cinema], window_from=D1, window_to=D2)
    assert (result.added, result.removed) == (1, 0)
    assert BankTransaction.objects.get(description="ODEON CINEMA").pk == row.pk
    # ...and stops again.
    result = run(account, [cinema], window_from=D1, window_to=D2)
    kept = BankTransaction.objects.get(description="ODEON CINEMA")
    assert kept.pk == row.pk and kept.category == "ENTERTAINMENT_OTHER"
    assert result.added == 0


@pytest.mark.parametrize(("currency", "amount", "shown"), [
    ("KWD", "-1.234", "-1.234"), ("JPY", "-1500", "-1500"), ("BHD", "12.005", "12.005"), ("GBP", "-2.5", "-2.50"),
    ("CLF", "0.1234", "0.1234"),
])
def test_amounts_in_currencies_with_other_minor_units_are_stored_exactly_and_not_rewritten(
        account, client, user, currency, amount, shown):
    record = replace(txn("fx-1", D1, amount, "FOREIGN PAYMENT"), currency=currency)
    run(account, [record], window_from=D1, window_to=D2)
    row = BankTransaction.objects.get()
    assert row.amount == Decimal(amount)
    stamp = row.updated_at
    again = run(account, [record], window_from=D1, window_to=D2)
    assert (again.added, again.updated) == (0, 0)
    row.refresh_from_db()
    assert row.updated_at == stamp
    client.force_login(user)
    body = client.get("/api/v1/open-banking/transactions/").json()
    assert body["results"][0]["amount"] == shown
