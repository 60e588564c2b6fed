"""The processor runner: one read written in one transaction with the source's state; a
repeated read adds nothing; a failed read or write loses nothing and keeps the old state."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from unittest import mock

import pytest

from integrations_core.models import SyncOutcome
from integrations_core.providers.errors import ProviderUnavailable, ScopeMissing
from integrations_core.services.sync import connection_sync
from payments.models import BalanceTransaction, Dispute, Payout, ProcessorAccount

from .conftest import activity, bt

pytestmark = pytest.mark.django_db


def rows() -> list:
    return [sorted(BalanceTransaction.objects.values_list("external_id", "amount", "fee", "net", "payout__external_id",
                                                          "updated_at")),
            sorted(Payout.objects.values_list("external_id", "status", "updated_at")),
            sorted(Dispute.objects.values_list("external_id", "status", "updated_at"))]


def test_first_sync_writes_everything_and_links_payout_contents(processor_connection):
    run = connection_sync(processor_connection, trigger="manual")
    assert run.outcome == SyncOutcome.SUCCEEDED, run.account_results
    account = ProcessorAccount.objects.get(connection=processor_connection)
    assert (account.current_balance, account.available_balance, account.pending_balance) == (
        Decimal("120.00"), Decimal("100.00"), Decimal("20.00"))
    assert account.balance_snapshots.get().current == Decimal("120.00")
    payout = Payout.objects.get()
    carried = payout.balance_transactions.exclude(source_id="po_1")
    assert sorted(carried.values_list("external_id", flat=True)) == ["txn_a", "txn_b", "txn_r"]
    assert sum(carried.values_list("net", flat=True)) == payout.amount
    # The EUR dispute is filed under the GBP balance its charge settled in: no EUR account appears.
    assert Dispute.objects.get().account == account and ProcessorAccount.objects.count() == 1
    assert run.added == 6
    processor_connection.refresh_from_db()
    assert processor_connection.sync_state["activity"] == {"cursor": "one"}


def test_repeat_sync_adds_and_changes_nothing(processor_connection, processor):
    connection_sync(processor_connection, trigger="manual")
    before = rows()
    run = connection_sync(processor_connection, trigger="manual")
    assert run.outcome == SyncOutcome.SUCCEEDED
    assert (run.added, run.updated, run.removed) == (0, 0, 0)
    assert rows() == before
    since, state = processor.asked[-1]
    assert since is not None and state == {"cursor": "one"}


def test_a_read_that_no_longer_names_the_payout_keeps_the_link(processor_connection, processor):
    connection_sync(processor_connection, trigger="manual")
    processor.answers = [activity(payouts=[], balance_transactions=activity().balance_transactions[:1])]
    run = connection_sync(processor_connection, trigger="manual")
    assert run.updated == 0
    assert BalanceTransaction.objects.get(external_id="txn_a").payout.external_id == "po_1"


def test_changed_rows_are_updated_in_place_never_duplicated(processor_connection, processor):
    connection_sync(processor_connection, trigger="manual")
    changed = activity(payouts=[replace(activity().payouts[0], status="paid", reference="STRIPE UPDATED")],
                       disputes=[replace(activity().disputes[0], status="won", closed=True)])
    processor.answers = [changed]
    run = connection_sync(processor_connection, trigger="manual")
    assert (run.added, run.updated) == (0, 2)
    assert Payout.objects.get().reference == "STRIPE UPDATED" and Dispute.objects.get().closed
    assert BalanceTransaction.objects.count() == 4


def test_a_failed_read_keeps_everything_and_the_old_state(processor_connection, processor):
    connection_sync(processor_connection, trigger="manual")
    processor_connection.refresh_from_db()
    before, state = rows(), dict(processor_connection.sync_state)
    processor.answers = [ProviderUnavailable("down")]
    run = connection_sync(processor_connection, trigger="manual")
    processor_connection.refresh_from_db()
    assert run.outcome == SyncOutcome.FAILED
    assert rows() == before and processor_connection.sync_state == state


def test_a_write_failing_halfway_rolls_back_rows_and_state(processor_connection, processor):
    processor.answers = [activity(state={"cursor": "two"})]
    with mock.patch("payments.services.activity.payouts_link", side_effect=RuntimeError("disk full")), \
            pytest.raises(RuntimeError):
        connection_sync(processor_connection, trigger="manual")
    processor_connection.refresh_from_db()
    assert not BalanceTransaction.objects.exists() and not Payout.objects.exists()
    assert "activity" not in (processor_connection.sync_state or {})


def test_disputes_refused_is_a_partial_sync_with_the_rest_written(processor_connection, processor):
    processor.answers = [activity(disputes=[], disputes_error=ScopeMissing(scope="rak_dispute_read"))]
    run = connection_sync(processor_connection, trigger="manual")
    assert run.outcome == SyncOutcome.PARTIAL
    [result] = run.account_results.values()
    assert result["error_code"] == "scope_missing" and "rak_dispute_read" in result["error"]
    assert BalanceTransaction.objects.count() == 4 and not Dispute.objects.exists()


def test_jpy_balance_is_whole_yen(processor_connection, processor):
    from integrations_core.records import AccountRecord, BalanceRecord

    processor.answers = [activity(
        accounts=[AccountRecord("balance:jpy", "Processor JPY", "other", "JPY")],
        balances={"balance:jpy": BalanceRecord("JPY", Decimal("5139"), Decimal("5139"))},
        balance_transactions=[bt("txn_j", "5139", "161", currency="JPY")], payouts=[], disputes=[])]
    connection_sync(processor_connection, trigger="manual")
    row = BalanceTransaction.objects.get()
    assert (row.amount, row.fee, row.net, row.currency) == (Decimal("5139"), Decimal("161"), Decimal("4978"), "JPY")
