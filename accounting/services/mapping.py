"""Our categories -> the organisation's ledger accounts: the table the person edits, and the
suggestions shown beside each unmapped category.

A transaction's category is looked up as it is, then as its custom category's taxonomy code,
then as its primary (a mapping for "Transport" covers "Fuel and EV charging" unless that has its
own). Only what the person saved is stored (CategoryMapping); suggestions are worked out when
shown, from the account's classification (spending -> expense accounts, income -> revenue;
transfers, borrowing and "other" get none: they are rarely a profit-and-loss line, the person
picks) and how close the account's name is to the category's words (rapidfuzz token set ratio,
with a few bookkeeping words per primary, since "Bills" means "Rent" or "Telephone" in a chart of
accounts)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from rapidfuzz import fuzz

from transactions import taxonomy
from transactions.user_taxonomy import is_custom, root_of, user_taxonomy

from ..models import CategoryMapping, Classification, LedgerAccount, Organisation

# Which ledger accounts a category of each kind may be suggested.
CLASSIFICATION_FOR_KIND = {taxonomy.KIND_SPENDING: Classification.EXPENSE, taxonomy.KIND_INCOME: Classification.REVENUE}
# The words a chart of accounts uses for each primary (UK small-business charts: Xero's default,
# QuickBooks' standard), so a name far from our label is still found.
BOOKKEEPING_WORDS = {
    "INCOME": "sales revenue income interest",
    "BANK_FEES": "bank fees charges",
    "LOAN_PAYMENTS": "interest expense loan",
    "ENTERTAINMENT": "entertainment",
    "FOOD_AND_DRINK": "entertainment meals subsistence",
    "GENERAL_MERCHANDISE": "office expenses supplies equipment",
    "HOME_IMPROVEMENT": "repairs maintenance",
    "MEDICAL": "medical health insurance",
    "PERSONAL_CARE": "general expenses",
    "GENERAL_SERVICES": "consulting accounting legal professional fees subscriptions",
    "GOVERNMENT_AND_NON_PROFIT": "taxes licences donations",
    "TRANSPORTATION": "motor vehicle expenses fuel travel national",
    "TRAVEL": "travel national international",
    "RENT_AND_UTILITIES": "rent light power heating telephone internet utilities",
}
_WORDS = re.compile(r"[^a-z0-9]+")


def _normal(text: str) -> str:
    return _WORDS.sub(" ", text.lower().replace("&", " and ")).strip()


@dataclass(frozen=True)
class Suggestion:
    ledger_account: LedgerAccount
    score: int  # 0-100
    reason: str


@dataclass(frozen=True)
class MappingRow:
    category: str
    label: str
    kind: str
    primary: str
    ledger_account: LedgerAccount | None  # what the person saved
    inherited: LedgerAccount | None  # what applies through the primary when nothing is saved
    suggestion: Suggestion | None


def mappable_accounts(organisation: Organisation) -> list[LedgerAccount]:
    """Accounts a category may be mapped to: active, not a bank account (money moves through
    those, it is not coded to them)."""
    return list(LedgerAccount.objects.filter(organisation=organisation, status="active", is_bank=False)
                .order_by("code", "name"))


def bank_accounts(organisation: Organisation) -> list[LedgerAccount]:
    return list(LedgerAccount.objects.filter(organisation=organisation, status="active", is_bank=True)
                .order_by("code", "name"))


def suggest(category: str, label: str, accounts: list[LedgerAccount]) -> Suggestion | None:
    root = root_of(category)
    kind = taxonomy.kind_of(root)
    wanted = CLASSIFICATION_FOR_KIND.get(kind)
    if wanted is None:
        return None
    primary = taxonomy.primary_of(root) or root
    # The category's own words count most; its primary's label and the bookkeeping words for
    # the primary a little less (a set-ratio of many words against a short name is generous).
    phrases = [(_normal(label), 1.0), (_normal(taxonomy.label_of(primary)), 0.9),
               (BOOKKEEPING_WORDS.get(primary, ""), 0.85)]
    best: tuple[int, int, LedgerAccount] | None = None
    for position, account in enumerate(accounts):
        if account.classification != wanted:
            continue
        name = _normal(account.name)
        score = max(int(fuzz.token_set_ratio(words, name) * weight) for words, weight in phrases if words)
        # Ties go to the lowest code (the chart's own order): deterministic.
        key = (score, -position)
        if best is None or key > best[:2]:
            best = (*key, account)
    if best is None:
        return None
    score, _, account = best
    if score < settings.ACCOUNTING_SUGGESTION_MIN_SCORE:
        return None
    return Suggestion(account, int(score), f"{wanted.label} account named like “{label}”")


def mapping_lookup(mappings: dict[str, LedgerAccount], category: str) -> LedgerAccount | None:
    """The ledger account a category goes to: its own mapping, its taxonomy code's (for a
    custom category), or its primary's."""
    for code in (category, root_of(category), taxonomy.primary_of(root_of(category))):
        if code and code in mappings:
            return mappings[code]
    return None


def mappings_of(organisation: Organisation) -> dict[str, LedgerAccount]:
    return {m.category: m.ledger_account for m in
            CategoryMapping.objects.filter(organisation=organisation).select_related("ledger_account")}


def mapping_rows(organisation: Organisation, *, user, used_categories: set[str] | None = None) -> list[MappingRow]:
    """Every primary, every detailed or custom category the person has used, and every mapped
    one, each with what it maps to and a suggestion."""
    names = user_taxonomy(user)
    saved = mappings_of(organisation)
    accounts = mappable_accounts(organisation)
    codes = set(taxonomy.primaries()) | set(saved) | {c for c in (used_categories or set()) if names.is_valid(c)}
    order = {code: info.sort_order for code, info in taxonomy.categories().items()}
    rows = []
    for code in sorted(codes, key=lambda c: (order.get(root_of(c), 10**6), is_custom(c), c)):
        label = names.path_label(code)
        own = saved.get(code)
        inherited = None if own else mapping_lookup({k: v for k, v in saved.items() if k != code}, code)
        rows.append(MappingRow(category=code, label=label, kind=taxonomy.kind_of(root_of(code)),
                               primary=taxonomy.primary_of(root_of(code)), ledger_account=own, inherited=inherited,
                               suggestion=None if own else suggest(code, label, accounts)))
    return rows


class MappingError(ValueError):
    """A bad mapping, said per field: {field: [message]}."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def mapping_set(organisation: Organisation, *, user, category: str, ledger_account_id) -> CategoryMapping | None:
    """Map one category (None: remove its mapping). The account must be one of this
    organisation's active, non-bank accounts."""
    if not user_taxonomy(user).is_valid(category):
        raise MappingError({"category": [f"“{category}” is not one of your categories."]})
    if ledger_account_id in (None, ""):
        CategoryMapping.objects.filter(organisation=organisation, category=category).delete()
        return None
    account = LedgerAccount.objects.filter(organisation=organisation, pk=_uuid_or_none(ledger_account_id)).first()
    if account is None:
        raise MappingError({"ledger_account": ["Choose one of this organisation's accounts."]})
    if account.is_bank or account.status != "active":
        raise MappingError({"ledger_account": ["Choose an active account that is not a bank account."]})
    row, _ = CategoryMapping.objects.update_or_create(organisation=organisation, category=category,
                                                      defaults={"ledger_account": account})
    return row


def _uuid_or_none(value):
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def mapping_suggestions_accept(organisation: Organisation, *, user, used_categories: set[str] | None = None) -> int:
    """Save every suggestion shown for a category that has no mapping of its own or through
    its primary. Returns how many were saved."""
    rows = [r for r in mapping_rows(organisation, user=user, used_categories=used_categories)
            if r.ledger_account is None and r.inherited is None and r.suggestion is not None]
    with transaction.atomic():
        for row in rows:
            CategoryMapping.objects.update_or_create(organisation=organisation, category=row.category,
                                                     defaults={"ledger_account": row.suggestion.ledger_account})
    return len(rows)
