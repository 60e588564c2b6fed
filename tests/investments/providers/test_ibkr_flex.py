"""IBKR Flex: the two-step protocol with `responses` (never a real host), the error codes, safe
XML, the token kept out of every error, and the mapper's records from a hand-written statement."""

from __future__ import annotations

import traceback
from datetime import date
from decimal import Decimal

import pytest
import requests
import responses

from integrations_core.providers.base import AuthType, Capability, Family
from integrations_core.providers.errors import (
    BadProviderResponse,
    ConsentExpired,
    ProviderAuthError,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    RequestRejected,
)
from investments.providers.ibkr_flex import mapper
from investments.providers.ibkr_flex.client import IbkrFlexClient
from investments.providers.ibkr_flex.provider import IbkrFlexProvider
from investments.providers.ibkr_flex.source import IbkrFlexSource

BASE = "https://flex.example/AccountManagement/FlexWebService"
TOKEN = "871234567890123456789012"
SEND, GET = f"{BASE}/SendRequest", f"{BASE}/GetStatement"


def envelope(status="Success", **fields):
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
    return (f'<FlexStatementResponse timestamp="15 June, 2025 08:00 AM EDT"><Status>{status}</Status>{inner}'
            "</FlexStatementResponse>")


def fail(code):
    return envelope("Fail", ErrorCode=code, ErrorMessage="Some message.")


OK_SEND = envelope(ReferenceCode="1234567890", Url="https://elsewhere.example/GetStatement")

STATEMENT = """<?xml version="1.0" encoding="UTF-8"?>
<FlexQueryResponse queryName="q" type="AF"><FlexStatements count="1">
<FlexStatement accountId="U1" fromDate="2024-01-01" toDate="2024-12-31" period="Year" whenGenerated="2025-01-01;09:00:00">
<AccountInformation accountId="U1" currency="GBP" name="J Smith" accountType="Individual" customerType="Individual" />
<CashReport><CashReportCurrency accountId="U1" currency="BASE_SUMMARY" endingCash="1234.5678" /></CashReport>
<OpenPositions>
<OpenPosition accountId="U1" assetCategory="STK" currency="USD" symbol="XYZ" description="XYZ CORP" conid="11" isin="US0000000011" fxRateToBase="0.8" reportDate="2024-12-31" position="34" markPrice="12.3456789" positionValue="592.59" costBasisMoney="500.125" side="Long" levelOfDetail="SUMMARY" />
<OpenPosition accountId="U1" assetCategory="STK" subCategory="ETF" currency="GBp" symbol="UKX" description="UK ETF" conid="22" isin="IE0000000022" listingExchange="LSEETF" fxRateToBase="1" reportDate="2024-12-31" position="100" markPrice="812.35" positionValue="81235" costBasisMoney="80000.5" side="Long" levelOfDetail="SUMMARY" />
</OpenPositions>
<Trades>
<Trade accountId="U1" assetCategory="STK" currency="USD" symbol="XYZ" conid="11" fxRateToBase="0.8" tradeID="901" ibExecID="e.1" tradeDate="2024-02-01" dateTime="2024-02-01;10:00:00" quantity="10" tradePrice="40.01" proceeds="-400.10" ibCommission="-1.00" ibCommissionCurrency="USD" netCash="-401.10" netCashInBase="-320.88" taxes="0" buySell="BUY" levelOfDetail="EXECUTION" notes="P" />
<Trade accountId="U1" assetCategory="STK" currency="USD" symbol="XYZ" conid="11" fxRateToBase="0.8" tradeID="902" ibExecID="e.2" tradeDate="2024-02-01" dateTime="2024-02-01;10:00:01" quantity="4" tradePrice="40.02" proceeds="-160.08" ibCommission="-0.35" ibCommissionCurrency="USD" netCash="-160.43" taxes="0" buySell="BUY" levelOfDetail="EXECUTION" />
<Trade accountId="U1" assetCategory="STK" currency="USD" symbol="XYZ" conid="11" fxRateToBase="0.8" tradeID="902" ibOrderID="77" tradeDate="2024-02-01" quantity="14" tradePrice="40.013" proceeds="-560.18" netCash="-561.53" buySell="BUY" levelOfDetail="ORDER" />
<Trade accountId="U1" assetCategory="STK" currency="GBX" symbol="UKX" conid="22" fxRateToBase="1" tradeID="903" tradeDate="2024-03-01" quantity="100" tradePrice="800.005" proceeds="-80000.5" ibCommission="-300" ibCommissionCurrency="GBX" netCash="-80300.5" taxes="-400" buySell="BUY" levelOfDetail="EXECUTION" />
<Trade accountId="U1" assetCategory="STK" currency="USD" symbol="XYZ" conid="11" fxRateToBase="0.8" tradeID="904" tradeDate="2024-09-01" quantity="-22" tradePrice="41" proceeds="902" ibCommission="-1" ibCommissionCurrency="USD" netCash="901" buySell="SELL" levelOfDetail="EXECUTION" />
<Trade accountId="U1" assetCategory="CASH" currency="USD" symbol="GBP.USD" conid="5" tradeID="905" tradeDate="2024-01-15" quantity="-1000" tradePrice="1.27" proceeds="1270" netCash="1268" buySell="SELL" levelOfDetail="EXECUTION" />
</Trades>
<CorporateActions>
<CorporateAction accountId="U1" assetCategory="STK" currency="USD" symbol="XYZ" conid="11" fxRateToBase="0.8" dateTime="2024-06-01;20:25:00" reportDate="2024-06-01" actionDescription="XYZ SPLIT 4 FOR 1" quantity="42" amount="0" type="FS" transactionID="701" levelOfDetail="DETAIL" />
</CorporateActions>
<CashTransactions>
<CashTransaction accountId="U1" assetCategory="STK" currency="USD" fxRateToBase="0.8" conid="11" symbol="XYZ" description="XYZ CASH DIVIDEND" amount="12.34" dateTime="2024-07-01;20:20:00" type="Dividends" transactionID="801" levelOfDetail="DETAIL" />
<CashTransaction accountId="U1" assetCategory="STK" currency="USD" fxRateToBase="0.8" conid="11" symbol="XYZ" description="XYZ CASH DIVIDEND - US TAX" amount="-1.85" dateTime="2024-07-01;20:20:00" type="Withholding Tax" transactionID="802" levelOfDetail="DETAIL" />
<CashTransaction accountId="U1" currency="GBP" fxRateToBase="1" description="DEPOSIT" amount="5000" dateTime="2024-01-02;12:00:00" type="Deposits/Withdrawals" transactionID="803" levelOfDetail="DETAIL" />
<CashTransaction accountId="U1" currency="GBP" fxRateToBase="1" description="WITHDRAWAL" amount="-100.5" dateTime="2024-11-02;12:00:00" type="Deposits &amp; Withdrawals" transactionID="804" levelOfDetail="DETAIL" />
<CashTransaction accountId="U1" currency="GBP" fxRateToBase="1" description="CREDIT INT" amount="1.23" dateTime="2024-05-03;12:00:00" type="Broker Interest Received" transactionID="805" levelOfDetail="DETAIL" />
<CashTransaction accountId="U1" currency="GBP" fxRateToBase="1" description="DATA FEE" amount="-3" dateTime="2024-05-04;12:00:00" type="Other Fees" transactionID="806" levelOfDetail="DETAIL" />
</CashTransactions>
</FlexStatement></FlexStatements></FlexQueryResponse>"""


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def client(sleeps, settings):
    settings.PROVIDER_HTTP_RETRIES = 0
    return IbkrFlexClient(base_url=BASE, token=TOKEN, query_id="555", sleep=sleeps, poll_waits=(1.0, 2.0, 4.0))


def assert_token_free(exc: BaseException):
    text = "".join(traceback.format_exception(exc)) + repr(exc) + str(exc)
    assert TOKEN not in text


# --- the protocol --------------------------------------------------------------------------------
@responses.activate
def test_send_then_poll_while_generating_then_receive(client, sleeps):
    responses.get(SEND, body=OK_SEND)
    responses.get(GET, body=fail("1019"))
    responses.get(GET, body=fail("1019"))
    responses.get(GET, body=STATEMENT)
    assert client.fetch_statement() == STATEMENT.encode()
    assert sleeps == [1.0, 2.0]  # waits between polls, none after the statement arrived
    assert client.calls == 4
    send, *polls = responses.calls
    assert send.request.params == {"t": TOKEN, "q": "555", "v": "3"}
    # The reference goes to the configured host, never to the Url the envelope names.
    assert all(c.request.url.startswith(GET) and c.request.params["q"] == "1234567890" for c in polls)


@responses.activate
def test_too_many_polls_is_unavailable_and_bounded(client, sleeps):
    responses.get(GET, body=fail("1019"))
    with pytest.raises(ProviderUnavailable) as caught:
        client.get_statement("1234567890")
    assert caught.value.transient and caught.value.provider_code == "1019"
    assert len(responses.calls) == 4 and sleeps == [1.0, 2.0, 4.0]


@pytest.mark.parametrize(("code", "error"), [
    ("1012", ConsentExpired), ("1015", ProviderAuthError), ("1014", ProviderAuthError), ("1011", ProviderAuthError),
    ("1018", RateLimited), ("1020", RequestRejected), ("1009", ProviderUnavailable), ("1017", BadProviderResponse),
])
@responses.activate
def test_error_codes_map_to_the_shared_errors(client, code, error):
    responses.get(SEND, body=fail(code))
    with pytest.raises(error) as caught:
        client.send_request()
    assert type(caught.value) is error and caught.value.provider_code == code
    assert_token_free(caught.value)


@responses.activate
def test_rate_limited_while_polling_waits_a_minute(client):
    responses.get(GET, body=fail("1018"))
    with pytest.raises(RateLimited) as caught:
        client.get_statement("1")
    assert caught.value.retry_after == 60


@pytest.mark.parametrize("body", [
    "<FlexStatementResponse><Status>Success</Status>",  # truncated
    "not xml at all",
    '<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><FlexStatementResponse><Status>&c;</Status></FlexStatementResponse>',
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    "<FlexStatementResponse><Status>&e;</Status></FlexStatementResponse>",
    "<Other/>",
    envelope(ReferenceCode="not-a-number"),
])
@responses.activate
def test_malformed_and_hostile_envelopes_are_bad_responses(client, body):
    responses.get(SEND, body=body)
    with pytest.raises(BadProviderResponse) as caught:
        client.send_request()
    assert_token_free(caught.value)


def test_entity_bomb_in_the_statement_is_refused():
    bomb = ('<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            '<FlexQueryResponse queryName="&b;" type="AF"><FlexStatements count="0"/></FlexQueryResponse>')
    with pytest.raises(BadProviderResponse):
        mapper.parse_statement(bomb.encode())
    with pytest.raises(BadProviderResponse):
        mapper.parse_statement(STATEMENT[: len(STATEMENT) // 2].encode())


@responses.activate
def test_transport_failures_and_http_errors_never_carry_the_token(client):
    responses.get(SEND, body=requests.ConnectionError(f"Max retries exceeded with url: /SendRequest?t={TOKEN}&q=555"))
    with pytest.raises(ProviderUnavailable) as caught:
        client.send_request()
    assert_token_free(caught.value)
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    responses.replace(responses.GET, SEND, status=503, body="down")
    with pytest.raises(ProviderUnavailable) as caught:
        client.send_request()
    assert_token_free(caught.value)
    assert TOKEN not in repr(client) and TOKEN not in repr(IbkrFlexSource(client))


# --- the provider --------------------------------------------------------------------------------
def test_descriptor_and_credential_check(settings):
    settings.IBKR_FLEX_URL = BASE
    provider = IbkrFlexProvider()
    assert (provider.slug, provider.family, provider.auth_type) == ("ibkr_flex", Family.INVESTMENTS, AuthType.API_KEY)
    assert provider.capabilities == {Capability.HOLDINGS, Capability.INVESTMENT_TRANSACTIONS,
                                     Capability.SCHEDULED_SYNC}
    assert {(f.name, f.secret) for f in provider.credential_fields} == {("token", True), ("query_id", False)}
    with responses.RequestsMock() as mock:
        mock.get(SEND, body=OK_SEND)
        check = provider.credentials_check({"token": TOKEN, "query_id": "555"})
        assert check.external_id == "555" and len(mock.calls) == 1  # SendRequest only
        mock.replace(responses.GET, SEND, body=fail("1015"))
        with pytest.raises(ProviderAuthError):
            provider.credentials_check({"token": "wrong", "query_id": "555"})


# --- the mapper ----------------------------------------------------------------------------------
@pytest.fixture
def parsed():
    return mapper.parse_statement(STATEMENT.encode())


def by_id(records):
    return {r.external_id: r for r in records}


def test_account_and_securities(parsed):
    statement = parsed.statements[0]
    account = mapper.account_record(statement)
    assert (account.external_id, account.type, account.currency) == ("U1", "investment", "GBP")
    assert account.extra["wrapper"] == "gia" and account.extra["account_type"] == "Individual"
    securities = {s.external_id: s for s in mapper.security_records(statement, parsed.pence_conids)}
    assert set(securities) == {"11", "22"}  # the FX conversion is no security
    assert securities["22"].quote_currency == "GBX" and securities["22"].type == "etf"
    assert securities["22"].mic == "XLON" and securities["11"].quote_currency == "USD"


def test_snapshot_keeps_decimals_exact_and_pence_prices_in_pence(parsed):
    snapshot = mapper.snapshot_record(parsed.statements[0], parsed.pence_conids)
    assert snapshot.as_of.tzinfo is not None and snapshot.cash.current == Decimal("1234.5678")
    usd, gbx = snapshot.holdings
    assert (usd.quantity, usd.price, usd.price_currency, usd.value, usd.currency) == (
        Decimal("34"), Decimal("12.3456789"), "USD", Decimal("592.59"), "USD")
    assert usd.book_cost == Decimal("500.125")
    assert all(isinstance(v, Decimal) for v in (usd.quantity, usd.price, usd.value, usd.book_cost))
    assert (gbx.price, gbx.price_currency, gbx.value, gbx.book_cost, gbx.currency) == (
        Decimal("812.35"), "GBX", Decimal("812.35"), Decimal("800.005"), "GBP")


def test_trades_are_executions_with_fees_taxes_and_fx(parsed):
    records = by_id(mapper.transaction_records(parsed.statements[0], parsed.pence_conids))
    first, second = records["trade:901"], records["trade:902"]
    assert first.type == "buy" and first.amount == Decimal("-320.88")  # IBKR's netCashInBase
    assert (first.quantity, first.price, first.fees, first.original_currency, first.fx_rate) == (
        Decimal("10"), Decimal("40.01"), Decimal("0.80"), "USD", Decimal("0.8"))
    assert second.amount == Decimal("-128.34") and second.quantity == Decimal("4")  # the other partial fill
    assert first.booked_at.tzinfo is not None
    london = records["trade:903"]
    assert (london.price, london.price_currency, london.amount, london.fees, london.taxes) == (
        Decimal("800.005"), "GBX", Decimal("-803.005"), Decimal("3.00"), Decimal("4.00"))
    sell = records["trade:904"]
    assert sell.type == "sell" and sell.quantity == Decimal("22") and sell.amount == Decimal("720.80")
    assert "trade:905" not in records  # FX conversion
    assert len([r for r in records.values() if r.type in ("buy", "sell")]) == 4  # ORDER summary left out


def test_split_dividend_withholding_and_cash(parsed):
    records = by_id(mapper.transaction_records(parsed.statements[0], parsed.pence_conids))
    split = records["ca:701"]
    assert (split.type, split.quantity, split.amount, split.security_external_id) == ("split", Decimal("42"),
                                                                                       Decimal("0"), "11")
    dividend, tax = records["cash:801"], records["cash:802"]
    assert (dividend.type, dividend.amount, dividend.original_currency) == ("dividend", Decimal("9.87"), "USD")
    assert (tax.type, tax.amount, tax.taxes, tax.security_external_id) == ("tax", Decimal("-1.48"),
                                                                           Decimal("1.48"), "11")
    assert records["cash:803"].type == "deposit" and records["cash:803"].amount == Decimal("5000")
    assert records["cash:804"].type == "withdrawal" and records["cash:804"].amount == Decimal("-100.5")
    assert records["cash:805"].type == "interest" and records["cash:806"].type == "fee"


def test_positions_equal_what_the_history_implies(parsed):
    statement = parsed.statements[0]
    implied: dict[str, Decimal] = {}
    for r in mapper.transaction_records(statement, parsed.pence_conids):
        sign = {"buy": 1, "sell": -1, "split": 1}.get(r.type)
        if sign:
            implied[r.security_external_id] = implied.get(r.security_external_id, Decimal(0)) + sign * r.quantity
    held = {h.security_external_id: h.quantity for h in mapper.snapshot_record(statement, parsed.pence_conids).holdings}
    assert implied == held


def test_since_filters_and_ids_are_stable(parsed):
    statement = parsed.statements[0]
    later = mapper.transaction_records(statement, parsed.pence_conids, since=date(2024, 7, 1))
    assert {r.external_id for r in later} == {"cash:801", "cash:802", "trade:904", "cash:804"}
    again = mapper.parse_statement(STATEMENT.encode())
    assert [r.external_id for r in mapper.transaction_records(again.statements[0], again.pence_conids)] == [
        r.external_id for r in mapper.transaction_records(statement, parsed.pence_conids)]


def test_source_fetches_the_statement_once_for_every_account(sleeps, settings):
    settings.PROVIDER_HTTP_RETRIES = 0
    source = IbkrFlexSource(IbkrFlexClient(base_url=BASE, token=TOKEN, query_id="555", sleep=sleeps))
    with responses.RequestsMock() as mock:
        mock.get(SEND, body=OK_SEND)
        mock.get(GET, body=STATEMENT)
        accounts = source.list_accounts()
        data = source.fetch_portfolio(accounts[0], since=date(2024, 6, 1))
        source.fetch_portfolio(accounts[0], since=None)
        assert len(mock.calls) == 2 and source.calls == 2
    assert (data.window_from, data.window_to) == (date(2024, 6, 1), date(2024, 12, 31))
    assert len(data.snapshot.holdings) == 2 and data.securities
    with pytest.raises(ProviderError):
        source.fetch_portfolio(accounts[0].__class__(external_id="U9", name="x", type="investment",
                                                     currency="GBP"), since=None)
