"""Manual pots and their values, the State Pension forecast, the projection assumptions, and
`request_pension_statement`. Valuations go through the core's one write path
(`valuation_upsert`, one per pot and day) with source "manual" or "synced"."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from integrations_core.models import ConnectionStatus, RecordSource
from integrations_core.records import PensionValuationRecord
from integrations_core.services.audit import audit_record
from integrations_core.services.imports.portfolio import valuation_upsert

from ..models import (
    POT_TYPES,
    PensionAccount,
    PensionConnection,
    PensionType,
    PensionValuation,
    RetirementAssumptions,
    StatePensionForecast,
)
from .consent import consent_require
from .projection import DEFAULTS

MANUAL_PROVIDER = "manual"  # the per-person connection holding manual pots; not a registered provider


class NotManual(Exception):
    message = "Only a pot you entered yourself can be given values by hand."


def manual_connection_get(user) -> PensionConnection:
    connection, created = PensionConnection.objects.get_or_create(
        user=user, provider=MANUAL_PROVIDER, status=ConnectionStatus.ACTIVE,
        defaults={"institution_name": "Pots I entered"})
    if created:
        audit_record("connection.created", connection=connection, actor=user, details={"manual": True})
    return connection


def manual_pot_create(user, *, name: str, pension_type: str, provider_name: str = "",
                      monthly_contribution: Decimal = Decimal(0), annual_charge_percent: Decimal | None = None,
                      value: Decimal | None = None, value_date: date | None = None,
                      contributions: Decimal | None = None) -> PensionAccount:
    with transaction.atomic():
        pot = PensionAccount.objects.create(
            connection=manual_connection_get(user), external_id=f"manual-{uuid.uuid4().hex[:12]}", name=name,
            scheme_name=name, provider_name=provider_name, currency="GBP", pension_type=pension_type,
            subtype=pension_type, is_manual=True, monthly_contribution=monthly_contribution,
            annual_charge_percent=annual_charge_percent)
        if value is not None:
            manual_value_add(pot, value=value, on=value_date or timezone.localdate(), contributions=contributions)
    return pot


def manual_value_add(pot: PensionAccount, *, value: Decimal, on: date, contributions: Decimal | None = None,
                     note: str = "") -> bool:
    """A value the person read on a statement: a pot's value, or a DB pension's yearly income."""
    if not pot.is_manual:
        raise NotManual
    basis = PensionValuation.Basis.POT if pot.pension_type in POT_TYPES else PensionValuation.Basis.ANNUAL_INCOME
    extra = {"basis": basis, "note": note[:300]}
    if basis == PensionValuation.Basis.ANNUAL_INCOME:
        extra["ap_annual_amount"] = value
    return valuation_upsert(pot, PensionValuationRecord(as_of=on, value=value, currency="GBP",
                                                        source=RecordSource.MANUAL, contributions=contributions,
                                                        extra=extra))


MANUAL_EDITABLE = ("name", "provider_name", "pension_type", "monthly_contribution", "annual_charge_percent")


def manual_pot_update(pot: PensionAccount, **values) -> PensionAccount:
    """Change what the person typed about a pot of their own (name, provider, type, contributions,
    charge). A synced pension is the provider's: only its contributions and charge, which the
    projection reads and no feed sends, may be set."""
    allowed = MANUAL_EDITABLE if pot.is_manual else ("monthly_contribution", "annual_charge_percent")
    changed = [k for k in values if k in allowed and getattr(pot, k) != values[k]]
    if set(values) - set(allowed):
        raise NotManual
    for key in changed:
        setattr(pot, key, values[key])
    if "name" in changed:
        pot.scheme_name = pot.name
        changed.append("scheme_name")
    if "pension_type" in changed:
        pot.subtype = pot.pension_type
        changed.append("subtype")
    if changed:
        pot.save(update_fields=[*changed, "updated_at"])
    return pot


def manual_pot_delete(pot: PensionAccount) -> None:
    if not pot.is_manual:
        raise NotManual
    pot.delete()


def state_pension_set(user, *, weekly_amount: Decimal, qualifying_years: int,
                      forecast_date: date) -> StatePensionForecast:
    forecast, _ = StatePensionForecast.objects.update_or_create(user=user, defaults={
        "weekly_amount": weekly_amount, "qualifying_years": qualifying_years, "forecast_date": forecast_date})
    return forecast


def assumptions_set(user, **values) -> RetirementAssumptions:
    row, _ = RetirementAssumptions.objects.update_or_create(user=user, defaults={**DEFAULTS, **values})
    return row


def request_pension_statement(connection: PensionConnection, *, inline: bool = False):
    """Ask the connected provider for the current view data of every pension it found, and
    store each valuation with its illustration date (the same illustration twice is one row).
    Without consent in force nothing is asked (ConsentMissing). `inline` runs the sync here
    (tests, the management shell); otherwise it is queued like any "Sync now"."""
    consent_require(connection.user, connection.provider)
    if inline:
        from integrations_core.services.sync import connection_sync

        return connection_sync(connection, trigger="manual")
    from integrations_core.services.sync_queue import connection_sync_request

    return connection_sync_request(connection, trigger="manual")


__all__ = ["MANUAL_PROVIDER", "PensionType", "manual_pot_create", "manual_pot_delete", "manual_pot_update",
           "manual_value_add", "request_pension_statement",
           "state_pension_set", "assumptions_set"]
