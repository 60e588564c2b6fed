"""Pension fixtures: the sandbox pension service over real HTTP (live_server), syncs run
inline, and a person's valid find data."""

from __future__ import annotations

import pytest

from pensions.providers.sandbox_dashboards.provider import SandboxDashboardsProvider
from pensions.register.feeds import ShippedRegisterFeed
from pensions.register.services import register_upsert

IDENTITY = {"first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1980-05-17",
            "ni_number": "AB 12 34 56 C", "postcode": "sw1a 1aa", "consent": "yes"}
SLUG = SandboxDashboardsProvider.slug


@pytest.fixture
def sandbox_pensions(live_server, settings, monkeypatch):
    settings.SANDBOX_ENABLED = True
    settings.SANDBOX_PENSIONS_URL = f"{live_server.url}/sandbox/pensions/api/v1"
    from integrations_core.services.sync import connection_sync_by_id

    monkeypatch.setattr("integrations_core.tasks.sync_connection.apply_async",
                        lambda *, args, kwargs, countdown=0: connection_sync_by_id(args[0], args[1], **kwargs))
    return live_server


@pytest.fixture
def connect(sandbox_pensions):
    from integrations_core.providers.registry import registry
    from pensions.connect import FindRequestFlow

    def run(user, **overrides):
        return FindRequestFlow().complete(user=user, provider=registry.get(SLUG), connection=None,
                                          data={"credentials": {**IDENTITY, **overrides}})

    return run




@pytest.fixture
def register(db):
    """The shipped register, loaded the way `load_pension_register` loads it."""
    return register_upsert(ShippedRegisterFeed().fetch(), feed="shipped")


@pytest.fixture
def entry():
    def make(**overrides):
        base = {"id": "acme-pension-plan", "name": "Acme Pension Plan", "kind": "occupational",
                "former_names": ["Acme Widgets Retirement Fund"], "employers": ["Acme Widgets Limited"],
                "sources": [{"url": "https://example.org/acme", "retrieved_on": "2026-12-02"}]}
        return {**base, **overrides}
    return make
