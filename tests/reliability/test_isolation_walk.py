"""Isolation, walked from the published OpenAPI schema: as a second user, every list answers
without the first user's data, and every route that takes an id answers 404 (or 403) for the
first user's objects, for every method the schema lists, and leaves them unchanged.

A route added to the schema without an entry in OBJECT_ROUTES or OWN_ONLY_POSTS below fails
test_every_route_in_the_schema_is_walked, so a new route cannot skip this check."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone
from rest_framework.test import APIClient

from integrations_core.models import (
    AuditEvent,
    Notification,
    OAuthState,
    StatementImport,
    SyncOutcome,
    SyncRun,
)
from open_banking.models import (
    BalanceSnapshot,
    BankAccount,
    BankConnection,
    BankStatementMapping,
    BankTransaction,
)
from transactions.models import (
    Budget,
    BudgetAlert,
    CategoryRule,
    CustomCategory,
    RecurringPayment,
    TransactionDetails,
    TransactionSplit,
)

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")
PARAM = re.compile(r"\{(\w+)\}")
MARKER = "ALICE-PRIVATE"

# path template -> which of A's objects fills its parameter, and the body each write method sends
# (valid, so that without the ownership check the request would succeed and change A's data).
OBJECT_ROUTES: dict[str, dict] = {
    "/api/v1/budgets/{id}/": {"object": "budget", "put": {"category": "FOOD_AND_DRINK", "amount": "1.00",
                                                          "currency": "GBP"}, "patch": {"amount": "1.00"}},
    "/api/v1/connections/{id}/complete/": {"object": "connection", "post": {"code": "c", "state": "s"}},
    "/api/v1/open-banking/accounts/{account_pk}/transactions/": {"object": "account"},
    "/api/v1/open-banking/accounts/{id}/": {"object": "account"},
    "/api/v1/open-banking/accounts/{id}/balances/": {"object": "account"},
    "/api/v1/open-banking/connections/{id}/": {"object": "connection"},
    "/api/v1/open-banking/connections/{id}/reconnect/": {"object": "connection", "post": {}},
    "/api/v1/open-banking/connections/{id}/sync/": {"object": "connection", "post": {}},
    "/api/v1/open-banking/connections/{id}/sync-runs/": {"object": "connection"},
    "/api/v1/open-banking/transactions/{id}/": {"object": "transaction"},
    "/api/v1/recurring/{id}/": {"object": "recurring"},
    "/api/v1/rules/{id}/": {"object": "rule", "put": {"name": "mine now", "category": "FOOD_AND_DRINK",
                                                      "pattern": "x"}, "patch": {"name": "mine now"}},
    "/api/v1/rules/{id}/apply/": {"object": "rule", "post": {}},
    "/api/v1/statement-imports/{id}/": {"object": "statement_import"},
    "/api/v1/statement-imports/{id}/confirm/": {"object": "statement_import", "post": {}},
    "/api/v1/transactions/{id}/": {"object": "transaction", "patch": {"category": "FOOD_AND_DRINK"}},
    # The person's own edits (issue 18 §2).
    "/api/v1/transactions/{id}/details/": {"object": "transaction", "patch": {"notes": "mine now", "hidden": True}},
    "/api/v1/transactions/{id}/splits/": {"object": "transaction", "put": {"splits": [
        {"category": "FOOD_AND_DRINK", "amount": "-6.17"}, {"category": "GENERAL_MERCHANDISE", "amount": "-6.17"}]}},
    "/api/v1/custom-categories/{id}/": {"object": "custom_category", "patch": {"label": "mine now"}},
    "/api/v1/open-banking/manual-accounts/{id}/": {"object": "manual_account"},
    "/api/v1/open-banking/manual-accounts/{id}/balance/": {"object": "manual_account", "post": {"balance": "1.00"}},
    "/api/v1/open-banking/manual-accounts/{id}/transactions/": {"object": "manual_account", "post": {
        "booked_date": "2026-03-01", "description": "mine now", "amount": "-1.00"}},
    "/api/v1/investments/accounts/{id}/": {"object": "inv_account", "patch": {"wrapper": "sipp"}},
    "/api/v1/investments/accounts/{id}/holdings/": {"object": "inv_account", "post": {"ticker": "X", "quantity": "1"}},
    "/api/v1/investments/accounts/{id}/reconciliation/": {"object": "inv_account"},
    "/api/v1/investments/accounts/{id}/valuations/": {"object": "inv_account",
                                                      "post": {"date": "2026-01-31", "value": "1.00"}},
    "/api/v1/investments/connections/{id}/": {"object": "inv_connection"},
    "/api/v1/investments/connections/{id}/sync/": {"object": "inv_connection", "post": {}},
    "/api/v1/investments/securities/{id}/": {"object": "security"},
    "/api/v1/investments/transactions/{id}/": {"object": "inv_transaction"},
    "/api/v1/health/connections/{id}/": {"object": "connection"},
    "/api/v1/notifications/{id}/read/": {"object": "notification", "post": {}},
    "/api/v1/pensions/requests/{id}/": {"object": "pension_request"},
    "/api/v1/pensions/requests/{id}/letter/": {"object": "pension_request"},
    "/api/v1/pensions/requests/{id}/sent/": {"object": "pension_request", "post": {}},
    "/api/v1/pensions/requests/{id}/answered/": {"object": "pension_request", "post": {"notes": "mine now"}},
    "/api/v1/pensions/accounts/{id}/": {"object": "pension_account", "patch": {"name": "mine now"}},
    "/api/v1/pensions/accounts/{id}/values/": {"object": "pension_account",
                                                "post": {"value": "1.00", "date": "2026-01-31"}},
    "/api/v1/pensions/connections/{id}/": {"object": "pension_connection"},
    "/api/v1/pensions/connections/{id}/statement/": {"object": "pension_connection", "post": {}},
    "/api/v1/open-banking/statement-imports/{id}/": {"object": "bank_statement_import"},
    "/api/v1/open-banking/statement-imports/{id}/remap/": {"object": "bank_statement_import",
                                                           "post": {"date_order": "dmy"}},
    "/api/v1/open-banking/statement-imports/{id}/confirm/": {"object": "bank_statement_import", "post": {}},
    "/api/v1/open-banking/statement-mappings/{id}/": {"object": "bank_mapping"},
}
# Routes with a parameter that is not another person's data: the shared category taxonomy.
SHARED_ROUTES = {"/api/v1/categories/{code}/": "FOOD_AND_DRINK",
                 # the pension register is public reference data, the same for everyone
                 "/api/v1/pensions/register/schemes/{id}/": "shared-scheme"}
# POSTs without an id act on the caller's own data only; each is checked in test_own_only_posts.
OWN_ONLY_POSTS = {"/api/v1/budgets/", "/api/v1/budgets/alerts/read/", "/api/v1/open-banking/connections/",
                  "/api/v1/connections/", "/api/v1/statement-imports/",
                  "/api/v1/recurring/refresh/", "/api/v1/rules/", "/api/v1/rules/preview/",
                  "/api/v1/investments/accounts/", "/api/v1/pensions/requests/",
                  "/api/v1/open-banking/statement-imports/",
                  "/api/v1/pensions/accounts/", "/api/v1/pensions/connect/", "/api/v1/pensions/consents/",
                  "/api/v1/custom-categories/", "/api/v1/open-banking/manual-accounts/"}
# Extra query strings so lists reach back far enough to include A's data if it leaked.
LIST_QUERIES = {"/api/v1/spending/summary/": {"from": (timezone.localdate() - timedelta(days=1000)).isoformat(),
                                               "group_by": "merchant"},
                "/api/v1/pensions/register/search/": {"q": "Shared Scheme"}}  # echoes q, so not the marker


@pytest.fixture
def schema(client) -> dict:
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


@pytest.fixture
def alice(user, bank_data):
    """User A with an object of every kind the API exposes."""
    connection, current = bank_data["connection"], bank_data["current"]
    today = timezone.localdate()
    private = BankTransaction.objects.create(
        account=current, external_id="a-private", fingerprint="a-private", booked_date=today - timedelta(days=2),
        amount=Decimal("-12.34"), currency="GBP", description=f"{MARKER} MERCHANT", merchant_name=f"{MARKER} SHOP",
        category="FOOD_AND_DRINK_RESTAURANT")
    budget = Budget.objects.create(user=user, category="FOOD_AND_DRINK", amount=Decimal("5.00"), currency="GBP",
                                   start_month=today.replace(day=1))
    alert = BudgetAlert.objects.create(user=user, budget=budget, month=today.replace(day=1), threshold=100,
                                       spent=Decimal("12.34"), cap=Decimal("5.00"), message=f"{MARKER} ALERT")
    rule = CategoryRule.objects.create(user=user, name=f"{MARKER} RULE", category="GENERAL_MERCHANDISE",
                                       pattern="ALICE-PRIVATE", account=current)
    recurring = RecurringPayment.objects.create(
        user=user, account=current, merchant_key="alice-private", name=f"{MARKER} SUBSCRIPTION", direction="out",
        frequency="monthly", currency="GBP", typical_amount=Decimal("-9.99"), last_amount=Decimal("-9.99"),
        last_date=today - timedelta(days=3), next_expected_date=today + timedelta(days=27),
        next_expected_amount=Decimal("-9.99"), occurrences=4)
    run = SyncRun.objects.create(user=user, connection_type_id=_content_type_id(connection),
                                 connection_id=connection.pk, provider="truelayer", outcome=SyncOutcome.SUCCEEDED,
                                 error=f"{MARKER} RUN")
    connection.institution_name = f"{MARKER} BANK"
    connection.save()
    statement_import = StatementImport.objects.create(
        user=user, provider="truelayer", filename=f"{MARKER}.csv", sha256="0" * 64, size=10,
        expires_at=timezone.now() + timedelta(days=1), records={"marker": MARKER})
    notification = Notification.objects.create(user=user, kind="failing", title=f"{MARKER} ALERT")
    from open_banking.services.manual import manual_account_create
    from transactions.services.editing import custom_category_create

    manual_account = manual_account_create(user=user, name=f"{MARKER} HOUSE", type="property", currency="GBP",
                                           balance=Decimal("300000"))
    custom_category = custom_category_create(user=user, parent="FOOD_AND_DRINK", label=f"{MARKER} TREATS")
    objects = {"manual_account": manual_account, "custom_category": custom_category, **_alice_investments(user), **_alice_pensions(user), **_alice_bank_files(user, current), "notification": notification, "statement_import": statement_import, "connection": connection, "account": current, "transaction": private, "budget": budget,
               "alert": alert, "rule": rule, "recurring": recurring, "sync_run": run,
               "snapshot": BalanceSnapshot.objects.filter(account=current).first()}
    objects.update(_alice_payments(user))
    return objects


def _alice_bank_files(user, account) -> dict:
    """A bank statement preview (a QIF into A's account) and A's saved CSV columns."""
    from open_banking.services.statement_imports import bank_statement_preview, mapping_save

    qif = f"!Type:Bank\nD02/04/2024\nT-1.00\nP{MARKER} PAYEE\n^\n".encode()
    return {"bank_statement_import": bank_statement_preview(user, upload=qif, filename="a.qif", bank=MARKER,
                                                            account=account),
            "bank_mapping": mapping_save(user, f"{MARKER} BANK", {"date": "Date", "description": "Memo",
                                                                 "amount": "Amount"})}


def _alice_pensions(user) -> dict:
    """An information request of A's (their details carry the marker) to a shared register scheme."""
    from pensions.info_requests.services import information_request_create
    from pensions.models import PensionScheme
    from pensions.services.pots import manual_pot_create

    scheme = PensionScheme.objects.create(register_id="shared-scheme", name="Shared Scheme", kind="occupational",
                                          sources=[{"url": "https://example.org", "retrieved_on": "2026-01-01"}])
    pot = manual_pot_create(user, name=f"{MARKER} POT", pension_type="DC", value=Decimal("1234.00"))
    return {"pension_request": information_request_create(
        user=user, scheme=scheme, details={"full_name": f"{MARKER} PERSON", "ni_number": "AB123456C"}),
        "pension_account": pot, "pension_connection": pot.connection}


def _alice_investments(user) -> dict:
    """A manual account (so a write without the ownership check would succeed), one holding of a
    security only A holds, a valuation and a dividend."""
    from investments.models import AccountValuation, Holding, InvestmentTransaction
    from investments.services.manual import manual_account_create, manual_holding_set

    account = manual_account_create(user, f"{MARKER} ISA", "isa", "GBP", cash=Decimal("5.00"))
    manual_holding_set(account, isin="GB00ALICE001", name=f"{MARKER} FUND", quantity=Decimal("3"),
                       price=Decimal("2.00"))
    AccountValuation.objects.create(account=account, date=timezone.localdate() - timedelta(days=1), value=Decimal("11.00"),
                                    currency="GBP", source="manual")
    dividend = InvestmentTransaction.objects.create(
        account=account, external_id="alice-div", fingerprint="alice-div", type="dividend",
        booked_date=timezone.localdate(), amount=Decimal("0.42"), currency="GBP", description=f"{MARKER} DIVIDEND",
        security=Holding.objects.get(snapshot__account=account).security)
    return {"inv_connection": account.connection, "inv_account": account, "inv_transaction": dividend,
            "security": dividend.security}


def _content_type_id(obj) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(obj).pk


def alice_state(user) -> list:
    """Every row of A's that any route could touch, field by field."""
    rows = []
    for model, owner in ((BankConnection, "user"), (BankAccount, "connection__user"),
                         (BankTransaction, "account__connection__user"), (BalanceSnapshot, "account__connection__user"),
                         (Budget, "user"), (BudgetAlert, "user"), (CategoryRule, "user"),
                         (RecurringPayment, "user"), (SyncRun, "user"), (OAuthState, "user"),
                         (StatementImport, "user"), (Notification, "user"), (BankStatementMapping, "user"),
                         (CustomCategory, "user"),
                         (TransactionSplit, "transaction__account__connection__user"),
                         (TransactionDetails, "transaction__account__connection__user"),
                         *_investment_tables(), *_pension_tables()):
        for obj in model.objects.filter(**{owner: user}).order_by("pk"):
            rows.append((model.__name__, obj.pk, repr(sorted(model_to_dict(obj).items())),
                         getattr(obj, "updated_at", None)))
    rows.append(("audit", AuditEvent.objects.filter(user=user).count()))
    for model, owner in _payment_tables():
        rows += [(model.__name__, obj.pk, repr(sorted(model_to_dict(obj).items())), obj.updated_at)
                 for obj in model.objects.filter(**{owner: user}).order_by("pk")]
    return rows


def _pension_tables():
    from pensions.models import PensionAccount, PensionConnection, PensionInformationRequest, PensionValuation

    return ((PensionInformationRequest, "user"), (PensionConnection, "user"), (PensionAccount, "connection__user"),
            (PensionValuation, "account__connection__user"))


def _investment_tables():
    from investments.models import (
        AccountValuation,
        Holding,
        HoldingSnapshot,
        InvestmentAccount,
        InvestmentConnection,
        InvestmentTransaction,
    )

    return ((InvestmentConnection, "user"), (InvestmentAccount, "connection__user"),
            (HoldingSnapshot, "account__connection__user"), (Holding, "snapshot__account__connection__user"),
            (AccountValuation, "account__connection__user"), (InvestmentTransaction, "account__connection__user"))


def markers(alice) -> list[str]:
    # A notification's id is a small integer (found in any page); its title carries the marker.
    ids = [str(obj.pk) for key, obj in alice.items() if key not in ("snapshot", "notification")]
    ids += [str(t.pk) for t in BankTransaction.objects.filter(account__connection=alice["connection"])]
    ids += [str(a.pk) for a in BankAccount.objects.filter(connection=alice["connection"])]
    return [MARKER, "GOOGLE PLAY STORE", "PAYPAL EBAY", "Club Lloyds", *ids]


@pytest.fixture
def bob(other_user) -> APIClient:
    client = APIClient()
    client.force_authenticate(other_user)
    return client


def operations(schema):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method


def test_every_route_in_the_schema_is_walked(schema):
    parametrised = {path for path, _ in operations(schema) if PARAM.search(path)}
    assert parametrised == set(OBJECT_ROUTES) | set(SHARED_ROUTES), (
        "map every new route with an id to one of A's objects (or say why it is shared)")
    posts = {path for path, method in operations(schema) if method == "post" and not PARAM.search(path)}
    assert posts == OWN_ONLY_POSTS, "check every new POST for other people's data"


def test_lists_never_show_another_users_data(schema, alice, bob):
    secrets = markers(alice)
    walked = 0
    for path, method in operations(schema):
        if method != "get" or PARAM.search(path):
            continue
        response = bob.get(path, LIST_QUERIES.get(path, {}))
        assert response.status_code == 200, (path, response.status_code)
        text = response.content.decode()
        for secret in secrets:
            assert secret not in text, (path, secret)
        walked += 1
    assert walked >= 10
    # The lists are not empty by accident: A sees their own data on the same routes.
    alice_client = APIClient()
    alice_client.force_authenticate(alice["connection"].user)
    assert MARKER in alice_client.get("/api/v1/transactions/").content.decode()
    assert MARKER in alice_client.get("/api/v1/rules/").content.decode()


def test_every_route_with_an_id_is_404_for_another_users_objects(schema, alice, bob):
    before = alice_state(alice["connection"].user)
    exercised = set()
    for path, method in operations(schema):
        if not PARAM.search(path):
            continue
        if path in SHARED_ROUTES:
            assert bob.get(PARAM.sub(SHARED_ROUTES[path], path)).status_code == 200
            exercised.add((path, method))
            continue
        spec = OBJECT_ROUTES[path]
        url = PARAM.sub(str(alice[spec["object"]].pk), path)
        body = spec.get(method)
        response = getattr(bob, method)(url, body, format="json") if body is not None else getattr(bob, method)(url)
        assert response.status_code in (403, 404), (method, path, response.status_code, response.content[:200])
        if response.status_code == 404:
            assert response.json()["error"]["code"] == "not_found"
        for secret in markers(alice):
            assert secret not in response.content.decode(), (method, path)
        exercised.add((path, method))
    assert exercised == {(p, m) for p, m in operations(schema) if PARAM.search(p)}
    assert alice_state(alice["connection"].user) == before, "nothing of A's changed"


def test_own_only_posts_cannot_reach_another_users_data(alice, bob, other_user):
    before = alice_state(alice["connection"].user)
    # A rule cannot be pinned to someone else's account.
    pinned = bob.post("/api/v1/rules/", {"name": "x", "category": "GENERAL_MERCHANDISE", "pattern": "x",
                                         "account": str(alice["account"].pk)}, format="json")
    assert pinned.status_code == 400 and "account" in pinned.json()["error"]["fields"]
    # A preview only looks at the caller's transactions.
    preview = bob.post("/api/v1/rules/preview/", {"name": "x", "category": "GENERAL_MERCHANDISE", "pattern": MARKER},
                       format="json")
    assert preview.status_code == 200 and preview.json()["count"] == 0, preview.content
    # Marking someone else's alert as read does nothing.
    read = bob.post("/api/v1/budgets/alerts/read/", {"ids": [str(alice["alert"].pk)]}, format="json")
    assert read.status_code == 200 and read.json() == {"count": 0}
    # Detection runs on the caller's own history.
    refreshed = bob.post("/api/v1/recurring/refresh/", {}, format="json")
    assert refreshed.status_code == 200 and MARKER not in refreshed.content.decode()
    # A budget is the caller's own, even for a category A budgets too.
    created = bob.post("/api/v1/budgets/", {"category": "FOOD_AND_DRINK", "amount": "3.00", "currency": "GBP"},
                       format="json")
    assert created.status_code == 201 and Budget.objects.get(pk=created.json()["id"]).user == other_user
    # Creating a connection makes the caller's own (provider checks are in tests/open_banking/test_api.py).
    connect = bob.post("/api/v1/open-banking/connections/", {"provider": "truelayer"}, format="json")
    assert connect.status_code == 201 and BankConnection.objects.get(pk=connect.json()["id"]).user == other_user
    generic = bob.post("/api/v1/connections/", {"provider": "truelayer"}, format="json")
    assert generic.status_code == 201, generic.content
    assert BankConnection.objects.get(pk=generic.json()["connection"]["id"]).user == other_user
    # A statement upload is a preview of the caller's own.
    uploaded = bob.post("/api/v1/statement-imports/", {"provider": "truelayer", "file": ""}, format="multipart")
    assert uploaded.status_code == 400 and MARKER not in uploaded.content.decode()
    # A pension information request is the caller's own, to the same shared scheme A wrote to.
    from pensions.models import PensionInformationRequest

    asked = bob.post("/api/v1/pensions/requests/", {
        "scheme": "shared-scheme", "full_name": "Bob", "date_of_birth": "1980-01-01", "ni_number": "AB123456C",
        "current_address": "1 Street", "employer_name": "Acme", "employment_start": "2001-01-01"}, format="json")
    assert asked.status_code == 201 and MARKER not in asked.content.decode()
    assert PensionInformationRequest.objects.get(pk=asked.json()["id"]).user == other_user
    # A bank statement cannot be previewed into someone else's account.
    from django.core.files.uploadedfile import SimpleUploadedFile

    into = bob.post("/api/v1/open-banking/statement-imports/", {
        "file": SimpleUploadedFile("b.qif", b"!Type:Bank\nD02/04/2024\nT-1.00\nPX\n^\n"), "bank": "B",
        "account": str(alice["account"].pk)}, format="multipart")
    assert into.status_code == 404 and MARKER not in into.content.decode()
    # A manual pension pot is the caller's own; connecting and consenting act on the caller only.
    from pensions.models import PensionAccount

    pot = bob.post("/api/v1/pensions/accounts/", {"name": "Bob's pot", "pension_type": "DC"}, format="json")
    assert pot.status_code == 201, pot.content
    assert PensionAccount.objects.get(pk=pot.json()["id"]).connection.user == other_user
    refused = bob.post("/api/v1/pensions/connect/", {"provider": "sandbox-pensions", "consent": "no"}, format="json")
    assert refused.status_code == 400 and MARKER not in refused.content.decode()
    withdrawn = bob.post("/api/v1/pensions/consents/", {"provider": "sandbox-pensions", "answer": "withdraw"},
                         format="json")
    assert withdrawn.status_code < 500 and MARKER not in withdrawn.content.decode()
    assert alice_state(alice["connection"].user) == before


# --- Payments (issue 16): processor balances, balance transactions, payouts, disputes -------------
OBJECT_ROUTES.update({
    "/api/v1/payments/balances/{id}/": {"object": "pay_account"},
    "/api/v1/payments/balance-transactions/{id}/": {"object": "pay_transaction"},
    "/api/v1/payments/payouts/{id}/": {"object": "pay_payout"},
    "/api/v1/payments/payouts/{id}/transactions/": {"object": "pay_payout"},
    "/api/v1/payments/disputes/{id}/": {"object": "pay_dispute"},
    "/api/v1/payments/connections/{id}/": {"object": "pay_connection"},
    "/api/v1/payments/connections/{id}/sync/": {"object": "pay_connection", "post": {}},
})


def _alice_payments(user) -> dict:
    """A processor connection of A's with a balance, a charge carried by a payout, a dispute."""
    from payments.models import BalanceTransaction, Dispute, PaymentsConnection, Payout, ProcessorAccount

    now = timezone.now()
    connection = PaymentsConnection.objects.create(user=user, provider="fake_processor", status="active",
                                                   institution_name=f"{MARKER} PROCESSOR")
    account = ProcessorAccount.objects.create(connection=connection, external_id="balance:gbp",
                                              name=f"{MARKER} BALANCE", currency="GBP",
                                              current_balance=Decimal("12.00"), available_balance=Decimal("12.00"))
    payout = Payout.objects.create(account=account, external_id="po_alice", amount=Decimal("9.80"), currency="GBP",
                                   status="paid", occurred_at=now, arrival_date=timezone.localdate(),
                                   reference=f"{MARKER} PAYOUT")
    charge = BalanceTransaction.objects.create(
        account=account, external_id="txn_alice", type="charge", occurred_at=now, amount=Decimal("10.00"),
        fee=Decimal("0.20"), net=Decimal("9.80"), currency="GBP", description=f"{MARKER} CHARGE",
        reference=f"{MARKER}-INV", payout=payout, payout_external_id="po_alice")
    dispute = Dispute.objects.create(account=account, external_id="dp_alice", amount=Decimal("10.00"), currency="GBP",
                                     status="needs_response", reason=f"{MARKER} REASON", occurred_at=now)
    return {"pay_connection": connection, "pay_account": account, "pay_transaction": charge, "pay_payout": payout,
            "pay_dispute": dispute}


def _payment_tables():
    from payments.models import BalanceTransaction, Dispute, PaymentsConnection, Payout, ProcessorAccount

    return ((PaymentsConnection, "user"), (ProcessorAccount, "connection__user"),
            (BalanceTransaction, "account__connection__user"), (Payout, "account__connection__user"),
            (Dispute, "account__connection__user"))
