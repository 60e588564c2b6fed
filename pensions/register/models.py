"""The register of UK pension schemes and providers: who to ask about a pension from a former
employer. One row per scheme (or provider), keyed by a stable `register_id` so a refreshed feed
updates rows instead of duplicating them. Contact fields mirror what the government's Pension
Tracing Service returns and the dashboards' `pensionAdministrator` shape; a field no public source
gave us stays empty (we never guess a phone number or address)."""

from __future__ import annotations

from django.db import models

from integrations_core.models import UUIDTimestampedModel


class SchemeKind(models.TextChoices):
    MASTER_TRUST = "master_trust", "Master trust"
    INSURER = "insurer", "Insurer or platform"
    PUBLIC_SERVICE = "public_service", "Public-service scheme"
    LGPS_FUND = "lgps_fund", "Local Government Pension Scheme fund"
    OCCUPATIONAL = "occupational", "Occupational scheme"


class PensionScheme(UUIDTimestampedModel):
    register_id = models.SlugField(max_length=80, unique=True, help_text="Stable id from the register file.")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=SchemeKind.choices)
    # Names people remember: the scheme's former names, brands it absorbed, employers whose staff
    # are or were members. Lists of strings.
    former_names = models.JSONField(default=list, blank=True)
    brands = models.JSONField(default=list, blank=True)
    employers = models.JSONField(default=list, blank=True)
    administrator = models.CharField(max_length=200, blank=True)
    website = models.URLField(max_length=300, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    # {"postalName", "line1".."line5", "postcode", "countryCode"} (the dashboards' postal shape).
    postal_address = models.JSONField(default=dict, blank=True)
    notes = models.TextField(blank=True)
    # [{"url", "retrieved_on", "supports": [...field names...]}]: where every fact came from.
    sources = models.JSONField(default=list)
    feed = models.CharField(max_length=40, default="shipped", help_text="Which register feed wrote this row.")
    # Every name above, normalised and joined: what the trigram index and the fuzzy matcher read.
    search_text = models.TextField(blank=True, editable=False)
    active = models.BooleanField(default=True, help_text="Switched off rows are never offered in search.")

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    @property
    def postal_address_or_none(self) -> dict | None:
        return self.postal_address or None
