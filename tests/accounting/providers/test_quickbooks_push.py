"""Pushing to QuickBooks through the accounting family's services, against the mock: sync the
books, map categories to QuickBooks accounts, push (Purchases and Deposits on the chosen bank
account), re-push changes nothing, our change updates naming SyncToken, an edit in QuickBooks
after export wins as a conflict, an edit racing our update (5010) is a conflict too."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounting.models import LedgerAccount, Organisation, PushedItem
from accounting.services.mapping import mapping_set
from accounting.services.push import push_run
from accounting.services.targets import push_target_set
from integrations_core.services.sync import connection_sync
from open_banking.models import BankTransaction
from sandbox.quickbooks.books import book_edit
from sandbox.quickbooks.models import QboEntity, QboRealm

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(qbo_connection, make_bank_account, user):
    connection = qbo_connection()
    run = connection_sync(connection)
    assert run.outcome == "succeeded", run.account_results
    org = Organisation.objects.get(connection=connection)
    account = make_bank_account()
    by_code = {a.code: a for a in LedgerAccount.objects.filter(organisation=org)}
    mapping_set(org, user=user, category="FOOD_AND_DRINK", ledger_account_id=by_code["420"].pk)
    mapping_set(org, user=user, category="TRANSPORTATION", ledger_account_id=by_code["449"].pk)
    mapping_set(org, user=user, category="INCOME", ledger_account_id=by_code["200"].pk)
    push_target_set(org, user=user, books_bank_account_id=by_code["090"].pk, source_account_ids=[account.pk])
    return org, QboRealm.objects.get(pk=org.external_id)


def _pushed(realm) -> dict[str, QboEntity]:
    return {row.data["PrivateNote"].rsplit("[ref:", 1)[1].rstrip("]"): row
            for row in QboEntity.objects.filter(realm=realm, entity__in=("Purchase", "Deposit"))}


def test_push_creates_purchases_and_deposits_and_a_re_push_writes_nothing(ready, qbo):
    org, realm = ready
    run = push_run(org)
    assert (run.created, run.skipped, run.failed) == (3, 1, 0), run.results
    held = _pushed(realm)
    fuel = BankTransaction.objects.get(description="SHELL")
    income = BankTransaction.objects.get(description__startswith="FASTER")
    assert held[str(fuel.pk)].entity == "Purchase" and held[str(income.pk)].entity == "Deposit"
    assert held[str(fuel.pk)].data["AccountRef"] == {"value": "35"}
    assert Decimal(held[str(fuel.pk)].data["TotalAmt"]) == Decimal("64.10")
    assert len(held[str(fuel.pk)].data["DocNumber"]) == 21
    writes = qbo.count("/purchase") + qbo.count("/deposit")
    again = push_run(org)
    assert again.changed_nothing and (again.unchanged, again.created) == (3, 0)
    assert qbo.count("/purchase") + qbo.count("/deposit") == writes
    assert QboEntity.objects.filter(realm=realm).count() == 3  # never a duplicate


def test_a_lost_answer_is_found_by_doc_number_not_created_again(ready):
    org, realm = ready
    push_run(org)
    PushedItem.objects.all().delete()
    run = push_run(org)
    assert (run.created, run.unchanged) == (0, 3)
    assert QboEntity.objects.filter(realm=realm).count() == 3


def test_our_change_is_a_sparse_update_naming_the_sync_token(ready):
    org, realm = ready
    push_run(org)
    fuel = BankTransaction.objects.get(description="SHELL")
    fuel.category = "FOOD_AND_DRINK_RESTAURANT"
    fuel.save(update_fields=["category"])
    run = push_run(org)
    assert (run.updated, run.unchanged, run.conflicts) == (1, 2, 0), run.results
    row = _pushed(realm)[str(fuel.pk)]
    assert row.sync_token == 1
    assert row.data["Line"][0]["AccountBasedExpenseLineDetail"]["AccountRef"]["value"] == "84"  # meals
    assert PushedItem.objects.get(reference=str(fuel.pk)).version == "1"
    assert push_run(org).provider_writes == 0


def test_an_edit_in_quickbooks_after_export_wins(ready):
    org, realm = ready
    push_run(org)
    fuel = BankTransaction.objects.get(description="SHELL")
    row = _pushed(realm)[str(fuel.pk)]
    book_edit(realm, "Purchase", str(row.entity_id), PrivateNote=row.data["PrivateNote"] + " checked")
    fuel.category = "FOOD_AND_DRINK_RESTAURANT"
    fuel.save(update_fields=["category"])
    run = push_run(org)
    assert run.conflicts == 1 and run.updated == 0
    row.refresh_from_db()
    assert row.sync_token == 1 and row.data["PrivateNote"].endswith(" checked")  # theirs stands
    assert PushedItem.objects.get(reference=str(fuel.pk)).status == "conflict"


def test_an_edit_racing_our_update_is_a_conflict_not_an_update(ready, monkeypatch):
    from accounting.providers.quickbooks.source import QuickBooksSource

    org, realm = ready
    push_run(org)
    fuel = BankTransaction.objects.get(description="SHELL")
    fuel.category = "FOOD_AND_DRINK_RESTAURANT"
    fuel.save(update_fields=["category"])
    row = _pushed(realm)[str(fuel.pk)]
    real = QuickBooksSource.bank_transaction_update

    def edited_meanwhile(self, *args):
        book_edit(realm, "Purchase", str(row.entity_id), PrivateNote="edited at the same moment")
        return real(self, *args)

    monkeypatch.setattr(QuickBooksSource, "bank_transaction_update", edited_meanwhile)
    run = push_run(org)
    assert run.conflicts == 1 and run.updated == 0, run.results
    item = PushedItem.objects.get(reference=str(fuel.pk))
    assert item.status == "conflict" and item.version == "0"
