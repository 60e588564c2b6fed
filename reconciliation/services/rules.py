"""What may be matched with what, within which window, and how sure a pair is.

Every rule needs the same currency and the exact amount (to the currency's minor unit); nothing
else can make a pair. The window is counted in working days (services/calendar.py) from the
business-side item's date to the money-side item's date:

- payout -> bank credit, -1 to +3 working days around the payout's arrival date. The arrival
  date is the processor's promise (Stripe: the day the bank should have the money). A UK bank
  books a Faster Payments payout the same day, but a weekend or bank-holiday arrival is booked
  the next working day, a Bacs payout lands on the third working day of its cycle, and some
  banks book the day before the processor's date when it settles overnight; three days after
  covers a Bacs cycle that started late, and nothing later is a payout's normal life (a payout
  that late has failed and is retried as a new payout).
- invoice payment -> bank credit, -3 to +5 working days around the date the books say it was
  paid: the bookkeeper types that date from the remittance or the bank line, which can be a
  few days either way (a cheque paid in, a Bacs run, a payment entered when the remittance came).
- invoice payment -> processor charge, -3 to +3: the charge is the card payment itself; the
  books' date is when it was recorded.
- bill payment -> bank debit, -3 to +5, as for invoices (supplier payment runs are Bacs).

The score (0 to 1) ranks candidates: 0.6 for an exact pair inside the window, up to 0.25 more
the closer the dates, and up to 0.15 more for the reference (the invoice or bill number found in
the other side's reference or description is the full 0.15; otherwise how alike the references
and counterparties read). It is the confidence shown beside a suggestion; it never makes a pair
by itself (services/engine.py decides)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from difflib import SequenceMatcher

from integrations_core.money import money_text

from ..registry import ItemKind, ReconItem
from .calendar import working_days_between


@dataclass(frozen=True)
class Rule:
    name: str
    left: str
    right: str
    before: int  # working days the money side may come before the business side
    after: int  # ... and after
    number_in_reference: bool  # the left's reference is a document number the right may quote


RULES = (
    Rule("payout_bank_credit", ItemKind.PAYOUT, ItemKind.BANK_CREDIT, before=1, after=3, number_in_reference=False),
    Rule("invoice_bank_credit", ItemKind.INVOICE_PAYMENT, ItemKind.BANK_CREDIT, before=3, after=5,
         number_in_reference=True),
    Rule("invoice_charge", ItemKind.INVOICE_PAYMENT, ItemKind.CHARGE, before=3, after=3, number_in_reference=True),
    Rule("bill_bank_debit", ItemKind.BILL_PAYMENT, ItemKind.BANK_DEBIT, before=3, after=5, number_in_reference=True),
)
RULES_BY_NAME = {rule.name: rule for rule in RULES}
LEFT_KINDS = frozenset(rule.left for rule in RULES)
RIGHT_KINDS = frozenset(rule.right for rule in RULES)

BASE, DATE_WEIGHT, REFERENCE_WEIGHT = Decimal("0.6"), Decimal("0.25"), Decimal("0.15")
_WORDS = re.compile(r"[^a-z0-9]+")


def rule_for(left_kind: str, right_kind: str) -> Rule | None:
    return next((r for r in RULES if r.left == left_kind and r.right == right_kind), None)


def same_money(left: ReconItem, right: ReconItem) -> bool:
    """Same currency and exactly the same amount (Decimal equality: 10.00 == 10, but 10.00 !=
    10.001; a pence out is not a match, it is a fee or a partial payment)."""
    return left.currency.upper() == right.currency.upper() and abs(left.amount) == abs(right.amount)


def _normal(text: str) -> str:
    return _WORDS.sub(" ", (text or "").lower()).strip()


def _number_quoted(number: str, right: ReconItem) -> bool:
    """The document number (INV-0042) appears in the other side's words, however punctuated
    (a bank reference often loses the dash: "INV0042", "inv 0042")."""
    wanted = _WORDS.sub("", number.lower())
    if len(wanted) < 3:
        return False
    haystack = _WORDS.sub("", f"{right.reference} {right.label} {right.counterparty}".lower())
    return wanted in haystack


def reference_similarity(rule: Rule, left: ReconItem, right: ReconItem) -> Decimal:
    """0 to 1: 1 when the left's document number is quoted by the right, else how alike their
    references and counterparties read."""
    if rule.number_in_reference and left.reference and _number_quoted(left.reference, right):
        return Decimal(1)
    best = 0.0
    for a, b in ((left.reference, right.reference), (left.counterparty, right.counterparty),
                 (left.reference, right.label), (left.label, right.reference)):
        a, b = _normal(a), _normal(b)
        if a and b:
            best = max(best, SequenceMatcher(None, a, b).ratio())
    return Decimal(str(round(best, 3)))


@dataclass(frozen=True)
class Candidate:
    rule: Rule
    left: ReconItem
    right: ReconItem
    distance: int  # working days from the left's date to the right's
    score: Decimal
    reasons: tuple[str, ...]
    number_quoted: bool


def candidate(rule: Rule, left: ReconItem, right: ReconItem) -> Candidate | None:
    """The pair as a candidate of `rule`, or None when it cannot be one."""
    if left.kind != rule.left or right.kind != rule.right or not same_money(left, right):
        return None
    # A cheap calendar-day bound first: the window is a few working days, never more than
    # three weeks of calendar days (Christmas and Easter included).
    if abs((right.date - left.date).days) > 21:
        return None
    distance = working_days_between(left.date, right.date)
    if not -rule.before <= distance <= rule.after:
        return None
    span = max(rule.before, rule.after) + 1
    closeness = Decimal(span - abs(distance)) / Decimal(span)
    similarity = reference_similarity(rule, left, right)
    quoted = similarity == 1 and rule.number_in_reference
    score = min(Decimal(1), BASE + DATE_WEIGHT * closeness + REFERENCE_WEIGHT * similarity)
    reasons = [f"Same amount: {money_text(abs(left.amount), left.currency)} {left.currency.upper()}"]
    reasons.append("Same day" if distance == 0 else
                   f"{abs(distance)} working day{'s' if abs(distance) != 1 else ''} "
                   f"{'after' if distance > 0 else 'before'}")
    if quoted:
        reasons.append(f"Reference quotes {left.reference}")
    elif similarity >= Decimal("0.6"):
        reasons.append("Similar reference")
    return Candidate(rule, left, right, distance, score.quantize(Decimal("0.001")), tuple(reasons), quoted)
