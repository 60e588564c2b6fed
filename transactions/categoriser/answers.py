"""The values the categoriser passes around. Confidence is a float in [0, 1] here (a model score,
not money); the database stores it rounded as a Decimal."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# Where an answer came from, stored in Transaction.category_source.
SOURCE_USER = "user"  # the person picked it; locked
SOURCE_RULE = "rule"
SOURCE_LEARNED = "learned"  # a past correction for the same merchant
SOURCE_REFUND = "refund"  # a refund takes the category of the earlier payment it gives back
SOURCE_WORDS = "words"  # what the line's own words say: trade words, fee and payout wording
SOURCE_MERCHANT = "merchant"
SOURCE_MCC = "mcc"
SOURCE_PROVIDER = "provider"
SOURCE_MODEL = "model"
SOURCE_TRANSFER = "transfer"  # matched with the opposite leg in another of the user's accounts
SOURCE_DEFAULT = "default"

# `words` answers twice: fee and payout wording before the dictionary, trade words after the
# provider's data (docs/categorisation.md says why).
PIPELINE_ORDER = (SOURCE_RULE, SOURCE_LEARNED, SOURCE_REFUND, SOURCE_WORDS, SOURCE_MERCHANT, SOURCE_MCC,
                  SOURCE_PROVIDER, SOURCE_MODEL, SOURCE_DEFAULT)
# Answers the pipeline never overwrites: the person's own choice, and a matched transfer pair
# (pairing is decided across accounts, which the pipeline cannot see). Rule answers are re-run so a
# deleted or edited rule stops applying.
PROTECTED_SOURCES = frozenset({SOURCE_USER, SOURCE_TRANSFER})
# Answers the statistical model may learn from (never its own guesses or the fallback).
TRAINABLE_SOURCES = frozenset({SOURCE_USER, SOURCE_RULE, SOURCE_LEARNED, SOURCE_MERCHANT, SOURCE_MCC,
                               SOURCE_PROVIDER, SOURCE_REFUND, SOURCE_WORDS})


# Plain (not frozen) slotted dataclasses: frozen ones cost a microsecond more to build, and the
# categoriser builds two per transaction.
@dataclass(slots=True)
class Answer:
    code: str
    confidence: float
    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class TxInput:
    """One transaction as the categoriser sees it. `amount` is signed: negative = money out."""

    description: str
    amount: Decimal
    currency: str = ""
    merchant_name: str = ""
    mcc: str = ""
    transaction_type: str = ""
    provider_category: str = ""
    account_id: object = None


@dataclass(slots=True)
class Categorisation:
    category: str  # the detailed code (a primary only when nothing finer is known)
    primary: str
    confidence: float
    source: str
    reason: str
    merchant: str  # display name when the dictionary knows the merchant
    merchant_key: str  # what corrections are remembered by
    refund: bool  # money in under a spending category

    def as_dict(self) -> dict:
        return {"category": self.primary, "detailed": self.category, "confidence": round(self.confidence, 3),
                "source": self.source, "reason": self.reason, "merchant": self.merchant, "refund": self.refund}
