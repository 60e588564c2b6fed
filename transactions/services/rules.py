"""Users' categorisation rules: create, update, preview and apply.

A rule is evaluated with every other active rule in priority order, exactly as the pipeline does,
so previewing or applying a rule never claims a transaction that a higher-priority rule owns.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from transactions.categoriser.answers import SOURCE_RULE, SOURCE_USER, TxInput
from transactions.categoriser.normalise import normalise
from transactions.categoriser.pipeline import RULE_CONFIDENCE, RuleSpec
from transactions.models import CategoryRule
from transactions.selectors.transactions import (
    bank_transactions_for_user,
    categorise_rows,
    rules_active_for_user,
)
from transactions.taxonomy import orient

from .categorisation import categorisations_write, confidence_decimal, is_protected, tx_input

SCAN_LIMIT = 50_000  # rows scanned per preview/apply, newest first
RULE_FIELDS = ("name", "category", "pattern", "match_field", "match_type", "direction", "amount_min", "amount_max",
               "account", "priority", "is_active")


@dataclass
class RuleMatch:
    row: dict
    new_category: str


def rule_create(*, user, **values) -> CategoryRule:
    return CategoryRule.objects.create(user=user, **{k: v for k, v in values.items() if k in RULE_FIELDS})


def rule_update(rule: CategoryRule, **values) -> CategoryRule:
    changed = [k for k in RULE_FIELDS if k in values and getattr(rule, k) != values[k]]
    for name in changed:
        setattr(rule, name, values[name])
    if changed:
        rule.save(update_fields=[*changed, "updated_at"])
    return rule


def _winning_rule(rules: list[RuleSpec], item: TxInput) -> RuleSpec | None:
    norm = normalise(item.description, item.merchant_name)
    for rule in rules:
        if rule.matches(item, norm) and orient(rule.category, item.amount):
            return rule
    return None


def rule_matches(*, user, spec: RuleSpec, limit: int = SCAN_LIMIT) -> list[RuleMatch]:
    """The user's transactions this rule would change, given their other rules' priorities."""
    others = [rule.as_spec() for rule in rules_active_for_user(user) if str(rule.pk) != str(spec.id)]
    ordered = sorted([*others, spec], key=lambda r: (r.priority, str(r.id)))
    queryset = bank_transactions_for_user(user).exclude(category_source=SOURCE_USER).order_by("-booked_date")
    if spec.account_id is not None:
        queryset = queryset.filter(account_id=spec.account_id)
    matches = []
    for row in categorise_rows(queryset[:limit]):
        if is_protected(row):
            continue
        item = tx_input(row)
        norm = normalise(item.description, item.merchant_name)
        if not spec.matches(item, norm):
            continue
        if _winning_rule(ordered, item) is not spec:
            continue
        code = orient(spec.category, item.amount)
        if code and (code != row["category"] or row["category_source"] != SOURCE_RULE):
            matches.append(RuleMatch(row=row, new_category=code))
    return matches


def rule_preview(*, user, spec: RuleSpec, limit: int = SCAN_LIMIT) -> list[RuleMatch]:
    return rule_matches(user=user, spec=spec, limit=limit)


@transaction.atomic
def rule_apply(rule: CategoryRule) -> int:
    """Categorise every matching past transaction with this rule. Returns how many changed."""
    matches = rule_matches(user=rule.user, spec=rule.as_spec())
    confidence = confidence_decimal(RULE_CONFIDENCE)
    return categorisations_write([(m.row["id"], m.new_category, SOURCE_RULE, confidence) for m in matches])
