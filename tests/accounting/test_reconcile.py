"""The books' items for the reconciliation: invoice and bill payments, unpaid invoices and bills."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from integrations_core.services.sync import connection_sync
from reconciliation.registry import ItemKind, item_sources, outstanding_sources

pytestmark = pytest.mark.django_db


def items(user, **window):
    return [i for fn in item_sources() for i in fn(user, **window) if i.key.startswith("accounting.")]


def outstanding(user, today):
    return [i for fn in outstanding_sources() for i in fn(user, today=today) if i.key.startswith("accounting.")]


def test_a_paid_invoice_is_an_invoice_payment_told_by_its_number(books_provider, books_connection, user):
    connection_sync(books_connection)
    found = items(user, since=date(2026, 2, 1), until=date(2026, 2, 28))
    assert [(i.kind, i.date, i.amount, i.reference, i.counterparty) for i in found] == [
        (ItemKind.INVOICE_PAYMENT, date(2026, 2, 10), Decimal("120.00"), "INV-0001", "Bob's Cafe")]
    assert items(user, since=date(2026, 3, 1), until=date(2026, 3, 31)) == []  # outside the window


def test_unpaid_bills_and_invoices_are_outstanding(books_provider, books_connection, user):
    connection_sync(books_connection)
    found = outstanding(user, date(2026, 3, 10))
    assert [(i.kind, i.number, i.amount_due, i.due_date) for i in found] == [
        ("bill", "B-1", Decimal("50.0000"), date(2026, 3, 20))]


def test_another_persons_books_give_nothing(books_provider, books_connection, other_user):
    connection_sync(books_connection)
    assert items(other_user, since=date(2026, 1, 1), until=date(2026, 12, 31)) == []
    assert outstanding(other_user, date(2026, 3, 10)) == []


def test_a_bill_payment_is_a_bill_payment(books_provider, books_connection, user):
    import dataclasses

    from integrations_core.records import BookPaymentRecord

    from .fakes import ORG

    books = books_provider.books[ORG.external_id]
    bill = dataclasses.replace(books.invoices[1], status="paid", amount_due=Decimal("0"), amount_paid=Decimal("50"),
                               payments=(BookPaymentRecord(external_id="pay-b", invoice_external_id="bill-1",
                                                           paid_on=date(2026, 3, 20), amount=Decimal("50.00"),
                                                           currency="GBP"),))
    books_provider.books[ORG.external_id] = dataclasses.replace(books, invoices=[books.invoices[0], bill])
    connection_sync(books_connection)
    found = items(user, since=date(2026, 3, 1), until=date(2026, 3, 31))
    assert [(i.kind, i.reference, i.counterparty) for i in found] == [(ItemKind.BILL_PAYMENT, "B-1", "Paper Co")]
    assert outstanding(user, date(2026, 3, 10)) == []
