"""One person, one life: a login's salary, rent and household bills land at one bank only (the
first bank that login connected in the sandbox), so a person who connects two banks sees one
salary and one rent, not one per bank. Their other banks are paid into from their own name each
payday and spend what arrives. With no consent yet (the pure data tests) a bank is the main one."""

from __future__ import annotations

from .models import Consent


def is_main_bank(username: str, institution_slug: str) -> bool:
    first = (Consent.objects.filter(username=username).order_by("authorised_at", "id")
             .values_list("institution_slug", flat=True).first())
    return first is None or first == institution_slug
