"""The one write path for accounts, balances and transactions from any provider.

Dedupe by the provider's stable id, then by a fingerprint (with an occurrence number so genuine
twins in one payload survive); a pending row is claimed by its booked twin even when the bank
issues a new id or changes the amount; fields the user edited are locked; the raw payload is
kept; rows are written in bulk. Running it twice on the same data changes nothing."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from integrations_core.models import Account, Connection, Transaction, TransactionStatus
from integrations_core.records import AccountData, AccountRecord, BalanceRecord, TransactionRecord

# A pending card payment usually books within a week, sometimes for a different amount (tips,
# currency conversion). These bound how far a booked row may differ and still claim it.
CLAIM_MAX_DAYS = 10
CLAIM_AMOUNT_TOLERANCE = Decimal("0.20")  # 20% of the pending amount...
CLAIM_AMOUNT_FLOOR = Decimal("2.00")  # ...or £2, whichever is larger

SYNCED_FIELDS = (
    "provider_transaction_id", "fingerprint", "booked_date", "value_date", "booked_at", "amount", "currency",
    "original_amount", "original_currency", "description", "merchant_name", "provider_category", "mcc",
    "status", "raw",
)


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    removed: int = 0
    claimed: int = 0
    new_ids: list = field(default_factory=list)
    changed_ids: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"added": self.added, "updated": self.updated, "removed": self.removed, "claimed": self.claimed}


_NOISE = re.compile(r"[^a-z0-9]+")


def normalise_description(text: str) -> str:
    return _NOISE.sub(" ", (text or "").lower()).strip()


def fingerprint(record: TransactionRecord, occurrence: int) -> str:
    base = "|".join([
        record.status, record.booked_date.isoformat(), f"{record.amount:.2f}", record.currency,
        normalise_description(record.description), str(occurrence),
    ])
    return hashlib.sha256(base.encode()).hexdigest()


def keyed_records(records: list[TransactionRecord]) -> list[tuple[str, str, TransactionRecord]]:
    """(key, fingerprint, record) for each record. The provider id wins; records without one are
    keyed by fingerprint, the n-th identical one in the payload getting occurrence n."""
    seen: dict[str, int] = defaultdict(int)
    out = []
    keys_taken: set[str] = set()
    for record in records:
        probe = fingerprint(record, 0)
        occurrence = seen[probe]
        seen[probe] += 1
        fp = fingerprint(record, occurrence) if occurrence else probe
        key = record.external_id or f"fp:{fp}"
        if key in keys_taken:
            # A bank that repeats an id inside one payload (it happens in the UK): keep both,
            # telling the second apart by its fingerprint.
            key = f"{key}#{fp[:16]}"
        keys_taken.add(key)
        out.append((key, fp, record))
    return out


def _record_values(model: type[Transaction], key: str, fp: str, record: TransactionRecord) -> dict:
    values = {
        "external_id": key,
        "provider_transaction_id": (record.provider_transaction_id or record.external_id
                                    or str(record.raw.get("transaction_id", "") or ""))[:255],
        "fingerprint": fp,
        "booked_date": record.booked_date,
        "value_date": record.value_date,
        "booked_at": record.booked_at,
        "amount": record.amount,
        "currency": record.currency,
        "original_amount": record.original_amount,
        "original_currency": record.original_currency or "",
        "description": (record.description or "")[:500],
        "merchant_name": (record.merchant_name or "")[:200],
        "provider_category": (record.provider_category or "")[:200],
        "mcc": (record.mcc or "")[:4],
        "status": record.status,
        "raw": record.raw,
    }
    if _has_field(model, "running_balance"):
        values["running_balance"] = record.running_balance
    return values


@lru_cache(maxsize=64)
def _field_names(model) -> frozenset[str]:
    return frozenset(f.name for f in model._meta.get_fields())


def _has_field(model, name: str) -> bool:
    return name in _field_names(model)


def _apply(row: Transaction, values: dict) -> bool:
    """Copy synced values onto a row, leaving user-locked fields alone. True if anything changed."""
    locked = set(row.locked_fields or [])
    changed = False
    for name, value in values.items():
        if name in locked:
            continue
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _claim_score(pending: Transaction, booked: TransactionRecord) -> float | None:
    """How well a booked record matches a pending row; None if it cannot be the same payment."""
    if pending.currency != booked.currency or (pending.amount < 0) != (booked.amount < 0):
        return None
    days = (booked.booked_date - pending.booked_date).days
    if days < -1 or days > CLAIM_MAX_DAYS:
        return None
    diff = abs(abs(booked.amount) - abs(pending.amount))
    if diff > max(abs(pending.amount) * CLAIM_AMOUNT_TOLERANCE, CLAIM_AMOUNT_FLOOR):
        return None
    a = set(normalise_description(pending.description).split())
    b = set(normalise_description(booked.description).split())
    similarity = len(a & b) / max(1, len(a | b))
    if similarity == 0 and diff != 0:
        return None
    return similarity * 2 + (1 if diff == 0 else 0) - days * 0.05


def account_upsert(connection: Connection, record: AccountRecord, *, known: Account | None = None) -> Account:
    """Create or update one account. `known` is the stored account with this external id, when
    the caller already loaded the connection's accounts (the sync does, in one query)."""
    model = connection.account_model
    field_names = _field_names(model)
    values = {
        "name": record.name[:200], "type": record.type, "subtype": record.subtype, "currency": record.currency,
        "masked_number": record.masked_number, "raw": record.raw, "is_active": True,
    }
    values.update({k: v for k, v in record.extra.items() if k in field_names})
    if known is not None:
        account, created = known, False
    else:
        account, created = model.objects.get_or_create(connection=connection, external_id=record.external_id,
                                                       defaults=values)
    if not created:
        changed = [k for k, v in values.items() if getattr(account, k) != v]
        for k in changed:
            setattr(account, k, values[k])
        if changed:
            account.save(update_fields=[*changed, "updated_at"])
    return account


def _balance_set(account: Account, balance: BalanceRecord) -> list[str]:
    """Put the balance on the account (unsaved); returns the fields to save."""
    account.current_balance = balance.current
    account.available_balance = balance.available
    account.balance_updated_at = balance.as_of or timezone.now()
    extra = [k for k in balance.extra if _has_field(type(account), k)]
    for k in extra:
        setattr(account, k, balance.extra[k])
    return ["current_balance", "available_balance", "balance_updated_at", *extra]


def balance_apply(account: Account, balance: BalanceRecord) -> None:
    account.save(update_fields=[*_balance_set(account, balance), "updated_at"])


def transactions_import(account: Account, data: AccountData, *, also_save: tuple[str, ...] = ()) -> ImportResult:
    """Write one account's fetched data. Call inside a transaction (the sync engine does).
    `also_save`: account fields the caller changed, saved with the account's last_synced_at."""
    model: type[Transaction] = account.transactions.model
    result = ImportResult()
    booked = keyed_records(data.booked)
    pending = keyed_records(data.pending or [])
    incoming_keys = {k for k, _, _ in booked} | {k for k, _, _ in pending}
    window = None
    if data.window_from is not None:
        window = (data.window_from, data.window_to or timezone.localdate())

    # One query for every stored row this import may touch: those with an incoming key, the
    # open pending rows, and the booked rows inside the window the bank answered for.
    touched = Q(external_id__in=incoming_keys) | Q(status=TransactionStatus.PENDING)
    if window is not None:
        touched |= Q(status=TransactionStatus.BOOKED, booked_date__gte=window[0], booked_date__lte=window[1])
    stored = list(model.objects.filter(account=account).filter(touched))
    existing = {row.external_id: row for row in stored if row.external_id in incoming_keys}
    # Pending rows the provider no longer reports under their own key are candidates to be
    # claimed by a booked twin with a new key (or, unclaimed, were cancelled). A pending row
    # whose key comes back as booked is simply updated in place below.
    open_pending = [
        row for row in stored if row.status == TransactionStatus.PENDING and row.external_id not in incoming_keys
    ]
    # Booked rows inside the window the bank answered for that it no longer reports (as stored
    # now, before the loop below edits any row): dropped by the bank, unless claimed below.
    unreported = [] if window is None else [
        (row.pk, row.external_id) for row in stored
        if row.status == TransactionStatus.BOOKED and window[0] <= row.booked_date <= window[1]
        and row.external_id not in incoming_keys
    ]

    to_create: list[dict] = []
    to_update: dict = {}
    claimed_ids: set = set()

    for key, fp, record in [*booked, *pending]:
        values = _record_values(model, key, fp, record)
        row = existing.get(key)
        if row is None and record.status == TransactionStatus.BOOKED:
            row = _best_pending_match(open_pending, record, claimed_ids)
            if row is not None:
                claimed_ids.add(row.pk)
                result.claimed += 1
        if row is None:
            values["account_id"] = account.pk
            to_create.append(values)
            continue
        if _apply(row, values):
            to_update[row.pk] = row

    removed_ids = [row.pk for row in open_pending if row.pk not in claimed_ids and data.pending is not None]
    if unreported:
        claimed_keys = {row.external_id for row in to_update.values()}
        removed_ids.extend(pk for pk, key in unreported if key not in claimed_keys and pk not in to_update)

    if removed_ids:
        result.removed = model.objects.filter(pk__in=removed_ids).delete()[0]
    if to_update:
        rows = list(to_update.values())
        model.objects.bulk_update(rows, [*SYNCED_FIELDS, "external_id", *_extra_fields(model)], batch_size=500)
        result.updated = len(rows)
        result.changed_ids = [r.pk for r in rows]
    if to_create:
        for hook in _pre_insert_hooks():
            # e.g. categorise on the values, so each new row is written once, complete.
            hook(account=account, rows=to_create)
        result.new_ids = _bulk_insert(model, to_create)
        result.added = len(to_create)
    account.last_synced_at = timezone.now()
    account.save(update_fields=[*also_save, "last_synced_at", "updated_at"])
    return result


def _pre_insert_hooks() -> list:
    """SYNC_PRE_INSERT_HOOKS: `hook(account=, rows=)` may fill in fields of the new rows' values
    before they are inserted. It runs inside the account's transaction."""
    return [import_string(path) for path in getattr(settings, "SYNC_PRE_INSERT_HOOKS", [])]


def _bulk_insert(model: type[Transaction], rows: list[dict]) -> list:
    """Insert new rows. On PostgreSQL through COPY (several times faster than a multi-row INSERT
    built by the ORM); safe because the connection's sync lock makes us the only writer for this
    account and every key was checked against the table above."""
    now = timezone.now()
    defaults = {"created_at": now, "updated_at": now, "category": "", "category_source": "",
                "category_confidence": None, "notes": "", "locked_fields": []}
    for row in rows:
        row["id"] = uuid.uuid4()
        for key, value in defaults.items():
            row.setdefault(key, value)
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows], batch_size=1000)
        return [row["id"] for row in rows]
    from psycopg.types.json import Jsonb

    columns = list(rows[0])
    json_columns = {"raw", "locked_fields"}
    db_columns = [model._meta.get_field(c.removesuffix("_id") if c == "account_id" else c).column for c in columns]
    sql = "COPY {} ({}) FROM STDIN".format(
        connection.ops.quote_name(model._meta.db_table), ", ".join(connection.ops.quote_name(c) for c in db_columns))
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([Jsonb(row[c]) if c in json_columns else row[c] for c in columns])
    return [row["id"] for row in rows]


def _extra_fields(model: type[Transaction]) -> list[str]:
    return ["running_balance"] if _has_field(model, "running_balance") else []


def _best_pending_match(candidates: list[Transaction], record: TransactionRecord, taken: set):
    best, best_score = None, None
    for row in candidates:
        if row.pk in taken:
            continue
        score = _claim_score(row, record)
        if score is not None and (best_score is None or score > best_score):
            best, best_score = row, score
    return best


def account_data_import(account: Account, data: AccountData) -> ImportResult:
    """Balance + transactions for one account, atomically."""
    with transaction.atomic():
        # The balance is saved with the account's last_synced_at: one UPDATE, not two.
        balance_fields = _balance_set(account, data.balance) if data.balance is not None else []
        return transactions_import(account, data, also_save=tuple(balance_fields))


def last_booked_date(account: Account):
    row = (account.transactions.filter(status=TransactionStatus.BOOKED)
           .order_by("-booked_date").values_list("booked_date", flat=True).first())
    return row


def incremental_since(account: Account, overlap_days: int):
    last = last_booked_date(account)
    return None if last is None else last - timedelta(days=overlap_days)
