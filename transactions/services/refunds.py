"""Tie a refund or chargeback to the payment it gives back, so it takes that payment's category
(a refund is never income: it reduces spending in the category it came from).

The categoriser asks `lookup(merchant_key)` only for money in that says REFUND, CHARGEBACK or
REVERSAL, once per merchant key per run; this answers with the category of the user's newest
payment out to the same merchant (same merchant key, or the same merchant spelled another way).
Nothing found: the categoriser falls back to the dictionary and the trade words on the refund's
own text, and failing those to OTHER for the person to review, never to income.
"""

from __future__ import annotations

from collections.abc import Callable

from transactions.categoriser.normalise import merchant_key
from transactions.selectors.transactions import payments_mentioning


def _same_merchant(key: str, other: str) -> bool:
    """Equal keys, or one a word-prefix of the other (`KINGS BARBERS` / `KINGS BARBERS HEBDEN`)."""
    if key == other:
        return True
    shorter, longer = sorted((key.split(), other.split()), key=len)
    return len(" ".join(shorter)) >= 5 and longer[:len(shorter)] == shorter


def refund_lookup_for_user(user) -> Callable[[str], str | None]:
    def lookup(key: str) -> str | None:
        words = [w for w in key.split() if len(w) >= 3]
        if not words:
            return None
        for description, merchant_name, category in payments_mentioning(user, words[0]):
            if _same_merchant(key, merchant_key(description, merchant_name)):
                return category
        return None

    return lookup
