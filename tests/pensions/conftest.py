from __future__ import annotations

import pytest

from pensions.register.feeds import ShippedRegisterFeed
from pensions.register.services import register_upsert


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
