"""The GoCardless mock: tokens, institutions, agreements, requisitions, the link pages, account
data in Berlin Group shapes, and the institution's daily quota."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from sandbox import clock
from sandbox.testing import complete_bank_dialog

from .conftest import CLIENT, GC_API, GC_REDIRECT, query_of

pytestmark = pytest.mark.django_db


# --- tokens ------------------------------------------------------------------------------------
def test_token_new_checks_the_secrets(client):
    url = f"{GC_API}/token/new/"
    wrong = client.post(url, {"secret_id": CLIENT["client_id"], "secret_key": "nope"}, content_type="application/json")
    assert wrong.status_code == 401 and wrong.json()["status_code"] == 401
    missing = client.post(url, {}, content_type="application/json")
    assert missing.status_code == 400 and set(missing.json()) == {"secret_id", "secret_key", "status_code"}
    ok = client.post(url, {"secret_id": CLIENT["client_id"], "secret_key": CLIENT["client_secret"]},
                     content_type="application/json").json()
    assert ok["access_expires"] == 86400 and ok["refresh_expires"] == 30 * 86400
    assert ok["access"].count(".") == 2  # JWT-shaped


def test_token_refresh_gives_a_new_access_token(client):
    pair = client.post(f"{GC_API}/token/new/", {"secret_id": CLIENT["client_id"],
                                                "secret_key": CLIENT["client_secret"]}).json()
    response = client.post(f"{GC_API}/token/refresh/", {"refresh": pair["refresh"]}, content_type="application/json")
    assert response.status_code == 200 and set(response.json()) == {"access", "access_expires"}
    listed = client.get(f"{GC_API}/institutions/", headers={"Authorization": f"Bearer {response.json()['access']}"})
    assert listed.status_code == 200
    bad = client.post(f"{GC_API}/token/refresh/", {"refresh": "forged"}, content_type="application/json")
    assert bad.status_code == 401


def test_expired_or_missing_access_token_is_401(client, gc):
    assert client.get(f"{GC_API}/institutions/").status_code == 401
    clock.advance(2)  # access tokens last 24 hours
    response = gc("get", "institutions/")
    assert response.status_code == 401
    assert response.json() == {"summary": "Invalid token", "detail": "Token is invalid or expired",
                               "status_code": 401}


# --- institutions and agreements ---------------------------------------------------------------
def test_institutions_by_country(gc):
    gb = gc("get", "institutions/", {"country": "gb"}).json()
    us = gc("get", "institutions/", {"country": "US"}).json()
    assert {i["id"] for i in gb} >= {"MONZO_MONZGB2L", "HSBC_HBUKGB4B", "NATIONWIDE_NAIAGB21"}
    assert all(i["countries"] == ["GB"] for i in gb) and all(i["countries"] == ["US"] for i in us)
    assert len(gb) == 7 and len(us) == 5  # six household banks and the Sandbox Business Bank
    assert isinstance(gb[0]["transaction_total_days"], str)
    detail = gc("get", "institutions/MONZO_MONZGB2L/").json()
    assert detail["name"] == "Monzo" and "supported_features" in detail
    assert gc("get", "institutions/NOPE_XXXX/").status_code == 404


def test_agreement_lifecycle_and_validation(gc):
    created = gc("post", "agreements/enduser/", {"institution_id": "HSBC_HBUKGB4B", "max_historical_days": 30,
                                                 "access_valid_for_days": 60, "access_scope": ["balances"]})
    body = created.json()
    assert created.status_code == 201 and body["accepted"] is None and body["access_scope"] == ["balances"]
    assert gc("get", f"agreements/enduser/{body['id']}/").json() == body
    assert gc("get", "agreements/enduser/").json()["count"] == 1
    assert gc("delete", f"agreements/enduser/{body['id']}/").status_code == 200
    assert gc("get", f"agreements/enduser/{body['id']}/").status_code == 404
    invalid = gc("post", "agreements/enduser/", {"institution_id": "HSBC_HBUKGB4B", "access_valid_for_days": 400})
    assert invalid.status_code == 400 and "access_valid_for_days" in invalid.json()
    assert gc("get", "agreements/enduser/not-a-uuid/").status_code == 400


def test_requisition_rejects_duplicate_reference_and_mismatched_agreement(gc):
    first = gc("post", "requisitions/", {"redirect": GC_REDIRECT, "institution_id": "MONZO_MONZGB2L",
                                         "reference": "ref-1"})
    assert first.status_code == 201 and first.json()["status"] == "CR" and first.json()["agreement"]
    again = gc("post", "requisitions/", {"redirect": GC_REDIRECT, "institution_id": "MONZO_MONZGB2L",
                                         "reference": "ref-1"})
    assert again.status_code == 400 and "reference" in again.json()
    agreement = gc("post", "agreements/enduser/", {"institution_id": "HSBC_HBUKGB4B"}).json()
    mismatch = gc("post", "requisitions/", {"redirect": GC_REDIRECT, "institution_id": "MONZO_MONZGB2L",
                                            "agreement": agreement["id"]})
    assert mismatch.status_code == 400 and mismatch.json()["summary"] == "Incorrect Institution ID"


# --- the requisition flow ----------------------------------------------------------------------
def test_linking_attaches_accounts_and_accepts_the_agreement(gc, gc_linked):
    requisition = gc_linked(institution_id="BARCLAYS_BUKBGB22", reference="user-42")
    assert len(requisition["accounts"]) == 3
    agreement = gc("get", f"agreements/enduser/{requisition['agreement']}/").json()
    assert agreement["accepted"] is not None
    meta = gc("get", f"accounts/{requisition['accounts'][0]}/").json()
    assert meta["status"] == "READY" and meta["institution_id"] == "BARCLAYS_BUKBGB22"
    # An accepted agreement goes with its requisition, not on its own.
    assert gc("delete", f"agreements/enduser/{requisition['agreement']}/").status_code == 400


def test_a_requisition_link_cannot_send_the_person_to_a_site_nobody_registered(gc):
    response = gc("post", "requisitions/", {"redirect": "https://attacker.example/cb",
                                            "institution_id": "MONZO_MONZGB2L"})
    assert response.status_code == 400 and "redirect" in response.json()
    assert gc("post", "requisitions/", {"redirect": "http://testserver/elsewhere/",
                                        "institution_id": "MONZO_MONZGB2L"}).status_code == 201  # the same host


def test_declining_rejects_the_requisition(client, gc):
    created = gc("post", "requisitions/", {"redirect": GC_REDIRECT, "institution_id": "MONZO_MONZGB2L"}).json()
    location = complete_bank_dialog(client, created["link"], allow=False)
    assert query_of(location) == {"ref": created["reference"], "error": "UserCancelledSession"}
    assert gc("get", f"requisitions/{created['id']}/").json()["status"] == "RJ"
    assert client.get(created["link"]).status_code == 400  # a used link cannot be replayed


def test_reconnecting_hands_out_new_account_ids(gc_linked):
    first, second = gc_linked(), gc_linked()
    assert len(first["accounts"]) == len(second["accounts"]) == 2
    assert not set(first["accounts"]) & set(second["accounts"])


def test_account_data_uses_berlin_group_shapes(sandbox_today, gc, gc_linked):
    requisition = gc_linked(institution_id="HSBC_HBUKGB4B")
    by_type = {}
    for account_id in requisition["accounts"]:
        details = gc("get", f"accounts/{account_id}/details/").json()["account"]
        by_type[details["cashAccountType"]] = account_id
    assert set(by_type) == {"CACC", "SVGS", "CARD"}

    current = by_type["CACC"]
    details = gc("get", f"accounts/{current}/details/").json()["account"]
    assert details["iban"].startswith("GB") and details["currency"] == "GBP" and details["ownerName"]
    balances = {b["balanceType"]: b for b in gc("get", f"accounts/{current}/balances/").json()["balances"]}
    booked_balance = Decimal(balances["interimBooked"]["balanceAmount"]["amount"])
    assert isinstance(balances["interimBooked"]["balanceAmount"]["amount"], str)

    transactions = gc("get", f"accounts/{current}/transactions/").json()["transactions"]
    booked, pending = transactions["booked"], transactions["pending"]
    assert booked
    for line in booked:
        assert isinstance(line["transactionAmount"]["amount"], str)
        assert {"transactionId", "internalTransactionId", "bookingDate", "valueDate",
                "remittanceInformationUnstructured", "proprietaryBankTransactionCode"} <= set(line)
        assert ("creditorName" in line) or ("debtorName" in line) or line["proprietaryBankTransactionCode"] == "INT"
    assert Decimal(booked[0]["balanceAfterTransaction"]["balanceAmount"]["amount"]) == booked_balance
    assert any("merchantCategoryCode" in line for line in booked)
    assert all("transactionId" not in line and "bookingDate" not in line for line in pending)  # HSBC drops ids
    available = Decimal(balances["interimAvailable"]["balanceAmount"]["amount"])
    assert available == booked_balance + sum((Decimal(p["transactionAmount"]["amount"]) for p in pending),
                                             Decimal(0))

    card_balances = gc("get", f"accounts/{by_type['CARD']}/balances/").json()["balances"]
    assert [b["creditLimitIncluded"] for b in card_balances] == [False, True]


def test_transactions_date_window(sandbox_today, gc, gc_linked):
    account = gc_linked()["accounts"][0]
    today = clock.today()
    start, end = today - timedelta(days=20), today - timedelta(days=10)
    booked = gc("get", f"accounts/{account}/transactions/",
                {"date_from": start.isoformat(), "date_to": end.isoformat()}).json()["transactions"]["booked"]
    assert booked and all(start <= date.fromisoformat(t["bookingDate"]) <= end for t in booked)
    bad = gc("get", f"accounts/{account}/transactions/", {"date_from": "yesterday"})
    assert bad.status_code == 400
    backwards = gc("get", f"accounts/{account}/transactions/", {"date_from": end.isoformat(),
                                                                 "date_to": start.isoformat()})
    assert backwards.status_code == 400


def test_agreement_limits_history_and_scope(sandbox_today, gc, gc_linked):
    agreement = gc("post", "agreements/enduser/", {"institution_id": "MONZO_MONZGB2L", "max_historical_days": 14,
                                                   "access_scope": ["transactions"]}).json()
    account = gc_linked(agreement=agreement["id"])["accounts"][0]
    booked = gc("get", f"accounts/{account}/transactions/",
                {"date_from": "2020-01-01"}).json()["transactions"]["booked"]
    earliest = clock.today() - timedelta(days=14)
    assert booked and min(date.fromisoformat(t["bookingDate"]) for t in booked) >= earliest
    forbidden = gc("get", f"accounts/{account}/balances/")
    assert forbidden.status_code == 403 and forbidden.json()["type"] == "AccountAccessForbidden"


def test_daily_quota_of_four_successful_calls_per_scope(gc, gc_linked):
    account = gc_linked()["accounts"][0]
    for remaining in (3, 2, 1, 0):
        response = gc("get", f"accounts/{account}/balances/")
        assert response.status_code == 200
        assert response["HTTP_X_RATELIMIT_ACCOUNT_SUCCESS_REMAINING"] == str(remaining)
        assert response["X-RateLimit-Account-Success-Remaining"] == str(remaining)
    fifth = gc("get", f"accounts/{account}/balances/")
    assert fifth.status_code == 429
    assert fifth.json() == {"summary": "Rate limit exceeded",
                            "detail": "Daily request limit set by the Institution has been exceeded.",
                            "type": "RateLimitError", "status_code": 429}
    assert fifth["HTTP_X_RATELIMIT_ACCOUNT_SUCCESS_LIMIT"] == "4"
    assert 0 < int(fifth["HTTP_X_RATELIMIT_ACCOUNT_SUCCESS_RESET"]) <= 86400
    # Scopes are counted separately, and the metadata endpoint is not a bank call.
    assert gc("get", f"accounts/{account}/details/").status_code == 200
    assert gc("get", f"accounts/{account}/").status_code == 200


def test_quota_window_rolls(client, gc_linked, gc):
    account = gc_linked()["accounts"][0]
    for _ in range(4):
        gc("get", f"accounts/{account}/transactions/")
    assert gc("get", f"accounts/{account}/transactions/").status_code == 429
    clock.advance(1)
    fresh = client.post(f"{GC_API}/token/new/", {"secret_id": CLIENT["client_id"],
                                                 "secret_key": CLIENT["client_secret"]}).json()["access"]
    response = client.get(f"{GC_API}/accounts/{account}/transactions/", headers={"Authorization": f"Bearer {fresh}"})
    assert response.status_code == 200


def test_deleting_the_requisition_revokes_access(gc, gc_linked):
    requisition = gc_linked()
    account = requisition["accounts"][0]
    assert gc("delete", f"requisitions/{requisition['id']}/").status_code == 200
    assert gc("get", f"requisitions/{requisition['id']}/").status_code == 404
    assert gc("get", f"agreements/enduser/{requisition['agreement']}/").status_code == 404
    response = gc("get", f"accounts/{account}/balances/")
    assert response.status_code == 401 and response.json()["type"] == "AccessExpiredError"
    assert gc("get", f"accounts/{account}/").json()["status"] == "EXPIRED"


def test_agreement_expiry_turns_the_requisition_ex(client, gc_linked):
    requisition = gc_linked()
    clock.advance(91)
    access = client.post(f"{GC_API}/token/new/", {"secret_id": CLIENT["client_id"],
                                                  "secret_key": CLIENT["client_secret"]}).json()["access"]
    auth = {"Authorization": f"Bearer {access}"}
    assert client.get(f"{GC_API}/requisitions/{requisition['id']}/", headers=auth).json()["status"] == "EX"
    response = client.get(f"{GC_API}/accounts/{requisition['accounts'][0]}/details/", headers=auth)
    assert response.status_code == 401 and response.json()["type"] == "AccessExpiredError"


def test_unknown_account_is_404(gc):
    response = gc("get", "accounts/3fa85f64-5717-4562-b3fc-2c963f66afa6/details/")
    assert response.status_code == 404 and response.json()["status_code"] == 404
