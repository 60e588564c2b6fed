"""Both protocols end to end over real HTTP (pytest's live_server + requests), the way the
provider clients and a browser will meet them."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from requests_oauthlib import OAuth2Session

from sandbox.testing import complete_bank_dialog

from .conftest import CLIENT, FULL_SCOPE, GC_REDIRECT, REDIRECT_URI, pkce_pair

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _plain_http_oauth(monkeypatch):
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # live_server speaks http://


def test_truelayer_oauth_dance_and_every_data_endpoint(live_server):
    auth_url, api_url = f"{live_server.url}/sandbox/truelayer/auth", f"{live_server.url}/sandbox/truelayer/api"
    verifier, challenge = pkce_pair()
    # The same library the platform's OAuth2Provider uses builds the link and exchanges the code.
    oauth = OAuth2Session(CLIENT["client_id"], redirect_uri=REDIRECT_URI, scope=FULL_SCOPE.split(), state="s-1")
    link, _ = oauth.authorization_url(f"{auth_url}/", providers="uk-ob-all uk-oauth-all",
                                      code_challenge=challenge, code_challenge_method="S256")
    browser = requests.Session()
    callback = complete_bank_dialog(browser, link, username="john", institution="nationwide")
    assert parse_qs(urlsplit(callback).query)["state"] == ["s-1"]

    token = oauth.fetch_token(f"{auth_url}/connect/token", authorization_response=callback,
                              client_secret=CLIENT["client_secret"], include_client_id=True, code_verifier=verifier)
    assert token["expires_in"] == 3600 and token["refresh_token"]
    token = oauth.refresh_token(f"{auth_url}/connect/token", refresh_token=token["refresh_token"],
                                client_id=CLIENT["client_id"], client_secret=CLIENT["client_secret"])

    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token['access_token']}"

    def get(path: str) -> list:
        response = api.get(f"{api_url}/data/v1/{path}")
        assert response.status_code == 200, (path, response.text)
        assert response.json()["status"] == "Succeeded"
        return response.json()["results"]

    assert get("me")[0]["provider"]["provider_id"] == "ob-nationwide"
    assert get("info")[0]["full_name"]
    accounts, cards = get("accounts"), get("cards")
    assert len(accounts) == 2 and len(cards) == 1
    for kind, items in (("accounts", accounts), ("cards", cards)):
        for item in items:
            base = f"{kind}/{item['account_id']}"
            assert get(base)[0]["account_id"] == item["account_id"]
            assert "current" in get(f"{base}/balance")[0]
            assert get(f"{base}/transactions?from=2026-01-01&to=2030-01-01")
            assert isinstance(get(f"{base}/transactions/pending"), list)

    revoked = api.delete(f"{auth_url}/api/delete")
    assert revoked.status_code == 200
    after = api.get(f"{api_url}/data/v1/accounts")
    assert after.status_code == 401 and after.json()["error"] == "invalid_token"


def test_gocardless_requisition_flow(live_server):
    base = f"{live_server.url}/sandbox/gocardless/api/v2"
    api = requests.Session()
    pair = api.post(f"{base}/token/new/", json={"secret_id": CLIENT["client_id"],
                                                "secret_key": CLIENT["client_secret"]}).json()
    api.headers["Authorization"] = f"Bearer {pair['access']}"
    institutions = api.get(f"{base}/institutions/", params={"country": "gb"}).json()
    assert "LLOYDS_LOYDGB2L" in {i["id"] for i in institutions}

    agreement = api.post(f"{base}/agreements/enduser/", json={
        "institution_id": "LLOYDS_LOYDGB2L", "max_historical_days": 90, "access_valid_for_days": 90,
        "access_scope": ["balances", "details", "transactions"]}).json()
    requisition = api.post(f"{base}/requisitions/", json={
        "redirect": GC_REDIRECT, "institution_id": "LLOYDS_LOYDGB2L", "agreement": agreement["id"],
        "reference": "live-ref-1", "user_language": "EN"}).json()
    assert requisition["link"].startswith(f"{live_server.url}/sandbox/gocardless/psd2/start/")

    callback = complete_bank_dialog(requests.Session(), requisition["link"], username="jane")
    assert callback == f"{GC_REDIRECT}?ref=live-ref-1"
    linked = api.get(f"{base}/requisitions/{requisition['id']}/").json()
    assert linked["status"] == "LN" and len(linked["accounts"]) == 3

    account = linked["accounts"][0]
    assert api.get(f"{base}/accounts/{account}/").json()["status"] == "READY"
    assert "account" in api.get(f"{base}/accounts/{account}/details/").json()
    assert api.get(f"{base}/accounts/{account}/balances/").json()["balances"]
    transactions = api.get(f"{base}/accounts/{account}/transactions/").json()["transactions"]
    assert transactions["booked"] and "pending" in transactions
    statuses = [api.get(f"{base}/accounts/{account}/transactions/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = api.get(f"{base}/accounts/{account}/transactions/")
    assert limited.headers["HTTP_X_RATELIMIT_ACCOUNT_SUCCESS_REMAINING"] == "0"
    assert limited.headers["X-RateLimit-Account-Success-Reset"]

    assert api.delete(f"{base}/requisitions/{requisition['id']}/").status_code == 200
    gone = api.get(f"{base}/accounts/{account}/balances/")
    assert gone.status_code == 401 and gone.json()["type"] == "AccessExpiredError"
