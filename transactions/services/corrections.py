"""A person recategorises a transaction: lock it, remember the merchant (pipeline step 2 learns at
once), optionally fix their matching past transactions, and offer the correction as a rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Model

from transactions.categoriser.answers import SOURCE_LEARNED, SOURCE_USER
from transactions.categoriser.normalise import merchant_key
from transactions.categoriser.pipeline import LEARNED_CONFIDENCE
from transactions.models import CategoryRule, MerchantCorrection
from transactions.selectors.transactions import bank_transactions_for_user
from transactions.taxonomy import label_of, orient

from .categorisation import categorisations_write, confidence_decimal

SIMILAR_SCAN_LIMIT = 50_000  # how far back "apply to similar" looks, newest first


@dataclass
class RecategoriseResult:
    transaction: Model
    similar_updated: int = 0
    similar_ids: list = field(default_factory=list)
    rule: CategoryRule | None = None
    suggested_rule: dict | None = None


def suggested_rule_for(tx: Model, category: str) -> dict | None:
    key = merchant_key(tx.description, tx.merchant_name)
    if not key:
        return None
    return {
        "name": f"{key.title()} → {label_of(category)}"[:100], "category": category, "pattern": key,
        "match_field": "any", "match_type": "contains", "direction": "out" if tx.amount < 0 else "in",
        "priority": 100,
    }


def correction_remember(*, user, key: str, category: str) -> MerchantCorrection:
    correction, created = MerchantCorrection.objects.get_or_create(user=user, merchant_key=key,
                                                                   defaults={"category": category})
    if not created:
        MerchantCorrection.objects.filter(pk=correction.pk).update(category=category, times=F("times") + 1)
        correction.refresh_from_db()
    return correction


def similar_transactions_recategorise(*, user, tx: Model, key: str, category: str) -> list:
    """The user's other transactions from the same merchant, where the category fits their sign,
    that the user has not set by hand."""
    rows = (bank_transactions_for_user(user).exclude(pk=tx.pk).exclude(category_source=SOURCE_USER)
            .order_by("-booked_date")
            .values_list("pk", "description", "merchant_name", "amount", "category", "locked_fields")
            [:SIMILAR_SCAN_LIMIT])
    changes = []
    confidence = confidence_decimal(LEARNED_CONFIDENCE)
    for pk, description, merchant, amount, current, locked in rows:
        if "category" in (locked or []) or merchant_key(description, merchant) != key:
            continue
        code = orient(category, amount)
        if code and code != current:
            changes.append((pk, code, SOURCE_LEARNED, confidence))
    # Only the person's own choices are kept here (this is their instruction), and the database
    # re-checks that at the moment of writing.
    categorisations_write(changes, keep_sources=(SOURCE_USER,))
    return [pk for pk, *_ in changes]


@transaction.atomic
def transaction_recategorise(*, user, tx: Model, category: str, apply_to_similar: bool = False,
                             create_rule: bool = False) -> RecategoriseResult:
    tx.category = category
    tx.category_source = SOURCE_USER
    tx.category_confidence = Decimal("1.000")
    if "category" not in (tx.locked_fields or []):
        tx.locked_fields = [*(tx.locked_fields or []), "category"]
    tx.save(update_fields=["category", "category_source", "category_confidence", "locked_fields", "updated_at"])
    result = RecategoriseResult(transaction=tx, suggested_rule=suggested_rule_for(tx, category))

    key = merchant_key(tx.description, tx.merchant_name)
    if key:
        correction_remember(user=user, key=key, category=category)
        if apply_to_similar:
            result.similar_ids = similar_transactions_recategorise(user=user, tx=tx, key=key, category=category)
            result.similar_updated = len(result.similar_ids)
    if create_rule and result.suggested_rule:
        spec = result.suggested_rule
        result.rule = (CategoryRule.objects.filter(user=user, pattern=spec["pattern"], category=category,
                                                   match_field=spec["match_field"], match_type=spec["match_type"])
                       .first()) or CategoryRule.objects.create(user=user, **spec)
    return result
