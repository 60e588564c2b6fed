"""The institution directory: upserted from the sandbox list and from GoCardless."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from ..models import Institution

FIELDS = ("name", "country", "bic", "logo_url", "transaction_total_days", "max_access_valid_for_days")


@transaction.atomic
def institutions_upsert(provider: str, items: list[dict[str, Any]]) -> dict[str, int]:
    """Insert new institutions, update changed ones, leave identical ones untouched. Idempotent."""
    existing = {i.external_id: i for i in Institution.objects.filter(provider=provider)}
    created = updated = 0
    for item in items:
        values = {k: item[k] for k in FIELDS if k in item and item[k] is not None}
        values.setdefault("is_active", True)
        row = existing.get(item["external_id"])
        if row is None:
            Institution.objects.create(provider=provider, external_id=item["external_id"], **values)
            created += 1
            continue
        changed = [k for k, v in values.items() if getattr(row, k) != v]
        if changed:
            for k in changed:
                setattr(row, k, values[k])
            row.save(update_fields=[*changed, "updated_at"])
            updated += 1
    return {"created": created, "updated": updated, "unchanged": len(items) - created - updated}
