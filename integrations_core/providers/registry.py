"""The provider registry: explicit, loaded from settings.INTEGRATION_PROVIDERS in
IntegrationsCoreConfig.ready(). Nothing registers itself by being imported."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.utils.module_loading import import_string

from .base import Provider


class UnknownProvider(LookupError):
    pass


class ProviderRegistry:
    def __init__(self) -> None:
        self._providers: dict[str, Provider] = {}
        self.load_errors: list[str] = []

    def load(self, dotted_paths: list[str] | None = None) -> None:
        self._providers.clear()
        self.load_errors = []
        for path in dotted_paths if dotted_paths is not None else settings.INTEGRATION_PROVIDERS:
            try:
                cls = import_string(path)
            except ImportError as exc:
                self.load_errors.append(f"{path}: {exc}")
                continue
            if not (isinstance(cls, type) and issubclass(cls, Provider)):
                self.load_errors.append(f"{path}: not a Provider subclass")
                continue
            if cls.slug in self._providers:
                self.load_errors.append(f"{path}: duplicate slug {cls.slug!r}")
                continue
            self._providers[cls.slug] = cls()

    def register(self, provider: Provider) -> None:
        self._providers[provider.slug] = provider

    def unregister(self, slug: str) -> None:
        self._providers.pop(slug, None)

    def get(self, slug: str) -> Provider:
        try:
            return self._providers[slug]
        except KeyError:
            raise UnknownProvider(slug) from None

    def all(self) -> list[Provider]:
        return list(self._providers.values())

    def slugs_with(self, capability) -> list[str]:
        """The registered providers that declare `capability` (the core asks, never names them)."""
        return [slug for slug, provider in self._providers.items() if capability in provider.capabilities]

    def connection_models(self) -> list[type]:
        """The concrete Connection models that registered providers use, deduplicated."""
        seen: dict[str, type] = {}
        for provider in self._providers.values():
            seen.setdefault(provider.connection_model, apps.get_model(provider.connection_model))
        return list(seen.values())


registry = ProviderRegistry()
