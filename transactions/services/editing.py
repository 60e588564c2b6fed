"""What a person edits on their own transactions: notes, tags, hiding, leaving out of budgets,
splitting one payment across categories, and their own categories.

Every function takes rows already scoped to the person (selectors do that); nothing here looks
up by id alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Model

from integrations_core.money import STORED_DECIMALS
from transactions.models import CustomCategory, TransactionDetails, TransactionSplit
from transactions.user_taxonomy import MAX_CODE, SEPARATOR, code_for, is_custom, user_taxonomy

MAX_TAGS = 20
MAX_TAG_LENGTH = 40


class EditError(Exception):
    """Input a person can fix: `errors` is {field: [messages]}, as a form or serializer has."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def tags_clean(tags) -> list[str]:
    """Trimmed, without repeats (case-insensitive), in the order given."""
    if isinstance(tags, str):
        tags = tags.split(",")
    seen, out = set(), []
    for tag in tags or []:
        tag = str(tag).strip()
        if not tag or tag.lower() in seen:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise EditError({"tags": [f"A tag can be at most {MAX_TAG_LENGTH} characters."]})
        seen.add(tag.lower())
        out.append(tag)
    if len(out) > MAX_TAGS:
        raise EditError({"tags": [f"At most {MAX_TAGS} tags."]})
    return out


def tags_index(tags: list[str]) -> str:
    return f",{','.join(t.lower() for t in tags)}," if tags else ""


def transaction_details_get(tx: Model) -> TransactionDetails:
    try:
        return tx.details
    except TransactionDetails.DoesNotExist:
        return TransactionDetails(transaction=tx)


def transaction_edit(tx: Model, **values) -> Model:
    """Change any of notes, tags, hidden, excluded_from_budgets. Notes are the transaction's own
    field and, once edited, locked against syncs like the category."""
    with transaction.atomic():
        if "notes" in values:
            tx.notes = (values["notes"] or "").strip()
            locked = list(tx.locked_fields or [])
            if "notes" not in locked:
                locked.append("notes")
            tx.locked_fields = locked
            tx.save(update_fields=["notes", "locked_fields", "updated_at"])
        extra = {k: values[k] for k in ("tags", "hidden", "excluded_from_budgets") if k in values}
        if extra:
            details = transaction_details_get(tx)
            if "tags" in extra:
                details.tags = tags_clean(extra["tags"])
                details.tags_index = tags_index(details.tags)
            for name in ("hidden", "excluded_from_budgets"):
                if name in extra:
                    setattr(details, name, bool(extra[name]))
            details.save()
            tx.details = details
    return tx


@dataclass(frozen=True)
class SplitPart:
    category: str
    amount: Decimal
    note: str = ""


def _amount(value, index: int) -> Decimal:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise EditError({f"splits[{index}].amount": ["Enter an amount such as 12.50."]}) from None
    if not amount.is_finite() or amount.as_tuple().exponent < -STORED_DECIMALS:
        raise EditError({f"splits[{index}].amount": [f"Use at most {STORED_DECIMALS} decimal places."]})
    return amount


def splits_validate(*, user, tx: Model, parts: list[dict]) -> list[SplitPart]:
    """At least two parts, each in a category the person can use, each with the payment's sign
    and not zero, adding up to the payment's amount exactly (Decimal, no rounding)."""
    tax = user_taxonomy(user)
    if len(parts) < 2:
        raise EditError({"splits": ["Split a payment into at least two parts (or remove the split)."]})
    errors: dict[str, list[str]] = {}
    out = []
    for index, part in enumerate(parts):
        category = str(part.get("category") or "")
        if not tax.is_valid(category):
            errors[f"splits[{index}].category"] = [f"“{category}” is not one of your categories."]
        try:
            amount = _amount(part.get("amount"), index)
        except EditError as exc:
            errors.update(exc.errors)
            continue
        if amount == 0 or (amount < 0) != (tx.amount < 0):
            errors[f"splits[{index}].amount"] = [
                "Each part must be " + ("money out (negative)" if tx.amount < 0 else "money in (positive)")
                + ", like the payment, and not zero."]
        out.append(SplitPart(category=category, amount=amount, note=str(part.get("note") or "")[:200]))
    if errors:
        raise EditError(errors)
    total = sum((p.amount for p in out), Decimal("0"))
    if total != tx.amount:
        raise EditError({"splits": [f"The parts add up to {total:f} but the payment is {tx.amount.normalize():f}: "
                                    f"they must match exactly ({(tx.amount - total).normalize():f} to go)."]})
    return out


def transaction_split(*, user, tx: Model, parts: list[dict]) -> list[TransactionSplit]:
    """Replace the payment's split with these parts (validated as one)."""
    checked = splits_validate(user=user, tx=tx, parts=parts)
    with transaction.atomic():
        TransactionSplit.objects.filter(transaction=tx).delete()
        return TransactionSplit.objects.bulk_create([
            TransactionSplit(transaction=tx, category=p.category, amount=p.amount, note=p.note, position=i)
            for i, p in enumerate(checked)])


def transaction_unsplit(tx: Model) -> int:
    return TransactionSplit.objects.filter(transaction=tx).delete()[0]


# --- the person's own categories --------------------------------------------------------------
def custom_category_create(*, user, parent: str, label: str) -> CustomCategory:
    label = (label or "").strip()
    tax = user_taxonomy(user)
    errors: dict[str, list[str]] = {}
    if not label:
        errors["label"] = ["Give the category a name."]
    elif len(label) > 100:
        errors["label"] = ["At most 100 characters."]
    if not tax.is_valid(parent):
        errors["parent"] = [f"“{parent}” is not a category to put it under."]
    elif parent.count(SEPARATOR) >= 2:
        errors["parent"] = ["Categories go at most two levels below the taxonomy's."]
    if errors:
        raise EditError(errors)
    code = code_for(parent, label)
    if len(code) > MAX_CODE:
        raise EditError({"label": ["That name is too long under this parent: use a shorter one."]})
    if tax.is_valid(code):
        raise EditError({"label": ["You already have a category with that name there."]})
    return CustomCategory.objects.create(user=user, code=code, parent=parent, label=label)


def custom_category_rename(category: CustomCategory, *, label: str) -> CustomCategory:
    label = (label or "").strip()
    if not label or len(label) > 100:
        raise EditError({"label": ["Give the category a name of at most 100 characters."]})
    category.label = label
    category.save(update_fields=["label", "updated_at"])
    return category


def custom_category_delete(category: CustomCategory, *, transactions) -> int:
    """Remove the category and those beneath it; its transactions, split parts and budgets go
    back to the parent it hung from (nothing is left in a category that no longer exists)."""
    from transactions.models import Budget

    assert is_custom(category.code)
    codes = [category.code, *CustomCategory.objects.filter(user=category.user,
                                                           code__startswith=category.code + SEPARATOR)
             .values_list("code", flat=True)]
    with transaction.atomic():
        moved = transactions.filter(category__in=codes).update(category=category.parent)
        TransactionSplit.objects.filter(transaction__in=transactions.values("pk"), category__in=codes) \
            .update(category=category.parent)
        Budget.objects.filter(user=category.user, category__in=codes).delete()
        CustomCategory.objects.filter(user=category.user, code__in=codes).delete()
    return moved
