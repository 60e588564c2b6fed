"""The categoriser: a pipeline where the first confident answer wins.

1. the user's rules  2. the user's past corrections for the same merchant  3. the merchant
dictionary  4. the ISO 18245 merchant category code  5. the provider's category or transaction
type  6. the statistical model (only above its threshold)  7. OTHER, flagged for review.

Every answer passes through `taxonomy.orient` first, so money out is never income and money in is
never spending (a credit from a shop is a refund in the shop's category). Steps that are not sure
(below ACCEPT_CONFIDENCE) do not stop the pipeline but are remembered: if nothing later is
confident either, the strongest of them beats OTHER.

Pure Python over plain inputs: no ORM, so the `categorise` command, the sync hook and the bench
share exactly this code. Categorise in bulk with `categorise_many`: the model runs once per batch.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from transactions.taxonomy import UNCATEGORISED, is_refund, orient, primary_of

from .answers import (
    SOURCE_DEFAULT,
    SOURCE_LEARNED,
    SOURCE_MCC,
    SOURCE_MERCHANT,
    SOURCE_MODEL,
    SOURCE_PROVIDER,
    SOURCE_RULE,
    Answer,
    Categorisation,
    TxInput,
)
from .mcc import mcc_category
from .merchants import MerchantDictionary, MerchantEntry, default_dictionary
from .model import TextModel, model_text
from .normalise import Normalised, normalise
from .provider import provider_answers
from .rule_regex import RulePatternError, compile_rule_pattern

logger = logging.getLogger(__name__)

ACCEPT_CONFIDENCE = 0.6
MODEL_MIN_CONFIDENCE = 0.6
DEFAULT_CONFIDENCE = 0.1
PREPARED_CACHE_SIZE = 200_000
RULE_CONFIDENCE = 1.0
LEARNED_CONFIDENCE = 0.97


@dataclass(frozen=True)
class RuleSpec:
    """A user's rule as the pipeline needs it (the Django model converts itself to one).
    All conditions that are set must hold. Patterns compare case-insensitively."""

    id: object
    name: str
    category: str
    pattern: str = ""
    match_field: str = "any"  # description | merchant | any
    match_type: str = "contains"  # contains | equals | starts_with | regex
    direction: str = "any"  # any | out | in
    amount_min: Decimal | None = None  # bounds on the absolute amount
    amount_max: Decimal | None = None
    account_id: object = None
    priority: int = 100

    def __post_init__(self):
        pattern = self.pattern.upper().strip()
        object.__setattr__(self, "_needle", pattern)
        regex = None
        if self.match_type == "regex" and self.pattern:
            # RE2: linear time whatever the pattern (rule_regex.py). A pattern saved before RE2
            # that it cannot run (a backreference, a lookaround) matches nothing, never blocks.
            try:
                regex = compile_rule_pattern(self.pattern)
            except RulePatternError:
                logger.warning("rule %s has a pattern RE2 cannot run; it matches nothing until edited", self.id)
        object.__setattr__(self, "_regex", regex)

    def _text_matches(self, text: str) -> bool:
        if not text:
            return False
        needle = self._needle
        if self.match_type == "contains":
            return needle in text
        if self.match_type == "equals":
            return text.strip() == needle
        if self.match_type == "starts_with":
            return text.startswith(needle)
        return bool(self._regex.search(text)) if self._regex else False

    def matches(self, item: TxInput, norm: Normalised, merchant: str = "") -> bool:
        amount = item.amount
        if self.direction == "out" and amount >= 0 or self.direction == "in" and amount <= 0:
            return False
        if self.amount_min is not None and abs(amount) < self.amount_min:
            return False
        if self.amount_max is not None and abs(amount) > self.amount_max:
            return False
        if self.account_id is not None and str(item.account_id) != str(self.account_id):
            return False
        if not self._needle:
            return True
        if self.match_field in ("description", "any"):
            description = item.description.upper()
            if self._text_matches(description) or self._text_matches(norm.full_text):
                return True
        if self.match_field in ("merchant", "any"):
            for text in (item.merchant_name.upper(), merchant.upper(), norm.key):
                if self._text_matches(text):
                    return True
        return False


@dataclass(slots=True)
class Prepared:
    norm: Normalised
    matches: tuple[MerchantEntry, ...]
    merchant: str  # display name of the first named dictionary match
    by_sign: dict  # sign -> the merchant step's answer, filled on first use


def _better(a: Answer | None, b: Answer | None) -> Answer | None:
    if a is None:
        return b
    if b is None:
        return a
    return b if b.confidence > a.confidence else a


class Categoriser:
    def __init__(self, *, rules: Iterable[RuleSpec] = (), corrections: dict[str, str] | None = None,
                 model: TextModel | None = None, model_threshold: float = MODEL_MIN_CONFIDENCE,
                 accept: float = ACCEPT_CONFIDENCE, dictionary: MerchantDictionary | None = None):
        self.rules = sorted(rules, key=lambda r: (r.priority, str(r.id)))
        self.corrections = corrections or {}
        self.model = model
        self.model_threshold = model_threshold
        self.accept = accept
        self.dictionary = dictionary or default_dictionary()
        self._prepared: dict[tuple[str, str], Prepared] = {}
        self._mcc_answers: dict[tuple, Answer | None] = {}

    # --- steps 1-5 ----------------------------------------------------------------------------
    def _prepare(self, description: str, merchant_name: str) -> Prepared:
        """Everything about a transaction that depends only on its text, computed once per
        distinct (description, merchant name): bank data repeats the same strings all the time."""
        key = (description, merchant_name)
        prepared = self._prepared.get(key)
        if prepared is None:
            norm = normalise(description, merchant_name)
            matches = self.dictionary.lookup(norm.tokens) if norm.tokens else ()
            prepared = Prepared(norm, matches, next((m.name for m in matches if m.name), ""), {})
            if len(self._prepared) >= PREPARED_CACHE_SIZE:
                self._prepared.clear()
            self._prepared[key] = prepared
        return prepared

    def _rule_answer(self, item: TxInput, prepared: Prepared) -> Answer | None:
        for rule in self.rules:
            if rule.matches(item, prepared.norm, prepared.merchant):
                code = orient(rule.category, item.amount)
                if code:
                    return Answer(code, RULE_CONFIDENCE, SOURCE_RULE, f"Your rule “{rule.name}”")
        return None

    def _learned_answer(self, item: TxInput, prepared: Prepared) -> Answer | None:
        key = prepared.norm.key
        learned = self.corrections.get(key) if key else None
        code = orient(learned, item.amount) if learned else None
        if not code:
            return None
        return Answer(code, LEARNED_CONFIDENCE, SOURCE_LEARNED, f"You categorised {key.title()} like this before")

    def _merchant_step(self, prepared: Prepared, amount: Decimal) -> Answer | None:
        sign = (amount > 0) - (amount < 0)
        if sign not in prepared.by_sign:
            prepared.by_sign[sign] = self._merchant_answer(prepared.matches, amount)
        return prepared.by_sign[sign]

    @staticmethod
    def _merchant_answer(matches: Sequence[MerchantEntry], amount: Decimal) -> Answer | None:
        """The best dictionary entry that fits the sign. For money in, an entry that names income or
        a transfer ("NHS PAYROLL": payroll) beats one that would only make it a refund (NHS)."""
        chosen = None
        for entry in matches:
            code = entry.code_for(amount)
            if not code:
                continue
            if chosen is None:
                chosen = (entry, code)
            if amount <= 0 or not entry.in_is_refund:
                chosen = (entry, code)
                break
        if chosen is None:
            return None
        entry, code = chosen
        label = entry.name or entry.phrase.title()
        what = "a known merchant" if entry.name else "a known keyword"
        return Answer(code, entry.confidence, SOURCE_MERCHANT, f"“{entry.phrase}” is {what} ({label})")

    def _mcc_answer(self, item: TxInput) -> Answer | None:
        key = (item.mcc, item.amount > 0, item.amount < 0)
        if key not in self._mcc_answers:
            found = mcc_category(item.mcc)
            code = orient(found.code, item.amount) if found else None
            self._mcc_answers[key] = Answer(
                code, found.confidence, SOURCE_MCC,
                f"Merchant category code {item.mcc} ({found.description or 'ISO 18245'})") if code else None
        return self._mcc_answers[key]

    @staticmethod
    def _provider_answer(item: TxInput, prepared: Prepared) -> Answer | None:
        if not (item.provider_category or item.transaction_type or prepared.norm.markers):
            return None
        provided = provider_answers(item.provider_category, item.transaction_type, prepared.norm.markers,
                                    item.amount)
        return provided[0] if provided else None

    def _answers(self, item: TxInput, prepared: Prepared):
        """Each of steps 1-5's answer (or None), lazily, in pipeline order."""
        yield self._rule_answer(item, prepared) if self.rules else None
        yield self._learned_answer(item, prepared) if self.corrections else None
        yield self._merchant_step(prepared, item.amount)
        yield self._mcc_answer(item) if item.mcc else None
        yield self._provider_answer(item, prepared)

    def _decide(self, item: TxInput) -> tuple[Prepared, Answer | None, Answer | None]:
        """(prepared text, the first confident answer or None, the best unsure answer or None)."""
        prepared = self._prepare(item.description, item.merchant_name)
        fallback = None
        for answer in self._answers(item, prepared):
            if answer is None:
                continue
            if answer.confidence >= self.accept:
                return prepared, answer, None
            fallback = _better(fallback, answer)
        return prepared, None, fallback

    @staticmethod
    def _result(answer: Answer, item: TxInput, prepared: Prepared) -> Categorisation:
        code = answer.code
        return Categorisation(code, primary_of(code) or code, answer.confidence, answer.source, answer.reason,
                              prepared.merchant, prepared.norm.key, is_refund(code, item.amount))

    # --- step 6 ---------------------------------------------------------------------------------
    def _model_answers(self, pending: list[tuple[TxInput, Prepared]]) -> list[Answer | None]:
        if self.model is None or not pending:
            return [None] * len(pending)
        texts = [model_text(prepared.norm.text, item.merchant_name, item.amount) for item, prepared in pending]
        probabilities = self.model.probabilities(texts)
        classes = self.model.classes
        ranked = probabilities.argsort(axis=1)[:, ::-1]
        answers: list[Answer | None] = []
        for row, (item, _) in enumerate(pending):
            answer = None
            for index in ranked[row, :5]:
                code = classes[index]
                if orient(code, item.amount) == code:  # the best class this sign allows
                    score = float(probabilities[row, index])
                    answer = Answer(code, round(score, 3), SOURCE_MODEL,
                                    f"Looks like other {code.replace('_', ' ').lower()} transactions ({score:.0%})")
                    break
            answers.append(answer)
        return answers

    # --- public API -------------------------------------------------------------------------------
    def categorise_many(self, items: Sequence[TxInput]) -> list[Categorisation]:
        results: list[Categorisation | None] = [None] * len(items)
        pending: list[tuple[int, TxInput, Prepared, Answer | None]] = []
        decide, result = self._decide, self._result
        for i, item in enumerate(items):
            prepared, answer, fallback = decide(item)
            if answer is not None:
                results[i] = result(answer, item, prepared)
            else:
                pending.append((i, item, prepared, fallback))
        guesses = self._model_answers([(item, prepared) for _, item, prepared, _ in pending])
        for (i, item, prepared, fallback), guess in zip(pending, guesses, strict=True):
            if guess is not None and guess.confidence >= self.model_threshold:
                answer = guess
            else:  # the model is only trusted above its threshold
                answer = fallback or Answer(UNCATEGORISED, DEFAULT_CONFIDENCE, SOURCE_DEFAULT,
                                            "Nothing recognised this one yet: pick a category to teach us")
            results[i] = result(answer, item, prepared)
        return results  # type: ignore[return-value]

    def categorise(self, item: TxInput) -> Categorisation:
        return self.categorise_many([item])[0]

    def explain(self, item: TxInput) -> list[dict]:
        """What every step thought, for the UI's "why this category?"."""
        prepared = self._prepare(item.description, item.merchant_name)
        steps = [*self._answers(item, prepared), self._model_answers([(item, prepared)])[0]]
        names = (SOURCE_RULE, SOURCE_LEARNED, SOURCE_MERCHANT, SOURCE_MCC, SOURCE_PROVIDER, SOURCE_MODEL)
        chosen = self.categorise(item)
        out = []
        for name, answer in zip(names, steps, strict=True):
            out.append({"step": name, "category": answer.code if answer else None,
                        "confidence": answer.confidence if answer else None,
                        "reason": answer.reason if answer else "", "chosen": chosen.source == name})
        out.append({"step": SOURCE_DEFAULT, "category": UNCATEGORISED, "confidence": DEFAULT_CONFIDENCE,
                    "reason": "", "chosen": chosen.source == SOURCE_DEFAULT})
        return out
