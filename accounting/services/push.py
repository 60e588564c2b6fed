"""Push our categorised bank transactions to the books, idempotently (docs/business.md,
"Accounting: mapping and push").

- Our stable id for a transaction (its UUID) is the books' Reference: before creating anything
  we ask the books what they hold under our references (`pushed_find`), so a re-push, a lost
  answer or a second click never makes a second one.
- Unchanged since the last push (same digest of what we send, and their version is the one we
  last saw): nothing is written, the item is `unchanged`.
- We changed it since (re-categorised, say) and their version is still the one we last saw:
  it is updated in the books (`updated`).
- Someone changed or deleted it in the books after our export (their version moved on): their
  edit wins, nothing is written, the item is a `conflict` until the person resolves it (keep
  theirs: our later changes are pushed over it from then on; or push ours over theirs now).
- Found in the books under our reference with no record of ours (an answer lost on the way
  back): adopted as it is, `unchanged`.

Our transactions are read only through the transactions app (its selectors name the
categorised ledger's models); nothing here imports the bank family."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction as db_transaction
from django.utils import timezone

from integrations_core.providers.errors import ConsentExpired, ProviderAuthError, ProviderError
from integrations_core.providers.registry import registry
from integrations_core.providers.sources import BooksWriter
from integrations_core.records import AccountRecord, BankTransactionPush, BookBankTransactionRecord
from integrations_core.services.tokens import token_needs_refresh, token_refresh
from transactions import taxonomy
from transactions.selectors.transactions import transaction_model

from ..errors import OrganisationDisconnected
from ..models import LedgerAccount, Organisation, PushedItem, PushRun, PushStatus, PushTarget
from ..runner import organisation_disconnect
from .mapping import mapping_lookup, mappings_of

logger = logging.getLogger(__name__)

LOCK_SECONDS = 300
# PushedItem.version of a push deleted in the books that the person chose to leave deleted.
DELETED_KEPT = "deleted-kept"
MAX_ITEMS = 500  # one push; the rest wait for the next


class PushError(Exception):
    """The push cannot start (nothing to push to, another push running, a provider that takes
    no pushes). `code` is stable, the message safe to show."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass
class _Outcome:
    results: list[dict] = field(default_factory=list)
    writes: int = 0

    def add(self, tx, status: str, message: str = "", external_id: str = "") -> None:
        self.results.append({"reference": str(tx.pk), "transaction": str(tx.pk), "date": tx.booked_date.isoformat(),
                             "amount": str(tx.amount), "currency": tx.currency,
                             "description": (tx.merchant_name or tx.description)[:200], "status": status,
                             "message": message[:500], "external_id": external_id})


def organisation_record(organisation: Organisation) -> AccountRecord:
    return AccountRecord(external_id=organisation.external_id, name=organisation.name, type="other",
                         currency=organisation.currency, extra={"link_id": organisation.link_id})


def push_digest(item: BankTransactionPush) -> str:
    """What we send, in one value: a change to any of it is a change to push."""
    parts = (item.kind, item.date.isoformat(), f"{item.amount:f}", item.currency, item.bank_account_external_id,
             item.ledger_account_external_id, item.description, item.contact_name)
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def push_candidates(organisation: Organisation, target: PushTarget, *, since: date | None = None,
                    transaction_ids: list | None = None):
    """Booked transactions of the chosen bank accounts (the person's own: the target's
    accounts are theirs, checked when chosen), oldest first."""
    from django.db.models import Exists, OuterRef

    from transactions.models import TransactionSplit

    rows = (transaction_model().objects.filter(account__in=target.source_accounts.all(),
                                               account__connection__user=organisation.connection.user)
            .exclude(status="pending")
            .annotate(has_splits=Exists(TransactionSplit.objects.filter(transaction=OuterRef("pk"))))
            .order_by("booked_date", "created_at"))
    if since is not None:
        rows = rows.filter(booked_date__gte=since)
    if transaction_ids is not None:
        rows = rows.filter(pk__in=transaction_ids)
    return rows


def push_item_for(tx, *, bank: LedgerAccount, mappings: dict[str, LedgerAccount]) -> tuple[BankTransactionPush | None, str]:
    """Our transaction as a push, or why it is not pushed."""
    if getattr(tx, "has_splits", False):
        return None, "Split payments are not pushed: push its parts by hand."
    if not tx.category:
        return None, "Not categorised yet."
    account = mapping_lookup(mappings, tx.category)
    if account is None:
        return None, f"No account is mapped for “{taxonomy.label_of(taxonomy.primary_of(tx.category) or tx.category)}”."
    currency = bank.currency or ""
    if currency and tx.currency != currency:
        return None, f"The books' bank account is in {currency}; this payment is in {tx.currency}."
    amount = abs(Decimal(tx.amount))
    if amount == 0:
        return None, "A zero amount is not a bank transaction."
    description = (tx.merchant_name or tx.description or "")[:500]
    return BankTransactionPush(
        reference=str(tx.pk), kind="spend" if tx.amount < 0 else "receive", date=tx.booked_date, amount=amount,
        currency=tx.currency, bank_account_external_id=bank.external_id,
        ledger_account_external_id=account.external_id, ledger_account_code=account.code,
        description=description, contact_name=(tx.merchant_name or tx.description or "")[:255],
    ), ""


def _writer(organisation: Organisation):
    connection = organisation.connection
    provider = registry.get(connection.provider)
    if token_needs_refresh(connection):
        token_refresh(connection, provider)
    writer = provider.bind(connection)
    if not isinstance(writer, BooksWriter):
        raise PushError("not_supported", f"{provider.name} does not take bank transactions from us.")
    return provider, writer


def push_run(organisation: Organisation, *, since: date | None = None, transaction_ids: list | None = None) -> PushRun:
    """Push the chosen accounts' categorised transactions to the organisation's chosen bank
    account. One push per organisation at a time."""
    target = PushTarget.objects.filter(organisation=organisation).select_related("books_bank_account").first()
    if target is None:
        raise PushError("no_target", "Choose which bank accounts to push, and where to in the books.")
    if not organisation.is_active:
        raise PushError("inactive", "This organisation is no longer shared with us: reconnect to push to it.")
    lock = f"accounting-push:{organisation.pk}"
    if not cache.add(lock, "1", LOCK_SECONDS):
        raise PushError("busy", "A push to this organisation is already running.")
    try:
        return _push(organisation, target, since=since, transaction_ids=transaction_ids)
    finally:
        cache.delete(lock)


def _push(organisation, target, *, since, transaction_ids) -> PushRun:
    provider, writer = _writer(organisation)
    record = organisation_record(organisation)
    mappings = mappings_of(organisation)
    outcome = _Outcome()
    run = PushRun(organisation=organisation)
    items: list[tuple[object, BankTransactionPush]] = []
    for tx in push_candidates(organisation, target, since=since, transaction_ids=transaction_ids)[:MAX_ITEMS]:
        item, why = push_item_for(tx, bank=target.books_bank_account, mappings=mappings)
        if item is None:
            outcome.add(tx, PushStatus.SKIPPED, why)
        else:
            items.append((tx, item))
    try:
        _push_items(organisation, provider, writer, record, items, outcome)
    except OrganisationDisconnected as exc:
        organisation_disconnect(organisation)
        run.error = exc.user_message
    except ProviderAuthError as exc:
        run.error = exc.user_message if isinstance(exc, ConsentExpired) else "The books refused our access: reconnect."
    except ProviderError as exc:
        run.error = exc.user_message
    run.results = outcome.results
    run.provider_writes = outcome.writes
    for status in ("created", "updated", "unchanged", "skipped", "failed"):
        setattr(run, status, sum(1 for r in outcome.results if r["status"] == status))
    run.conflicts = sum(1 for r in outcome.results if r["status"] == PushStatus.CONFLICT)
    run.save()
    return run


def _push_items(organisation, provider, writer, record, items, outcome: _Outcome) -> None:
    if not items:
        return
    references = [item.reference for _, item in items]
    theirs = _call(organisation, provider, writer, "pushed_find", record, references)
    ours = {p.reference: p for p in PushedItem.objects.filter(organisation=organisation, reference__in=references)}
    to_create: list[tuple[object, BankTransactionPush]] = []
    for tx, item in items:
        digest = push_digest(item)
        mine, held = ours.get(item.reference), theirs.get(item.reference)
        if mine is not None and mine.resolution:
            if _settle(organisation, provider, writer, record, tx, item, mine, held, digest, outcome):
                to_create.append((tx, item))
            continue
        if held is None:
            if mine is not None and mine.external_id and mine.version == DELETED_KEPT:
                outcome.add(tx, PushStatus.SKIPPED, "Deleted in the books; left deleted.", mine.external_id)
            elif mine is not None and mine.external_id:
                _conflict(outcome, tx, mine, None, "Deleted in the books after export: not pushed again.")
            else:
                to_create.append((tx, item))
            continue
        if mine is None or not mine.external_id:
            _adopt(organisation, tx, item, held, digest, mine)
            outcome.add(tx, PushStatus.UNCHANGED, "Already in the books under our reference.", held.external_id)
            continue
        if held.status != "active":
            _conflict(outcome, tx, mine, held, "Deleted in the books after export: their edit kept.")
        elif held.version != mine.version:
            _conflict(outcome, tx, mine, held, "Edited in the books after export: their edit kept.")
        elif digest == mine.digest:
            if mine.status not in (PushStatus.UNCHANGED,):
                mine.status, mine.message = PushStatus.UNCHANGED, ""
                mine.save(update_fields=["status", "message", "updated_at"])
            outcome.add(tx, PushStatus.UNCHANGED, "", held.external_id)
        else:
            _update(organisation, provider, writer, record, tx, item, mine, held, digest, outcome)
    if to_create:
        _create(organisation, provider, writer, record, to_create, ours, outcome)


def _call(organisation, provider, writer, name: str, *args):
    """One call to the books; a refused token is refreshed once and the call made again."""
    try:
        return getattr(writer, name)(*args)
    except ConsentExpired:
        raise
    except ProviderAuthError:
        connection = organisation.connection
        if not connection.refresh_token:
            raise
        token_refresh(connection, provider)
        fresh = provider.bind(connection)
        return getattr(fresh, name)(*args)


def _create(organisation, provider, writer, record, pairs, ours, outcome: _Outcome) -> None:
    outcome.writes += 1
    results = _call(organisation, provider, writer, "bank_transactions_create", record, [i for _, i in pairs])
    by_reference = {r.reference: r for r in results}
    now = timezone.now()
    with db_transaction.atomic():
        for tx, item in pairs:
            result = by_reference.get(item.reference)
            ok = result is not None and result.status != "failed" and result.external_id
            values = {"transaction": tx, "external_id": result.external_id if ok else "",
                      "version": result.version if ok else "", "digest": push_digest(item) if ok else "",
                      "status": PushStatus.CREATED if ok else PushStatus.FAILED,
                      "message": "" if ok else (result.message if result else "The books did not answer for it."),
                      "pushed_at": now if ok else None, "conflict_at": None}
            PushedItem.objects.update_or_create(organisation=organisation, reference=item.reference, defaults=values)
            outcome.add(tx, values["status"], values["message"], values["external_id"])


def _update(organisation, provider, writer, record, tx, item, mine: PushedItem, held: BookBankTransactionRecord,
            digest: str, outcome: _Outcome) -> None:
    outcome.writes += 1
    result = _call(organisation, provider, writer, "bank_transaction_update", record, held.external_id, held.version,
                   item)
    if result.status == "conflict":  # edited in the books between our read and our write
        _conflict(outcome, tx, mine, held, result.message or "Edited in the books after export: their edit kept.")
        return
    if result.status == "failed":
        mine.status, mine.message = PushStatus.FAILED, result.message[:500]
        mine.save(update_fields=["status", "message", "updated_at"])
        outcome.add(tx, PushStatus.FAILED, result.message, held.external_id)
        return
    mine.version, mine.digest, mine.status, mine.message = result.version, digest, PushStatus.UPDATED, ""
    mine.pushed_at, mine.transaction = timezone.now(), tx
    mine.save(update_fields=["version", "digest", "status", "message", "pushed_at", "transaction", "updated_at"])
    outcome.add(tx, PushStatus.UPDATED, "Changed since the last push: updated in the books.", held.external_id)


def _conflict(outcome: _Outcome, tx, mine: PushedItem, held: BookBankTransactionRecord | None, message: str) -> None:
    """Their edit wins: nothing is written to the books. The version we last saw is kept, so the
    item stays a conflict (and is never written over) until the person resolves it."""
    if mine.status != PushStatus.CONFLICT or mine.message != message:
        mine.status, mine.message = PushStatus.CONFLICT, message
        mine.conflict_at = mine.conflict_at or timezone.now()
        mine.save(update_fields=["status", "message", "conflict_at", "updated_at"])
    outcome.add(tx, PushStatus.CONFLICT, message, held.external_id if held else mine.external_id)


def _adopt(organisation, tx, item, held: BookBankTransactionRecord, digest: str, mine: PushedItem | None) -> None:
    PushedItem.objects.update_or_create(organisation=organisation, reference=item.reference, defaults={
        "transaction": tx, "external_id": held.external_id, "version": held.version, "digest": digest,
        "status": PushStatus.UNCHANGED, "message": "Already in the books under our reference.",
        "pushed_at": (mine.pushed_at if mine else None) or timezone.now()})


def _settle(organisation, provider, writer, record, tx, item, mine: PushedItem,
            held: BookBankTransactionRecord | None, digest: str, outcome: _Outcome) -> bool:
    """Apply the person's decision on a conflict to what the books hold now. True: create it
    again (ours, after a deletion in the books)."""
    choice, mine.resolution = mine.resolution, ""
    gone = held is None or held.status != "active"
    if choice == "ours" and gone:
        mine.external_id, mine.version = "", ""
        mine.save(update_fields=["external_id", "version", "resolution", "updated_at"])
        return True
    if choice == "ours":
        mine.version = held.version  # the version we now expect, so the update goes through
        mine.save(update_fields=["version", "resolution", "updated_at"])
        _update(organisation, provider, writer, record, tx, item, mine, held, digest, outcome)
        return False
    if gone:
        mine.version, mine.status, mine.message = DELETED_KEPT, PushStatus.SKIPPED, "Deleted in the books; left deleted."
    else:
        # What they hold is now what we consider pushed; a later change of ours goes over it.
        mine.version, mine.digest = held.version, digest
        mine.status, mine.message = PushStatus.UNCHANGED, "Their edit kept."
    mine.save(update_fields=["version", "digest", "status", "message", "resolution", "updated_at"])
    outcome.add(tx, mine.status, mine.message, mine.external_id)
    return False


def pushed_item_resolve(item: PushedItem, *, choice: str) -> PushedItem:
    """The person settles a conflict: "theirs" keeps the books' version (what we hold now is not
    pushed over it; a later change of ours is); "ours" pushes ours over theirs (a deleted one is
    created again). Recorded now, applied by the next push against what the books hold then, so
    a click never waits on the provider."""
    if item.status != PushStatus.CONFLICT:
        raise PushError("not_a_conflict", "This item is not in conflict.")
    if choice not in ("theirs", "ours"):
        raise PushError("bad_choice", "Choose “theirs” or “ours”.")
    item.resolution = choice
    item.message = ("Their edit will be kept." if choice == "theirs"
                    else "Ours will be pushed over theirs.") + " Push to apply it."
    item.save(update_fields=["resolution", "message", "updated_at"])
    return item
