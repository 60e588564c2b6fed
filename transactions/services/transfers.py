"""Detect money moving between the user's own accounts and mark both legs as transfers.

A leg is money out of one account matched with the same amount into another of the user's
accounts within a few days. Only legs that do not already look like something else are paired:
a confident "Tesco" payment of £50 and an unrelated £50 arriving elsewhere the same day are not a
transfer. Paying a credit card from a current account is a card repayment on both sides (Plaid's
convention), so neither side counts as spending twice.

Works on the plain row dicts the categoriser already loaded (see selectors.categorise_rows), so
the sync pays for one extra query (the other accounts' candidates), not a reload.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from integrations_core.models import AccountType
from transactions.categoriser.answers import SOURCE_RULE, SOURCE_TRANSFER, SOURCE_USER
from transactions.categoriser.pipeline import ACCEPT_CONFIDENCE
from transactions.models import TransferPair
from transactions.selectors.transactions import (
    bank_transactions_for_user,
    categorise_rows,
    transaction_model,
    transfer_candidates,
    transfer_orphans,
    user_account_types,
)
from transactions.taxonomy import KIND_OTHER, KIND_TRANSFER, kind_of

from .categorisation import categorisations_write

WINDOW_DAYS = 4
TRANSFER_CONFIDENCE = Decimal("0.950")
_ACCEPT = Decimal(str(ACCEPT_CONFIDENCE))
_AMOUNT_CHUNK = 500
_INVESTING = (AccountType.INVESTMENT, AccountType.PENSION)


def transfer_codes(out_account_type: str, in_account_type: str) -> tuple[str, str]:
    """(category for the leg going out, category for the leg coming in)."""
    if in_account_type == AccountType.CREDIT_CARD:
        return "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT", "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT"
    if in_account_type == AccountType.SAVINGS:
        out_code = "TRANSFER_OUT_SAVINGS"
    elif in_account_type in _INVESTING:
        out_code = "TRANSFER_OUT_INVESTMENT_AND_RETIREMENT_FUNDS"
    else:
        out_code = "TRANSFER_OUT_ACCOUNT_TRANSFER"
    if out_account_type == AccountType.SAVINGS:
        in_code = "TRANSFER_IN_SAVINGS"
    elif out_account_type in _INVESTING:
        in_code = "TRANSFER_IN_INVESTMENT_AND_RETIREMENT_FUNDS"
    else:
        in_code = "TRANSFER_IN_ACCOUNT_TRANSFER"
    return out_code, in_code


def may_be_transfer(row: dict) -> bool:
    category, source = row["category"], row["category_source"]
    if not row["amount"] or source == SOURCE_TRANSFER:
        return False  # zero, or already paired
    if not category or kind_of(category) in (KIND_TRANSFER, KIND_OTHER):
        return True
    if category == "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT":
        return True
    # A user's or a rule's choice that is not a transfer says it is something else.
    if source in (SOURCE_USER, SOURCE_RULE):
        return False
    confidence = row["category_confidence"]
    return confidence is None or confidence < _ACCEPT


def _writable(row: dict) -> bool:
    return row["category_source"] not in (SOURCE_USER, SOURCE_RULE) and "category" not in (row["locked_fields"] or [])


def transfers_pair(*, user, rows: list[dict], account_types: dict | None = None) -> int:
    """Pair these rows (plain dicts, current categories) with opposite legs in the user's other
    accounts. Returns the number of pairs made."""
    account_types = user_account_types(user) if account_types is None else account_types
    new = [row for row in rows if may_be_transfer(row)]
    if len(account_types) < 2 or not new:
        return 0  # one account: nothing to transfer between
    low = min(r["booked_date"] for r in new) - timedelta(days=WINDOW_DAYS)
    high = max(r["booked_date"] for r in new) + timedelta(days=WINDOW_DAYS)
    wanted = sorted({-r["amount"] for r in new})
    # A leg is never paired within its own account: when every row is of one account (a sync's
    # hook), that account's rows are no candidates and need not be read.
    own = {r["account_id"] for r in new}
    accounts = [a for a in account_types if a not in own] if len(own) == 1 else list(account_types)
    pool: dict[tuple, list[dict]] = defaultdict(list)
    for start in range(0, len(wanted), _AMOUNT_CHUNK):
        for row in transfer_candidates(account_ids=accounts, date_from=low, date_to=high,
                                       amounts=wanted[start:start + _AMOUNT_CHUNK]):
            if may_be_transfer(row):
                pool[(row["amount"], row["currency"])].append(row)

    used: set = set()
    pairs = []
    for row in sorted(new, key=lambda r: (r["booked_date"], str(r["id"]))):
        if row["id"] in used:
            continue
        options = [c for c in pool.get((-row["amount"], row["currency"]), ())
                   if c["id"] not in used and c["id"] != row["id"] and c["account_id"] != row["account_id"]
                   and abs((c["booked_date"] - row["booked_date"]).days) <= WINDOW_DAYS]
        if not options:
            continue
        match = min(options, key=lambda c: (abs((c["booked_date"] - row["booked_date"]).days),
                                            c["status"] != "booked"))
        used.update((row["id"], match["id"]))
        pairs.append((row, match) if row["amount"] < 0 else (match, row))
    if not pairs:
        return 0
    return _pairs_write(user, pairs, account_types)


def _pairs_write(user, pairs: list[tuple[dict, dict]], account_types: dict) -> int:
    """Store the pairs and mark their legs. The legs were read before the pairing was worked out
    (and the other accounts' candidates came from another query): inside the transaction they
    are locked and read again, and a pair whose leg no longer qualifies (the person has just
    recategorised it, another pass paired it) is dropped; the category write re-checks the lock
    once more in the database (categorisations_write)."""
    with transaction.atomic():
        involved = [leg["id"] for pair in pairs for leg in pair]
        fresh = {row["id"]: row for row in
                 categorise_rows(transaction_model().objects.select_for_update().filter(pk__in=involved).order_by("pk"))}
        taken = set(TransferPair.objects.filter(Q(outflow_id__in=involved) | Q(inflow_id__in=involved))
                    .values_list("outflow_id", "inflow_id").iterator())
        taken_ids = {leg for pair in taken for leg in pair}
        kept = []
        for out, into in pairs:
            legs = (fresh.get(out["id"]), fresh.get(into["id"]))
            if any(leg is None or leg["id"] in taken_ids or not may_be_transfer(leg) for leg in legs):
                continue
            out.update(legs[0])
            into.update(legs[1])
            kept.append((out, into))
        if not kept:
            return 0
        TransferPair.objects.bulk_create(
            [TransferPair(user=user, outflow_id=out["id"], inflow_id=into["id"]) for out, into in kept])
        changes = []
        for out, into in kept:
            out_code, in_code = transfer_codes(account_types[out["account_id"]], account_types[into["account_id"]])
            for leg, code in ((out, out_code), (into, in_code)):
                if _writable(leg):
                    changes.append((leg["id"], code, SOURCE_TRANSFER, TRANSFER_CONFIDENCE))
                    leg.update(category=code, category_source=SOURCE_TRANSFER, category_confidence=TRANSFER_CONFIDENCE)
        categorisations_write(changes, keep_sources=(SOURCE_USER, SOURCE_RULE))
    return len(kept)


def transfers_detect(*, user, ids) -> int:
    """Pair the given transactions of the user (loaded from the database)."""
    return transfers_pair(user=user, rows=categorise_rows(bank_transactions_for_user(user).filter(pk__in=list(ids))))


def transfer_orphans_release() -> int:
    """Un-mark legs whose partner was deleted, so the next pass categorises them afresh."""
    return transfer_orphans().update(category_source="", category_confidence=None)
