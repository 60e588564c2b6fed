"""Turns one view-data arrangement (`pensionArrangements[]` item) into records: the pension as
an AccountRecord, each benefit illustration as a PensionValuationRecord dated by its
`illustrationDate`, and any `unavailableReason` as the account's pending value. Nothing else.

A DC pot's value is the `dcPot` of its illustration; an income-type pension (DB...) has no pot:
its valuation is the accrued yearly income (AP `payableDetails.annualAmount`) with basis
"annual_income", and its estimated income (ERI) beside it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from integrations_core.money import fits_storage
from integrations_core.providers.errors import BadProviderResponse
from integrations_core.records import AccountRecord, PensionValuationRecord, ValuationData
from open_banking.providers.utils import jsonable

from . import standard

POT_TYPES = frozenset({"DC", "AVC", "CB"})
PENSION_TYPES = frozenset({"AVC", "CB", "CDC", "DB", "DC", "HYB", "SP"})


def _date(value: Any, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise BadProviderResponse(f"{name} is not a date") from None


def _amount(value: Any, name: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise BadProviderResponse(f"{name} is not an amount")
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        raise BadProviderResponse(f"{name} is not an amount") from None
    if not amount.is_finite() or not fits_storage(amount):
        raise BadProviderResponse(f"{name} does not fit")
    return amount


def account_record(arrangement: dict[str, Any]) -> AccountRecord:
    pei = arrangement.get("externalAssetId")
    name = arrangement.get("schemeName")
    if not pei or not name:
        raise BadProviderResponse("An arrangement without externalAssetId or schemeName")
    pension_type = arrangement.get("pensionType") or "DC"
    if pension_type not in PENSION_TYPES:
        raise BadProviderResponse("Unknown pensionType")
    raw = {k: v for k, v in arrangement.items() if k != "dateOfBirth"}
    return AccountRecord(
        external_id=str(pei), name=str(name), type="pension", currency="GBP", subtype=pension_type,
        extra={
            "pension_type": pension_type,
            "match_type": arrangement.get("matchType") or "DEFN",
            "scheme_name": str(name)[:200],
            "contact_reference": str(arrangement.get("contactReference") or "")[:100],
            "pension_origin": str(arrangement.get("pensionOrigin") or "")[:2],
            "pension_status": str(arrangement.get("pensionStatus") or "")[:2],
            "start_date": _date(arrangement.get("startDate"), "startDate"),
            "retirement_date": _date(arrangement.get("retirementDate"), "retirementDate"),
            "pension_administrator": jsonable(arrangement.get("pensionAdministrator") or {}),
            "employment_membership_periods": jsonable(arrangement.get("employmentMembershipPeriods") or []),
        },
        raw=jsonable(raw),
    )


def _components(illustration: dict) -> dict[str, dict]:
    return {c.get("illustrationType"): c for c in illustration.get("illustrationComponents") or []}


def valuation_data(arrangement: dict[str, Any]) -> ValuationData:
    account = account_record(arrangement)
    if account.extra["match_type"] == "POSS":
        # A possible match shows only its name, case reference and contact: nothing to value.
        return ValuationData(account=account, value_pending=standard.PENDING_POSSIBLE_MATCH,
                             value_pending_message=standard.POSSIBLE_MATCH_MESSAGE)
    is_pot = account.extra["pension_type"] in POT_TYPES
    valuations: list[PensionValuationRecord] = []
    pending = ""
    for illustration in arrangement.get("benefitIllustrations") or []:
        day = _date(illustration.get("illustrationDate"), "illustrationDate")
        parts = _components(illustration)
        eri, ap = parts.get(standard.ERI, {}), parts.get(standard.AP, {})
        reasons = [c.get("unavailableReason") for c in (ap, eri) if c.get("unavailableReason")]
        eri_pay = eri.get("payableDetails") or {}
        ap_pay = ap.get("payableDetails") or {}
        if is_pot:
            value = _amount(ap.get("dcPot", eri.get("dcPot")), "dcPot")
        else:
            value = _amount(ap_pay.get("annualAmount"), "annualAmount")
        if value is None or day is None:
            pending = pending or (reasons[0] if reasons else "ANO")
            continue
        if reasons:
            pending = pending or reasons[0]
        valuations.append(PensionValuationRecord(
            as_of=day, value=value, currency="GBP", source="synced",
            raw=jsonable(illustration),
            extra={
                "basis": "pot" if is_pot else "annual_income",
                "eri_annual_amount": _amount(eri_pay.get("annualAmount"), "annualAmount"),
                "eri_payable_date": _date(eri_pay.get("payableDate"), "payableDate"),
                "ap_annual_amount": None if is_pot else value,
            },
        ))
    if not valuations and not pending:
        pending = "ANO"
    return ValuationData(account=account, valuations=valuations, value_pending=pending,
                         value_pending_message=standard.unavailable_message(pending) if pending else "")
