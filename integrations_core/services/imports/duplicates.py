"""When an imported statement row and a synced row are the same payment (docs/bank-imports.md,
"Duplicates"). One rule, used both ways: a file imported into a synced account skips the rows
the bank already reported, and a sync that later reports a payment a file brought takes that
row over instead of adding a second one.

The rule: the same account (the caller's query), the same currency, exactly the same amount,
booked within DUPLICATE_DATE_DAYS of each other (banks and their exports disagree on booking
vs value vs transaction date, by a day or two over weekends), and descriptions that share most
of their words (the shorter one's words, since an export writes "CARD PAYMENT TO TESCO STORES
3297" where the API says "Tesco Stores"), or read alike character by character."""

from __future__ import annotations

from difflib import SequenceMatcher

from .keys import normalise_description

DUPLICATE_DATE_DAYS = 3
WORD_OVERLAP_MIN = 0.5  # of the shorter description's words
CHARACTER_RATIO_MIN = 0.6  # difflib ratio of the whole normalised descriptions

# The key prefix of every row a statement file wrote: a window sync never removes these (the
# bank not reporting a row a person imported is no sign it was dropped) and may take them over.
STATEMENT_KEY_PREFIX = "stmt:"


def _words(text: str) -> set[str]:
    # Card numbers, store numbers and references differ between an export and the API.
    return {word for word in normalise_description(text).split() if len(word) > 1 and not word.isdigit()}


def descriptions_alike(a: str, b: str) -> bool:
    words_a, words_b = _words(a), _words(b)
    if words_a and words_b and len(words_a & words_b) / min(len(words_a), len(words_b)) >= WORD_OVERLAP_MIN:
        return True
    plain_a, plain_b = normalise_description(a), normalise_description(b)
    return bool(plain_a and plain_b) and SequenceMatcher(None, plain_a, plain_b).ratio() >= CHARACTER_RATIO_MIN


def _date_gap(row, record) -> int:
    """Days between the two, over booked and value dates (one side's value date may be the
    other's booked date)."""
    left = {d for d in (row.booked_date, getattr(row, "value_date", None)) if d is not None}
    right = {d for d in (record.booked_date, getattr(record, "value_date", None)) if d is not None}
    return min(abs((a - b).days) for a in left for b in right)


def same_payment_score(row, record) -> float | None:
    """None unless `row` (stored) and `record` (incoming) are the same payment by the rule;
    else a score, higher for a closer match (nearer date, more alike description)."""
    if row.currency != record.currency or row.amount != record.amount:
        return None
    gap = _date_gap(row, record)
    if gap > DUPLICATE_DATE_DAYS or not descriptions_alike(row.description, record.description):
        return None
    ratio = SequenceMatcher(None, normalise_description(row.description),
                            normalise_description(record.description)).ratio()
    return (DUPLICATE_DATE_DAYS + 1 - gap) + ratio


def same_payments(rows: list, incoming: list[tuple[str, object]]) -> dict[str, object]:
    """Each incoming (key, record) matched to at most one stored row, each row to at most one
    record: two identical coffees in a file against one synced coffee leave one to add. The
    best-scoring pairs are taken first, so the outcome does not depend on file order."""
    by_amount: dict[tuple, list] = {}
    for row in rows:  # only rows of exactly the same amount can match: a file of thousands stays fast
        by_amount.setdefault((row.currency, row.amount), []).append(row)
    pairs = []
    for index, (key, record) in enumerate(incoming):
        for row in by_amount.get((record.currency, record.amount), ()):
            score = same_payment_score(row, record)
            if score is not None:
                pairs.append((-score, index, str(row.pk), key, row))
    pairs.sort(key=lambda pair: pair[:3])
    matched: dict[str, object] = {}
    taken: set = set()
    for _score, _index, _pk, key, row in pairs:
        if key in matched or row.pk in taken:
            continue
        matched[key] = row
        taken.add(row.pk)
    return matched
