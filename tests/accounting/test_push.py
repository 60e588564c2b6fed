"""Push rules (docs/business.md, "Accounting: mapping and push"), against the in-memory books:
created once, a re-push writes nothing, our change updates, their edit wins as a conflict."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from accounting.models import LedgerAccount, Organisation, PushedItem, PushRun
from accounting.services.mapping import mapping_set
from accounting.services.push import PushError, push_run, pushed_item_resolve
from accounting.services.targets import push_target_set
from integrations_core.services.sync import connection_sync
from open_banking.models import BankTransaction

from .fakes import ORG

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(books_provider, books_connection, make_bank_account, user):
    """Synced books, a mapping for food, fuel and income, and a push target."""
    connection_sync(books_connection)
    org = Organisation.objects.get()
    account = make_bank_account()
    by = {a.external_id: a for a in LedgerAccount.objects.filter(organisation=org)}
    mapping_set(org, user=user, category="FOOD_AND_DRINK", ledger_account_id=by["la-food"].pk)
    mapping_set(org, user=user, category="TRANSPORTATION", ledger_account_id=by["la-travel"].pk)
    mapping_set(org, user=user, category="INCOME", ledger_account_id=by["la-sales"].pk)
    push_target_set(org, user=user, books_bank_account_id=by["la-bank"].pk, source_account_ids=[account.pk])
    return org, account, by


def test_a_first_push_creates_each_mapped_item_once(ready, books_provider):
    org, account, _ = ready
    run = push_run(org)
    assert (run.created, run.skipped, run.failed) == (3, 1, 0)
    assert books_provider.writes == [("create", r["reference"]) for r in run.results if r["status"] == "created"]
    held = books_provider.pushed[ORG.external_id]
    food = BankTransaction.objects.get(description="PRET A MANGER")
    assert held[str(food.pk)].lines[0].ledger_account_external_id == "la-food"  # detailed code -> its primary's
    assert held[str(food.pk)].kind == "spend" and held[str(food.pk)].amount == Decimal("12.50")
    income = BankTransaction.objects.get(description__startswith="FASTER")
    assert held[str(income.pk)].kind == "receive"
    skipped = next(r for r in run.results if r["status"] == "skipped")
    assert skipped["message"] == "Not categorised yet."


def test_a_re_push_of_unchanged_items_writes_nothing(ready, books_provider):
    org, _, _ = ready
    push_run(org)
    writes = list(books_provider.writes)
    before = sorted(PushedItem.objects.values_list("reference", "external_id", "version", "digest", "status"))
    run = push_run(org)
    assert books_provider.writes == writes  # no provider write at all
    assert run.provider_writes == 0 and run.changed_nothing
    assert (run.created, run.updated, run.unchanged, run.conflicts) == (0, 0, 3, 0)
    after = sorted(PushedItem.objects.values_list("reference", "external_id", "version", "digest", "status"))
    assert [row[:4] for row in after] == [row[:4] for row in before]
    assert {row[4] for row in after} == {"unchanged"}


def test_a_lost_answer_is_found_by_reference_and_not_created_twice(ready, books_provider):
    org, _, _ = ready
    push_run(org)
    PushedItem.objects.all().delete()  # as if every answer had been lost on the way back
    run = push_run(org)
    assert run.created == 0 and run.unchanged == 3
    assert len(books_provider.pushed[ORG.external_id]) == 3
    assert PushedItem.objects.count() == 3


def test_a_recategorised_item_is_updated_when_the_books_still_hold_what_we_pushed(ready, books_provider, user):
    org, _, by = ready
    push_run(org)
    fuel = BankTransaction.objects.get(description="SHELL")
    fuel.category = "FOOD_AND_DRINK_RESTAURANT"
    fuel.save(update_fields=["category"])
    run = push_run(org)
    assert (run.updated, run.unchanged, run.conflicts) == (1, 2, 0)
    assert books_provider.writes[-1] == ("update", str(fuel.pk))
    held = books_provider.pushed[ORG.external_id][str(fuel.pk)]
    assert held.lines[0].ledger_account_external_id == "la-food"
    item = PushedItem.objects.get(reference=str(fuel.pk))
    assert item.version == held.version and item.status == "updated"
    assert push_run(org).provider_writes == 0  # and then it is unchanged


def test_an_edit_in_the_books_after_export_wins_and_is_a_conflict(ready, books_provider):
    org, _, _ = ready
    push_run(org)
    fuel = BankTransaction.objects.get(description="SHELL")
    books_provider.source.edit_in_books(ORG.external_id, str(fuel.pk), description="Fuel for the van")
    fuel.category = "FOOD_AND_DRINK_RESTAURANT"  # and we changed it too
    fuel.save(update_fields=["category"])
    writes = list(books_provider.writes)
    run = push_run(org)
    assert run.conflicts == 1 and run.provider_writes == 0
    assert books_provider.writes == writes
    assert books_provider.pushed[ORG.external_id][str(fuel.pk)].description == "Fuel for the van"
    item = PushedItem.objects.get(reference=str(fuel.pk))
    assert item.status == "conflict" and "Edited in the books" in item.message and item.conflict_at
    again = push_run(org)  # it stays a conflict: never written over
    assert again.conflicts == 1 and books_provider.writes == writes


def test_a_conflict_resolved_for_theirs_stays_theirs(ready, books_provider):
    org, _, _ = ready
    push_run(org)
    fuel = BankTransaction.objects.get(description="SHELL")
    books_provider.source.edit_in_books(ORG.external_id, str(fuel.pk), description="Fuel for the van")
    push_run(org)
    pushed_item_resolve(PushedItem.objects.get(reference=str(fuel.pk)), choice="theirs")
    writes = list(books_provider.writes)
    run = push_run(org)
    assert run.conflicts == 0 and run.provider_writes == 0 and books_provider.writes == writes


def test_a_conflict_resolved_for_ours_is_pushed_over_theirs(ready, books_provider):
    org, _, _ = ready
    push_run(org)
    fuel = BankTransaction.objects.get(description="SHELL")
    books_provider.source.edit_in_books(ORG.external_id, str(fuel.pk), description="Fuel for the van")
    push_run(org)
    pushed_item_resolve(PushedItem.objects.get(reference=str(fuel.pk)), choice="ours")
    run = push_run(org)
    assert run.updated == 1 and books_provider.writes[-1] == ("update", str(fuel.pk))
    assert books_provider.pushed[ORG.external_id][str(fuel.pk)].description == "Shell"


def test_deleted_in_the_books_is_a_conflict_and_not_created_again(ready, books_provider):
    org, _, _ = ready
    push_run(org)
    fuel = BankTransaction.objects.get(description="SHELL")
    del books_provider.pushed[ORG.external_id][str(fuel.pk)]
    run = push_run(org)
    assert run.conflicts == 1 and run.created == 0


def test_only_the_chosen_accounts_are_pushed(ready, books_provider, make_bank_account):
    org, _, _ = ready
    make_bank_account(name="Personal")
    run = push_run(org)
    assert run.created == 3  # the personal account's four are not candidates


def test_a_push_needs_a_target_and_an_active_organisation(books_provider, books_connection):
    connection_sync(books_connection)
    org = Organisation.objects.get()
    with pytest.raises(PushError) as caught:
        push_run(org)
    assert caught.value.code == "no_target"


def test_a_failed_item_is_reported_and_tried_again(ready, books_provider, monkeypatch):
    org, _, _ = ready
    source = books_provider.source
    original = source.bank_transactions_create

    def refuse_fuel(organisation, items):
        results = original(organisation, [i for i in items if i.description != "Shell"])
        from integrations_core.records import PushResult

        return results + [PushResult(reference=i.reference, status="failed", message="Account code '493' is archived")
                          for i in items if i.description == "Shell"]

    monkeypatch.setattr(source, "bank_transactions_create", refuse_fuel)
    run = push_run(org)
    assert (run.created, run.failed) == (2, 1)
    assert "archived" in next(r for r in run.results if r["status"] == "failed")["message"]
    monkeypatch.setattr(source, "bank_transactions_create", original)
    again = push_run(org)
    assert (again.created, again.unchanged) == (1, 2)
    assert PushRun.objects.count() == 2
    assert dataclasses.is_dataclass(books_provider.pushed[ORG.external_id][next(iter(books_provider.pushed[ORG.external_id]))])


@pytest.mark.parametrize(("choice", "created", "status"), [("ours", 1, "created"), ("theirs", 0, "skipped")])
def test_a_deletion_in_the_books_settled_either_way(ready, books_provider, choice, created, status):
    org, _, _ = ready
    push_run(org)
    fuel = BankTransaction.objects.get(description="SHELL")
    del books_provider.pushed[ORG.external_id][str(fuel.pk)]
    push_run(org)
    pushed_item_resolve(PushedItem.objects.get(reference=str(fuel.pk)), choice=choice)
    run = push_run(org)
    assert run.created == created and run.conflicts == 0
    assert next(r for r in run.results if r["reference"] == str(fuel.pk))["status"] == status
    again = push_run(org)
    assert again.provider_writes == 0 and again.conflicts == 0


def test_only_a_conflict_can_be_settled(ready):
    org, _, _ = ready
    push_run(org)
    with pytest.raises(PushError) as caught:
        pushed_item_resolve(PushedItem.objects.first(), choice="theirs")
    assert caught.value.code == "not_a_conflict"


def test_a_token_refused_mid_push_is_refreshed_once(ready, books_provider, monkeypatch):
    from integrations_core.providers.errors import ProviderAuthError
    from integrations_core.records import TokenSet

    org, _, _ = ready
    source = books_provider.source
    original, refused = source.pushed_find, []

    def refuse_once(*args):
        if not refused:
            refused.append(1)
            raise ProviderAuthError("expired", status=401)
        return original(*args)

    monkeypatch.setattr(source, "pushed_find", refuse_once)
    monkeypatch.setattr(books_provider, "refresh", lambda connection: TokenSet(access_token="fresh-access",
                                                                                refresh_token="fresh-refresh"),
                        raising=False)
    books_provider.capabilities = books_provider.capabilities | {"refresh_tokens"}
    run = push_run(org)
    assert run.created == 3 and refused == [1]
    org.connection.refresh_from_db()
    assert org.connection.refresh_token == "fresh-refresh"


def test_one_push_per_organisation_at_a_time(ready, books_provider):
    from django.core.cache import cache

    org, _, _ = ready
    cache.add(f"accounting-push:{org.pk}", "1", 60)  # another push holds it
    with pytest.raises(PushError) as caught:
        push_run(org)
    assert caught.value.code == "busy" and books_provider.writes == []
    cache.delete(f"accounting-push:{org.pk}")
    assert push_run(org).created == 3
