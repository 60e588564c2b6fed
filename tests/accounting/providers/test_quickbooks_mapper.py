"""QuickBooks entities -> records and our pushes -> Purchase / Deposit bodies, on payloads shaped
as Intuit documents them; the Fault vocabulary."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
import requests

from accounting.providers.quickbooks import mapper
from accounting.providers.quickbooks.client import StaleObject, dumps_exact, fault_error
from integrations_core.providers.errors import (
    BadProviderResponse,
    ConsentExpired,
    ProviderAuthError,
    ProviderUnavailable,
    RateLimited,
    RequestRejected,
)
from integrations_core.records import BankTransactionPush

META = {"CreateTime": "2026-11-02T09:00:00-08:00", "LastUpdatedTime": "2026-11-03T10:15:00-08:00"}


def test_a_bank_account_and_an_archived_income_account():
    bank = mapper.ledger_account_record({"Id": "35", "Name": "Checking", "AcctNum": "090", "AccountType": "Bank",
                                         "Classification": "Asset", "Active": True, "CurrencyRef": {"value": "gbp"},
                                         "BankNum": "12345678"}, "GBP")
    assert (bank.external_id, bank.code, bank.is_bank, bank.classification, bank.currency, bank.status) == \
        ("35", "090", True, "asset", "GBP", "active")
    income = mapper.ledger_account_record({"Id": "92", "Name": "Old", "AccountType": "Income",
                                           "Classification": "Revenue", "Active": False}, "USD")
    assert (income.is_bank, income.classification, income.status, income.currency) == \
        (False, "revenue", "archived", "USD")


def test_a_payment_across_two_invoices_is_two_parts_of_one_payment():
    payment = {"Id": "3", "TxnDate": "2026-11-03", "TotalAmt": Decimal("150.00"), "CurrencyRef": {"value": "GBP"},
               "DepositToAccountRef": {"value": "35"}, "PaymentRefNum": "ch_1",
               "Line": [{"Amount": Decimal("100.00"), "LinkedTxn": [{"TxnId": "7", "TxnType": "Invoice"}]},
                        {"Amount": Decimal("50.00"), "LinkedTxn": [{"TxnId": "8", "TxnType": "Invoice"}]},
                        {"Amount": Decimal("5.00"), "LinkedTxn": [{"TxnId": "2", "TxnType": "CreditMemo"}]}]}
    parts = mapper.payment_records(payment, "Payment", "GBP")
    assert [(doc, p.external_id, p.amount) for doc, p in parts] == [
        ("Invoice:7", "Payment:3", Decimal("100.00")), ("Invoice:8", "Payment:3#2", Decimal("50.00"))]
    assert all(p.bank_account_external_id == "35" and p.paid_on == date(2026, 11, 3) for _, p in parts)
    removals = mapper.payment_removals("Payment", "3")
    assert ("payment", "Payment:3") in removals and ("payment", "Payment:3#2") in removals


def test_an_invoice_part_paid_and_a_bill_paid_by_check():
    invoice = mapper.invoice_record({"Id": "7", "DocNumber": "INV-0007", "TxnDate": "2026-10-01",
                                     "DueDate": "2026-10-31", "TotalAmt": Decimal("100.00"),
                                     "Balance": Decimal("40.00"), "CustomerRef": {"value": "4", "name": "Acme"},
                                     "MetaData": META}, "Invoice", "GBP")
    assert (invoice.external_id, invoice.kind, invoice.status, invoice.amount_paid, invoice.amount_due) == \
        ("Invoice:7", "invoice", "authorised", Decimal("60.00"), Decimal("40.00"))
    assert invoice.contact_external_id == "Customer:4" and invoice.updated_at.utcoffset().total_seconds() == -8 * 3600
    bill_payment = {"Id": "3", "TxnDate": "2026-10-05", "PayType": "Check", "TotalAmt": Decimal("20"),
                    "CheckPayment": {"BankAccountRef": {"value": "35"}},
                    "Line": [{"Amount": Decimal("20"), "LinkedTxn": [{"TxnId": "7", "TxnType": "Bill"}]}]}
    [(bill_id, part)] = mapper.payment_records(bill_payment, "BillPayment", "GBP")
    assert (bill_id, part.external_id, part.bank_account_external_id) == ("Bill:7", "BillPayment:3", "35")


def test_a_purchase_refund_is_money_in_and_our_reference_comes_from_the_note():
    refund = mapper.bank_transaction_record({
        "Id": "12", "TxnDate": "2026-11-01", "TotalAmt": Decimal("9.99"), "Credit": True, "SyncToken": "3",
        "AccountRef": {"value": "35"}, "PrivateNote": "Ryman refund [ref:our-uuid-1]", "DocNumber": "FPX",
        "Line": [{"Amount": Decimal("9.99"), "DetailType": "AccountBasedExpenseLineDetail",
                  "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "87"}, "ClassRef": {"value": "5"}}}],
        "MetaData": META}, "Purchase", "GBP")
    assert (refund.external_id, refund.kind, refund.amount, refund.version, refund.reference) == \
        ("Purchase:12", "receive", Decimal("9.99"), "3", "our-uuid-1")
    assert refund.description == "Ryman refund" and refund.lines[0].tracking == (("Class", "5"),)


def test_a_deposit_without_a_tag_keeps_their_doc_number():
    deposit = mapper.bank_transaction_record({
        "Id": "9", "TxnDate": "2026-11-01", "TotalAmt": Decimal("310.55"), "DocNumber": "STRIPE",
        "DepositToAccountRef": {"value": "35"},
        "Line": [{"Amount": Decimal("310.55"), "DetailType": "DepositLineDetail",
                  "DepositLineDetail": {"AccountRef": {"value": "36"}, "Entity": {"value": "1", "name": "Stripe"}}}]},
        "Deposit", "GBP")
    assert (deposit.kind, deposit.reference, deposit.contact_name, deposit.bank_account_external_id) == \
        ("receive", "STRIPE", "Stripe", "35")


@pytest.mark.parametrize("bad", [None, "", "abc", "NaN", True, Decimal("1e30"), Decimal("1.00001")])
def test_unreadable_amounts_are_bad_responses(bad):
    with pytest.raises(BadProviderResponse):
        mapper.amount(bad)


def test_the_doc_number_is_21_characters_stable_and_the_note_holds_the_reference():
    reference = "6f1c2e0a-1b2c-4d5e-8f90-123456789abc"
    push = BankTransactionPush(reference=reference, kind="receive", date=date(2026, 11, 2), amount=Decimal("0.10"),
                               currency="JPY", bank_account_external_id="35", ledger_account_external_id="79",
                               description="Sale", tracking=(("Department", "2"),))
    body = mapper.push_body(push)
    assert len(body["DocNumber"]) == 21 and body["DocNumber"] == mapper.doc_number_for(reference)
    assert body["DocNumber"] != mapper.doc_number_for(reference + "x")
    assert f"[ref:{reference}]" in body["PrivateNote"] and body["DepositToAccountRef"] == {"value": "35"}
    assert body["Line"][0]["DepositLineDetail"]["DepartmentRef"] == {"value": "2"}
    assert mapper.reference_of(body) == reference
    # Money goes out as a JSON number, digit for digit.
    assert json.loads(dumps_exact(body), parse_float=Decimal)["Line"][0]["Amount"] == Decimal("0.10")
    assert '"Amount": 0.10' in dumps_exact(body)


def _response(status: int, headers: dict | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _fault(code: str, fault_type: str = "ValidationFault") -> dict:
    return {"Fault": {"Error": [{"Message": "m", "Detail": "d", "code": code}], "type": fault_type}}


@pytest.mark.parametrize(("status", "body", "headers", "error", "retry_after"), [
    (400, _fault("5010"), {}, StaleObject, None),
    (401, _fault("3200", "AUTHENTICATION"), {}, ProviderAuthError, None),
    (401, None, {}, ProviderAuthError, None),
    (403, _fault("3100", "AuthorizationFault"), {}, ConsentExpired, None),
    (429, _fault("003001", "ThrottleExceeded"), {}, RateLimited, 60),
    (429, None, {"Retry-After": "17"}, RateLimited, 17),
    (400, _fault("6000"), {}, RequestRejected, None),
    (500, _fault("10000", "SystemFault"), {}, ProviderUnavailable, None),
])
def test_faults_speak_the_shared_vocabulary(status, body, headers, error, retry_after):
    found = fault_error(_response(status, headers), body)
    assert type(found) is error
    if retry_after is not None:
        assert found.retry_after == retry_after


def test_an_amount_finer_than_its_currency_is_refused_not_rounded():
    yen = {"Id": "4", "TxnDate": "2026-11-01", "DepositToAccountRef": {"value": "35"},
           "CurrencyRef": {"value": "JPY"}, "Line": []}
    assert mapper.bank_transaction_record({**yen, "TotalAmt": Decimal("1000")}, "Deposit", "GBP").amount == 1000
    with pytest.raises(BadProviderResponse):
        mapper.bank_transaction_record({**yen, "TotalAmt": Decimal("1000.50")}, "Deposit", "GBP")
    with pytest.raises(BadProviderResponse):
        mapper.invoice_record({"Id": "1", "TotalAmt": Decimal("10.001"), "Balance": 0}, "Invoice", "GBP")
