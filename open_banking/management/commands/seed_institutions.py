"""Fill the institution directory: from the sandbox's mock banks when SANDBOX_ENABLED, and from
GoCardless's /institutions/ when its secrets are configured. Safe to run again and again."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.urls import reverse

from integrations_core.providers.errors import ProviderError
from integrations_core.providers.registry import UnknownProvider, registry
from open_banking.providers.gocardless.mapper import institution_values
from open_banking.services import institutions_upsert


def sandbox_values(item: Any) -> list[tuple[str, dict[str, Any]]]:
    """One sandbox bank is reachable through every mock protocol, each under its own id style."""
    common = {"name": item.name, "country": item.country.upper()[:2], "bic": item.bic,
              "logo_url": settings.SITE_URL.rstrip("/") + reverse("sandbox:logo", args=[item.slug])}
    return [("truelayer", {**common, "external_id": item.truelayer_id}),
            ("gocardless", {**common, "external_id": item.gocardless_id})]


class Command(BaseCommand):
    help = "Create or update bank institutions from the sandbox list and GoCardless."

    def add_arguments(self, parser):
        parser.add_argument("--country", action="append", default=None,
                            help="GoCardless country code(s) to fetch (default: gb). Repeatable.")
        parser.add_argument("--skip-remote", action="store_true", help="Do not call GoCardless.")

    def handle(self, *args, **options):
        if settings.SANDBOX_ENABLED:
            self._seed_sandbox()
        if not options["skip_remote"]:
            self._seed_gocardless(options["country"] or ["gb"])

    def _report(self, source: str, provider: str, counts: dict[str, int]) -> None:
        self.stdout.write(f"{source} {provider}: {counts['created']} created, {counts['updated']} updated, "
                          f"{counts['unchanged']} unchanged")

    def _seed_sandbox(self) -> None:
        try:
            from sandbox import institutions as sandbox_institutions
        except ImportError:
            self.stdout.write("sandbox: no institution list installed, skipped")
            return
        by_provider: dict[str, list[dict[str, Any]]] = {}
        for item in sandbox_institutions.INSTITUTIONS:
            for provider, values in sandbox_values(item):
                by_provider.setdefault(provider, []).append(values)
        for provider, values in sorted(by_provider.items()):
            self._report("sandbox", provider, institutions_upsert(provider, values))

    def _seed_gocardless(self, countries: list[str]) -> None:
        try:
            provider = registry.get("gocardless")
        except UnknownProvider:
            return
        if not provider.is_configured():
            self.stdout.write("gocardless: not configured, skipped")
            return
        for country in countries:
            try:
                items = provider.institutions(country)
            except ProviderError as exc:
                # Not fatal: `make run` seeds before the dev server (and so the sandbox) is up.
                self.stderr.write(f"gocardless[{country}]: skipped ({exc.code})")
                continue
            values = [institution_values(i) for i in items if isinstance(i, dict) and i.get("id")]
            self._report(f"gocardless[{country}]", "gocardless", institutions_upsert("gocardless", values))
