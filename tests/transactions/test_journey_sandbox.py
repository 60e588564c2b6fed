"""The journey against the sandbox over real HTTP: connect a bank through the mock bank's pages ->
the first sync writes transactions -> they arrive categorised -> the budget summary reflects them.
Nothing is mocked: the provider clients talk to the sandbox's views (pytest's live_server)."""

from __future__ import annotations

import io
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import requests
from django.core.management import call_command
from django.utils import timezone

from integrations_core.services.sync import connection_sync_by_id
from open_banking.models import BankConnection, BankTransaction
from transactions.models import TransferPair
from transactions.services.budgets import add_months

testing = pytest.importorskip("sandbox.testing", reason="the sandbox app is not installed")

pytestmark = pytest.mark.django_db(transaction=True)
INSTITUTIONS = {"truelayer": "ob-monzo", "gocardless": "MONZO_MONZGB2L"}


@pytest.fixture
def sandbox(live_server, settings, monkeypatch):
    site = live_server.url
    settings.TRUELAYER_AUTH_URL = f"{site}/sandbox/truelayer/auth"
    settings.TRUELAYER_API_URL = f"{site}/sandbox/truelayer/api"
    settings.TRUELAYER_CLIENT_ID = settings.GOCARDLESS_SECRET_ID = settings.SANDBOX_CLIENT_ID
    settings.TRUELAYER_CLIENT_SECRET = settings.GOCARDLESS_SECRET_KEY = settings.SANDBOX_CLIENT_SECRET
    settings.TRUELAYER_PROVIDERS = "uk-cs-mock uk-ob-all uk-oauth-all"
    settings.GOCARDLESS_API_URL = f"{site}/sandbox/gocardless/api/v2"
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # plain-HTTP token endpoint on the test server
    # The sync the callback queues runs once, inline, as a worker would.
    monkeypatch.setattr("integrations_core.tasks.sync_connection.apply_async",
                        lambda *, args, kwargs, countdown=0: connection_sync_by_id(args[0], args[1], **kwargs))
    call_command("seed_institutions", "--skip-remote", stdout=io.StringIO())
    return site


@pytest.fixture
def web(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("provider", INSTITUTIONS)
def test_journey_connect_sandbox_bank_to_budget_summary(sandbox, web, user, provider):
    last_month = add_months(timezone.localdate().replace(day=1), -1)
    for category in ("FOOD_AND_DRINK", "RENT_AND_UTILITIES", "TRANSFER_OUT"):
        assert web.post("/api/v1/budgets/", {"category": category, "amount": "5000.00",
                                             "start_month": last_month.isoformat()},
                        content_type="application/json").status_code == 201

    # Connect: API create -> the mock bank's login and consent pages -> our callback -> first sync.
    created = web.post("/api/v1/open-banking/connections/", {"provider": provider, "institution": INSTITUTIONS[provider]},
                       content_type="application/json")
    assert created.status_code == 201, created.content
    location = testing.complete_bank_dialog(requests.Session(), created.json()["authorization_url"],
                                            username="john", institution="monzo")
    parts = urlsplit(location)
    assert web.get(f"{parts.path}?{parts.query}").status_code == 302
    connection = BankConnection.objects.get(pk=created.json()["id"])
    rows = BankTransaction.objects.filter(account__connection=connection)
    assert rows.count() > 10, "the first sync wrote transactions"

    # Auto-categorised on the way in: every row has a category and says where it came from.
    assert not rows.filter(category="").exists()
    assert not rows.filter(category_source="").exists()
    known = rows.exclude(category="OTHER_OTHER").count() / rows.count()
    assert known >= 0.8, list(rows.filter(category="OTHER_OTHER").values_list("description", flat=True)[:20])
    assert rows.filter(amount__gt=0, category__startswith="INCOME_").exists(), "the salary is income"
    assert not rows.filter(amount__lt=0, category__startswith="INCOME").exists(), "money out is never income"
    if connection.accounts.filter(type="savings").exists():
        assert TransferPair.objects.filter(user=user).exists(), "sweeps to savings are paired transfers"

    # The budget summary reflects the synced month, from the categorised, booked, non-transfer rows.
    summary = web.get(f"/api/v1/budgets/summary/?month={last_month:%Y-%m}").json()
    by_category = {b["category"]: b for b in summary["budgets"]}
    food = by_category["FOOD_AND_DRINK"]
    assert Decimal(food["spent"]) > 0 and food["transactions_count"] > 0
    assert Decimal(food["remaining"]) == Decimal(food["cap"]) - Decimal(food["spent"])
    assert Decimal(by_category["TRANSFER_OUT"]["spent"]) == 0, "transfers are never spending"
    spending = web.get("/api/v1/spending/summary/", {"from": last_month.isoformat(),
                                                     "to": add_months(last_month, 1).isoformat()}).json()
    assert Decimal(spending["total_spent"]) > 0 and Decimal(spending["total_income"]) > 0
