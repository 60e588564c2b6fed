"""The person's consent to find their pensions and fetch their values.

The rule: consent is given for one provider and lasts CONSENT_MONTHS (12) calendar months from
the moment it is given (the same day of the month a year later; 29 February -> 28 February),
unless withdrawn. A refusal is recorded and nothing is sent. Without consent in force, no find
request and no view request leaves this service: `consent_require` raises, the sync engine
records the connection as needing the person, and the page says why. Giving consent again starts
a new 12 months. (The dashboards' own consent service sets its own durations; 12 months mirrors
the FCA's rule for account information access without re-consent being a yearly ask.)"""

from __future__ import annotations

import calendar
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from integrations_core.providers.errors import ConsentExpired
from integrations_core.services.audit import audit_record

from ..models import PensionConsent

CONSENT_MONTHS = 12
WORDING = ("I agree that my name, date of birth, National Insurance number and postcode are sent to {name} "
           "to find pensions I hold, and that the values of the pensions found are fetched for me, every day, "
           "for 12 months or until I withdraw this consent.")


class ConsentMissing(ConsentExpired):
    code = "consent_expired"
    user_message = ("Your consent to find your pensions and fetch their values has expired or was not given. "
                    "Give it again to carry on: nothing is sent without it.")


def add_months(moment: datetime, months: int) -> datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def consent_give(user, *, provider_slug: str, provider_name: str) -> PensionConsent:
    now = timezone.now()
    with transaction.atomic():
        PensionConsent.objects.filter(user=user, provider=provider_slug, status=PensionConsent.Status.GIVEN,
                                      withdrawn_at=None).update(status=PensionConsent.Status.WITHDRAWN,
                                                                withdrawn_at=now)
        consent = PensionConsent.objects.create(user=user, provider=provider_slug, status=PensionConsent.Status.GIVEN,
                                                given_at=now, expires_at=add_months(now, CONSENT_MONTHS),
                                                wording=WORDING.format(name=provider_name))
        audit_record("pension.consent_given", actor=user, details={"provider": provider_slug,
                                                                   "expires_at": consent.expires_at.isoformat()})
    return consent


def consent_refuse(user, *, provider_slug: str, provider_name: str) -> PensionConsent:
    consent = PensionConsent.objects.create(user=user, provider=provider_slug, status=PensionConsent.Status.REFUSED,
                                            wording=WORDING.format(name=provider_name))
    audit_record("pension.consent_refused", actor=user, details={"provider": provider_slug})
    return consent


def consent_withdraw(user, *, provider_slug: str) -> int:
    now = timezone.now()
    audit_record("pension.consent_withdrawn", actor=user, details={"provider": provider_slug})
    return PensionConsent.objects.filter(user=user, provider=provider_slug, status=PensionConsent.Status.GIVEN,
                                         withdrawn_at=None).update(status=PensionConsent.Status.WITHDRAWN,
                                                                   withdrawn_at=now)


def consent_in_force(user, provider_slug: str) -> PensionConsent | None:
    return (PensionConsent.objects.filter(user=user, provider=provider_slug, status=PensionConsent.Status.GIVEN,
                                          withdrawn_at=None, expires_at__gt=timezone.now())
            .order_by("-given_at").first())


def consent_require(user, provider_slug: str) -> PensionConsent:
    consent = consent_in_force(user, provider_slug)
    if consent is None:
        raise ConsentMissing("No pension consent in force")
    return consent


def consent_connections_resume(user, consent: PensionConsent) -> int:
    """Consent given again: the person's connections to that provider that stopped for want of it
    (reauth_required with code consent_expired) are active again and fetch their values now."""
    from integrations_core.models import ConnectionStatus
    from integrations_core.services.sync_queue import connection_sync_request

    from ..models import PensionConnection

    resumed = 0
    for connection in PensionConnection.objects.filter(user=user, provider=consent.provider,
                                                       status=ConnectionStatus.REAUTH_REQUIRED,
                                                       last_error_code=ConsentMissing.code):
        connection.status = ConnectionStatus.ACTIVE
        connection.consent_expires_at = consent.expires_at
        connection.credentials = {**(connection.credentials or {}), "consent_reference": str(consent.pk)}
        connection.next_sync_at = timezone.now()
        connection.save(update_fields=["status", "consent_expires_at", "credentials", "next_sync_at", "updated_at"])
        audit_record("pension.consent_resumed", connection=connection, actor=user)
        connection_sync_request(connection, trigger="manual", defer=True)
        resumed += 1
    return resumed
