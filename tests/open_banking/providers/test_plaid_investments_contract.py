"""Plaid's investments on the shared snapshot-source contract (tests/integrations_core/contract/
portfolio.py), against the mock Plaid in-process. Plaid connects through Link, not a pasted key,
so the contract's "credentials" are what the test tells the mock's Item (a fault login, a login
that needs repairing); everything else is the contract as every platform runs it. The
connection under test is the Item's linked investments connection."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import responses
from django.test import Client

from integrations_core.providers.registry import registry
from integrations_core.services.oauth import AuthorizationError, authorization_complete
from investments.models import InvestmentConnection
from open_banking.models import Institution
from open_banking.services import bank_connection_initiate
from sandbox.models import PlaidItem
from tests.integrations_core.contract.portfolio import SnapshotSourceContract

from .plaid_router import link_through, plaid_sandbox_settings

HOST = "http://plaid.contract.test"


@dataclass
class PlaidContractRouter:
    """POSTs to the mock Plaid in-process, with faults by (path, JSON body) and every answer kept."""

    mock: responses.RequestsMock
    faults: list = field(default_factory=list)
    calls: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self._client = Client()
        self.mock.add_callback(responses.POST, re.compile(re.escape(HOST) + r"/.*"), callback=self._answer)

    def _answer(self, request):
        path = urlsplit(request.url).path
        body = json.loads(request.body or b"{}")
        for fault in self.faults:
            if fault(path, body):
                self.calls.append(SimpleNamespace(path=path, status=500, headers={}))
                return 500, {"Content-Type": "application/json"}, json.dumps(
                    {"error_type": "API_ERROR", "error_code": "INTERNAL_SERVER_ERROR", "error_message": "down"})
        headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in request.headers.items()
                   if k.lower().startswith("plaid")}
        response = self._client.post("/sandbox/plaid/api" + path, data=request.body, content_type="application/json",
                                     **headers)
        self.calls.append(SimpleNamespace(path=path, status=response.status_code, headers={}))
        return response.status_code, {"Content-Type": "application/json"}, response.content


class TestPlaidInvestmentsContract(SnapshotSourceContract):
    slug = "plaid"
    expected_wrapper = "other"  # US accounts (brokerage, IRA) are none of the UK wrappers
    last_synced_days_ago = 60  # the mock trades every 9-16 days: the overlap window must hold one

    # --- fixtures the Link flow replaces --------------------------------------------------------
    @pytest.fixture
    def router(self, settings, db):
        settings.PROVIDER_HTTP_RETRIES = 0
        self.configure(settings)
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            yield PlaidContractRouter(mock)

    @pytest.fixture
    def provider(self, router):
        return registry.get("plaid")  # the installed one (never unregistered)

    @pytest.fixture
    def connect(self, user, provider, django_capture_on_commit_callbacks, settings):
        settings.CELERY_TASK_ALWAYS_EAGER = True
        Institution.objects.get_or_create(provider="plaid", external_id="ins_56",
                                          defaults={"name": "Chase", "country": "US"})
        browser = Client()
        browser.force_login(user)

        def connect(credentials: dict) -> tuple:
            authorization = bank_connection_initiate(user=user, provider_slug="plaid", institution_id="ins_56")
            params = link_through(browser, authorization.authorization_url, username=credentials["username"])
            if credentials.get("refused"):
                params["public_token"] = "public-sandbox-not-issued"
            status = 201
            try:
                with django_capture_on_commit_callbacks(execute=True):
                    authorization_complete(user=user, provider_slug="plaid", state=params["state"], params=params)
            except AuthorizationError:
                status = 400
            return SimpleNamespace(status_code=status, content=b""), InvestmentConnection.objects.filter(
                provider=self.slug).first()
        return connect

    def sync(self, connection, clock=None):
        """The contract's credentials become what the mock's Item does next."""
        connection.refresh_from_db()
        wanted = connection.credentials or {}
        if wanted:
            PlaidItem.objects.filter(item_id=connection.external_id).update(
                username=wanted.get("username", "user_good"), login_required=bool(wanted.get("refused")))
        return super().sync(connection, clock)

    # --- hooks ------------------------------------------------------------------------------------
    def configure(self, settings):
        plaid_sandbox_settings(settings, host=HOST)
        settings.PLAID_INVESTMENTS_PAGE_SIZE = 10

    def make_provider(self):
        return registry.get("plaid")

    def valid_credentials(self):
        return {"username": "user_good"}

    def refused_credentials(self):
        return {"username": "user_good", "refused": True}  # at Link: a forged token; later: login required

    def scope_missing_credentials(self):
        return None  # Plaid has products, not key scopes: an Item without investments links no connection

    def rate_limited_credentials(self):
        return {"username": "error.rate_limit"}

    def expected_retry_after(self, router):
        from open_banking.providers.plaid.client import ITEM_LIMIT_WAIT

        return ITEM_LIMIT_WAIT  # Plaid sends no Retry-After: its per-Item limits are per minute

    def malformed_credentials(self):
        return {"username": "error.malformed"}

    def fail_history_page_two(self, router):
        router.faults.append(lambda path, body: path == "/investments/transactions/get"
                             and (body.get("options") or {}).get("offset", 0) > 0)

    def fail_snapshot(self, router):
        router.faults.append(lambda path, body: path == "/investments/holdings/get")

    def hide_transaction(self, router, external_id):
        item = PlaidItem.objects.get()
        hidden = [*item.mutations.get("investments_removed", []), external_id]
        item.mutations = {**item.mutations, "investments_removed": hidden}
        item.save(update_fields=["mutations"])
