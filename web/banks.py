"""Connect a bank, not an aggregator: the person picks their bank; the platform picks which
enabled provider reaches it. Several providers list the same bank (the sandbox's Monzo is on
TrueLayer and GoCardless); the person sees it once, reached through the first provider in the
operators' preference (settings.BANK_PROVIDER_PREFERENCE, then the order providers are
configured in). Banks in the person's country come first (settings.HOME_COUNTRY, GB)."""

from __future__ import annotations

import re

from django.conf import settings
from django.db.models import Case, IntegerField, Value, When

from integrations_core.providers.base import Provider
from open_banking.models import Institution

_SPACES = re.compile(r"\s+")


def bank_key(name: str) -> str:
    """The same bank across providers: names compared without case and extra spaces."""
    return _SPACES.sub(" ", name).strip().casefold()


def provider_rank(providers: list[Provider]) -> dict[str, int]:
    preference = [slug for slug in getattr(settings, "BANK_PROVIDER_PREFERENCE", []) if slug]
    order = preference + [p.slug for p in providers if p.slug not in preference]
    return {slug: n for n, slug in enumerate(order)}


def bank_choices(*, providers: list[Provider], text: str = "", limit: int = 60) -> list[Institution]:
    """One Institution per bank (the preferred provider's), home country first, then by name;
    at most `limit` + 1 (so the page can say there are more)."""
    rank = provider_rank(providers)
    home = getattr(settings, "HOME_COUNTRY", "GB").upper()
    queryset = Institution.objects.filter(is_active=True, provider__in=list(rank))
    if text.strip():
        queryset = queryset.filter(name__icontains=text.strip())
    queryset = queryset.annotate(abroad=Case(When(country=home, then=Value(0)), default=Value(1),
                                             output_field=IntegerField())).order_by("abroad", "name")
    chosen: dict[tuple, Institution] = {}
    for institution in queryset.iterator(chunk_size=500):
        key = (institution.country, bank_key(institution.name))
        best = chosen.get(key)
        if best is None:
            if len(chosen) > limit:
                break  # enough banks for the page (the rest are only counted as "more")
            chosen[key] = institution
        elif rank[institution.provider] < rank[best.provider]:
            chosen[key] = institution
    return list(chosen.values())
