"""The one write path for accounts, balances and transactions from any provider.

Dedupe by the provider's stable id, then by a fingerprint (with an occurrence number so genuine
twins in one payload survive); a pending row is claimed by its booked twin even when the bank
issues a new id or changes the amount; fields the user edited are locked; the raw payload is
kept; rows are written in bulk. Running it twice on the same data changes nothing.

keys.py keys rows, rows.py is the one writer of Transaction rows, claims.py pairs pending rows
with their booked twins, transactions.py decides removals (a bank's window, a cursor's list),
accounts.py writes accounts, balances and balance snapshots."""

from .accounts import account_upsert, balance_apply, balance_fields_set, balance_snapshot_record
from .claims import (
    CLAIM_AMOUNT_FLOOR,
    CLAIM_AMOUNT_TOLERANCE,
    CLAIM_LATE_MIN_SIMILARITY,
    CLAIM_MAX_DAYS,
    DEFAULT_SETTLEMENT_MAX_DAYS,
)
from .keys import fingerprint, keyed_records, normalise_description, repeated_id_key
from .rows import ImportResult, Reconciler, RowSpec, _bulk_insert, transaction_rows_write
from .transactions import (
    CASH_ROW_SPEC,
    SYNCED_FIELDS,
    WINDOW_EDGE_MARGIN,
    ExplicitReconciler,
    WindowReconciler,
    account_data_import,
    explicit_removals,
    last_booked_date,
    sync_window_start,
    transactions_import,
    window_removals,
)

__all__ = [
    "CASH_ROW_SPEC", "CLAIM_AMOUNT_FLOOR", "CLAIM_AMOUNT_TOLERANCE", "CLAIM_LATE_MIN_SIMILARITY", "CLAIM_MAX_DAYS",
    "DEFAULT_SETTLEMENT_MAX_DAYS", "SYNCED_FIELDS", "WINDOW_EDGE_MARGIN", "ExplicitReconciler", "ImportResult",
    "Reconciler", "RowSpec", "WindowReconciler", "_bulk_insert", "account_data_import", "account_upsert",
    "balance_apply", "balance_fields_set", "balance_snapshot_record", "explicit_removals", "fingerprint",
    "keyed_records", "last_booked_date", "normalise_description", "repeated_id_key", "sync_window_start",
    "transaction_rows_write", "transactions_import", "window_removals",
]
