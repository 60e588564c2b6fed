"""The operators' console for payments: connections through the core's base admin, balances,
payouts, balance transactions and disputes listed read-only; no key or token in clear."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations_core.services.sync import connection_sync
from payments.models import BalanceTransaction, Dispute, Payout, ProcessorAccount

pytestmark = pytest.mark.django_db


def test_admin_pages_list_everything_and_show_no_secret(admin_client, processor_connection):
    processor_connection.access_token = "sk_test_TOKEN_SECRET"
    processor_connection.save()
    connection_sync(processor_connection, trigger="manual")
    pages = [reverse("admin:payments_paymentsconnection_changelist"),
             reverse("admin:payments_paymentsconnection_change", args=[processor_connection.pk]),
             reverse("admin:payments_processoraccount_changelist"),
             reverse("admin:payments_processoraccount_change", args=[ProcessorAccount.objects.get().pk]),
             reverse("admin:payments_payout_changelist"),
             reverse("admin:payments_payout_change", args=[Payout.objects.get().pk]),
             reverse("admin:payments_balancetransaction_changelist"),
             reverse("admin:payments_balancetransaction_change", args=[BalanceTransaction.objects.first().pk]),
             reverse("admin:payments_dispute_changelist")]
    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        for secret in ("k-SECRET", "sk_test_TOKEN_SECRET"):
            assert secret not in text, (url, secret)
    assert "po_1" in admin_client.get(pages[4]).content.decode()
    assert "dp_1" in admin_client.get(pages[-1]).content.decode()
    assert Dispute.objects.exists()


def test_the_rows_cannot_be_edited_in_the_console(admin_client, processor_connection):
    connection_sync(processor_connection, trigger="manual")
    payout = Payout.objects.get()
    response = admin_client.post(reverse("admin:payments_payout_change", args=[payout.pk]), {"amount": "1.00"})
    assert response.status_code in (302, 403)
    payout.refresh_from_db()
    assert str(payout.amount) != "1.0000"
