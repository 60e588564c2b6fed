"""The Trading 212 journey without a browser (the browser test skips where there is no
Chromium): a key posted to the form against the sandbox mock over HTTP, the first sync run
inline, and the portfolio page showing every position the sandbox reports."""

from __future__ import annotations

import base64
import json
from decimal import Decimal

import pytest
from django.test import Client, override_settings

from integrations_core.models import ConnectionStatus
from investments.models import InvestmentConnection
from investments.providers.trading212.provider import Trading212Provider
from sandbox.credentials import trading212_api_key, trading212_api_secret
from web.templatetags.money import format_money, quantity

pytestmark = pytest.mark.django_db(transaction=True)

API = "/sandbox/trading212/api/v0"


@pytest.fixture
def sandbox_t212(live_server, settings, monkeypatch):
    settings.TRADING212_DEMO_URL = f"{live_server.url}{API}"
    # The mock's rate limits stay on: the first sync follows the key check inside the summary's
    # one-call-per-5-s window and waits it out (TRADING212_MAX_INLINE_WAIT), it does not fail.
    from integrations_core.services.sync import connection_sync_by_id

    monkeypatch.setattr("integrations_core.tasks.sync_connection.apply_async",
                        lambda *, args, kwargs, countdown=0: connection_sync_by_id(args[0], args[1], **kwargs))


def test_key_sync_portfolio_revoke(web, user, sandbox_t212):
    response = web.post(f"/portfolio/connect/{Trading212Provider.slug}/", {
        "environment": "demo", "api_key": trading212_api_key(), "api_secret": trading212_api_secret()})
    assert response.status_code == 302, response.content.decode()[-2000:]
    connection = InvestmentConnection.objects.get(user=user)
    assert connection.last_synced_at, connection.last_error
    html = web.get("/portfolio/").content.decode()
    assert trading212_api_key() not in html and trading212_api_secret() not in html
    auth = base64.b64encode(f"{trading212_api_key()}:{trading212_api_secret()}".encode()).decode()
    with override_settings(SANDBOX_TRADING212_RATE_LIMITS=False):  # the sync just spent this second's call
        answer = Client().get(f"{API}/equity/positions", HTTP_AUTHORIZATION=f"Basic {auth}")
    positions = json.loads(answer.content, parse_float=Decimal)
    assert positions
    for position in positions:
        wallet = position["walletImpact"]
        start = html.index(f'data-isin="{position["instrument"]["isin"]}"')
        row = html[start:html.index("</tr>", start)]
        assert f'quantity">{quantity(position["quantity"])}<' in row
        assert format_money(wallet["currentValue"], "GBP") in row
        assert format_money(wallet["totalCost"], "GBP") in row
        assert format_money(wallet["unrealizedProfitLoss"], "GBP", signed=True) in row
    assert html.count("<tr data-isin=") == len(positions)
    web.post(f"/portfolio/connections/{connection.pk}/disconnect/")
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.REVOKED and connection.credentials == {}
