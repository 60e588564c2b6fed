"""The Trading 212 mock: auth, both path sets, rate-limit headers and 429s, pagination, fault
keys, and a history that adds up to the positions; then the real source against it over HTTP."""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from integrations_core.providers.errors import RateLimited, ScopeMissing
from investments.providers.trading212.client import PATHS_2026, PATHS_LEGACY
from investments.providers.trading212.provider import Trading212Provider

pytestmark = pytest.mark.django_db

API = "/sandbox/trading212/api/v0"
KEY, SECRET = "sandbox-t212-key", "sandbox-t212-secret"


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def basic(key=KEY, secret=SECRET) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()}


def get(client, path, key=KEY, **params):
    response = client.get(f"{API}{path}", params, **basic(key))
    return response, (json.loads(response.content, parse_float=Decimal) if response.status_code == 200 else None)


def all_items(client, path, key=KEY):
    items, url = [], f"{API}{path}?limit=50"
    while url:
        response = client.get(url, **basic(key))
        assert response.status_code == 200, response.content
        page = json.loads(response.content, parse_float=Decimal)
        items += page["items"]
        nxt = page["nextPagePath"]
        url = None if not nxt else (nxt.replace("/api/v0", API, 1) if nxt.startswith("/") else f"{API}{path}?{nxt}")
    return items


# --- auth -----------------------------------------------------------------------------------
@pytest.mark.parametrize("headers", [{}, {"HTTP_AUTHORIZATION": "nobody"}, basic(secret="wrong"),
                                     basic(key="someone-else"), {"HTTP_AUTHORIZATION": "Basic !!!"}])
def test_unknown_keys_get_401(client, headers):
    assert client.get(f"{API}/equity/account/summary", **headers).status_code == 401


def test_the_older_key_only_header_is_accepted(client):
    assert client.get(f"{API}/equity/account/summary", HTTP_AUTHORIZATION=KEY).status_code == 200


# --- path sets ------------------------------------------------------------------------------
def test_2026_key_answers_the_new_paths_and_404s_the_old(client):
    assert get(client, "/equity/account/summary")[0].status_code == 200
    assert get(client, "/equity/account/cash")[0].status_code == 404
    assert get(client, "/history/dividends")[0].status_code == 404


def test_legacy_key_answers_the_old_paths_and_404s_the_new(client, settings):
    assert get(client, "/equity/account/summary", key=f"{KEY}.legacy")[0].status_code == 404
    info = get(client, "/equity/account/info", key=f"{KEY}.legacy")[1]
    assert info["currencyCode"] == "GBP"
    assert get(client, "/history/dividends", key=f"{KEY}.legacy")[0].status_code == 200
    settings.SANDBOX_TRADING212_PATHS = "legacy"
    assert get(client, "/equity/portfolio")[0].status_code == 200


# --- rate limits ----------------------------------------------------------------------------
def test_headers_on_every_answer_and_429_past_the_limit(client):
    first, _ = get(client, "/equity/account/summary")
    assert first["x-ratelimit-limit"] == "1" and first["x-ratelimit-period"] == "5"
    assert first["x-ratelimit-remaining"] == "0" and int(first["x-ratelimit-reset"]) > 0
    second, _ = get(client, "/equity/account/summary")
    assert second.status_code == 429 and second["x-ratelimit-reset"] == first["x-ratelimit-reset"]


def test_limits_are_per_account_across_key_forms(client):
    assert get(client, "/equity/account/summary")[0].status_code == 200
    legacy_header = client.get(f"{API}/equity/account/summary", HTTP_AUTHORIZATION=KEY)
    assert legacy_header.status_code == 429  # same account, other auth form: same quota


def test_history_allows_six_a_minute(client):
    statuses = [get(client, "/equity/history/transactions")[0].status_code for _ in range(7)]
    assert statuses == [200] * 6 + [429]


@pytest.mark.parametrize(("variant", "path", "status"), [("rate-limited", "/equity/positions", 429),
                                                          ("no-history-orders", "/equity/history/orders", 403),
                                                          ("no-portfolio", "/equity/positions", 403)])
def test_fault_keys(client, variant, path, status):
    response, _ = get(client, path, key=f"{KEY}.{variant}")
    assert response.status_code == status
    if status == 403:
        assert "Scope" in response.json()["message"]


def test_malformed_key_gets_a_cut_off_body(client):
    response, _ = client.get(f"{API}/equity/positions", **basic(f"{KEY}.malformed")), None
    with pytest.raises(ValueError):
        json.loads(response.content)


# --- pagination and consistency ---------------------------------------------------------------
@pytest.mark.parametrize("key", [KEY, f"{KEY}.query-paging"])
def test_pagination_walks_every_order_once(client, key):
    first, page = get(client, "/equity/history/orders", key=key, limit=50)
    assert len(page["items"]) == 50 and page["nextPagePath"]
    assert page["nextPagePath"].startswith("/api/v0/") == (key == KEY)
    cache.clear()
    items = all_items(client, "/equity/history/orders", key=key)
    ids = [(i["order"]["id"], i.get("fill", {}).get("id")) for i in items]
    assert len(ids) == len(set(ids)) > 100


def test_limit_over_50_is_refused(client):
    assert get(client, "/equity/history/orders", limit=51)[0].status_code == 400


def _implied(items, legacy: bool) -> dict[str, Decimal]:
    held: dict[str, Decimal] = defaultdict(Decimal)
    for item in items:
        if legacy:
            held[item["ticker"]] += item["filledQuantity"]  # signed; a split adds units
        elif "fill" in item:
            sign = -1 if item["order"]["side"] == "SELL" else 1
            held[item["order"]["ticker"]] += sign * item["fill"]["quantity"]
    return {t: q for t, q in held.items() if q}


def test_positions_equal_what_the_2026_history_implies(client):
    positions = {p["instrument"]["ticker"]: p["quantity"] for p in get(client, "/equity/positions")[1]}
    implied = _implied(all_items(client, "/equity/history/orders"), legacy=False)
    assert positions == implied
    assert positions["NVDA_US_EQ"] == 20  # 3 bought, 10-for-1 split, 10 sold


def test_positions_equal_what_the_legacy_history_implies(client):
    key = f"{KEY}.legacy"
    positions = {p["ticker"]: p["quantity"] for p in get(client, "/equity/portfolio", key=key)[1]}
    assert positions == _implied(all_items(client, "/equity/history/orders", key=key), legacy=True)


def test_cash_equals_what_every_history_implies(client):
    orders = all_items(client, "/equity/history/orders")
    dividends = all_items(client, "/equity/history/dividends")
    moves = all_items(client, "/equity/history/transactions")
    cash = sum((m["amount"] for m in moves), Decimal(0)) + sum((d["amount"] for d in dividends), Decimal(0))
    for item in orders:
        if "fill" in item:
            net = item["fill"]["walletImpact"]["netValue"]
            cash += net if item["order"]["side"] == "SELL" else -net
    assert get(client, "/equity/account/summary")[1]["cash"]["availableToTrade"] == cash


def test_us_dividends_are_paid_net_of_withholding(client):
    dividends = [d for d in all_items(client, "/equity/history/dividends") if d["ticker"] == "AAPL_US_EQ"]
    assert dividends and all(d["tickerCurrency"] == "USD" for d in dividends)
    for d in dividends:  # 15% withheld, at the mock's 0.79 GBP per USD
        gross_gbp = d["grossAmountPerShare"] * d["quantity"] * Decimal("0.79")
        assert d["amount"] == (gross_gbp * Decimal("0.85")).quantize(Decimal("0.01"))


# --- the real source against the mock over HTTP ----------------------------------------------------
class Conn:
    def __init__(self, key):
        self.credentials = {"environment": "demo", "api_key": key, "api_secret": SECRET}


@pytest.fixture
def t212(live_server, settings):
    settings.TRADING212_DEMO_URL = f"{live_server.url}{API}"
    return Trading212Provider()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("key", "paths"), [(KEY, PATHS_2026), (f"{KEY}.legacy,query-paging", PATHS_LEGACY)])
def test_source_end_to_end(t212, key, paths):
    source = t212.bind(Conn(key))
    [account] = source.list_accounts()
    data = source.fetch_portfolio(account, since=None)
    assert source.paths == paths and data.transactions_error is None
    holdings = {h.security_external_id: h for h in data.snapshot.holdings}
    assert holdings["VUSAl_EQ"].price_currency == "GBX" and holdings["NVDA_US_EQ"].quantity == 20
    implied: dict[str, Decimal] = defaultdict(Decimal)
    for t in data.transactions:
        implied[t.security_external_id] += {"buy": 1, "sell": -1, "split": 1}.get(t.type, 0) * (t.quantity or 0)
    assert {k: v for k, v in implied.items() if v} == {k: h.quantity for k, h in holdings.items()}
    assert {"deposit", "withdrawal", "fee", "interest", "dividend", "split"} <= {t.type for t in data.transactions}
    assert len({t.external_id for t in data.transactions}) == len(data.transactions)
    assert {s.external_id for s in data.securities} == set(holdings)
    assert source.calls <= 10


@pytest.mark.django_db(transaction=True)
def test_source_since_pages_less_and_keeps_only_newer(t212):
    source = t212.bind(Conn(KEY))
    [account] = source.list_accounts()
    since = timezone.localdate() - timedelta(days=60)
    data = source.fetch_portfolio(account, since=since)
    assert data.transactions and all(t.booked_date >= since for t in data.transactions)
    assert source.calls == 6  # summary, positions, instruments, one page of each history


@pytest.mark.django_db(transaction=True)
def test_source_missing_history_scope_keeps_the_snapshot(t212):
    source = t212.bind(Conn(f"{KEY}.no-history-orders"))
    [account] = source.list_accounts()
    data = source.fetch_portfolio(account, since=None)
    assert isinstance(data.transactions_error, ScopeMissing) and data.transactions_error.scope == "history:orders"
    assert data.snapshot.holdings and data.transactions == []


@pytest.mark.django_db(transaction=True)
def test_rate_limited_key_raises_rate_limited(t212):
    with pytest.raises(RateLimited) as exc:
        t212.bind(Conn(f"{KEY}.rate-limited")).list_accounts()
    assert exc.value.retry_after is not None and 0 <= exc.value.retry_after <= 5
