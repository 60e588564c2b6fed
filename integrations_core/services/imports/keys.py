"""How an incoming row is keyed: the provider's stable id when it has one, else a fingerprint of
its content with an occurrence number, so genuine twins in one payload survive."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from datetime import date
from decimal import Decimal

# What makes two id-less bank payments the same payment (the order is part of every stored
# fingerprint: changing it re-keys every id-less row).
CASH_FINGERPRINT_FIELDS = ("status", "booked_date", "amount", "currency", "description")

_NOISE = re.compile(r"[^a-z0-9]+")


def normalise_description(text: str) -> str:
    return _NOISE.sub(" ", (text or "").lower()).strip()


def _amount_text(amount: Decimal) -> str:
    # Two decimals for every amount that has no more (the fingerprints stored before the money
    # columns widened stay the same); the exact digits for KWD-like amounts that do.
    return f"{amount:.2f}" if amount == amount.quantize(Decimal("0.01")) else f"{amount.normalize():f}"


def _field_text(name: str, value) -> str:
    if isinstance(value, Decimal):
        return _amount_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if name == "description":
        return normalise_description(value)
    return "" if value is None else str(value)


def fingerprint(record, occurrence: int, fields: tuple[str, ...] = CASH_FINGERPRINT_FIELDS) -> str:
    base = "|".join([*(_field_text(name, getattr(record, name)) for name in fields), str(occurrence)])
    return hashlib.sha256(base.encode()).hexdigest()


def repeated_id_key(external_id: str, fp: str) -> str:
    return f"{external_id}#{fp[:16]}"


def keyed_records(records: list, fields: tuple[str, ...] = CASH_FINGERPRINT_FIELDS) -> list[tuple[str, str, object]]:
    """(key, fingerprint, record) for each record. The provider id wins; records without one are
    keyed by fingerprint, the n-th identical one in the payload getting occurrence n.

    A bank that repeats an id inside one payload (it happens in the UK) gets *every* copy keyed
    by id and fingerprint, so no copy's key depends on the order of the response: which copy
    keeps a person's edits is decided by content, and a reordered answer rewrites nothing."""
    seen: dict[tuple, int] = defaultdict(int)
    id_counts: dict[str, int] = defaultdict(int)
    for record in records:
        if record.external_id:
            id_counts[record.external_id] += 1
    out = []
    for record in records:
        probe = fingerprint(record, 0, fields)
        # Count identical copies among records sharing the same id (or among id-less ones):
        # another payment's position must not change this one's fingerprint or key.
        occurrence = seen[(record.external_id, probe)]
        seen[(record.external_id, probe)] += 1
        fp = fingerprint(record, occurrence, fields) if occurrence else probe
        if not record.external_id:
            key = f"fp:{fp}"
        elif id_counts[record.external_id] > 1:
            key = repeated_id_key(record.external_id, fp)
        else:
            key = record.external_id
        out.append((key, fp, record))
    return out


def alternative_keys(key: str, fp: str, record) -> list[str]:
    """Keys the same payment may be stored under from an earlier answer: its bare id when the id
    was not repeated then, or id+fingerprint when it was."""
    if not record.external_id:
        return []
    bare = record.external_id
    return [repeated_id_key(bare, fp)] if key == bare else [bare]
