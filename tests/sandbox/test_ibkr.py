"""The IBKR Flex mock: the poll protocol, its fault tokens, and a statement whose positions are
what its own history implies (split, partial fills, GBX, USD with FX, withholding tax)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from defusedxml import ElementTree as SafeET

from investments.providers.ibkr_flex import mapper
from sandbox import clock

pytestmark = pytest.mark.django_db
FLEX = "/sandbox/ibkr/FlexWebService"
QUERY = "987654"


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 3, 10, 12, 0, tzinfo=UTC))
    monkeypatch.setattr(clock, "today", lambda: date(2025, 3, 10))


def envelope(response):
    root = SafeET.fromstring(response.content)
    return {child.tag: child.text for child in root}


def send(client, token="8712345", query=QUERY):
    return client.get(f"{FLEX}/SendRequest", {"t": token, "q": query, "v": "3"})


def get(client, reference, token="8712345"):
    return client.get(f"{FLEX}/GetStatement", {"t": token, "q": reference, "v": "3"})


def statement(client):
    reference = envelope(send(client))["ReferenceCode"]
    assert envelope(get(client, reference))["ErrorCode"] == "1019"
    return get(client, reference).content


def test_send_then_in_progress_then_the_statement(client):
    sent = envelope(send(client))
    assert sent["Status"] == "Success" and sent["ReferenceCode"].isdigit()
    assert sent["Url"].endswith("/sandbox/ibkr/FlexWebService/GetStatement")
    first = envelope(get(client, sent["ReferenceCode"]))
    assert (first["Status"], first["ErrorCode"]) == ("Fail", "1019")
    ready = get(client, sent["ReferenceCode"])
    assert ready.status_code == 200 and b"<FlexQueryResponse" in ready.content
    assert envelope(get(client, "1111111111"))["ErrorCode"] == "1017"
    assert envelope(get(client, sent["ReferenceCode"], token="someone-else"))["ErrorCode"] == "1017"


@pytest.mark.parametrize(("token", "code"), [("error.invalid_token", "1015"), ("error.expired", "1012"),
                                             ("error.rate_limit", "1018"), ("error.typo", "1015")])
def test_fault_tokens(client, token, code):
    assert envelope(send(client, token=token))["ErrorCode"] == code


def test_wrong_query_and_generating_forever(client):
    assert envelope(send(client, query="1"))["ErrorCode"] == "1014"
    reference = envelope(send(client, token="error.generating"))["ReferenceCode"]
    assert all(envelope(get(client, reference, token="error.generating"))["ErrorCode"] == "1019" for _ in range(3))


def test_positions_equal_what_trades_and_corporate_actions_imply(client):
    parsed = mapper.parse_statement(statement(client))
    flex = parsed.statements[0]
    assert flex.toDate == date(2025, 3, 9)
    records = mapper.transaction_records(flex, parsed.pence_conids)
    implied: dict[str, Decimal] = {}
    for r in records:
        sign = {"buy": 1, "sell": -1, "split": 1}.get(r.type)
        if sign:
            implied[r.security_external_id] = implied.get(r.security_external_id, Decimal(0)) + sign * r.quantity
    snapshot = mapper.snapshot_record(flex, parsed.pence_conids)
    held = {h.security_external_id: h.quantity for h in snapshot.holdings}
    assert implied == held == {"265598": Decimal(42), "38725470": Decimal(1000), "128831206": Decimal(50)}
    kinds = {r.type for r in records}
    assert {"buy", "sell", "split", "dividend", "tax", "interest", "fee", "deposit", "withdrawal"} <= kinds
    isf = next(h for h in snapshot.holdings if h.security_external_id == "38725470")
    assert (isf.price_currency, isf.price, isf.value) == ("GBX", Decimal("845.20"), Decimal("8452"))
    fills = [r for r in records if r.security_external_id == "38725470" and r.type == "buy"]
    assert len(fills) == 2 and len({r.external_id for r in fills}) == 2
    usd = [r for r in records if r.original_currency == "USD" and r.type == "buy"]
    assert usd and all(r.fx_rate and r.currency == "GBP" for r in usd)


def test_the_statement_moves_with_the_sandbox_clock(client, monkeypatch):
    before = mapper.parse_statement(statement(client)).statements[0]
    monkeypatch.setattr(clock, "today", lambda: date(2025, 3, 20))
    after = mapper.parse_statement(statement(client)).statements[0]
    assert (after.toDate - before.toDate).days == 10
    assert (after.Trades[1].tradeDate - before.Trades[1].tradeDate).days == 10
