"""Queries over the user's bank transactions, rules, corrections and the trained model."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db import NotSupportedError, connection
from django.db.models import BooleanField, Model, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404

from integrations_core.ledger import categorised_ledger
from transactions.categoriser.answers import SOURCE_TRANSFER, SOURCE_USER
from transactions.models import CategoriserModel, CategoryRule, MerchantCorrection

# The fields the categoriser (and transfer pairing) reads. The raw payload is never loaded: the
# provider mappers already copy what matters from it (TrueLayer's classification or transaction
# type, GoCardless's bank code, the MCC) into provider_category and mcc.
CATEGORISE_FIELDS = ("id", "account_id", "booked_date", "status", "description", "merchant_name", "amount",
                     "currency", "mcc", "provider_category", "category", "category_source", "category_confidence",
                     "locked_fields")
CATEGORY_COLUMNS = ("category", "category_source", "category_confidence", "locked_fields")


def transaction_model() -> type[Model]:
    """The categorised ledger's transaction model (integrations_core/ledger.py)."""
    return categorised_ledger().transactions


def account_model() -> type[Model]:
    """The categorised ledger's account model."""
    return categorised_ledger().accounts


def bank_transactions_for_user(user) -> QuerySet:
    return transaction_model().objects.filter(account__connection__user=user)


def bank_transaction_get_for_user(user, pk) -> Model:
    """Another user's transaction is a 404, never a 403: ids are not confirmed to exist."""
    try:
        pk = uuid.UUID(str(pk))
    except ValueError:
        raise Http404("No such transaction") from None
    found = bank_transactions_for_user(user).select_related("account").filter(pk=pk).first()
    if found is None:
        raise Http404("No such transaction")
    return found


def categorise_rows(queryset: QuerySet) -> list[dict]:
    """Plain dicts with what the categoriser needs."""
    return list(queryset.values(*CATEGORISE_FIELDS))


def imported_rows(account, data, result, chunk: int = 900, inserted: list[dict] | None = None) -> list[dict]:
    """The rows an import just wrote, as `categorise_rows` dicts. New rows are built from the
    records in memory (the import wrote exactly these values), so the sync reads back five narrow
    columns instead of fourteen; changed rows are re-read because they may carry the user's edits.
    A new row whose key the records do not explain is re-read too, so this never guesses."""
    from integrations_core.services.imports import keyed_records

    rows: list[dict] = []
    reread = list(result.changed_ids)
    new_ids = list(result.new_ids)
    if inserted:
        # The import's own new-row values, already categorised before the insert gave them ids:
        # nothing to read back for these.
        # The dicts carry every CATEGORISE_FIELDS key: the import fills the defaults on insert.
        if len(inserted) == len(new_ids) and all(row.get("id") is pk for row, pk in zip(inserted, new_ids, strict=True)):
            # The insert returns its rows' ids in order (the usual case): no lookup needed.
            rows, new_ids = list(inserted), []
        else:
            known = {row["id"]: row for row in inserted if "id" in row}
            rows = [known[pk] for pk in new_ids if pk in known]
            new_ids = [pk for pk in new_ids if pk not in known]
    found: list[tuple] = []
    for start in range(0, len(new_ids), chunk):
        # The category columns too: a pre-insert hook may already have filled them.
        found += transaction_model().objects.filter(pk__in=new_ids[start:start + chunk]).values_list(
            "id", "external_id", "category", "category_source", "category_confidence")
    if found:
        # The provider's id is the key for almost every record; only rows keyed by fingerprint (or
        # a repeated id) need the import's own keying, which hashes every record.
        by_key = {r.external_id: r for r in [*data.booked, *(data.pending or [])] if r.external_id}
        if any(row[1] not in by_key for row in found):
            by_key = {key: r for key, _, r in [*keyed_records(data.booked), *keyed_records(data.pending or [])]}
    for pk, external_id, category, source, confidence in found:
        record = by_key.get(external_id)
        if record is None:
            reread.append(pk)
            continue
        rows.append({
            "id": pk, "account_id": account.pk, "booked_date": record.booked_date, "status": record.status,
            "description": (record.description or "")[:500], "merchant_name": (record.merchant_name or "")[:200],
            "amount": record.amount, "currency": record.currency, "mcc": (record.mcc or "")[:4],
            "provider_category": (record.provider_category or "")[:200], "category": category,
            "category_source": source, "category_confidence": confidence, "locked_fields": [],
        })
    for start in range(0, len(reread), chunk):
        rows.extend(categorise_rows(transaction_model().objects.filter(account=account, pk__in=reread[start:start + chunk])))
    return rows


def category_lock_sql(column: str, vendor: str | None = None) -> tuple[str, list]:
    """(SQL, params) that is true when `column` (a quoted reference to a transaction's
    `locked_fields`, a JSON list) holds "category". Django's `__contains` on a JSONField is not
    available on SQLite, so this says it per database; it is evaluated by the database at write
    time, which is the point (see categorisations_write)."""
    vendor = vendor or connection.vendor
    if vendor == "postgresql":
        return f"({column} @> %s::jsonb)", ['["category"]']
    if vendor == "sqlite":
        return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value = %s)", ["category"]  # noqa: S608
    if vendor == "mysql":
        return f"JSON_CONTAINS({column}, %s)", ['"category"']
    raise NotSupportedError(f"category lock check not written for {vendor}")


def category_writable(queryset: QuerySet, keep_sources: Iterable[str]) -> QuerySet:
    """Narrow a queryset of bank transactions to the rows a background writer may recategorise:
    not locked by the person and not set by them (or by any of `keep_sources`)."""
    keep = sorted({SOURCE_USER, *keep_sources})
    meta, quote = transaction_model()._meta, connection.ops.quote_name
    column = f"{quote(meta.db_table)}.{quote(meta.get_field('locked_fields').column)}"
    sql, params = category_lock_sql(column)
    # Every name comes from the model's metadata and every value is a parameter.
    locked = RawSQL(sql, params, output_field=BooleanField())  # noqa: S611
    return queryset.exclude(category_source__in=keep).exclude(locked)


def transactions_needing_categorisation(*, review_below, user=None) -> QuerySet:
    """Uncategorised or low-confidence, and not the user's own choice."""
    queryset = transaction_model().objects.all() if user is None else bank_transactions_for_user(user)
    low = Q(category="") | Q(category_confidence__isnull=True) | Q(category_confidence__lt=review_below)
    return queryset.filter(low).exclude(category_source=SOURCE_USER)


def transfer_orphans() -> QuerySet:
    """Rows still marked as a transfer whose pair is gone (the other leg was deleted)."""
    return transaction_model().objects.filter(category_source=SOURCE_TRANSFER, transfer_as_outflow__isnull=True,
                                          transfer_as_inflow__isnull=True)


def user_account_types(user) -> dict:
    """{account id: account type} for the user's bank accounts."""
    return dict(account_model().objects.filter(connection__user=user).values_list("id", "type"))


def transfer_candidates(*, account_ids, date_from, date_to, amounts) -> list[dict]:
    """Unpaired transactions in these accounts, in a date window, with one of these amounts. Paired
    legs are marked with the transfer source, which is cheaper to filter on than the pair table."""
    # Unordered: the caller picks among them itself (the model's default ordering was a sort).
    return categorise_rows(
        transaction_model().objects.filter(account_id__in=list(account_ids), booked_date__gte=date_from,
                                       booked_date__lte=date_to, amount__in=list(amounts))
        .exclude(category_source=SOURCE_TRANSFER).exclude(amount=0).order_by())


def rules_active_for_user(user) -> list[CategoryRule]:
    return list(CategoryRule.objects.filter(user=user, is_active=True).order_by("priority", "created_at"))


def corrections_for_user(user) -> dict[str, str]:
    return dict(MerchantCorrection.objects.filter(user=user).values_list("merchant_key", "category"))


def categoriser_model_latest_id() -> int | None:
    return (CategoriserModel.objects.filter(is_active=True).order_by("-created_at", "-id")
            .values_list("id", flat=True).first())


def training_rows(sources, limit: int) -> QuerySet:
    """The most recent confidently categorised transactions of every user."""
    return (transaction_model().objects.filter(category_source__in=sources).exclude(category="")
            .order_by("-booked_date").values_list("description", "merchant_name", "amount", "category",
                                                  "category_source")[:limit])


REFUND_ORIGIN_SCAN = 200  # newest payments looked at when tying a refund to what it refunds


def payments_mentioning(user, word: str) -> list[tuple[str, str, str]]:
    """(description, merchant name, category) of the user's categorised payments out whose text
    contains `word`, newest first: the candidates for what a refund from that merchant gives back."""
    return list(
        bank_transactions_for_user(user)
        .filter(amount__lt=0)
        .filter(Q(description__icontains=word) | Q(merchant_name__icontains=word))
        .exclude(category__in=("", "OTHER", "OTHER_OTHER"))
        .order_by("-booked_date", "-created_at")
        .values_list("description", "merchant_name", "category")[:REFUND_ORIGIN_SCAN]
    )
