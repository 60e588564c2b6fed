"""Consent lifecycle shared by every mock protocol: creating one when the person clicks Allow,
and deciding whether it still grants access."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from .faults import Fault, fault_for
from .models import Consent


class ConsentState(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"  # elapsed, or withdrawn by the bank (`error.expired`)
    REVOKED = "revoked"  # withdrawn through the provider's API


def consent_create(*, provider: str, institution_slug: str, username: str, scopes: list[str],
                   now: datetime, valid_for_days: int) -> Consent:
    return Consent.objects.create(provider=provider, institution_slug=institution_slug, username=username,
                                  scopes=scopes, authorised_at=now,
                                  expires_at=now + timedelta(days=valid_for_days))


def consent_state(consent: Consent, now: datetime) -> ConsentState:
    if consent.revoked_at:
        return ConsentState.REVOKED
    if consent.expires_at <= now or fault_for(consent.username) == Fault.EXPIRED:
        return ConsentState.EXPIRED
    return ConsentState.ACTIVE


def consent_revoke(consent: Consent, now: datetime) -> None:
    if not consent.revoked_at:
        consent.revoked_at = now
        consent.save(update_fields=["revoked_at"])
