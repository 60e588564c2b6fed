"""PayPal's client and mapper: event codes to our types, PayPal's negative fees to our sign, exact
money per currency (JPY has no minor unit), the client-credentials token (expiry, one re-fetch on
invalid_token), PayPal's errors to the shared vocabulary, secrets never shown."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from integrations_core.providers.errors import (
    BadProviderResponse,
    ProviderAuthError,
    RateLimited,
    RequestRejected,
    ScopeMissing,
)
from payments.providers.paypal import mapper
from payments.providers.paypal.client import PayPalClient
from payments.providers.paypal.provider import PayPalProvider

from .paypal_http import BASE, SECRET, answer_when

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


def row(code="T0006", value="100.00", fee="-3.20", currency="GBP", status="S", **info):
    transaction_info = {"transaction_id": info.pop("transaction_id", "9XL12345AB6789012"),
                        "transaction_event_code": code, "transaction_initiation_date": "2026-03-02T09:15:00+0000",
                        "transaction_updated_date": "2026-03-02T09:15:00+0000",
                        "transaction_amount": {"currency_code": currency, "value": value},
                        "transaction_status": status, **info}
    if fee is not None:
        transaction_info["fee_amount"] = {"currency_code": currency, "value": fee}
    return {"transaction_info": transaction_info,
            "payer_info": {"payer_name": {"given_name": "Ada", "surname": "Lovelace"}}}


# --- mapper -----------------------------------------------------------------------------------
def test_a_sale_fee_is_positive_for_us_and_net_is_amount_minus_fee():
    record, payout = mapper.transaction(row(value="100.00", fee="-3.20", invoice_id="INV-0007"), today=TODAY)
    assert (record.type, record.amount, record.fee, record.net) == ("charge", Decimal("100.00"), Decimal("3.20"),
                                                                    Decimal("96.80"))
    assert record.net == record.amount - record.fee
    assert record.fee_details[0].amount == Decimal("3.20") and record.fee_details[0].type == "paypal_fee"
    assert record.reference == "INV-0007" and record.counterparty == "Ada Lovelace"
    assert record.reporting_category == "T0006" and payout is None
    assert record.created_at == datetime(2026, 3, 2, 9, 15, tzinfo=UTC)


def test_a_fee_paypal_gives_back_is_a_negative_fee():
    record, _ = mapper.transaction(row(code="T1108", value="0.00", fee="0.50"), today=TODAY)
    assert (record.type, record.fee, record.net) == ("fee", Decimal("-0.50"), Decimal("0.50"))


@pytest.mark.parametrize(("code", "value", "expected"), [
    ("T0006", "25.00", "charge"), ("T0007", "25.00", "charge"), ("T0000", "25.00", "charge"),
    ("T0000", "-25.00", "transfer"),  # a payment the merchant sent is not a sale
    ("T0100", "-5.00", "fee"), ("T0200", "-30.00", "transfer"), ("T0300", "50.00", "transfer"),
    ("T0400", "-80.00", "payout"), ("T0403", "-80.00", "payout"), ("T1101", "80.00", "payout_failure"),
    ("T1107", "-25.00", "refund"), ("T1106", "-25.00", "dispute"), ("T1110", "-25.00", "dispute"),
    ("T1111", "25.00", "dispute_reversal"), ("T1201", "-25.00", "dispute"), ("T1202", "25.00", "dispute_reversal"),
    ("T1200", "-1.00", "adjustment"), ("T9900", "1.00", "other"),
])
def test_event_codes_map_to_our_types(code, value, expected):
    record, _ = mapper.transaction(row(code=code, value=value, fee=None), today=TODAY)
    assert record.type == expected


@pytest.mark.parametrize("code", ["T1300", "T1302", "T1503", "T2101", "T2102", "T9800"])
def test_authorizations_holds_and_display_rows_move_no_money(code):
    page = mapper.transactions_page({"transaction_details": [row(code=code, value="-40.00", fee=None), row()]},
                                    today=TODAY)
    assert [r.type for r in page.balance_transactions] == ["charge"] and page.skipped == 1


def test_a_denied_payment_is_not_a_movement_and_a_pending_one_is_pending():
    assert mapper.transaction(row(status="D"), today=TODAY) == (None, None)
    assert mapper.transaction(row(status="P"), today=TODAY)[0].status == "pending"


def test_a_withdrawal_is_a_payout_arriving_the_next_working_day():
    friday = row(code="T0400", value="-412.37", fee=None, transaction_initiation_date="2026-03-06T17:00:00+0000")
    record, payout = mapper.transaction(friday, today=date(2026, 3, 6))
    assert record.amount == Decimal("-412.37") and record.payout_external_id == record.external_id
    assert payout.amount == Decimal("412.37") and payout.arrival_date == date(2026, 3, 9)  # Monday
    assert payout.status == "in_transit" and payout.balance_transaction_ids == (record.external_id,)
    assert mapper.transaction(friday, today=date(2026, 3, 9))[1].status == "paid"


def test_jpy_has_no_minor_unit_and_kwd_has_three():
    record, _ = mapper.transaction(row(value="1500", fee="-74", currency="JPY"), today=TODAY)
    assert (record.amount, record.fee, record.net, record.currency) == (Decimal(1500), Decimal(74), Decimal(1426),
                                                                        "JPY")
    with pytest.raises(BadProviderResponse):
        mapper.transaction(row(value="1500.5", fee=None, currency="JPY"), today=TODAY)
    assert mapper.transaction(row(value="1.125", fee=None, currency="KWD"), today=TODAY)[0].amount == Decimal("1.125")
    with pytest.raises(BadProviderResponse):
        mapper.transaction(row(value="10.001", fee=None), today=TODAY)  # GBP: never rounded


@pytest.mark.parametrize("bad", [{"transaction_info": {}}, row(value="ten"), row(fee="-1.00", currency="GBP") | {
    "transaction_info": {**row()["transaction_info"], "fee_amount": {"currency_code": "USD", "value": "-1.00"}}}])
def test_unreadable_rows_are_a_bad_response(bad):
    with pytest.raises(BadProviderResponse):
        mapper.transaction(bad, today=TODAY)


def test_balances_one_account_per_currency_total_and_available():
    accounts, balances, account_id = mapper.balances({"account_id": "MERCHANT13XYZ", "balances": [
        {"currency": "GBP", "total_balance": {"currency_code": "GBP", "value": "120.00"},
         "available_balance": {"currency_code": "GBP", "value": "100.00"},
         "withheld_balance": {"currency_code": "GBP", "value": "20.00"}},
        {"currency": "JPY", "total_balance": {"currency_code": "JPY", "value": "3000"}}]})
    assert [a.external_id for a in accounts] == ["balance:gbp", "balance:jpy"] and account_id == "MERCHANT13XYZ"
    gbp = balances["balance:gbp"]
    assert (gbp.current, gbp.available, gbp.extra["pending_balance"]) == (Decimal("120.00"), Decimal("100.00"),
                                                                         Decimal("20.00"))
    assert balances["balance:jpy"].available == Decimal(3000)


def test_a_dispute_keeps_its_deadline_and_the_disputed_payment():
    record = mapper.dispute({"dispute_id": "PP-D-12345", "create_time": "2026-03-01T10:00:00.000Z",
                             "status": "WAITING_FOR_SELLER_RESPONSE", "reason": "UNAUTHORISED",
                             "dispute_amount": {"currency_code": "USD", "value": "-50.00"},
                             "seller_response_due_date": "2026-03-11T10:00:00.000Z",
                             "disputed_transactions": [{"seller_transaction_id": "3BC12345AB6789012"}]})
    assert (record.amount, record.currency, record.charge_external_id, record.closed) == (
        Decimal("50.00"), "USD", "3BC12345AB6789012", False)
    assert record.evidence_due_by == datetime(2026, 3, 11, 10, 0, tzinfo=UTC)
    assert mapper.dispute({**record.raw, "status": "RESOLVED"}).closed


# --- client against the sandbox --------------------------------------------------------------
@pytest.fixture(autouse=True)
def plain_http(monkeypatch, settings):
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    settings.PROVIDER_HTTP_RETRIES = 0


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr("sandbox.clock.now", lambda: NOW)
    monkeypatch.setattr("sandbox.clock.today", lambda: TODAY)
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def client(login="casey", secret=SECRET) -> PayPalClient:
    return PayPalClient(base_url=BASE, client_id=login, client_secret=secret)


@pytest.mark.django_db
def test_the_token_is_fetched_once_and_again_when_it_nears_expiry(paypal, frozen):
    api = client()
    api.balances()
    api.balances()
    assert paypal.count("/oauth2/token") == 1
    token_call = next(c for c in paypal.calls if c.path.endswith("/oauth2/token"))
    assert token_call.method == "POST"
    frozen.shift(timedelta(seconds=32400 - 200))  # inside the 5-minute margin of expires_in
    api.balances()
    assert paypal.count("/oauth2/token") == 2


@pytest.mark.django_db
def test_a_token_paypal_dropped_early_is_fetched_again_once(paypal, frozen):
    dropped = {"left": 1}

    def once(method, path, query):
        if path.endswith("/reporting/balances") and dropped["left"]:
            dropped["left"] -= 1
            return 401, {"content-type": "application/json"}, json.dumps(
                {"error": "invalid_token", "error_description": "Access Token not found in cache"}).encode()
        return None

    paypal.faults.append(once)
    assert client().balances()["account_id"]
    assert paypal.count("/oauth2/token") == 2 and paypal.count("/reporting/balances") == 2


@pytest.mark.django_db
def test_an_expired_token_twice_is_an_auth_error(paypal, frozen):
    with pytest.raises(ProviderAuthError) as refused:
        client("error.expired").balances()
    assert refused.value.provider_code == "invalid_token"
    assert paypal.count("/oauth2/token") == 2 and paypal.count("/reporting/balances", status=401) == 2


@pytest.mark.django_db
def test_a_wrong_secret_is_invalid_client_and_never_shown(paypal, frozen, caplog):
    api = client(secret="s3cr3t-that-is-wrong")
    with caplog.at_level(logging.DEBUG), pytest.raises(ProviderAuthError) as refused:
        api.balances()
    assert refused.value.provider_code == "invalid_client"
    assert "s3cr3t" not in caplog.text and "s3cr3t" not in repr(api) and "s3cr3t" not in str(refused.value)


@pytest.mark.django_db
def test_429_is_rate_limited_with_paypal_s_wait_or_a_minute(paypal, frozen):
    with pytest.raises(RateLimited) as limited:
        client("error.rate_limit").balances()  # the token endpoint itself is limited
    assert limited.value.retry_after == 60
    paypal.faults.append(answer_when(lambda method, path: "/reporting/" in path, 429,
                                     b'{"name": "RATE_LIMIT_REACHED", "message": "Too many requests."}',
                                     {"Retry-After": "120"}))
    with pytest.raises(RateLimited) as limited:
        client().balances()
    assert limited.value.retry_after == 120 and limited.value.provider_code == "RATE_LIMIT_REACHED"


@pytest.mark.django_db
def test_a_window_over_31_days_is_refused_with_paypal_s_error(paypal, frozen):
    with pytest.raises(RequestRejected) as refused:
        client().transactions_page(NOW - timedelta(days=32), NOW, 1)
    assert "Date range is greater than 31 days" in str(refused.value)
    body = json.loads(paypal.calls[-1].body)
    assert body["name"] == "INVALID_REQUEST" and {"message", "debug_id", "details"} <= set(body)


@pytest.mark.django_db
def test_a_token_without_a_scope_is_scope_missing(paypal, frozen):
    with pytest.raises(ScopeMissing):
        client("error.no_disputes").disputes(update_time_after=None)
    provider = PayPalProvider()
    with pytest.raises(ScopeMissing) as missing:
        provider.credentials_check({"environment": "sandbox", "client_id": "error.no_search", "client_secret": SECRET})
    assert "Transaction search" in str(missing.value)


@pytest.mark.django_db
def test_credentials_check_names_the_merchant_account(paypal, frozen, settings):
    settings.PAYPAL_SANDBOX_URL = BASE
    check = PayPalProvider().credentials_check({"environment": "sandbox", "client_id": "casey", "client_secret": SECRET})
    from sandbox.paypal.data import merchant_id

    assert check.external_id == merchant_id("casey") and check.scopes == {"transaction_search", "disputes"}
