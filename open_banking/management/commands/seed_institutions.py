"""Fill the institution directory: from the sandbox's mock banks when SANDBOX_ENABLED, and from
every registered provider that publishes a directory (`InstitutionDirectory`, e.g. GoCardless's
/institutions/) when it is configured. Safe to run again and again."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.urls import reverse

from integrations_core.providers.errors import ProviderError
from integrations_core.providers.registry import registry
from integrations_core.providers.sources import InstitutionDirectory
from open_banking.services import institutions_upsert


def sandbox_values(item: Any) -> list[tuple[str, dict[str, Any]]]:
    """One sandbox bank is reachable through every mock protocol, each under its own id style."""
    common = {"name": item.name, "country": item.country.upper()[:2], "bic": item.bic,
              "logo_url": settings.SITE_URL.rstrip("/") + reverse("sandbox:logo", args=[item.slug])}
    return [(provider, {**common, "external_id": external_id})
            for provider, external_id in item.provider_ids().items()]


class Command(BaseCommand):
    help = "Create or update bank institutions from the sandbox list and the providers' directories."

    def add_arguments(self, parser):
        parser.add_argument("--country", action="append", default=None,
                            help="Country code(s) to fetch from provider directories (default: gb). Repeatable.")
        parser.add_argument("--skip-remote", action="store_true", help="Do not call any provider.")

    def handle(self, *args, **options):
        if settings.SANDBOX_ENABLED:
            self._seed_sandbox()
        if not options["skip_remote"]:
            for provider in registry.all():
                if isinstance(provider, InstitutionDirectory):
                    self._seed_directory(provider, options["country"] or ["gb"])

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

    def _seed_directory(self, provider: InstitutionDirectory, countries: list[str]) -> None:
        slug = provider.slug
        if not provider.is_configured():
            self.stdout.write(f"{slug}: not configured, skipped")
            return
        for country in countries:
            try:
                items = provider.institutions(country)
            except ProviderError as exc:
                # Not fatal: `make run` seeds before the dev server (and so the sandbox) is up.
                self.stderr.write(f"{slug}[{country}]: skipped ({exc.code})")
                continue
            values = [provider.institution_values(i) for i in items if isinstance(i, dict) and i.get("id")]
            self._report(f"{slug}[{country}]", slug, institutions_upsert(slug, values))
