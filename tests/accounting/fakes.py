"""A books provider in memory, for the runner and push tests: its organisations and books are
plain records the test edits; it counts every write it is asked for."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

from integrations_core.providers.base import AuthType, Capability, Family, Provider
from integrations_core.records import (
    AccountRecord,
    BookBankTransactionRecord,
    BookLineRecord,
    BookPaymentRecord,
    BooksData,
    ContactRecord,
    InvoiceRecord,
    LedgerAccountRecord,
    PushResult,
    TrackingCategoryRecord,
)

ORG = AccountRecord(external_id="org-1", name="Acme Ltd", type="other", currency="GBP")


def sample_books(organisation=ORG) -> BooksData:
    invoice = InvoiceRecord(
        external_id="inv-1", kind="invoice", number="INV-0001", status="paid", currency="GBP",
        total=Decimal("120.00"), amount_due=Decimal("0"), amount_paid=Decimal("120.00"),
        issue_date=date(2026, 2, 1), due_date=date(2026, 3, 1), contact_external_id="c-1", contact_name="Bob's Cafe",
        payments=(BookPaymentRecord(external_id="pay-1", invoice_external_id="inv-1", paid_on=date(2026, 2, 10),
                                    amount=Decimal("120.00"), currency="GBP", bank_account_external_id="la-bank"),),
    )
    bill = InvoiceRecord(external_id="bill-1", kind="bill", number="B-1", status="authorised", currency="GBP",
                         total=Decimal("50.00"), amount_due=Decimal("50.00"), amount_paid=Decimal("0"),
                         due_date=date(2026, 3, 20), contact_name="Paper Co")
    return BooksData(
        organisation=organisation,
        ledger_accounts=[
            LedgerAccountRecord(external_id="la-bank", name="Business Current", code="090", type="BANK",
                                classification="asset", is_bank=True, currency="GBP"),
            LedgerAccountRecord(external_id="la-sales", name="Sales", code="200", type="REVENUE",
                                classification="revenue"),
            LedgerAccountRecord(external_id="la-food", name="Meals and Entertainment", code="420", type="EXPENSE",
                                classification="expense"),
            LedgerAccountRecord(external_id="la-travel", name="Travel - National", code="493", type="EXPENSE",
                                classification="expense"),
        ],
        contacts=[ContactRecord(external_id="c-1", name="Bob's Cafe", is_customer=True)],
        tracking_categories=[TrackingCategoryRecord(external_id="t-1", name="Region", options=(("o-1", "North"),))],
        invoices=[invoice, bill],
        bank_transactions=[BookBankTransactionRecord(
            external_id="bt-1", kind="spend", date=date(2026, 2, 3), amount=Decimal("9.99"), currency="GBP",
            bank_account_external_id="la-bank", lines=(BookLineRecord(amount=Decimal("9.99"),
                                                                      ledger_account_external_id="la-food"),),
            version="v1")],
        next_cursor="2026-03-01T00:00:00",
    )


class FakeBooksSource:
    def __init__(self, provider: FakeBooksProvider):
        self.provider = provider
        self.calls = 0

    def list_organisations(self):
        self.calls += 1
        return list(self.provider.organisations)

    def fetch_books(self, organisation, *, cursor):
        self.calls += 1
        self.provider.cursors_seen.append(cursor)
        failure = self.provider.failures.get(organisation.external_id)
        if failure is not None:
            raise failure
        return self.provider.books[organisation.external_id]

    # --- BooksWriter ---------------------------------------------------------------------
    def pushed_find(self, organisation, references):
        self.provider.finds += 1
        held = self.provider.pushed.get(organisation.external_id, {})
        return {ref: held[ref] for ref in references if ref in held}

    def bank_transactions_create(self, organisation, items):
        results = []
        held = self.provider.pushed.setdefault(organisation.external_id, {})
        for item in items:
            self.provider.writes.append(("create", item.reference))
            n = len(self.provider.writes)
            record = BookBankTransactionRecord(
                external_id=f"pushed-{n}", kind=item.kind, date=item.date, amount=item.amount, currency=item.currency,
                bank_account_external_id=item.bank_account_external_id, reference=item.reference,
                description=item.description,
                lines=(BookLineRecord(amount=item.amount, ledger_account_external_id=item.ledger_account_external_id),),
                version=f"v{n}")
            held[item.reference] = record
            results.append(PushResult(reference=item.reference, external_id=record.external_id,
                                      version=record.version, status="created"))
        return results

    def bank_transaction_update(self, organisation, external_id, version, item):
        self.provider.writes.append(("update", item.reference))
        held = self.provider.pushed[organisation.external_id]
        current = held[item.reference]
        n = len(self.provider.writes)
        held[item.reference] = dataclasses.replace(
            current, amount=item.amount, date=item.date, description=item.description, version=f"v{n}",
            lines=(BookLineRecord(amount=item.amount, ledger_account_external_id=item.ledger_account_external_id),))
        return PushResult(reference=item.reference, external_id=external_id, version=f"v{n}", status="updated")

    def edit_in_books(self, organisation_id, reference, **changes):
        held = self.provider.pushed[organisation_id]
        held[reference] = dataclasses.replace(held[reference], version=held[reference].version + "-edited", **changes)


class FakeBooksProvider(Provider):
    slug = "fake-books"
    name = "Fake Books"
    family = Family.ACCOUNTING
    auth_type = AuthType.OAUTH2
    capabilities = frozenset({Capability.CHART_OF_ACCOUNTS, Capability.PUSH_BANK_TRANSACTIONS})
    connection_model = "accounting.BooksConnection"

    def __init__(self):
        self.organisations = [ORG]
        self.books = {ORG.external_id: sample_books()}
        self.failures: dict[str, Exception] = {}
        self.cursors_seen: list = []
        self.pushed: dict[str, dict] = {}
        self.writes: list = []
        self.finds = 0
        self.source = FakeBooksSource(self)

    def bind(self, connection):
        return self.source
