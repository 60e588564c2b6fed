"""Sync hooks the transactions app plugs into the import pipeline (SYNC_PRE_INSERT_HOOKS,
SYNC_POST_IMPORT_HOOKS) and the sync engine's after-run step (SYNC_AFTER_RUN_HOOKS).

The follow-up tasks (budget alerts, recurring detection) read every account of the person, so a
sync queues them once, after the whole sync (`followups_after_sync`), not once per account: the
pull runner commits each account separately, and a task queued after the first account could
run before the second is written. A statement upload or a direct call of the post-import hook
is no sync, and queues them itself."""

from __future__ import annotations

import logging
from contextvars import ContextVar

from django.db import transaction

from integrations_core.ledger import categorised_ledger, ledger_for
from integrations_core.sync_scope import sync_scope_active, sync_scoped

logger = logging.getLogger(__name__)

# (account pk, the new-row dicts categorise_before_insert saw) for the post-import hook that follows.
_pre_inserted: ContextVar[tuple | None] = ContextVar("transactions_pre_inserted", default=None)


def _categorised(account) -> bool:
    ledger = ledger_for(account)
    return ledger is not None and ledger.categorised


def _categoriser(user):
    """The person's categoriser, built once per sync (their rules, corrections and the current
    model: three queries and the rules compiled) and shared by every account of it; a fresh one
    outside a sync. Refund origins are asked again per account: the previous account's payments
    may be what a refund gives back."""
    from .services.categorisation import categoriser_for_user

    categoriser = sync_scoped(("transactions.categoriser", user.pk), lambda: categoriser_for_user(user))
    categoriser.refunds_forget()
    return categoriser


def _account_types(user, account) -> dict:
    """{account id: type} of the person's accounts, read once per sync: a sync changes no other
    account's type, and this account's own (which its upsert may just have set) is taken from it."""
    from .selectors.transactions import user_account_types

    types = sync_scoped(("transactions.account_types", user.pk), lambda: user_account_types(user))
    return {**types, account.pk: account.type}


def categorise_after_import(*, account, data, result) -> None:
    """Categorise the rows a sync just added or changed, then pair transfers between the user's
    accounts. Runs inside the account's import transaction, so the rows never show uncategorised.

    A failure here must not lose the bank data: it rolls back to a savepoint, logs, and leaves the
    rows for the periodic categorisation pass. Outside a sync it queues the follow-up tasks after
    commit; inside one `followups_after_sync` queues them once the whole sync is done."""
    from .selectors.transactions import imported_rows
    from .services.categorisation import rows_categorise
    from .services.transfers import transfers_pair

    if not (result.new_ids or result.changed_ids) or not _categorised(account):
        return  # nothing written, or an uncategorised ledger's account (they sync through here too)
    user = account.connection.user
    stash = _pre_inserted.get()
    _pre_inserted.set(None)
    inserted = stash[1] if stash and stash[0] == account.pk else None
    try:
        with transaction.atomic():
            rows = imported_rows(account, data, result, inserted=inserted)
            # The dicts categorised before insert are the very objects imported_rows hands back:
            # telling them apart by identity spares hashing two thousand UUIDs per account.
            fresh = {id(row) for row in inserted or ()}
            todo = [row for row in rows if id(row) not in fresh]
            if todo:
                rows_categorise(todo, _categoriser(user))
            transfers_pair(user=user, rows=rows, account_types=_account_types(user, account))
    except Exception:
        logger.exception("categorisation after import failed account=%s", account.pk)
        return
    if not sync_scope_active():
        transaction.on_commit(lambda: _after_commit(user.pk))


FOLLOWED_UP_OUTCOMES = {"succeeded", "partial"}


def followups_after_sync(*, connection, run) -> None:
    """After-run hook: queue the follow-up tasks once per sync of a categorised connection (a
    bank's), after commit, when the sync finished well enough and changed something. A sync
    that changed nothing leaves the budgets and recurring payments as they were."""
    if getattr(run, "outcome", None) not in FOLLOWED_UP_OUTCOMES:
        return
    if run.added + run.updated + run.removed == 0:
        return
    if not isinstance(connection, categorised_ledger().connections):
        return  # a processor's, a platform's: the transactions app follows none of their rows
    user_id = connection.user_id
    transaction.on_commit(lambda: _after_commit(user_id))


def categorise_before_insert(*, account, rows: list[dict]) -> None:
    """Proposed pre-insert hook: set the category columns on the import's new-row values before it
    inserts them. On PostgreSQL an UPDATE after the insert rewrites every index entry of the row,
    which costs about as much as the COPY itself; categorising first means each row is written
    once, and the post-import hook above then finds nothing to change and only pairs transfers.
    Wired through settings.SYNC_PRE_INSERT_HOOKS; a failure leaves the rows uncategorised, never lost."""
    from .categoriser.answers import TxInput
    from .services.categorisation import confidence_decimal

    if not rows or not _categorised(account):
        return
    account_id = account.pk
    # Positional, in TxInput's field order (description, amount, currency, merchant_name, mcc,
    # transaction_type, provider_category, account_id): a keyword call costs more per row.
    items = [TxInput(row["description"], row["amount"], row["currency"], row.get("merchant_name") or "",
                     row.get("mcc") or "", "", row.get("provider_category") or "", account_id) for row in rows]
    try:
        answers = _categoriser(account.connection.user).categorise_many(items)
    except Exception:
        # The rows are inserted uncategorised; the post-import hook and the hourly pass retry.
        logger.exception("categorisation before insert failed account=%s", account.pk)
        return
    for row, result in zip(rows, answers, strict=True):
        row["category"] = result.category
        row["category_source"] = result.source
        row["category_confidence"] = confidence_decimal(result.confidence)
    # The insert gives these dicts their ids; the post-import hook reads them from here instead of
    # from the database.
    _pre_inserted.set((account.pk, rows))


def _after_commit(user_id) -> None:
    """Budget alerts and recurring payments depend on the new categories; they run as tasks so a
    slow detection never holds the sync, and a broker outage never fails it. Budget alerts only
    for a person with a budget: for anyone else the task finds nothing (one query spares a task)."""
    from .models import Budget
    from .tasks import budget_alerts_check_for_user, recurring_detect_for_user

    tasks = [recurring_detect_for_user]
    if Budget.objects.filter(user_id=user_id).exists():
        tasks.insert(0, budget_alerts_check_for_user)
    for task in tasks:
        try:
            task.delay(user_id)
        except Exception:  # the periodic tasks catch up
            logger.warning("could not queue %s for user=%s", task.name, user_id)
