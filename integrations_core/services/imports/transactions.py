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
from django.db.models import Max, Min, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from integrations_core.models import Account, Connection, Transaction, TransactionStatus
from integrations_core.records import AccountData, AccountRecord, BalanceRecord, TransactionRecord

# A pending card payment usually books within a week, sometimes for a different amount (tips,
# currency conversion), and sometimes weeks later (hotels, car hire, TfL daily caps: TrueLayer
# documents pending items staying up to 120 days). The import is told the provider's maximum;
# this is the default for callers that do not say.
DEFAULT_SETTLEMENT_MAX_DAYS = 120
CLAIM_MAX_DAYS = 10
CLAIM_LATE_MIN_SIMILARITY = 0.5
CLAIM_AMOUNT_TOLERANCE = Decimal("0.20")  # 20% of the pending amount...
CLAIM_AMOUNT_FLOOR = Decimal("2.00")  # ...or £2, whichever is larger
# A provider's `from=D` is a calendar date in *its* time zone (TrueLayer: UTC), ours are local
# (London): a payment at 00:30 BST on D is 23:30Z on D-1 and not in the answer. So an answer
# only provably covers the dates from D+1; the first day of a window is never used to decide
# that a row has gone.
WINDOW_EDGE_MARGIN = timedelta(days=1)

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


def _amount_text(amount: Decimal) -> str:
    # Two decimals for every amount that has no more (the fingerprints stored before the money
    # columns widened stay the same); the exact digits for KWD-like amounts that do.
    return f"{amount:.2f}" if amount == amount.quantize(Decimal("0.01")) else f"{amount.normalize():f}"


def fingerprint(record: TransactionRecord, occurrence: int) -> str:
    base = "|".join([
        record.status, record.booked_date.isoformat(), _amount_text(record.amount), record.currency,
        normalise_description(record.description), str(occurrence),
    ])
    return hashlib.sha256(base.encode()).hexdigest()


def repeated_id_key(external_id: str, fp: str) -> str:
    return f"{external_id}#{fp[:16]}"


def keyed_records(records: list[TransactionRecord]) -> list[tuple[str, str, TransactionRecord]]:
    """(key, fingerprint, record) for each record. The provider id wins; records without one are
    keyed by fingerprint, the n-th identical one in the payload getting occurrence n.

    A bank that repeats an id inside one payload (it happens in the UK) gets *every* copy keyed
    by id and fingerprint, so no copy's key depends on the order of the response: which copy
    keeps a person's edits is decided by content, and a reordered answer rewrites nothing."""
    seen: dict[str, int] = defaultdict(int)
    id_counts: dict[str, int] = defaultdict(int)
    for record in records:
        if record.external_id:
            id_counts[record.external_id] += 1
    out = []
    for record in records:
        probe = fingerprint(record, 0)
        # Count identical copies among records sharing the same id (or among id-less ones):
        # another payment's position must not change this one's fingerprint or key.
        occurrence = seen[(record.external_id, probe)]
        seen[(record.external_id, probe)] += 1
        fp = fingerprint(record, occurrence) if occurrence else probe
        if not record.external_id:
            key = f"fp:{fp}"
        elif id_counts[record.external_id] > 1:
            key = repeated_id_key(record.external_id, fp)
        else:
            key = record.external_id
        out.append((key, fp, record))
    return out


def _alternative_keys(key: str, fp: str, record: TransactionRecord) -> list[str]:
    """Keys the same payment may be stored under from an earlier answer: its bare id when the id
    was not repeated then, or id+fingerprint when it was."""
    if not record.external_id:
        return []
    bare = record.external_id
    return [repeated_id_key(bare, fp)] if key == bare else [bare]


def _record_values(model: type[Transaction], key: str, fp: str, record: TransactionRecord) -> dict:
    values = {
        "external_id": key,
        # The provider's own stable id only: TrueLayer's per-request transaction_id would make
        # every unchanged re-sync rewrite every row in the window.
        "provider_transaction_id": (record.provider_transaction_id or record.external_id or "")[:255],
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


def _claim_score(pending: Transaction, booked: TransactionRecord, max_days: int) -> float | None:
    """How well a booked record matches a pending row; None if it cannot be the same payment."""
    if pending.currency != booked.currency or (pending.amount < 0) != (booked.amount < 0):
        return None
    days = (booked.booked_date - pending.booked_date).days
    if days < -1 or days > max_days:
        return None
    diff = abs(abs(booked.amount) - abs(pending.amount))
    if diff > max(abs(pending.amount) * CLAIM_AMOUNT_TOLERANCE, CLAIM_AMOUNT_FLOOR):
        return None
    a = set(normalise_description(pending.description).split())
    b = set(normalise_description(booked.description).split())
    similarity = len(a & b) / max(1, len(a | b))
    if similarity == 0 and diff != 0:
        return None
    # Beyond a normal card settlement only a payment that names the same merchant may claim.
    if days > CLAIM_MAX_DAYS and similarity < CLAIM_LATE_MIN_SIMILARITY:
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
        account, created = model.objects.filter(connection=connection, external_id=record.external_id).first(), False
        if account is None:
            # The same bank account in a connection the person disconnected (kept for the
            # retention period): re-attached with its history, never started twice.
            from ..reattach import account_reattach

            account = account_reattach(connection, record)
        if account is None:
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


def _covered_dates(data: AccountData) -> tuple | None:
    """The booked dates the provider's answer provably covers (first, last), or None when it
    claims no window (a first sync that took whatever history the bank had)."""
    if data.window_from is None:
        return None
    return data.window_from + WINDOW_EDGE_MARGIN, data.window_to or timezone.localdate()


def transactions_import(account: Account, data: AccountData, *, also_save: tuple[str, ...] = (),
                        settlement_max_days: int = DEFAULT_SETTLEMENT_MAX_DAYS) -> ImportResult:
    """Write one account's fetched data. Call inside a transaction (the sync engine does).
    `also_save`: account fields the caller changed, saved with the account's last_synced_at.
    `settlement_max_days`: the longest the provider says a pending payment can take to book.

    Deletion rules (docs/reliability.md, "Sync window"): a booked row is removed only when the
    answer provably covered its date and did not report it; a pending row the bank no longer
    reports is removed (cancelled) only when the answer covered every date its booked twin
    could carry, or when it is older than the provider's settlement maximum. Anything else is
    kept: a row kept one sync too long is corrected later, a deleted one is money lost."""
    model: type[Transaction] = account.transactions.model
    result = ImportResult()
    booked = keyed_records(data.booked)
    # A bank can list one payment as booked and (briefly) still as pending under the same id:
    # the booked copy wins, or two rows would claim one key.
    booked_ids = {r.external_id for r in data.booked if r.external_id}
    pending = keyed_records([r for r in data.pending or [] if r.external_id not in booked_ids])
    incoming = [*booked, *pending]
    incoming_keys = {k for k, _, _ in incoming}
    lookup_keys = incoming_keys | {alt for key, fp, record in incoming for alt in _alternative_keys(key, fp, record)}
    covered = _covered_dates(data)
    today = timezone.localdate()

    # One query for every stored row this import may touch: those with an incoming key (or the
    # key an earlier answer gave the same payment), the open pending rows, and the booked rows
    # inside the window the bank answered for.
    touched = Q(external_id__in=lookup_keys) | Q(status=TransactionStatus.PENDING)
    if covered is not None:
        # From the first, uncovered day: a row there may come back amended (see below).
        touched |= Q(status=TransactionStatus.BOOKED, booked_date__gte=data.window_from, booked_date__lte=covered[1])
    stored = list(model.objects.filter(account=account).filter(touched))
    by_key = {row.external_id: row for row in stored}
    existing: dict[str, Transaction] = {}
    rekeyed: set = set()
    for key, fp, record in incoming:
        row = by_key.get(key)
        if row is None:
            # The same payment stored under its other key form (an id that was or was not
            # repeated before): the same row is re-keyed, so its edits stay with its content.
            row = next((by_key[alt] for alt in _alternative_keys(key, fp, record)
                        if alt in by_key and by_key[alt].fingerprint == fp and by_key[alt].pk not in rekeyed
                        and alt not in incoming_keys), None)
            if row is not None:
                rekeyed.add(row.pk)
        if row is not None:
            existing[key] = row
    answered = {row.pk for row in existing.values()}
    if covered is not None:
        # A booked row the bank amended (a new description gives an id-less or repeated-id row a
        # new key) is the same payment: the stored row takes the new key instead of a second
        # row being inserted beside it (on the uncovered first day it would never be deleted).
        amended = [row for row in stored if row.status == TransactionStatus.BOOKED and row.pk not in answered
                   and data.window_from <= row.booked_date <= covered[1]]
        for key, row in _amended_matches(amended, [(k, r) for k, _, r in booked if k not in existing]).items():
            existing[key] = row
            answered.add(row.pk)
    # Pending rows the provider no longer reports under their own key are candidates to be
    # claimed by a booked twin with a new key (or, unclaimed, may have been cancelled). A
    # pending row whose key comes back as booked is simply updated in place below.
    open_pending = [row for row in stored if row.status == TransactionStatus.PENDING and row.pk not in answered]
    # Booked rows inside the covered window that the bank no longer reports (as stored now,
    # before the loop below edits any row): dropped by the bank, unless claimed below.
    unreported = [] if covered is None else [
        row.pk for row in stored
        if row.status == TransactionStatus.BOOKED and covered[0] <= row.booked_date <= covered[1]
        and row.pk not in answered
    ]

    to_create: list[dict] = []
    to_update: dict = {}
    claimed_ids: set = set()

    claims = _pending_claims(open_pending, [(k, r) for k, _, r in booked if k not in existing],
                             settlement_max_days)
    for key, fp, record in incoming:
        values = _record_values(model, key, fp, record)
        row = existing.get(key)
        if row is None and key in claims:
            row = claims[key]
            claimed_ids.add(row.pk)
            result.claimed += 1
        if row is None:
            values["account_id"] = account.pk
            to_create.append(values)
            continue
        if _apply(row, values):
            to_update[row.pk] = row

    removed_ids = []
    if data.pending is not None:
        removed_ids = [row.pk for row in open_pending
                       if row.pk not in claimed_ids and _pending_is_gone(row, covered, today, settlement_max_days)]
    removed_ids.extend(pk for pk in unreported if pk not in to_update)

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


def _pending_is_gone(row: Transaction, covered: tuple | None, today, settlement_max_days: int) -> bool:
    """May an unreported, unclaimed pending row be deleted as cancelled? Only if its booked twin
    would have been in this answer (the covered window reaches the day before its date: a twin
    can carry its UTC date), or if it is older than the bank could take to book it."""
    if (today - row.booked_date).days > settlement_max_days:
        return True
    return covered is not None and covered[0] <= row.booked_date - WINDOW_EDGE_MARGIN


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


def _pending_claims(candidates: list[Transaction], booked: list[tuple[str, TransactionRecord]],
                    max_days: int) -> dict[str, Transaction]:
    """Which open pending row each new booked record claims, decided as a whole (not first come,
    first served): as many claims as possible, then the best-scoring ones. First come let one
    booked payment take the closer-dated hold of another, leaving a hold beside its own booked
    twin. The candidate sets are small (an account's open pending rows)."""
    scores = {}
    for i, (_, record) in enumerate(booked):
        for j, row in enumerate(candidates):
            score = _claim_score(row, record, max_days)
            if score is not None:
                scores[i, j] = score
    if not scores:
        return {}
    rows = sorted({i for i, _ in scores})
    cols = sorted({j for _, j in scores})
    from scipy.optimize import linear_sum_assignment

    # Maximum weight matching where every feasible pair outweighs any score difference, so the
    # number of claims comes first; infeasible pairs weigh nothing and are dropped after.
    weight = [[(1000 + scores[i, j]) if (i, j) in scores else 0.0 for j in cols] for i in rows]
    picked_rows, picked_cols = linear_sum_assignment(weight, maximize=True)
    return {booked[rows[a]][0]: candidates[cols[b]] for a, b in zip(picked_rows, picked_cols, strict=True)
            if (rows[a], cols[b]) in scores}


def _amended_matches(rows: list[Transaction], booked: list[tuple[str, TransactionRecord]]) -> dict[str, Transaction]:
    """Unanswered stored booked rows that are new records amended by the bank: the same day and
    currency, and either the same provider id (a repeated id whose copy changed) or, both without
    an id, the same amount and a mostly shared description."""
    matches: dict[str, Transaction] = {}
    taken: set = set()
    for key, record in booked:
        best, best_score = None, 0.0
        for row in rows:
            if row.pk in taken or row.booked_date != record.booked_date or row.currency != record.currency:
                continue
            bare = row.external_id.split("#", 1)[0]
            if record.external_id:
                if bare != record.external_id:
                    continue
                score = 2.0 + (1.0 if row.amount == record.amount else 0.0)
            else:
                if not row.external_id.startswith("fp:") or row.amount != record.amount:
                    continue
                a = set(normalise_description(row.description).split())
                b = set(normalise_description(record.description).split())
                score = len(a & b) / max(1, len(a | b))
                if score < 0.5:
                    continue
            if score > best_score:
                best, best_score = row, score
        if best is not None:
            taken.add(best.pk)
            matches[key] = best
    return matches


def account_data_import(account: Account, data: AccountData, *,
                        settlement_max_days: int = DEFAULT_SETTLEMENT_MAX_DAYS) -> ImportResult:
    """Balance + transactions for one account, atomically."""
    with transaction.atomic():
        # The balance is saved with the account's last_synced_at: one UPDATE, not two.
        balance_fields = _balance_set(account, data.balance) if data.balance is not None else []
        return transactions_import(account, data, also_save=tuple(balance_fields),
                                   settlement_max_days=settlement_max_days)


def last_booked_date(account: Account):
    row = (account.transactions.filter(status=TransactionStatus.BOOKED)
           .order_by("-booked_date").values_list("booked_date", flat=True).first())
    return row


def sync_window_start(account: Account, *, overlap_days: int, settlement_max_days: int = DEFAULT_SETTLEMENT_MAX_DAYS,
                      history_max_days: int | None = None):
    """Where an incremental fetch starts (None: the first sync, take the full history).

    Far enough back for every booked row that may still arrive or change: `overlap_days` before
    the last booked date (banks amend recent items), and the day before the oldest pending row
    still open (its booked twin carries the payment's own date at TrueLayer, so a card payment
    that books two weeks later is dated two weeks back, and a twin may carry the UTC date, one
    day earlier) — then one more day, because the first day of an answer is never trusted to be
    complete (WINDOW_EDGE_MARGIN). Pending rows older than the settlement maximum are treated as
    cancelled and do not widen it. `history_max_days` is how far back the provider lets us ask
    without the person present (TrueLayer: 90 days without a fresh SCA); the start never goes
    beyond it, and pending rows older than that are kept, never deleted, until they expire."""
    today = timezone.localdate()
    # Both dates in one query (the sync asks this for every account, every day).
    bounds = account.transactions.aggregate(
        last=Max("booked_date", filter=Q(status=TransactionStatus.BOOKED)),
        oldest_pending=Min("booked_date", filter=Q(status=TransactionStatus.PENDING,
                                                   booked_date__gte=today - timedelta(days=settlement_max_days))))
    last, oldest_pending = bounds["last"], bounds["oldest_pending"]
    if last is None:
        return None
    start = min(last, today) - timedelta(days=overlap_days)
    if oldest_pending is not None:
        start = min(start, oldest_pending - 2 * WINDOW_EDGE_MARGIN)
    if history_max_days is not None:
        start = max(start, today - timedelta(days=history_max_days))
    return start
