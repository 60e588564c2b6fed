"""The mock QuickBooks' own rules, spoken to directly: the connect link checked, client
credentials on the token endpoint, minorversion required, the query language's errors, CDC's
30 days, DocNumber's 21 characters, a stale SyncToken, a delete seen by CDC."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.utils import timezone

from sandbox.quickbooks import query as qbo_query

pytestmark = pytest.mark.django_db
BASE = "/sandbox/quickbooks"
BASIC = "Basic " + base64.b64encode(b"sandbox-client:sandbox-secret").decode()


@pytest.fixture
def company(client, settings):
    settings.SANDBOX_CLIENT_ID, settings.SANDBOX_CLIENT_SECRET = "sandbox-client", "sandbox-secret"
    settings.SANDBOX_LATENCY_MS = 0
    link = f"{BASE}/appcenter/connect/oauth2?" + urlencode({
        "client_id": "sandbox-client", "response_type": "code", "scope": "com.intuit.quickbooks.accounting",
        "redirect_uri": "http://testserver/cb/", "state": "s1"})
    callback = parse_qs(urlsplit(client.post(link, {"username": "mock-co", "action": "connect"})["Location"]).query)
    answer = client.post(f"{BASE}/oauth/oauth2/v1/tokens/bearer",
                         {"grant_type": "authorization_code", "code": callback["code"][0],
                          "redirect_uri": "http://testserver/cb/"}, HTTP_AUTHORIZATION=BASIC)
    assert answer.status_code == 200, answer.content
    realm = callback["realmId"][0]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {answer.json()['access_token']}"}

    def call(method, path, *, params=None, body=None, minor=75):
        query = {**(params or {}), **({"minorversion": minor} if minor else {})}
        url = f"{BASE}/api/v3/company/{realm}/{path}?{urlencode(query)}"
        if method == "GET":
            return client.get(url, **headers)
        return client.post(url, data=json.dumps(body), content_type="application/json", **headers)

    return call


def _code(response) -> str:
    return response.json()["Fault"]["Error"][0]["code"]


def test_a_link_without_the_accounting_scope_is_shown_not_redirected(client, settings):
    settings.SANDBOX_CLIENT_ID = "sandbox-client"
    link = f"{BASE}/appcenter/connect/oauth2?" + urlencode({
        "client_id": "sandbox-client", "response_type": "code", "scope": "openid", "redirect_uri": "http://testserver/cb/",
        "state": "s"})
    answer = client.get(link)
    assert answer.status_code == 400 and b"invalid_scope" in answer.content


def test_the_token_endpoint_wants_our_client_in_basic_auth(client):
    answer = client.post(f"{BASE}/oauth/oauth2/v1/tokens/bearer", {"grant_type": "refresh_token",
                                                                    "refresh_token": "x"})
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"


def test_minorversion_is_required(company):
    assert _code(company("GET", "preferences", minor=None)) == "4000"
    assert company("GET", "preferences").status_code == 200


def test_query_language_errors_and_paging(company):
    assert _code(company("GET", "query", params={"query": "select Name from Account"})) == "4000"
    page = company("GET", "query", params={"query": "select * from Account where AccountType = 'Bank' "
                                                    "orderby Id startposition 2 maxresults 1"}).json()["QueryResponse"]
    assert page["startPosition"] == 2 and page["maxResults"] == 1 and page["Account"][0]["Id"] == "36"
    empty = company("GET", "query", params={"query": "select * from Purchase where DocNumber in ('none')"}).json()
    assert empty["QueryResponse"] == {} and empty["time"]
    with pytest.raises(qbo_query.QueryParserError):
        qbo_query.parse("select * from Account maxresults 1001")


def test_cdc_reaches_back_30_days_at_most(company):
    old = (timezone.now() - timedelta(days=31)).isoformat()
    assert _code(company("GET", "cdc", params={"entities": "Purchase", "changedSince": old})) == "2010"
    fresh = (timezone.now() - timedelta(days=1)).isoformat()
    assert company("GET", "cdc", params={"entities": "Purchase", "changedSince": fresh}).status_code == 200


def _purchase(**fields):
    return {"PaymentType": "Cash", "AccountRef": {"value": "35"}, "TxnDate": "2026-11-02", "DocNumber": "FP1",
            "Line": [{"Amount": 10.5, "DetailType": "AccountBasedExpenseLineDetail",
                      "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "85"}}}], **fields}


def test_writes_are_checked_versioned_and_deletions_seen_by_cdc(company):
    assert "21 characters" in company("POST", "purchase", body=_purchase(DocNumber="X" * 22)).json()[
        "Fault"]["Error"][0]["Detail"]
    assert _code(company("POST", "purchase", body=_purchase(AccountRef={"value": "85"}))) == "6000"  # not a bank
    since = timezone.now().replace(microsecond=0).isoformat()  # QuickBooks times are whole seconds
    answer = company("POST", "purchase", body=_purchase())
    assert answer.status_code == 200, answer.content
    created = answer.json()["Purchase"]
    assert created["SyncToken"] == "0" and created["TotalAmt"] == 10.5
    update = {"Id": created["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "edited"}
    updated = company("POST", "purchase", params={"operation": "update"}, body=update).json()["Purchase"]
    assert updated["SyncToken"] == "1" and updated["PrivateNote"] == "edited" and updated["DocNumber"] == "FP1"
    assert _code(company("POST", "purchase", params={"operation": "update"}, body=update)) == "5010"
    deleted = company("POST", "purchase", params={"operation": "delete"}, body={"Id": created["Id"], "SyncToken": "1"})
    assert deleted.json()["Purchase"]["status"] == "Deleted"
    changes = company("GET", "cdc", params={"entities": "Purchase", "changedSince": since}).json()
    [purchases] = changes["CDCResponse"][0]["QueryResponse"]
    assert purchases["Purchase"] == [{"Id": created["Id"], "status": "Deleted", "domain": "QBO",
                                      "MetaData": purchases["Purchase"][0]["MetaData"]}]
    gone = company("GET", "query", params={"query": f"select * from Purchase where Id = '{created['Id']}'"})
    assert gone.json()["QueryResponse"] == {}


def test_a_revoked_or_unknown_token_is_authentication_failed(client, company):
    answer = client.get(f"{BASE}/api/v3/company/1/preferences?minorversion=75", HTTP_AUTHORIZATION="Bearer nope")
    assert answer.status_code == 401 and _code(answer) == "3200"
