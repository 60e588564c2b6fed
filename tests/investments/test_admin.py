"""The investment admin pages render for a superuser and never show a credential."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations_core.services.imports.portfolio import portfolio_import

from .conftest import DAY, VUSA, holding, portfolio, snapshot, trade

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user("root@example.com", is_staff=True, is_superuser=True))
    return client


def test_admin_pages_render_without_secrets(admin_client, account):
    portfolio_import(account, portfolio(securities=[VUSA], snap=snapshot(holding(VUSA, "3", value="250")),
                                        transactions=[trade("buy", DAY, "-250", security=VUSA, quantity="3")]))
    for name in ("investmentconnection", "investmentaccount", "holdingsnapshot", "investmenttransaction",
                 "accountvaluation", "security", "securityprice", "fxrate"):
        response = admin_client.get(reverse(f"admin:investments_{name}_changelist"))
        assert response.status_code == 200, name
    page = admin_client.get(reverse("admin:investments_investmentconnection_change", args=[account.connection_id]))
    assert page.status_code == 200
    assert b"k-SECRET" not in page.content
    snapshot_page = admin_client.get(reverse("admin:investments_holdingsnapshot_change",
                                             args=[account.snapshots.get().pk]))
    assert b"Vanguard S&amp;P 500" in snapshot_page.content
