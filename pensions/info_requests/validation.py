"""Checks on the details a person gives for an information request, shared by the API serializer
and the web form so both answer with the same field errors."""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone

# HMRC National Insurance Manual NIM39110 ("Format of National Insurance numbers"): two prefix
# letters, six digits, one suffix letter A-D. Neither prefix letter is D, F, I, Q, U or V; the
# second is not O; the prefixes BG, GB, KN, NK, NT, TN and ZZ are never allocated (TN is HMRC's
# temporary-number prefix, not a real NINO).
_NINO = re.compile(r"^(?P<prefix>[A-Z]{2})(?P<digits>[0-9]{6})(?P<suffix>[A-Z])$")
_NOT_EITHER_PREFIX_LETTER = set("DFIQUV")
_UNALLOCATED_PREFIXES = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
OLDEST_AGE = 120


def ni_number_normalise(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "").upper()


def ni_number_validate(value: str) -> str:
    """The NI number in canonical form (AB123456C), or ValidationError saying which rule failed."""
    number = ni_number_normalise(value)
    match = _NINO.match(number)
    if not match:
        raise ValidationError("Enter a National Insurance number like AB 12 34 56 C: two letters, six digits "
                              "and a letter A, B, C or D.", code="ni_format")
    prefix, suffix = match["prefix"], match["suffix"]
    if _NOT_EITHER_PREFIX_LETTER & set(prefix):
        raise ValidationError("A National Insurance number never starts with D, F, I, Q, U or V in its first "
                              "two letters.", code="ni_prefix_letter")
    if prefix[1] == "O":
        raise ValidationError("The second letter of a National Insurance number is never O.", code="ni_prefix_o")
    if prefix in _UNALLOCATED_PREFIXES:
        raise ValidationError(f"{prefix} is not a prefix HMRC allocates (temporary or administrative numbers "
                              "are not accepted).", code="ni_prefix_unallocated")
    if suffix not in "ABCD":
        raise ValidationError("The last letter of a National Insurance number is A, B, C or D.", code="ni_suffix")
    return number


def dates_check(*, date_of_birth: date | None, employment_start: date | None,
                employment_end: date | None, today: date | None = None) -> dict[str, list[str]]:
    """Field errors for impossible dates (future, in the wrong order, before birth)."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if date_of_birth:
        if date_of_birth > today:
            errors["date_of_birth"] = ["Your date of birth cannot be in the future."]
        elif date_of_birth.year < today.year - OLDEST_AGE:
            errors["date_of_birth"] = [f"A date of birth more than {OLDEST_AGE} years ago is not possible here."]
    if employment_start:
        if employment_start > today:
            errors["employment_start"] = ["The date you started cannot be in the future."]
        elif date_of_birth and employment_start <= date_of_birth:
            errors["employment_start"] = ["You must have started this job after you were born."]
    if employment_end:
        if employment_end > today:
            errors["employment_end"] = ["The date you left cannot be in the future."]
        elif employment_start and employment_end < employment_start:
            errors["employment_end"] = ["The date you left must be on or after the date you started."]
    return errors
