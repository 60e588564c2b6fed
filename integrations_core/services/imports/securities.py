"""Securities: shared reference data that every provider reaches by its own id (an alias), then
by ISIN. Re-exported by imports/portfolio.py, the module callers use."""

from __future__ import annotations

import re

from django.db import transaction

from integrations_core.models import Connection, RecordKind, connection_record_model
from integrations_core.records import SecurityRecord

_ISIN = re.compile(r"^[A-Z]{2}[A-Z0-9]{9}[0-9]$")
# Filled on an existing security only when blank there: a security is shared between providers,
# and letting each overwrite the other's name or sector would rewrite it on every sync.
_FILLABLE = ("isin", "ticker", "mic", "name", "quote_currency", "asset_class", "asset_subclass", "country", "region",
             "sector")


def _isin(value: str) -> str:
    """A well-formed ISIN, or "" (a malformed one must not merge two instruments)."""
    value = (value or "").strip().upper()
    return value if _ISIN.match(value) else ""


def _quote_currency(value: str) -> str:
    value = (value or "").strip()
    # Pence quotes arrive as GBX or GBp; stored one way so GBX never looks like an ISO code.
    return "GBX" if value.upper() == "GBX" else value.upper()[:3]


def _security_values(model: type, record: SecurityRecord) -> dict:
    types = {choice for choice, _label in model._meta.get_field("type").choices}
    return {
        "isin": _isin(record.isin), "ticker": (record.ticker or "").strip()[:32],
        "mic": (record.mic or "").strip().upper()[:4],
        "name": (record.name or record.ticker or record.isin or record.external_id)[:200],
        "type": record.type if record.type in types else "other",
        "quote_currency": _quote_currency(record.quote_currency), "asset_class": (record.asset_class or "")[:30],
        "country": (record.country or "").strip().upper()[:2], "sector": (record.sector or "")[:80],
        "asset_subclass": (record.asset_subclass or "")[:40], "region": (record.region or "")[:40],
        "raw": record.raw,
    }


def _fill_blanks(security, values: dict, taken_isins: set[str]) -> None:
    changed = []
    for name in _FILLABLE:
        value = values[name]
        if not value or getattr(security, name):
            continue
        if name == "isin" and value in taken_isins:
            continue  # another security already holds it: merging them is a person's decision
        setattr(security, name, value)
        changed.append(name)
    if changed:
        security.save(update_fields=[*changed, "updated_at"])


def securities_upsert(provider_slug: str, records: list[SecurityRecord], *,
                      connection_model: type[Connection]) -> dict:
    """Provider id -> Security for every record: found by this provider's alias, else by ISIN,
    else created; a missing alias is added. `connection_model` names the family whose
    `record_models` hold the Security and SecurityAlias models (the core imports no family).
    Existing securities only gain fields they lack. Safe against a concurrent import creating the
    same ISIN or alias (get_or_create retries the read)."""
    security_model = connection_record_model(connection_model, RecordKind.SECURITY)
    alias_model = connection_record_model(connection_model, RecordKind.SECURITY_ALIAS)
    unique: dict[str, SecurityRecord] = {}
    for record in records:
        if record.external_id and record.external_id not in unique:
            unique[record.external_id] = record
    if not unique:
        return {}
    values = {ext: _security_values(security_model, record) for ext, record in unique.items()}
    found = {alias.external_id: alias.security for alias in alias_model.objects.filter(
        provider=provider_slug, external_id__in=list(unique)).select_related("security")}
    wanted_isins = {v["isin"] for v in values.values() if v["isin"]}
    by_isin = {s.isin: s for s in security_model.objects.filter(isin__in=wanted_isins)}
    with transaction.atomic():
        for ext, record_values in values.items():
            security = found.get(ext)
            if security is not None:
                _fill_blanks(security, record_values, set(by_isin) - {security.isin})
                if security.isin:
                    by_isin.setdefault(security.isin, security)
                continue
            isin = record_values["isin"]
            security = by_isin.get(isin) if isin else None
            if security is None:
                if isin:
                    security, _ = security_model.objects.get_or_create(isin=isin, defaults=record_values)
                    by_isin[isin] = security
                else:
                    security = security_model.objects.create(**record_values)
            else:
                _fill_blanks(security, record_values, set())
            alias, _ = alias_model.objects.get_or_create(provider=provider_slug, external_id=ext,
                                                         defaults={"security": security})
            found[ext] = alias.security
    return found
