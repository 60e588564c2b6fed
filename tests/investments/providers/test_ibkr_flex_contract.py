"""IBKR Flex passes the shared snapshot-source contract against the sandbox's Flex service.
Flex tokens have no scopes; the statement is one document, so "page two" is GetStatement
failing after SendRequest succeeded."""

from __future__ import annotations

import re

import pytest

from investments.providers.ibkr_flex.client import RATE_LIMIT_RETRY_AFTER, IbkrFlexClient
from investments.providers.ibkr_flex.provider import IbkrFlexProvider
from sandbox.credentials import sandbox_ibkr_query_id
from tests.integrations_core.contract.portfolio import SnapshotSourceContract
from tests.integrations_core.contract.router import HOST, fail_when


class TestIbkrFlexContract(SnapshotSourceContract):
    slug = "ibkr_flex"
    expected_wrapper = "gia"
    window_end_lag = 1  # the statement ends yesterday
    last_synced_days_ago = 100  # the sandbox's latest trade is 90 days old

    @pytest.fixture(autouse=True)
    def no_poll_waits(self, monkeypatch):
        original = IbkrFlexProvider.client

        def client(provider, *, token, query_id):
            made = original(provider, token=token, query_id=query_id)
            made.poll_waits = (0.0,) * len(made.poll_waits)
            return made

        monkeypatch.setattr(IbkrFlexProvider, "client", client)
        assert IbkrFlexClient

    def configure(self, settings):
        settings.IBKR_FLEX_URL = f"{HOST}/sandbox/ibkr/FlexWebService"

    def make_provider(self):
        return IbkrFlexProvider()

    def creds(self, token="flex-token-1234567890"):
        return {"token": token, "query_id": sandbox_ibkr_query_id()}

    def valid_credentials(self):
        return self.creds()

    def refused_credentials(self):
        return self.creds("error.invalid_token")

    def scope_missing_credentials(self):
        return None

    def rate_limited_credentials(self):
        return self.creds("error.rate_limit")

    def expected_retry_after(self, router):
        return RATE_LIMIT_RETRY_AFTER

    def malformed_credentials(self):
        return self.creds("error.malformed")

    def fail_history_page_two(self, router):
        router.faults.append(fail_when(lambda path, query: path.endswith("/GetStatement")))

    def fail_snapshot(self, router):
        self.fail_history_page_two(router)

    def hide_transaction(self, router, external_id):
        kind, _, ident = external_id.partition(":")
        assert kind == "trade", external_id
        pattern = re.compile(rb'<Trade\b[^>]*\btradeID="' + re.escape(ident.encode()) + rb'"[^>]*/>')
        router.transforms.append(lambda path, body: pattern.sub(b"", body) if path.endswith("/GetStatement") else body)
