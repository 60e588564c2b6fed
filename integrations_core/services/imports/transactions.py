"""Cash transactions (banks, and the cash side of any family): how their rows are written, and
the two ways of deciding which stored rows an answer removed — a bank's date window, or a cursor
source's explicit list.

Deletion rules for a window (docs/reliability.md, "Sync window"): a booked row is removed only
when the answer provably covered its date and did not report it; a pending row the bank no
longer reports is removed (cancelled) only when the answer covered every date its booked twin
could carry, or when it is older than the provider's settlement maximum. Anything else is kept:
a row kept one sync too long is corrected later, a deleted one is money lost."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.db.models import Q, Subquery
from django.utils import timezone

from integrations_core.models import Account, Transaction, TransactionStatus
from integrations_core.records import AccountData, TransactionRecord

from .accounts import balance_fields_set, balance_snapshot_record
from .claims import DEFAULT_SETTLEMENT_MAX_DAYS
from .duplicates import DUPLICATE_DATE_DAYS, STATEMENT_KEY_PREFIX, same_payments
from .keys import CASH_FINGERPRINT_FIELDS, keyed_records, normalise_description
from .rows import ImportResult, RowSpec, transaction_rows_write

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


def cash_row_values(key: str, fp: str, record: TransactionRecord) -> dict:
    return {
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


CASH_ROW_SPEC = RowSpec(
    synced_fields=SYNCED_FIELDS, fingerprint_fields=CASH_FINGERPRINT_FIELDS, claims=True, row_values=cash_row_values,
    optional_fields=("running_balance",),
    insert_defaults={"category": "", "category_source": "", "category_confidence": None, "notes": "",
                     "locked_fields": []},
)


class WindowReconciler:
    """A bank's answer for a date window (AccountData): what it covered and did not report is gone."""

    def __init__(self, data: AccountData, settlement_max_days: int = DEFAULT_SETTLEMENT_MAX_DAYS) -> None:
        self.data = data
        self.covered = _covered_dates(data)
        self.settlement_max_days = settlement_max_days
        self.today = timezone.localdate()

    def scope(self) -> list[Q]:
        terms = [Q(status=TransactionStatus.PENDING)]
        if self.covered is not None:
            # From the first, uncovered day: a row there may come back amended (see rematch).
            terms.append(Q(status=TransactionStatus.BOOKED, booked_date__gte=self.data.window_from,
                           booked_date__lte=self.covered[1]))
        return [*terms, *_statement_rows_scope(self.data.booked)]

    def rematch(self, unanswered: list[Transaction], unmatched: list[tuple[str, TransactionRecord]]) -> dict:
        """A booked row the bank amended (a new description gives an id-less or repeated-id row a
        new key) is the same payment: the stored row takes the new key instead of a second row
        being inserted beside it (on the uncovered first day it would never be deleted).

        A row a statement file brought that the bank now reports (duplicates.py's rule) is the
        same payment too: the bank's record takes it over (its key and values; the person's
        edits stay), so an imported then synced payment is one row."""
        matches: dict = {}
        if self.covered is not None:
            amended = [row for row in unanswered if row.status == TransactionStatus.BOOKED
                       and not row.external_id.startswith(STATEMENT_KEY_PREFIX)
                       and self.data.window_from <= row.booked_date <= self.covered[1]]
            matches = _amended_matches(amended, unmatched)
        matches.update(_statement_matches(unanswered, [(k, r) for k, r in unmatched if k not in matches]))
        return matches

    def removed(self, untouched: list[Transaction]) -> list:
        gone = []
        for row in untouched:
            if row.external_id.startswith(STATEMENT_KEY_PREFIX):
                continue  # the person's file, not the bank's answer: never "dropped by the bank"
            if row.status == TransactionStatus.PENDING:
                if self.data.pending is not None and _pending_is_gone(row, self.covered, self.today,
                                                                       self.settlement_max_days):
                    gone.append(row.pk)
            elif self.covered is not None and self.covered[0] <= row.booked_date <= self.covered[1]:
                gone.append(row.pk)  # dropped by the bank
        return gone


def _statement_rows_scope(booked: list[TransactionRecord]) -> list[Q]:
    """Rows a statement file brought that an answer with these booked records may report too."""
    if not booked:
        return []
    margin = timedelta(days=DUPLICATE_DATE_DAYS + 1)
    dates = [r.booked_date for r in booked]
    return [Q(external_id__startswith=STATEMENT_KEY_PREFIX, booked_date__gte=min(dates) - margin,
              booked_date__lte=max(dates) + margin)]


def _statement_matches(unanswered: list[Transaction], unmatched: list[tuple[str, TransactionRecord]]) -> dict:
    """A row a statement file brought that the provider now reports (duplicates.py's rule) is
    the same payment: the provider's record takes it over (key and values; edits stay)."""
    imported = [row for row in unanswered if row.external_id.startswith(STATEMENT_KEY_PREFIX)]
    return same_payments(imported, unmatched) if imported and unmatched else {}


class ExplicitReconciler:
    """A cursor source's answer: exactly the rows it names as removed are gone, nothing else.
    `booked`: the answer's booked records, so one may take over a row a statement file brought."""

    def __init__(self, external_ids: Iterable[str], booked: Iterable[TransactionRecord] = ()) -> None:
        self.external_ids = frozenset(external_ids)
        self.booked = list(booked)

    def scope(self) -> list[Q]:
        return [*([Q(external_id__in=self.external_ids)] if self.external_ids else []),
                *_statement_rows_scope(self.booked)]

    def rematch(self, unanswered, unmatched) -> dict:
        return _statement_matches(unanswered, unmatched) if self.booked else {}

    def removed(self, untouched: list[Transaction]) -> list:
        return [row.pk for row in untouched if row.external_id in self.external_ids]


def window_removals(account: Account, data: AccountData, *,
                    settlement_max_days: int = DEFAULT_SETTLEMENT_MAX_DAYS) -> WindowReconciler:
    return WindowReconciler(data, settlement_max_days)


def explicit_removals(account: Account, ids: Iterable[str], *,
                      booked: Iterable[TransactionRecord] = ()) -> ExplicitReconciler:
    return ExplicitReconciler(ids, booked)


def _covered_dates(data: AccountData) -> tuple | None:
    """The booked dates the provider's answer provably covers (first, last), or None when it
    claims no window (a first sync that took whatever history the bank had)."""
    if data.window_from is None:
        return None
    return data.window_from + WINDOW_EDGE_MARGIN, data.window_to or timezone.localdate()


def _pending_is_gone(row: Transaction, covered: tuple | None, today, settlement_max_days: int) -> bool:
    """May an unreported, unclaimed pending row be deleted as cancelled? Only if its booked twin
    would have been in this answer (the covered window reaches the day before its date: a twin
    can carry its UTC date), or if it is older than the bank could take to book it."""
    if (today - row.booked_date).days > settlement_max_days:
        return True
    return covered is not None and covered[0] <= row.booked_date - WINDOW_EDGE_MARGIN


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


def transactions_import(account: Account, data: AccountData, *, also_save: tuple[str, ...] = (),
                        settlement_max_days: int = DEFAULT_SETTLEMENT_MAX_DAYS) -> ImportResult:
    """Write one account's fetched window. Call inside a transaction (the sync engine does).
    `also_save`: account fields the caller changed, saved with the account's last_synced_at.
    `settlement_max_days`: the longest the provider says a pending payment can take to book."""
    spec: RowSpec = account.transactions.model.row_spec
    booked = keyed_records(data.booked, spec.fingerprint_fields)
    # A bank can list one payment as booked and (briefly) still as pending under the same id:
    # the booked copy wins, or two rows would claim one key.
    booked_ids = {r.external_id for r in data.booked if r.external_id}
    pending = keyed_records([r for r in data.pending or [] if r.external_id not in booked_ids],
                            spec.fingerprint_fields)
    return transaction_rows_write(account, booked, pending=pending, spec=spec, also_save=also_save,
                                  removals=window_removals(account, data, settlement_max_days=settlement_max_days),
                                  settlement_max_days=settlement_max_days)


def account_data_import(account: Account, data: AccountData, *,
                        settlement_max_days: int = DEFAULT_SETTLEMENT_MAX_DAYS) -> ImportResult:
    """Balance (and its daily snapshot) + transactions for one account, atomically."""
    with transaction.atomic():
        # The balance is saved with the account's last_synced_at: one UPDATE, not two.
        balance_fields = balance_fields_set(account, data.balance) if data.balance is not None else []
        result = transactions_import(account, data, also_save=tuple(balance_fields),
                                     settlement_max_days=settlement_max_days)
        if data.balance is not None:
            balance_snapshot_record(account, data.balance)
        return result


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
    # Both dates in one query (the sync asks this for every account, every day), each as "the
    # first row in index order" rather than an aggregate: MAX(...) FILTER reads every row of the
    # account (a sequential scan of the table for a big one: 110 ms at 66,000 rows, bench/indexes.py),
    # while these read one entry of the account's date index and of its pending-rows index.
    rows = account.transactions.all()
    newest_booked = rows.filter(status=TransactionStatus.BOOKED).order_by("-booked_date").values("booked_date")[:1]
    oldest_open = rows.filter(status=TransactionStatus.PENDING,
                              booked_date__gte=today - timedelta(days=settlement_max_days)
                              ).order_by("booked_date").values("booked_date")[:1]
    last, oldest_pending = (type(account).objects.filter(pk=account.pk)
                            .annotate(last=Subquery(newest_booked), oldest_pending=Subquery(oldest_open))
                            .values_list("last", "oldest_pending").get())
    if last is None:
        return None
    start = min(last, today) - timedelta(days=overlap_days)
    if oldest_pending is not None:
        start = min(start, oldest_pending - 2 * WINDOW_EDGE_MARGIN)
    if history_max_days is not None:
        start = max(start, today - timedelta(days=history_max_days))
    return start
