"""Every registered provider that declares a logo points at a file the static finder serves."""

from __future__ import annotations

from django.contrib.staticfiles import finders

from integrations_core.providers.registry import registry


def test_declared_logos_exist():
    declared = {p.slug: p.logo_url for p in registry.all() if p.logo_url.startswith("/static/")}
    assert len(declared) >= 7  # the statement importers at least
    missing = {slug: url for slug, url in declared.items() if not finders.find(url.removeprefix("/static/"))}
    assert missing == {}
