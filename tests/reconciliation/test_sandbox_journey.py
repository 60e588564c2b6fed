"""End to end without a browser: the sandbox business bank (through the TrueLayer mock) and the
Stripe mock speak from one business persona; after both syncs, the engine pairs every Stripe
payout that reached the bank with its bank credit, and the person confirms one (locked)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from integrations_core.providers.registry import registry
from integrations_core.services.oauth import authorization_complete
from integrations_core.services.sync import connection_sync
from open_banking.models import BankTransaction
from open_banking.services import bank_connection_initiate
from payments.models import Payout
from reconciliation.models import MatchStatus, ReconMatch
from reconciliation.services.actions import match_confirm
from reconciliation.services.engine import reconciliation_run
from reconciliation.services.items import lookback_period
from sandbox.business.persona import business_book
from sandbox.inprocess import sandbox_in_process
from sandbox.testing import complete_bank_dialog

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"
LOGIN = "taylor"
# An ordinary Tuesday, then the days where dates go wrong: the morning after the clocks go
# forward (BST starts 29 March 2026), the new tax year on Easter Monday (a bank holiday, 6 April
# 2026), the day after the clocks go back (25 October 2026), and the first working day of 2027.
DAYS = [date(2026, 3, 10), date(2026, 3, 30), date(2026, 4, 6), date(2026, 10, 26), date(2027, 1, 4)]


@pytest.fixture(params=DAYS, ids=str)
def today(request) -> date:
    return request.param


@pytest.fixture
def sandbox(settings, monkeypatch, today):
    settings.SANDBOX_ENABLED = True
    settings.SITE_URL = SITE
    settings.TRUELAYER_AUTH_URL = f"{SITE}/sandbox/truelayer/auth"
    settings.TRUELAYER_API_URL = f"{SITE}/sandbox/truelayer/api"
    settings.TRUELAYER_CLIENT_ID = settings.SANDBOX_CLIENT_ID
    settings.TRUELAYER_CLIENT_SECRET = settings.SANDBOX_CLIENT_SECRET
    settings.STRIPE_API_URL = f"{SITE}/sandbox/stripe/api"
    settings.STRIPE_CONNECT_URL = f"{SITE}/sandbox/stripe/connect"
    settings.PROVIDER_HTTP_RETRIES = 0
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    noon = datetime.combine(today, time(12, 0), UTC)
    monkeypatch.setattr("sandbox.clock.today", lambda: today)
    monkeypatch.setattr("sandbox.clock.now", lambda: noon)
    with time_machine.travel(noon, tick=False), sandbox_in_process():
        call_command("seed_institutions", stdout=open("/dev/null", "w"))  # noqa: SIM115
        yield


def connect_business_bank(user):
    authorization = bank_connection_initiate(user=user, provider_slug="truelayer",
                                             institution_id="ob-sandbox-business")
    callback = complete_bank_dialog(Client(HTTP_HOST=urlsplit(SITE).netloc), authorization.authorization_url,
                                    username=LOGIN, institution="sandbox-business-bank")
    params = {k: v[0] for k, v in parse_qs(urlsplit(callback).query).items()}
    return authorization_complete(user=user, provider_slug="truelayer",
                                  state=registry.get("truelayer").callback_state(params),
                                  code=params.get("code", ""), params=params)


def connect_stripe(api_client):
    response = api_client.post("/api/v1/connections/", {"provider": "stripe_key",
                                                        "credentials": {"api_key": f"rk_test_{LOGIN}"}},
                               format="json")
    assert response.status_code == 201, response.content
    from payments.models import PaymentsConnection

    return PaymentsConnection.objects.get(user=api_client.handler._force_user, provider="stripe_key")


def test_payouts_are_matched_to_the_business_banks_credits(sandbox, today, user, api_client,
                                                           django_capture_on_commit_callbacks):
    assert settings.SANDBOX_ENABLED
    with django_capture_on_commit_callbacks(execute=True):
        bank = connect_business_bank(user)
        stripe = connect_stripe(api_client)
    for connection in (bank, stripe):
        connection.refresh_from_db()
        if connection.last_synced_at is None:
            with django_capture_on_commit_callbacks(execute=True):
                connection_sync(connection, trigger="manual")
    account_types = set(BankTransaction.objects.filter(account__connection=bank)
                        .values_list("account__subtype", flat=True))
    assert account_types == {"BUSINESS_TRANSACTION"}
    # The after-sync hook ran the engine; run it once more to be sure of the latest state.
    reconciliation_run(user)

    book = business_book(LOGIN, today)
    arrived = [p for p in book.stripe.payouts if p.arrival_date <= today]
    payouts = Payout.objects.filter(account__connection=stripe, arrival_date__lte=today)
    assert payouts.count() == len(arrived) > 5  # the Stripe mock and the sync agree
    held = {m.left_key: m for m in ReconMatch.objects.filter(user=user, rule="payout_bank_credit")
            .exclude(status=MatchStatus.REJECTED)}
    matched = [m for m in held.values() if m.status == MatchStatus.MATCHED]
    # Every payout that reached the bank is matched or (when two share an amount in a window) suggested.
    since = lookback_period(today).since  # what the engine looks at (RECONCILIATION_LOOKBACK_DAYS)
    payouts = payouts.filter(arrival_date__gte=since)
    for payout in payouts:
        assert f"payments.payout:{payout.pk}" in held, (payout.external_id, payout.arrival_date)
    assert len(matched) >= 0.8 * payouts.count()
    for match in matched:
        credit = BankTransaction.objects.get(pk=match.right_key.split(":")[1])
        payout = Payout.objects.get(pk=match.left_key.split(":")[1])
        assert credit.amount == payout.amount and credit.booked_date == payout.arrival_date
    # Confirm one: it is locked through a re-run.
    first = matched[0]
    match_confirm(user, first)
    reconciliation_run(user)
    assert ReconMatch.objects.get(pk=first.pk).status == MatchStatus.CONFIRMED
