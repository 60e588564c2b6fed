"""Disconnect a bank (keeping its data), connect the same bank again: every payment must still be
counted once. Through the API, with each provider's recorded payloads: connect, sync,
disconnect (data kept), reconnect as a new connection, sync, then the budgets, the spending
summary and the transaction list must show exactly what they showed before.

The rule behind it: a revoked connection's rows are history, not current spending (one selector,
open_banking.selectors.bank_transactions_counted, under every money total); and a reconnection
re-attaches the old accounts (with their transactions and balance snapshots) to the new
connection instead of starting second copies (integrations_core/services/reattach.py)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import override_settings
from django.utils import timezone

from integrations_core.models import AuditEvent, ConnectionStatus, OAuthState
from integrations_core.services.connections import connections_purge_revoked
from open_banking.models import BalanceSnapshot, BankAccount, BankConnection, Institution

from .conftest import GC_API, TL_AUTH
from .providers import test_gocardless as gc
from .providers import test_truelayer as tl

pytestmark = pytest.mark.django_db

NEW_REQ = "22222222-3333-4444-5555-666666666666"
NEW_IDS = {gc.CURRENT: "c0ffee00-0000-4000-8000-000000000001", gc.SAVINGS: "c0ffee00-0000-4000-8000-000000000002"}


class Bank:
    """One provider's side of the journey, on its recorded payloads."""

    slug: str
    institution: str

    def __init__(self, rsps):
        self.rsps = rsps
        self.payloads = self.contract.recorded_payloads()

    def connect_mocks(self, again: bool) -> None:
        raise NotImplementedError

    def callback(self, state: str) -> dict:
        return self.contract.callback_params(state)

    def revoke_mocks(self) -> None:
        self.contract.register_revoke(self.rsps)


class TrueLayerBank(Bank):
    slug, institution, contract = "truelayer", "ob-lloyds", tl.TestTrueLayerContract()

    def connect_mocks(self, again: bool) -> None:
        self.rsps.reset()
        self.contract.register_connect(self.rsps)
        self.contract.register_data(self.rsps, self.payloads)
        self.rsps.delete(f"{TL_AUTH}/api/delete", json={})


class GoCardlessBank(Bank):
    """A new requisition names the same bank accounts with new ids: only the IBAN ties them."""

    slug, institution, contract = "gocardless", "MONZO_MONZGB2L", gc.TestGoCardlessContract()

    def connect_mocks(self, again: bool) -> None:
        self.rsps.reset()
        if not again:
            self.contract.register_connect(self.rsps)
            self.contract.register_data(self.rsps, self.payloads)
            return
        p, rsps = self.payloads, self.rsps
        rsps.post(f"{GC_API}/token/new/", json=p["token_new"])
        rsps.post(f"{GC_API}/agreements/enduser/", status=201, json=p["agreement"])
        rsps.post(f"{GC_API}/requisitions/", status=201, json={**p["requisition_created"], "id": NEW_REQ})
        rsps.get(f"{GC_API}/agreements/enduser/{gc.AGREEMENT_ID}/", json=p["agreement_accepted"])
        rsps.get(f"{GC_API}/requisitions/{NEW_REQ}/",
                 json={**p["requisition_linked"], "id": NEW_REQ, "accounts": list(NEW_IDS.values())})
        for old_id, name in gc.ACCOUNTS.items():
            for scope in ("details", "balances", "transactions"):
                rsps.get(gc.account_url(NEW_IDS[old_id], scope), json=p[f"{scope}_{name}"])

    def revoke_mocks(self) -> None:
        self.rsps.delete(f"{GC_API}/requisitions/{gc.REQ_ID}/", json={"summary": "Requisition deleted"})


BANKS = {"truelayer": TrueLayerBank, "gocardless": GoCardlessBank}


@pytest.fixture(params=list(BANKS))
def bank(request, rsps, db):
    bank = BANKS[request.param](rsps)
    Institution.objects.create(provider=bank.slug, external_id=bank.institution, name="The Bank",
                               transaction_total_days=730, max_access_valid_for_days=180)
    return bank


@pytest.fixture
def web(client, user):
    client.force_login(user)
    return client


def connect(api_client, web, bank: Bank, django_capture_on_commit_callbacks, *, again: bool = False) -> str:
    """Create the connection through the API, come back through the browser callback (which
    runs the first sync), then ask for a manual sync. Returns the connection id."""
    bank.connect_mocks(again)
    created = api_client.post("/api/v1/open-banking/connections/",
                              {"provider": bank.slug, "institution": bank.institution}, format="json")
    assert created.status_code == 201, created.content
    state = parse_qs(urlsplit(created.json()["authorization_url"]).query).get("state", [None])[0]
    if state is None:  # GoCardless: the state is the requisition's reference
        state = OAuthState.objects.get(connection_id=created.json()["id"]).state
    with django_capture_on_commit_callbacks(execute=True):
        assert web.get(f"/integrations/{bank.slug}/callback/", bank.callback(state)).status_code == 302
    connection_id = created.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        synced = api_client.post(f"/api/v1/open-banking/connections/{connection_id}/sync/")
    assert synced.status_code == 202, synced.content
    assert BankConnection.objects.get(pk=connection_id).status == ConnectionStatus.ACTIVE
    return connection_id


def disconnect_keeping_data(api_client, bank: Bank, connection_id: str) -> None:
    bank.revoke_mocks()
    assert api_client.delete(f"/api/v1/open-banking/connections/{connection_id}/").status_code == 204


def months():
    this = timezone.localdate().replace(day=1)
    return [(this - timedelta(days=1)).replace(day=1), this]


def totals(api_client) -> dict:
    """What the person sees: budget summaries (this month and last), the spending summary over
    the last 40 days, and the transaction list."""
    today = timezone.localdate()
    spending = api_client.get("/api/v1/spending/summary/", {
        "from": (today - timedelta(days=40)).isoformat(), "to": today.isoformat(), "group_by": "category"}).json()
    budgets = {m.strftime("%Y-%m"): [(b["category"], b["spent"], b["transactions_count"])
                                     for b in api_client.get("/api/v1/budgets/summary/",
                                                             {"month": m.strftime("%Y-%m")}).json()["budgets"]]
               for m in months()}
    rows = api_client.get("/api/v1/open-banking/transactions/", {"page_size": 500}).json()["results"]
    listed = sorted((r["booked_date"], r["amount"], r["description"], r["status"]) for r in rows)
    return {"spent": spending["total_spent"], "income": spending["total_income"],
            "groups": [(g["key"], g["spent"], g["count"]) for g in spending["groups"]],
            "budgets": budgets, "transactions": listed}


def set_budgets(api_client) -> None:
    """A budget on every primary category the synced spending falls in."""
    today = timezone.localdate()
    spending = api_client.get("/api/v1/spending/summary/", {
        "from": (today - timedelta(days=40)).isoformat(), "to": today.isoformat()}).json()
    assert spending["groups"], "the recorded payloads hold spending"
    for group in spending["groups"]:
        response = api_client.post("/api/v1/budgets/", {"category": group["key"], "amount": "1000.00",
                                                        "start_month": months()[0].isoformat()}, format="json")
        assert response.status_code == 201, response.content


def test_reconnecting_a_disconnected_bank_counts_every_payment_once(
        api_client, web, bank, user, django_capture_on_commit_callbacks):
    first = connect(api_client, web, bank, django_capture_on_commit_callbacks)
    set_budgets(api_client)
    before = totals(api_client)
    accounts_before = set(BankAccount.objects.values_list("pk", flat=True))
    snapshots_before = BalanceSnapshot.objects.count()
    assert before["spent"] != "0.00" and before["transactions"]

    disconnect_keeping_data(api_client, bank, first)
    second = connect(api_client, web, bank, django_capture_on_commit_callbacks, again=True)

    after = totals(api_client)
    assert after == before, "every payment counted once, in budgets, spending and the list"
    assert len(after["transactions"]) == len(set(after["transactions"])), "no duplicate rows"
    # The old accounts were moved to the new connection, with their history and snapshots.
    assert set(BankAccount.objects.values_list("pk", flat=True)) == accounts_before
    assert set(BankAccount.objects.values_list("connection_id", flat=True)) == {BankConnection.objects.get(
        pk=second).pk}
    assert BalanceSnapshot.objects.count() == snapshots_before
    listed = api_client.get("/api/v1/open-banking/accounts/").json()["results"]
    assert len(listed) == len(accounts_before)
    moved = AuditEvent.objects.filter(action="account.reattached", connection_id=second)
    assert moved.count() == len(accounts_before)
    assert {e.details["from_connection"] for e in moved} == {first}
    # TrueLayer keeps its account ids; GoCardless issues new ones and the IBAN digest ties them.
    assert {e.details["matched_by"] for e in moved} == {"external_id" if bank.slug == "truelayer" else "iban_digest"}

    # The disconnected connection's retention purge no longer reaches the re-attached data.
    purged = connections_purge_revoked(now=timezone.now() + timedelta(days=400))
    assert purged == 1 and not BankConnection.objects.filter(pk=first).exists()
    assert totals(api_client) == before


def test_disconnected_banks_data_is_history_not_current_spending(
        api_client, web, bank, django_capture_on_commit_callbacks):
    connection_id = connect(api_client, web, bank, django_capture_on_commit_callbacks)
    set_budgets(api_client)
    before = totals(api_client)

    disconnect_keeping_data(api_client, bank, connection_id)

    after = totals(api_client)
    assert after["transactions"] == before["transactions"], "kept, and listed, until the retention purge"
    assert (after["spent"], after["income"], after["groups"]) == ("0.00", "0.00", [])
    assert all(spent == "0.00" and count == 0 for rows in after["budgets"].values() for _, spent, count in rows)


def test_rotating_secret_key_before_reconnecting_gocardless_still_reattaches(
        api_client, web, rsps, user, django_capture_on_commit_callbacks, db):
    """The IBAN digest that ties GoCardless's new account ids to the old accounts must survive a
    SECRET_KEY rotation, including one whose old key is already dropped."""
    bank = GoCardlessBank(rsps)
    Institution.objects.create(provider="gocardless", external_id=bank.institution, name="Monzo",
                               transaction_total_days=730, max_access_valid_for_days=180)
    first = connect(api_client, web, bank, django_capture_on_commit_callbacks)
    set_budgets(api_client)
    before = totals(api_client)
    disconnect_keeping_data(api_client, bank, first)

    with override_settings(SECRET_KEY="a-rotated-django-secret-key-0123456789abcdef", SECRET_KEY_FALLBACKS=[]):
        web.force_login(user)  # the old session was signed with the old key
        second = connect(api_client, web, bank, django_capture_on_commit_callbacks, again=True)
        assert totals(api_client) == before
    assert BankAccount.objects.count() == len(gc.ACCOUNTS)
    assert {e.details["matched_by"] for e in AuditEvent.objects.filter(action="account.reattached",
                                                                       connection_id=second)} == {"iban_digest"}
