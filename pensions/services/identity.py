"""The person's identity data for find requests: validated, kept encrypted (PensionIdentity),
shown back only masked. Minimal on purpose: the dashboards' find data is first name, last name,
date of birth, NI number and address (we send the postcode and, when given, the first line)."""

from __future__ import annotations

import re
from datetime import date

from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from ..models import PensionIdentity

# HMRC's National Insurance number format (NIM39110): two prefix letters, six digits, a suffix
# A-D. Neither prefix letter is D, F, I, Q, U or V; the second is not O; BG, GB, KN, NK, NT, TN
# and ZZ are never issued.
NINO = re.compile(r"^(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]$")
POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}$")


class IdentityInvalid(ValueError):
    def __init__(self, fields: dict[str, list[str]]):
        super().__init__("Some details are not valid.")
        self.fields = fields


def nino_clean(value: str) -> str:
    """Upper case without spaces; IdentityInvalid unless it is a possible NI number."""
    cleaned = re.sub(r"\s+", "", str(value or "")).upper()
    if not NINO.match(cleaned):
        raise IdentityInvalid({"ni_number": ["Enter a National Insurance number in the format QQ 12 34 56 A "
                                             "(2 letters, 6 numbers, then A, B, C or D)."]})
    return cleaned


def date_of_birth_clean(value, *, field: str = "date_of_birth") -> date:
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value or "").strip())
        except ValueError:
            raise IdentityInvalid({field: ["Enter a real date as YYYY-MM-DD (for example 1970-03-31)."]}) from None
    today = timezone.localdate()
    if day >= today:
        raise IdentityInvalid({field: ["A date of birth must be in the past."]})
    if today.year - day.year > 120:
        raise IdentityInvalid({field: ["Check the year: that is more than 120 years ago."]})
    return day


@sensitive_variables("raw")
def identity_clean(raw: dict) -> dict[str, str]:
    """The find data from a form or request body; every field's problem at once."""
    raw = raw if isinstance(raw, dict) else {}
    cleaned: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for name, label in (("first_name", "First name"), ("last_name", "Last name")):
        value = str(raw.get(name) or "").strip()
        if not value:
            errors[name] = [f"{label} is required."]
        elif len(value) > 100:
            errors[name] = [f"{label} is too long."]
        cleaned[name] = value
    for name, clean in (("ni_number", nino_clean), ("date_of_birth", date_of_birth_clean)):
        try:
            value = clean(raw.get(name))
            cleaned[name] = value.isoformat() if isinstance(value, date) else value
        except IdentityInvalid as exc:
            errors.update(exc.fields)
    postcode = re.sub(r"\s+", " ", str(raw.get("postcode") or "").strip().upper())
    if not POSTCODE.match(postcode):
        errors["postcode"] = ["Enter a UK postcode, for example SW1A 1AA."]
    cleaned["postcode"] = postcode
    cleaned["address_line"] = str(raw.get("address_line") or "").strip()[:200]
    if errors:
        raise IdentityInvalid(errors)
    return cleaned


@sensitive_variables("identity")
def identity_save(user, identity: dict[str, str]) -> PensionIdentity:
    row, _ = PensionIdentity.objects.update_or_create(user=user, defaults={"data": identity})
    return row


def identity_date_of_birth_set(user, born: date) -> PensionIdentity:
    """The date of birth alone (the State Pension form asks it, for State Pension age and the
    projection), kept with the rest of the identity data so a later find request starts from it."""
    data = {**identity_get(user), "date_of_birth": date_of_birth_clean(born).isoformat()}
    return identity_save(user, data)


def identity_get(user) -> dict[str, str]:
    row = PensionIdentity.objects.filter(user=user).first()
    return dict(row.data) if row else {}


def identity_masked(identity: dict[str, str]) -> dict[str, str]:
    """What may be shown back: initials and the last characters only."""
    nino = identity.get("ni_number", "")
    return {"name": " ".join(filter(None, [identity.get("first_name", "")[:1], identity.get("last_name", "")[:1]])),
            "ni_number": f"•••••{nino[-4:]}" if nino else "", "postcode": identity.get("postcode", "")[:2] + "•••"}


def find_data(identity: dict[str, str]) -> dict[str, object]:
    """The find request's items, as the standard names them (pensions/dashboards/standard.py)."""
    data = {"firstName": identity["first_name"], "lastName": identity["last_name"],
            "dateOfBirth": identity["date_of_birth"], "nino": identity["ni_number"],
            "postcode": identity["postcode"]}
    if identity.get("address_line"):
        data["addressLine"] = identity["address_line"]
    return data
