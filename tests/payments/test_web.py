"""The payments pages: balances, payouts with what they carried, transactions, disputes with
deadlines, connecting a processor through the generic flows; anyone else's page is a 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from integrations_core.services.sync import connection_sync
from payments.models import Dispute, Payout, ProcessorAccount

pytestmark = pytest.mark.django_db


@pytest.fixture
def synced(processor_connection):
    connection_sync(processor_connection, trigger="manual")
    return processor_connection


def test_the_payments_page_shows_balances_payouts_and_open_disputes(client, user, synced):
    client.force_login(user)
    page = client.get("/payments/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-balance="GBP"' in text and "£100.00" in text and "£20.00" in text
    assert 'data-payout="po_1"' in text and "STRIPE" in text
    assert 'data-dispute="dp_1"' in text
    assert "Connect Fake Processor" in text


def test_a_payout_page_shows_what_it_carried_and_that_it_reconciles(client, user, synced):
    client.force_login(user)
    payout = Payout.objects.get()
    page = client.get(f"/payments/payouts/{payout.pk}/").content.decode()
    for external_id in ("txn_a", "txn_b", "txn_r"):
        assert f'data-transaction="{external_id}"' in page
    assert 'data-transaction="txn_p"' not in page  # its own movement out is not "carried"
    assert "data-payout-reconciles" in page and "£127.35" in page


def test_transactions_filter_by_type_and_ignore_a_bad_one(client, user, synced):
    client.force_login(user)
    account = ProcessorAccount.objects.get()
    refunds = client.get(f"/payments/balances/{account.pk}/transactions/", {"type": "refund"}).content.decode()
    assert 'data-transaction="txn_r"' in refunds and 'data-transaction="txn_a"' not in refunds
    everything = client.get(f"/payments/balances/{account.pk}/transactions/", {"type": "<script>"})
    assert everything.status_code == 200 and b'data-transaction="txn_a"' in everything.content


def test_disputes_page_flags_a_deadline_that_is_near_or_past(client, user, synced):
    client.force_login(user)
    dispute = Dispute.objects.get()
    with time_machine.travel(dispute.evidence_due_by - timedelta(days=1), tick=False):
        assert b"data-due-soon" in client.get("/payments/disputes/").content
    with time_machine.travel(dispute.evidence_due_by + timedelta(hours=1), tick=False):
        assert b"data-overdue" in client.get("/payments/disputes/").content


def test_anyone_elses_pages_are_404(client, other_user, synced):
    client.force_login(other_user)
    payout, account = Payout.objects.get(), ProcessorAccount.objects.get()
    assert client.get(f"/payments/payouts/{payout.pk}/").status_code == 404
    assert client.get(f"/payments/balances/{account.pk}/transactions/").status_code == 404
    assert client.post(f"/payments/connections/{synced.pk}/disconnect/").status_code == 404
    assert client.post(f"/payments/connections/{synced.pk}/sync/").status_code == 404
    page = client.get("/payments/").content.decode()
    assert "po_1" not in page and "£100.00" not in page


def test_connect_key_page_refuses_a_bad_key_without_echoing_it(client, user, processor):
    from integrations_core.providers.base import CredentialField
    from integrations_core.providers.errors import ProviderAuthError

    processor.credential_fields = (CredentialField("api_key", "Key"),)

    def refuse(credentials):
        raise ProviderAuthError("no")

    processor.credentials_check = refuse
    client.force_login(user)
    page = client.post("/payments/connect/fake_processor/key/", {"api_key": "rk_test_SECRET_VALUE"})
    assert page.status_code == 400 and b"rk_test_SECRET_VALUE" not in page.content


def test_disconnect_keeps_the_history(client, user, synced):
    client.force_login(user)
    assert client.post(f"/payments/connections/{synced.pk}/disconnect/").status_code == 302
    synced.refresh_from_db()
    assert synced.status == "revoked" and Payout.objects.exists()
    assert "po_1" in client.get("/payments/payouts/").content.decode()
