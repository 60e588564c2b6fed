"""The shared contract for books sources (Xero, QuickBooks): every accounting provider passes
the same connect, sync, re-sync, token, rate-limit and push tests against its sandbox mock,
reached in-process (sandbox_http.py: every method, headers and bodies).

A provider's test class subclasses BooksSourceContract and supplies the hooks at the bottom:
its slug, how its settings point at the sandbox, how a connection is made (the real connect
flow), how its 429 looks, which calls are writes, and how a pushed item is edited in the books."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import responses
import time_machine
from django.core.cache import cache

from accounting.models import (
    BookBankTransaction,
    BookPayment,
    BooksConnection,
    Contact,
    Invoice,
    LedgerAccount,
    Organisation,
    PushedItem,
    TrackingCategory,
)
from accounting.services.mapping import bank_accounts, mapping_suggestions_accept
from accounting.services.push import push_run
from accounting.services.targets import push_target_set
from integrations_core.models import ConnectionStatus, SyncOutcome
from integrations_core.money import fits, minor_units
from integrations_core.providers.errors import ConsentExpired
from integrations_core.providers.registry import registry
from integrations_core.providers.sources import BooksSource, BooksWriter
from integrations_core.services.sync import connection_sync

from .sandbox_http import SandboxHttp

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
BOOK_MODELS = (Organisation, LedgerAccount, Contact, TrackingCategory, Invoice, BookPayment, BookBankTransaction)
MOVING = ("updated_at", "last_synced_at", "books_cursor")


def books_state() -> list:
    out = []
    for model in BOOK_MODELS:
        names = [f.attname for f in model._meta.concrete_fields if f.attname not in MOVING]
        out.append(sorted(model.objects.values_list(*names), key=str))
    return out


def bank_account_with_spending(user, currency: str = "GBP"):
    """One of the person's bank accounts with categorised spending and income to push."""
    from transactions.selectors.transactions import account_model, transaction_model

    account_cls, tx_cls = account_model(), transaction_model()
    connection_cls = account_cls._meta.get_field("connection").related_model
    connection = connection_cls.objects.create(user=user, provider="truelayer", status=ConnectionStatus.ACTIVE,
                                               institution_name="Contract Bank")
    account = account_cls.objects.create(connection=connection, external_id="contract-acc", name="Business current",
                                         currency=currency, type="current")
    for n, (day, amount, text, category) in enumerate([
        (date(2026, 3, 2), "-12.50", "PRET A MANGER", "FOOD_AND_DRINK_RESTAURANT"),
        (date(2026, 3, 3), "-64.10", "SHELL", "TRANSPORTATION_GAS"),
        (date(2026, 3, 4), "-38.50", "TELECOM LTD", "RENT_AND_UTILITIES_TELEPHONE"),
        (date(2026, 3, 5), "850.00", "FASTER PAYMENT FROM GILES LLC", "INCOME_CONTRACTOR"),
    ]):
        tx_cls.objects.create(account=account, external_id=f"contract-{n}", fingerprint=f"contract-{n}",
                              booked_date=day, amount=Decimal(amount), currency=currency, description=text,
                              merchant_name=text.title(), category=category)
    return account


class BooksSourceContract:
    slug: str
    expected_organisations = 1
    refresh_tokens_rotate = True

    # --- fixtures -----------------------------------------------------------------------------
    @pytest.fixture(autouse=True)
    def clock(self, monkeypatch):
        monkeypatch.setattr("sandbox.clock.today", lambda: NOW.date())
        monkeypatch.setattr("sandbox.clock.now", lambda: NOW)
        cache.clear()
        with time_machine.travel(NOW, tick=False) as traveller:
            monkeypatch.setattr("time.sleep", lambda seconds: traveller.shift(timedelta(seconds=seconds)))
            yield traveller
        cache.clear()

    @pytest.fixture
    def http(self, settings, monkeypatch, db):
        monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the in-process sandbox speaks http://
        settings.PROVIDER_HTTP_RETRIES = 0
        self.configure(settings)
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            yield SandboxHttp(mock)

    @pytest.fixture
    def connected(self, http, user) -> BooksConnection:
        connection = self.connect(user, http)
        assert connection.status == ConnectionStatus.ACTIVE
        return connection

    @pytest.fixture
    def synced(self, connected, clock) -> BooksConnection:
        run = connection_sync(connected, trigger="manual")
        assert run.outcome == SyncOutcome.SUCCEEDED, run.account_results
        clock.shift(timedelta(minutes=2))
        connected.refresh_from_db()
        return connected

    @pytest.fixture
    def ready_to_push(self, synced, user):
        org = Organisation.objects.filter(connection=synced, is_active=True).order_by("name").first()
        account = bank_account_with_spending(user, org.currency or "GBP")
        mapping_suggestions_accept(org, user=user, used_categories={"FOOD_AND_DRINK_RESTAURANT", "TRANSPORTATION_GAS",
                                                                     "RENT_AND_UTILITIES_TELEPHONE", "INCOME_CONTRACTOR"})
        push_target_set(org, user=user, books_bank_account_id=bank_accounts(org)[0].pk, source_account_ids=[account.pk])
        return org

    # --- connect and sync ---------------------------------------------------------------------
    def test_the_bound_source_is_a_books_source_and_writer(self, connected):
        source = registry.get(self.slug).bind(connected)
        assert isinstance(source, BooksSource) and isinstance(source, BooksWriter)

    def test_a_sync_reads_organisations_and_their_books(self, synced):
        orgs = Organisation.objects.filter(connection=synced, is_active=True)
        assert orgs.count() == self.expected_organisations
        for org in orgs:
            assert org.currency and org.books_cursor
            ledger = LedgerAccount.objects.filter(organisation=org)
            assert ledger.filter(is_bank=True).exists()
            assert ledger.filter(classification="expense").exists() and ledger.filter(classification="revenue").exists()
            assert set(ledger.values_list("classification", flat=True)) <= {"asset", "liability", "equity",
                                                                              "revenue", "expense", ""}
            invoices = Invoice.objects.filter(organisation=org)
            assert set(invoices.values_list("kind", flat=True)) == {"invoice", "bill"}
            for invoice in invoices:
                assert isinstance(invoice.total, Decimal) and fits(invoice.total, max(2, minor_units(invoice.currency)))
                assert invoice.amount_due + invoice.amount_paid == invoice.total or invoice.status in ("voided",
                                                                                                     "deleted")
            paid = invoices.filter(status="paid").first()
            assert paid is not None and paid.payments.exists()

    def test_a_resync_of_unchanged_books_changes_nothing(self, synced, clock):
        before = books_state()
        clock.shift(timedelta(hours=1))
        run = connection_sync(synced, trigger="manual")
        assert run.outcome == SyncOutcome.SUCCEEDED, run.account_results
        assert (run.added, run.updated, run.removed) == (0, 0, 0)
        assert books_state() == before

    def test_refresh_tokens_rotate(self, connected):
        if not self.refresh_tokens_rotate:
            pytest.skip("this provider's refresh tokens do not rotate")
        provider = registry.get(self.slug)
        old = connected.refresh_token
        tokens = provider.refresh(connected)
        assert tokens.refresh_token and tokens.refresh_token != old
        with pytest.raises(ConsentExpired):
            provider.refresh(connected)  # the old one is spent

    def test_a_rate_limit_fails_the_sync_with_its_wait(self, connected, http):
        http.faults.append(self.rate_limit_fault())
        run = connection_sync(connected, trigger="manual")
        assert run.outcome == SyncOutcome.FAILED and run.error_code == "rate_limited"
        connected.refresh_from_db()
        assert connected.retry_after is not None and connected.status == ConnectionStatus.ACTIVE

    def test_a_refused_refresh_asks_the_person_to_reconnect(self, connected, http):
        http.faults.append(self.refresh_refused_fault())
        connected.token_expires_at = NOW - timedelta(minutes=1)
        connected.save(update_fields=["token_expires_at"])
        connection_sync(connected, trigger="manual")
        connected.refresh_from_db()
        assert connected.status == ConnectionStatus.REAUTH_REQUIRED

    # --- push ---------------------------------------------------------------------------------
    def test_a_push_creates_each_item_once_and_finds_it_by_reference(self, ready_to_push, http, synced):
        run = push_run(ready_to_push)
        assert run.created == 4 and run.failed == 0, run.results
        references = [r["reference"] for r in run.results]
        source = registry.get(self.slug).bind(synced)
        from accounting.services.push import organisation_record

        found = source.pushed_find(organisation_record(ready_to_push), references)
        assert set(found) == set(references)
        assert all(record.version for record in found.values())

    def test_a_re_push_writes_nothing_to_the_provider(self, ready_to_push, http):
        push_run(ready_to_push)
        writes = self.write_calls(http)
        run = push_run(ready_to_push)
        assert run.provider_writes == 0 and run.changed_nothing and run.unchanged == 4
        assert self.write_calls(http) == writes

    def test_a_recategorised_item_is_updated(self, ready_to_push, http):
        push_run(ready_to_push)
        item = PushedItem.objects.get(organisation=ready_to_push, transaction__description="PRET A MANGER")
        tx = item.transaction
        tx.category = "GENERAL_SERVICES_ACCOUNTING_AND_FINANCIAL_PLANNING"  # from entertainment to accountancy
        tx.save(update_fields=["category"])
        mapping_suggestions_accept(ready_to_push, user=tx.account.connection.user, used_categories={tx.category})
        run = push_run(ready_to_push)
        assert run.updated == 1 and run.conflicts == 0, run.results
        assert push_run(ready_to_push).provider_writes == 0

    def test_an_edit_in_the_books_after_export_wins(self, ready_to_push, http):
        push_run(ready_to_push)
        item = PushedItem.objects.filter(organisation=ready_to_push).order_by("reference").first()
        self.edit_in_books(ready_to_push, item.reference)
        writes = self.write_calls(http)
        run = push_run(ready_to_push)
        assert run.conflicts == 1 and run.provider_writes == 0
        assert self.write_calls(http) == writes
        assert PushedItem.objects.get(pk=item.pk).status == "conflict"

    # --- hooks (the provider's test class supplies these) -------------------------------------
    def configure(self, settings) -> None:
        raise NotImplementedError

    def connect(self, user, http) -> BooksConnection:
        raise NotImplementedError

    def rate_limit_fault(self):
        """A SandboxHttp fault answering the provider's 429 (with its real headers)."""
        raise NotImplementedError

    def refresh_refused_fault(self):
        """A SandboxHttp fault answering the token endpoint's refusal of a refresh."""
        raise NotImplementedError

    def write_calls(self, http) -> int:
        """How many write calls the client has made so far."""
        raise NotImplementedError

    def edit_in_books(self, organisation: Organisation, reference: str) -> None:
        """Change the pushed item holding `reference` as a bookkeeper would, in the sandbox."""
        raise NotImplementedError
