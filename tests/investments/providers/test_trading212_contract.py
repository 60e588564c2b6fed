"""Trading 212 passes the shared snapshot-source contract against the sandbox mock, on both
path sets (the 2026 one with full nextPagePaths, the older one with query-only ones)."""

from __future__ import annotations

import json
import time

from investments.providers.trading212.provider import Trading212Provider
from tests.integrations_core.contract.portfolio import SnapshotSourceContract
from tests.integrations_core.contract.router import HOST, fail_when

KEY, SECRET = "sandbox-t212-key", "sandbox-t212-secret"


class Trading212Contract(SnapshotSourceContract):
    slug = "trading212"
    expected_wrapper = "other"
    variants: tuple[str, ...] = ()

    def configure(self, settings):
        settings.TRADING212_DEMO_URL = f"{HOST}/sandbox/trading212/api/v0"

    def make_provider(self):
        return Trading212Provider()

    def key(self, *extra: str) -> dict:
        variants = ",".join((*self.variants, *extra))
        return {"environment": "demo", "api_key": f"{KEY}.{variants}" if variants else KEY, "api_secret": SECRET}

    def valid_credentials(self):
        return self.key()

    def refused_credentials(self):
        return {**self.key(), "api_secret": "not-the-secret"}

    def scope_missing_credentials(self):
        return self.key("no-history-orders"), "history:orders"

    def rate_limited_credentials(self):
        return self.key("rate-limited")

    def expected_retry_after(self, router):
        limited = [c for c in router.calls if c.status == 429]
        return int(limited[-1].headers["x-ratelimit-reset"]) - time.time()

    def malformed_credentials(self):
        return self.key("malformed")

    def fail_history_page_two(self, router):
        router.faults.append(fail_when(lambda path, query: "/history/" in path and "cursor=" in query))

    def fail_snapshot(self, router):
        router.faults.append(fail_when(lambda path, query: path.endswith(("/equity/positions", "/equity/portfolio"))))

    def hide_transaction(self, router, external_id):
        kind, _, ident = external_id.partition(":")
        assert kind == "fill", external_id

        def drop(path: str, body: bytes) -> bytes:
            if "/history/orders" not in path:
                return body
            page = json.loads(body)
            page["items"] = [i for i in page["items"]
                             if str((i.get("fill") or {}).get("id", i.get("fillId"))) != ident]
            return json.dumps(page).encode()

        router.transforms.append(drop)


class TestTrading212Contract(Trading212Contract):
    pass


class TestTrading212LegacyContract(Trading212Contract):
    variants = ("legacy", "query-paging")
