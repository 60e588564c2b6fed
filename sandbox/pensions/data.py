"""Who the sandbox finds, and what their pensions are worth on a sandbox day. Stateless: a
pension identifier (PeI) carries the arrangement's key, a hash of the person's NI number and the
day of the find, so the view endpoint needs no table.

Every person found has the same four arrangements, with amounts varied by their NI number:
  harbour   a DC master-trust pot (workplace), a statement on the 1st of each month
  northfield a defined-benefit scheme (deferred): an accrued and an estimated yearly income
  meridian  an insurer's personal pension whose value is "being calculated" (DCC) for the first
            CALCULATING_DAYS sandbox days after the find, then valued on that day
  oldmill   a possible match (POSS): name, case reference and contact only
A last name ending in "-calculating" keeps the insurer's value being calculated for good."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from decimal import Decimal

CALCULATING_DAYS = 3
KEYS = ("harbour", "northfield", "meridian", "oldmill")


def person_hash(nino: str) -> str:
    return hashlib.sha256(f"sandbox-pensions:{nino}".encode()).hexdigest()[:10]


def pei_make(key: str, person: str, found_on: date, *, sticky: bool = False) -> str:
    return f"{key}.{person}.{found_on:%Y%m%d}{'.calc' if sticky else ''}"


def pei_parse(pei: str) -> tuple[str, str, date, bool] | None:
    parts = pei.split(".")
    if len(parts) not in (3, 4) or parts[0] not in KEYS or (len(parts) == 4 and parts[3] != "calc"):
        return None
    try:
        found_on = date(int(parts[2][:4]), int(parts[2][4:6]), int(parts[2][6:8]))
    except ValueError:
        return None
    return parts[0], parts[1], found_on, len(parts) == 4


def _administrator(name: str, email: str, phone: str, url: str, postcode: str) -> dict:
    return {"name": name, "contactMethods": [
        {"preferred": True, "contactMethodDetails": {"email": email}},
        {"preferred": False, "contactMethodDetails": {"number": phone, "usage": ["M"]}},
        {"preferred": False, "contactMethodDetails": {"url": url}},
        {"preferred": False, "contactMethodDetails": {"postalName": name, "line1": "1 Sandbox Way",
                                                      "line2": "Testville", "postcode": postcode,
                                                      "countryCode": "GB"}},
    ]}


def _seed(person: str) -> int:
    return int(person[:6], 16)


def _months_between(start: date, end: date) -> int:
    return max(0, (end.year - start.year) * 12 + end.month - start.month)


def arrangement(pei: str, today: date) -> dict | None:
    parsed = pei_parse(pei)
    if parsed is None:
        return None
    key, person, found_on, sticky = parsed
    seed = _seed(person)
    if key == "harbour":
        statement_day = today.replace(day=1)
        base = Decimal(18000 + seed % 9000)
        value = (base * Decimal("1.004") ** _months_between(date(2024, 1, 1), statement_day)).quantize(Decimal("0.01"))
        return {
            "externalAssetId": pei, "matchType": "DEFN", "schemeName": "Harbour Workplace Master Trust",
            "contactReference": f"HWT-{seed % 100000:05d}", "pensionType": "DC", "pensionOrigin": "WM",
            "pensionStatus": "A", "startDate": "2017-09-01", "retirementDate": "2047-06-30",
            "pensionAdministrator": _administrator("Harbour Pensions Administration",
                                                   "members@harbour.sandbox.test", "0300 000 0001",
                                                   "https://harbour.sandbox.test", "HB1 1AA"),
            "employmentMembershipPeriods": [{"employerName": "Acme Widgets Ltd",
                                             "membershipStartDate": "2017-09-01"}],
            "benefitIllustrations": [{"illustrationDate": statement_day.isoformat(), "illustrationComponents": [
                {"illustrationType": "AP", "benefitType": "DC", "calculationMethod": "BS", "dcPot": value,
                 "payableDetails": {"amountType": "POT", "amount": value, "payableDate": "2047-06-30"}},
                {"illustrationType": "ERI", "benefitType": "DC", "calculationMethod": "SMPI", "dcPot": value,
                 "payableDetails": {"amountType": "INC", "annualAmount": (value / 8).quantize(Decimal("1")),
                                    "monthlyAmount": (value / 96).quantize(Decimal("1")),
                                    "payableDate": "2047-06-30", "increasing": True}},
            ]}],
        }
    if key == "northfield":
        april = date(today.year if today >= date(today.year, 4, 6) else today.year - 1, 4, 6)
        accrued = Decimal(3600 + seed % 1500)
        return {
            "externalAssetId": pei, "matchType": "DEFN", "schemeName": "Northfield Engineering Pension Scheme",
            "contactReference": f"NEPS/{seed % 10000:04d}", "pensionType": "DB", "pensionOrigin": "PT",
            "pensionStatus": "I", "startDate": "2004-02-01", "retirementDate": "2044-06-30",
            "pensionAdministrator": _administrator("Northfield Pensions Office", "pensions@northfield.sandbox.test",
                                                   "0300 000 0002", "https://northfield.sandbox.test", "NF2 2BB"),
            "employmentMembershipPeriods": [{"employerName": "Northfield Engineering plc",
                                             "membershipStartDate": "2004-02-01",
                                             "membershipEndDate": "2012-08-31"}],
            "benefitIllustrations": [{"illustrationDate": april.isoformat(), "illustrationComponents": [
                {"illustrationType": "AP", "benefitType": "DB", "calculationMethod": "BS",
                 "payableDetails": {"amountType": "INC", "annualAmount": accrued,
                                    "monthlyAmount": (accrued / 12).quantize(Decimal("0.01")),
                                    "payableDate": "2044-06-30", "increasing": True}},
                {"illustrationType": "ERI", "benefitType": "DB", "calculationMethod": "BS",
                 "payableDetails": {"amountType": "INC", "annualAmount": accrued + 700,
                                    "monthlyAmount": ((accrued + 700) / 12).quantize(Decimal("0.01")),
                                    "payableDate": "2044-06-30", "increasing": True}},
            ]}],
        }
    if key == "meridian":
        ready_on = found_on + timedelta(days=CALCULATING_DAYS)
        head = {
            "externalAssetId": pei, "matchType": "DEFN", "schemeName": "Meridian Life Personal Pension",
            "contactReference": f"ML{seed % 1000000:06d}", "pensionType": "DC", "pensionOrigin": "PM",
            "pensionStatus": "I", "startDate": "2009-03-12", "retirementDate": "2045-06-30",
            "pensionAdministrator": _administrator("Meridian Life Assurance", "pensions@meridian.sandbox.test",
                                                   "0300 000 0003", "https://meridian.sandbox.test", "ML3 3CC"),
        }
        if sticky or today < ready_on:
            return {**head, "benefitIllustrations": [{"illustrationDate": None, "illustrationComponents": [
                {"illustrationType": "AP", "benefitType": "DC", "unavailableReason": "DCC"},
                {"illustrationType": "ERI", "benefitType": "DC", "unavailableReason": "DCC"},
            ]}]}
        value = Decimal(9000 + seed % 4000) + Decimal("0.45")
        return {**head, "benefitIllustrations": [{"illustrationDate": ready_on.isoformat(), "illustrationComponents": [
            {"illustrationType": "AP", "benefitType": "DC", "calculationMethod": "BS", "dcPot": value,
             "payableDetails": {"amountType": "POT", "amount": value, "payableDate": "2045-06-30"}},
        ]}]}
    # oldmill: a possible match shows only its name, case reference and contact.
    return {
        "externalAssetId": pei, "matchType": "POSS", "schemeName": "Old Mill Retail Staff Pension Scheme",
        "contactReference": f"OM-CASE-{seed % 100000:05d}",
        "pensionAdministrator": _administrator("Old Mill Pensions Team", "tracing@oldmill.sandbox.test",
                                               "0300 000 0004", "https://oldmill.sandbox.test", "OM4 4DD"),
    }
