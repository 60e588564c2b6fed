"""Trading 212 client and mapper against recorded-shape payloads (`responses`): both path sets,
both nextPagePath forms, the error statuses, the rate-limit headers, and exact numbers."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import responses
import time_machine

from integrations_core.providers.errors import (
    BadProviderResponse,
    ProviderAuthError,
    RateLimited,
    ScopeMissing,
)
from investments.providers.trading212 import mapper
from investments.providers.trading212.client import PATHS_2026, PATHS_LEGACY, Trading212Client
from investments.providers.trading212.provider import Trading212Provider

BASE = "https://demo.trading212.com/api/v0"
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
RESET = int(NOW.timestamp()) + 30


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def fresh_quotas():
    """Quotas are remembered in the cache per key: one test's spent quota is not the next's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def client(**kwargs) -> Trading212Client:
    sleeps = kwargs.pop("sleeps", [])
    return Trading212Client(base_url=BASE, api_key=kwargs.pop("key", "KEY123"), api_secret=kwargs.pop("secret", "SECRET9"),
                            sleep=sleeps.append, **kwargs)


def body(payload) -> str:
    return json.dumps(payload)


SUMMARY = {"id": 4242, "currency": "GBP", "cash": {"availableToTrade": 100.17, "inPies": 0, "reservedForOrders": 2.5},
           "investments": {}, "totalValue": 1000}


# --- auth headers and the feature check -------------------------------------------------------
def test_basic_auth_with_key_and_secret_and_2026_paths(api):
    api.get(f"{BASE}/equity/account/summary", body=body(SUMMARY))
    c = client()
    assert c.detect_paths() == PATHS_2026
    header = api.calls[0].request.headers["Authorization"]
    assert header == "Basic " + base64.b64encode(b"KEY123:SECRET9").decode()
    assert c.account()["id"] == 4242 and c.calls == 1  # the feature check's answer is reused


def test_legacy_key_only_header_and_fallback_to_cash_and_info_on_404(api):
    api.get(f"{BASE}/equity/account/summary", status=404, body="{}")
    api.get(f"{BASE}/equity/account/info", body=body({"currencyCode": "GBP", "id": 77}))
    api.get(f"{BASE}/equity/account/cash", body=body({"free": 10.5, "total": 20, "pieCash": 1.25, "blocked": 0}))
    c = client(secret="")
    account = c.account()
    assert c.paths == PATHS_LEGACY
    assert all(call.request.headers["Authorization"] == "KEY123" for call in api.calls)
    balance = mapper.cash_balance(account, as_of=NOW)
    assert (balance.available, balance.current, balance.currency) == (Decimal("10.5"), Decimal("11.75"), "GBP")
    c.account()
    assert [call.request.url.split("/api/v0")[1] for call in api.calls].count("/equity/account/summary") == 1


def test_the_key_never_shows_in_repr_or_errors(api):
    api.get(f"{BASE}/equity/account/summary", status=401, body="{}")
    c = client()
    with pytest.raises(ProviderAuthError) as exc:
        c.detect_paths()
    assert "KEY123" not in repr(c) and "SECRET9" not in str(exc.value) and "SECRET9" not in repr(exc.value)


HISTORY_SCOPES = {"orders": "history:orders", "dividends": "history:dividends", "transactions": "history:transactions"}
EMPTY_PAGE = body({"items": [], "nextPagePath": None})


def check_key(settings):
    settings.TRADING212_DEMO_URL = BASE
    return Trading212Provider().credentials_check({"environment": "demo", "api_key": "KEY123", "api_secret": "S"})


def test_credentials_check_names_the_account_and_probes_each_history_scope_with_one_small_page(api, settings):
    api.get(f"{BASE}/equity/account/summary", body=body(SUMMARY))
    for endpoint in HISTORY_SCOPES:
        api.get(f"{BASE}/equity/history/{endpoint}", body=EMPTY_PAGE)
    check = check_key(settings)
    assert check.external_id == "4242" and check.institution_name == "Trading 212"
    assert check.scopes == {"account", *HISTORY_SCOPES.values()}
    probes = [call.request for call in api.calls if "/history/" in call.request.url]
    assert len(probes) == 3 and all(request.params == {"limit": "1"} for request in probes)


def test_credentials_check_refuses_a_key_without_a_history_scope_and_names_it(api, settings):
    api.get(f"{BASE}/equity/account/summary", body=body(SUMMARY))
    api.get(f"{BASE}/equity/history/orders", body=EMPTY_PAGE)
    api.get(f"{BASE}/equity/history/dividends", status=403, body="{}")
    with pytest.raises(ScopeMissing) as exc:
        check_key(settings)
    assert exc.value.scope == "history:dividends" and "history:dividends" in exc.value.user_message


def test_credentials_check_is_not_refused_because_a_history_quota_is_spent(api, settings):
    api.get(f"{BASE}/equity/account/summary", body=body(SUMMARY))
    api.get(f"{BASE}/equity/history/orders", status=429, headers={"x-ratelimit-reset": str(RESET)})
    for endpoint in ("dividends", "transactions"):
        api.get(f"{BASE}/equity/history/{endpoint}", body=EMPTY_PAGE)
    check = check_key(settings)
    assert "history:orders" not in check.scopes and "history:dividends" in check.scopes


# --- errors ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("endpoint", "scope"), [("orders", "history:orders"), ("dividends", "history:dividends"),
                                                 ("transactions", "history:transactions")])
def test_403_names_the_missing_scope(api, endpoint, scope):
    api.get(f"{BASE}/equity/history/{endpoint}", status=403, body="{}")
    c = client(paths=PATHS_2026)
    with pytest.raises(ScopeMissing) as exc:
        list(c.history(endpoint))
    assert exc.value.scope == scope and scope in str(exc.value)


def test_403_on_positions_names_portfolio(api):
    api.get(f"{BASE}/equity/positions", status=403, body="")
    with pytest.raises(ScopeMissing) as exc:
        client(paths=PATHS_2026).positions()
    assert exc.value.scope == "portfolio"


def test_429_waits_until_x_ratelimit_reset(api):
    api.get(f"{BASE}/equity/positions", status=429, headers={"x-ratelimit-reset": str(RESET),
                                                              "x-ratelimit-remaining": "0"})
    with pytest.raises(RateLimited) as exc:
        client(paths=PATHS_2026).positions()
    assert exc.value.retry_after == 30
    assert len(api.calls) == 1  # not retried inline: that would only spend the quota


def test_429_with_a_reset_a_moment_away_waits_it_out_once_and_asks_again(api):
    """Another process spent the window (the connect check in the web process): a reset within
    TRADING212_MAX_INLINE_WAIT is slept out once, then the call is made again."""
    soon = str(int(NOW.timestamp()) + 3)
    api.get(f"{BASE}/equity/positions", status=429, headers={"x-ratelimit-reset": soon, "x-ratelimit-remaining": "0"})
    api.get(f"{BASE}/equity/positions", body="[]")
    sleeps: list[float] = []
    assert client(paths=PATHS_2026, sleeps=sleeps, max_inline_wait=5).positions() == []
    assert sleeps == [3] and len(api.calls) == 2


def test_a_second_429_after_the_wait_is_not_retried_again(api):
    soon = str(int(NOW.timestamp()) + 3)
    for _ in range(2):
        api.get(f"{BASE}/equity/positions", status=429, headers={"x-ratelimit-reset": soon})
    sleeps: list[float] = []
    with pytest.raises(RateLimited):
        client(paths=PATHS_2026, sleeps=sleeps, max_inline_wait=5).positions()
    assert sleeps == [3] and len(api.calls) == 2


def test_spent_quota_far_from_reset_raises_without_a_call_or_a_sleep(api):
    api.get(f"{BASE}/equity/positions", body="[]", headers={"x-ratelimit-remaining": "0",
                                                             "x-ratelimit-reset": str(RESET)})
    sleeps: list[float] = []
    c = client(paths=PATHS_2026, sleeps=sleeps)
    c.positions()
    with pytest.raises(RateLimited) as exc:
        c.positions()
    assert exc.value.retry_after == 30 and sleeps == [] and len(api.calls) == 1


def test_spent_quota_about_to_reset_waits_once_for_exactly_the_gap(api):
    api.get(f"{BASE}/equity/positions", body="[]", headers={"x-ratelimit-remaining": "0",
                                                             "x-ratelimit-reset": str(int(NOW.timestamp()) + 1)})
    sleeps: list[float] = []
    c = client(paths=PATHS_2026, sleeps=sleeps)
    c.positions()
    c.positions()
    assert sleeps == [1.0] and len(api.calls) == 2


def test_remaining_quota_means_no_wait(api):
    api.get(f"{BASE}/equity/positions", body="[]", headers={"x-ratelimit-remaining": "3",
                                                             "x-ratelimit-reset": str(RESET)})
    sleeps: list[float] = []
    c = client(paths=PATHS_2026, sleeps=sleeps)
    c.positions()
    c.positions()
    assert sleeps == []


@pytest.mark.parametrize("payload", ['{"items": [', "<html>oops</html>", '{"items": "no"}', "[1, 2]",
                                     '{"items": [{"n": 1}], "nextPagePath": 5}'])
def test_malformed_history_bodies(api, payload):
    api.get(f"{BASE}/equity/history/orders", body=payload)
    with pytest.raises(BadProviderResponse):
        list(client(paths=PATHS_2026).history("orders"))


def test_positions_must_be_a_list(api):
    api.get(f"{BASE}/equity/positions", body='{"a": 1}')
    with pytest.raises(BadProviderResponse):
        client(paths=PATHS_2026).positions()


# --- pagination -----------------------------------------------------------------------------
@pytest.mark.parametrize("next_path", ["/api/v0/equity/history/orders?limit=50&cursor=1700", "limit=50&cursor=1700",
                                       "?limit=50&cursor=1700"])
def test_next_page_path_in_full_and_query_only_forms(api, next_path):
    api.get(f"{BASE}/equity/history/orders", match=[responses.matchers.query_param_matcher({"limit": "50"})],
            body=body({"items": [{"n": 1}], "nextPagePath": next_path}))
    api.get(f"{BASE}/equity/history/orders",
            match=[responses.matchers.query_param_matcher({"limit": "50", "cursor": "1700"})],
            body=body({"items": [{"n": 2}], "nextPagePath": None}))
    c = client(paths=PATHS_2026)
    assert [item["n"] for item in c.history("orders")] == [1, 2]
    assert c.calls == 2


def test_legacy_dividends_path_and_a_repeated_cursor_is_refused(api):
    api.get(f"{BASE}/history/dividends", body=body({"items": [{"n": 1}], "nextPagePath": "limit=50&cursor=9"}))
    with pytest.raises(BadProviderResponse):
        list(client(paths=PATHS_LEGACY).history("dividends"))


def test_a_next_page_on_another_host_is_refused(api):
    api.get(f"{BASE}/equity/history/orders",
            body=body({"items": [{"n": 1}], "nextPagePath": "https://evil.example/api/v0/equity/history/orders"}))
    with pytest.raises(BadProviderResponse):
        list(client(paths=PATHS_2026).history("orders"))


def test_paging_stops_once_a_page_reaches_before_since(api):
    api.get(f"{BASE}/equity/history/orders",
            body=body({"items": [{"n": 1, "old": False}, {"n": 2, "old": True}], "nextPagePath": "limit=50&cursor=1"}))
    c = client(paths=PATHS_2026)
    assert len(list(c.history("orders", stop=lambda item: item["old"]))) == 2 and c.calls == 1


# --- mapper ---------------------------------------------------------------------------------
INSTRUMENTS = mapper.instrument_index([
    {"ticker": "VUSAl_EQ", "type": "ETF", "isin": "IE00B3XXRP09", "currencyCode": "GBX", "name": "Vanguard S&P 500",
     "shortName": "VUSA"},
    {"ticker": "AAPL_US_EQ", "type": "STOCK", "isin": "US0378331005", "currencyCode": "USD", "name": "Apple",
     "shortName": "AAPL"},
])


def parsed(text: str):
    return json.loads(text, parse_float=Decimal)


def test_2026_position_keeps_gbx_price_and_platform_book_cost():
    position = parsed('{"instrument": {"ticker": "VUSAl_EQ", "currency": "GBX"}, "quantity": 12.3456789012,'
                      ' "currentPrice": 8912.2500, "averagePricePaid": 6201.1234,'
                      ' "walletImpact": {"currency": "GBP", "currentValue": 1100.27, "totalCost": 765.57}}')
    holding = mapper.holding_record(position, account_ccy="GBP", instruments=INSTRUMENTS, as_of=NOW)
    assert holding.quantity == Decimal("12.3456789012")
    assert (holding.price, holding.price_currency) == (Decimal("8912.2500"), "GBX")
    assert str(holding.price) == "8912.2500"
    assert (holding.book_cost, holding.value, holding.currency) == (Decimal("765.57"), Decimal("1100.27"), "GBP")


def test_legacy_position_book_cost_from_average_price_gbx_exact_usd_unknown():
    vusa = parsed('{"ticker": "VUSAl_EQ", "quantity": 3, "averagePrice": 6201.15, "currentPrice": 6300.01}')
    holding = mapper.holding_record(vusa, account_ccy="GBP", instruments=INSTRUMENTS, as_of=NOW)
    assert (holding.book_cost, holding.value, holding.price_currency) == (Decimal("186.03"), Decimal("189.00"), "GBX")
    aapl = parsed('{"ticker": "AAPL_US_EQ", "quantity": 2, "averagePrice": 170.1, "currentPrice": 200}')
    holding = mapper.holding_record(aapl, account_ccy="GBP", instruments=INSTRUMENTS, as_of=NOW)
    assert holding.book_cost is None and holding.value is None and holding.price == 200


def test_too_many_decimals_is_a_bad_response_not_a_rounding():
    position = parsed('{"ticker": "VUSAl_EQ", "quantity": 1.00000000001, "currentPrice": 1}')
    with pytest.raises(BadProviderResponse):
        mapper.holding_record(position, account_ccy="GBP", instruments=INSTRUMENTS, as_of=NOW)


def fill_item(fill_id, *, side="BUY", quantity="6", order_quantity="10", status="CANCELLED", fill_type="TRADE"):
    return parsed(body({"order": {"id": 9, "ticker": "AAPL_US_EQ", "side": side, "quantity": order_quantity,
                                  "filledQuantity": quantity, "currency": "USD", "status": status}, "fill": {
        "id": fill_id, "quantity": quantity, "price": "180.10", "filledAt": "2025-05-02T14:32:00.000Z",
        "type": fill_type, "walletImpact": {"currency": "GBP", "netValue": "849.57", "fxRate": "0.7850", "taxes": [
            {"name": "CURRENCY_CONVERSION_FEE", "quantity": "-1.27", "currency": "GBP"},
            {"name": "STAMP_DUTY_RESERVE_TAX", "quantity": "0.00", "currency": "GBP"}]}}}))


def test_partial_fill_maps_the_filled_quantity_fees_and_fx():
    record = mapper.order_record(fill_item(501), account_ccy="GBP")
    assert (record.type, record.quantity, record.external_id) == ("buy", Decimal("6"), "fill:501")
    assert record.amount == Decimal("-849.57") and record.fees == Decimal("1.27") and record.taxes == 0
    assert (record.original_currency, record.fx_rate, record.price_currency) == ("USD", Decimal("0.7850"), "USD")
    assert record.booked_date == date(2025, 5, 2) and record.booked_at.tzinfo is not None


def test_two_fills_of_one_order_are_two_records_with_their_own_ids():
    ids = {mapper.order_record(fill_item(n, status="FILLED"), account_ccy="GBP").external_id for n in (1, 2)}
    assert ids == {"fill:1", "fill:2"}


def test_sell_is_money_in_and_split_moves_units_only():
    sell = mapper.order_record(fill_item(7, side="SELL", status="FILLED"), account_ccy="GBP")
    assert sell.type == "sell" and sell.amount == Decimal("849.57") and sell.quantity == 6
    split = mapper.order_record(fill_item(8, quantity="27", fill_type="STOCK_SPLIT"), account_ccy="GBP")
    assert split.type == "split" and split.quantity == 27 and split.amount == 0


def test_unfilled_order_maps_to_nothing():
    assert mapper.order_record({"order": {"id": 3, "status": "CANCELLED"}}, account_ccy="GBP") is None
    assert mapper.order_record({"id": 3, "ticker": "AAPL_US_EQ", "filledQuantity": 0}, account_ccy="GBP") is None


def test_legacy_flat_order_sell_with_stamp_duty_as_tax():
    item = parsed('{"id": 5, "fillId": 55, "ticker": "VUSAl_EQ", "orderedQuantity": -2, "filledQuantity": -2,'
                  ' "fillPrice": 6400.5, "filledValue": 128.01, "dateExecuted": "2024-01-02T10:00:00Z",'
                  ' "taxes": [{"name": "STAMP_DUTY", "quantity": 0.64}, {"name": "TRANSACTION_FEE", "quantity": 0.02}]}')
    record = mapper.order_record(item, account_ccy="GBP", instruments=INSTRUMENTS)
    assert (record.type, record.quantity, record.price_currency) == ("sell", Decimal("2"), "GBX")
    assert (record.amount, record.taxes, record.fees) == (Decimal("127.35"), Decimal("0.64"), Decimal("0.02"))


def test_dividend_withholding_is_gross_minus_net_when_one_currency():
    item = parsed('{"ticker": "LANDl_EQ", "reference": "D-1", "quantity": 100, "amount": 14.8,'
                  ' "grossAmountPerShare": 18.5, "paidOn": "2025-07-01T00:00:00Z", "currency": "GBP",'
                  ' "tickerCurrency": "GBX"}')
    record = mapper.dividend_record(item, account_ccy="GBP", instruments=INSTRUMENTS)
    assert (record.type, record.amount, record.taxes) == ("dividend", Decimal("14.8"), Decimal("3.70"))
    assert record.external_id == "dividend:D-1"


def test_foreign_dividend_keeps_net_and_currency_without_inventing_fx():
    item = parsed('{"ticker": "AAPL_US_EQ", "reference": "D-2", "quantity": 11, "amount": 1.85,'
                  ' "grossAmountPerShare": 0.25, "paidOn": "2025-07-01T00:00:00Z"}')
    record = mapper.dividend_record(item, account_ccy="GBP", instruments=INSTRUMENTS)
    assert record.amount == Decimal("1.85") and record.taxes == 0 and record.original_currency == "USD"


@pytest.mark.parametrize(("kind", "sent", "expected_type", "expected"), [
    ("DEPOSIT", "500.00", "deposit", "500.00"), ("WITHDRAW", "-250", "withdrawal", "-250"),
    ("WITHDRAW", "250", "withdrawal", "-250"), ("FEE", "-2.5", "fee", "-2.5"),
    ("INTEREST_ON_FREE_CASH", "3.21", "interest", "3.21"), ("TRANSFER", "-10", "transfer_out", "-10"),
])
def test_cash_movements(kind, sent, expected_type, expected):
    item = {"type": kind, "amount": Decimal(sent), "reference": "R1", "dateTime": "2025-01-01T09:00:00Z"}
    record = mapper.transaction_record(item, account_ccy="GBP")
    assert (record.type, record.amount, record.external_id) == (expected_type, Decimal(expected), "transaction:R1")


def test_security_from_metadata():
    security = mapper.security_record("VUSAl_EQ", INSTRUMENTS["VUSAl_EQ"])
    assert (security.isin, security.type, security.quote_currency, security.mic, security.ticker) == (
        "IE00B3XXRP09", "etf", "GBX", "XLON", "VUSA")


def test_float_values_are_refused():
    with pytest.raises(BadProviderResponse):
        mapper.number(0.1)
