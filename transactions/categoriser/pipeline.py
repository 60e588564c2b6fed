"""The categoriser: a pipeline where the first confident answer wins.

1. the user's rules  2. the user's past corrections for the same merchant (or the same merchant
spelled another way)  3. a refund takes the category of the earlier payment it gives back
4. fee and payout wording  5. the merchant dictionary, on the counterparty's name first (a trade
word that is the head of the name, or a retailer's outlet, overrides it)  6. the ISO 18245 merchant
category code  7. the provider's category or transaction type (a payment method alone is a weak
hint, below the acceptance line)  8. trade words in the name  9. the statistical model (only above
its threshold)  10. OTHER, flagged for review. docs/categorisation.md says why in this order.

Every answer passes through `taxonomy.orient` first, so money out is never income and money in is
never spending (a credit from a shop is a refund in the shop's category). Steps that are not sure
(below ACCEPT_CONFIDENCE) do not stop the pipeline but are remembered: if nothing later is
confident either, the strongest of them beats OTHER.

Pure Python over plain inputs: no ORM, so the `categorise` command, the sync hook and the bench
share exactly this code. Categorise in bulk with `categorise_many`: the model runs once per batch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
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
    SOURCE_REFUND,
    SOURCE_RULE,
    SOURCE_WORDS,
    Answer,
    Categorisation,
    TxInput,
)
from .heads import head_override, phrase_position, phrase_size
from .mcc import mcc_category
from .merchants import MerchantDictionary, MerchantEntry, default_dictionary
from .model import TextModel, model_text
from .normalise import Normalised, normalise
from .provider import provider_answers
from .rule_regex import RulePatternError, compile_rule_pattern
from .trade_words import (
    FEE_CONFIDENCE,
    HEAD_CONFIDENCE,
    PAYOUT_CONFIDENCE,
    TRADE_CONFIDENCE,
    TradeMatch,
    fee_answer,
    payout_answer,
    trade_match,
)

logger = logging.getLogger(__name__)

ACCEPT_CONFIDENCE = 0.6
MODEL_MIN_CONFIDENCE = 0.6
DEFAULT_CONFIDENCE = 0.1
PREPARED_CACHE_SIZE = 200_000
# What `_prepare` computes depends only on the text and the merchant dictionary, so categorisers
# on the default dictionary share one cache per process: a sync's categoriser no longer starts
# empty, and a shop one person's sync prepared is a hit for the next person's (statements repeat
# the same shops across people). About half a kilobyte an entry; cleared when full.
SHARED_PREPARED_CACHE_SIZE = 100_000
RULE_CONFIDENCE = 1.0
LEARNED_CONFIDENCE = 0.97
LEARNED_VARIANT_CONFIDENCE = 0.9  # the same merchant spelled differently (truncated, another town)
REFUND_CONFIDENCE = 0.9
UNKNOWN_REFUND_CONFIDENCE = 0.3
MIN_VARIANT_CHARS = 5
_NOT_A_REFUND = frozenset({"INCOME", "TRANSFER_IN", "LOAN_DISBURSEMENTS"})  # a shorter key is too vague to stand for a merchant it is a prefix of


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
    matches: tuple[MerchantEntry, ...]  # the counterparty name's matches and the description's, best first
    merchant: str  # display name of the first named dictionary match
    by_sign: dict  # sign -> the merchant step's answer, filled on first use
    trade: TradeMatch | None = None  # the head trade phrase of the counterparty name, else the description
    head: Answer | None = None  # a trade word that overrides the dictionary match (ASDA CAFE)
    fee: Answer | None = None  # the bank's fee wording
    payout: Answer | None = None  # money in from a platform would be a payout
    refund: bool = False  # the line says refund or chargeback


_shared_prepared: dict[tuple[str, str], Prepared] = {}


def _better(a: Answer | None, b: Answer | None) -> Answer | None:
    if a is None:
        return b
    if b is None:
        return a
    return b if b.confidence > a.confidence else a


class Categoriser:
    def __init__(self, *, rules: Iterable[RuleSpec] = (), corrections: dict[str, str] | None = None,
                 model: TextModel | None = None, model_threshold: float = MODEL_MIN_CONFIDENCE,
                 accept: float = ACCEPT_CONFIDENCE, dictionary: MerchantDictionary | None = None,
                 refund_lookup: Callable[[str], str | None] | None = None):
        """`refund_lookup(merchant_key)`: the category of the person's latest earlier payment to that
        merchant, or None (services/refunds.py builds one from the database); asked only for money
        in that says refund or chargeback."""
        self.rules = sorted(rules, key=lambda r: (r.priority, str(r.id)))
        self.corrections = corrections or {}
        # Corrections by the first three letters of their key, to find the same merchant spelled
        # another way (a truncated name, a town or a store number the key kept).
        self._variants: dict[str, list[tuple[str, tuple[str, ...], str]]] = {}
        for key, code in self.corrections.items():
            if key:
                self._variants.setdefault(key[:3], []).append((key, tuple(key.split()), code))
        self.refund_lookup = refund_lookup
        self._refunds: dict[str, str | None] = {}
        self.model = model
        self.model_threshold = model_threshold
        self.accept = accept
        self.dictionary = dictionary or default_dictionary()
        if self.dictionary is default_dictionary():
            self._prepared, self._prepared_max = _shared_prepared, SHARED_PREPARED_CACHE_SIZE
        else:  # another dictionary prepares the same text differently
            self._prepared, self._prepared_max = {}, PREPARED_CACHE_SIZE
        self._mcc_answers: dict[tuple, Answer | None] = {}

    def refunds_forget(self) -> None:
        """Ask the database again for refunds' origins: a categoriser kept for a whole sync is
        reused by the next account after the previous one's payments were written."""
        self._refunds.clear()

    # --- steps 1-5 ----------------------------------------------------------------------------
    def _prepare(self, description: str, merchant_name: str) -> Prepared:
        """Everything about a transaction that depends only on its text, computed once per
        distinct (description, merchant name): bank data repeats the same strings all the time.
        Never modified once built, except `by_sign`, which is filled with what the text and sign
        alone decide, so sharing it between categorisers (and threads) is safe."""
        key = (description, merchant_name)
        prepared = self._prepared.get(key)
        if prepared is None:
            prepared = self._prepare_new(description, merchant_name)
            if len(self._prepared) >= self._prepared_max:
                self._prepared.clear()
            self._prepared[key] = prepared
        return prepared

    def _prepare_new(self, description: str, merchant_name: str) -> Prepared:
        norm = normalise(description, merchant_name)
        tokens = norm.tokens
        lookup = self.dictionary.lookup
        matches = lookup(tokens) if tokens else ()
        trade = trade_match(tokens) if tokens else None
        head = None
        counterparty: tuple[str, ...] = ()
        if merchant_name:
            # The creditor's or debtor's name says who the money went to: consulted first, and a
            # longer phrase in the description ("TESCO PFS" beside "Tesco") still wins.
            counterparty = normalise(merchant_name).tokens
            named = lookup(counterparty) if counterparty else ()
            if named and (not matches or phrase_size(named[0]) >= phrase_size(matches[0])):
                matches = named + matches
            elif named:
                matches = matches + named
            named_trade = trade_match(counterparty) if counterparty else None
            if named_trade and not named:
                # The counterparty's own trade words beat whatever the description's free text
                # happens to contain (SPARKLE CLEANING paid by "MOBILE PYMT" is not a phone bill).
                head = Answer(named_trade.code, HEAD_CONFIDENCE, SOURCE_WORDS,
                              f"{named_trade.reason()} (the payee's name)")
            trade = named_trade or trade
        if head is None and matches and trade and phrase_position(tokens, matches[0].phrase) >= 0:
            head = head_override(tokens, matches[0], trade)
        fee = fee_answer(tokens, norm.markers)
        payout = payout_answer((counterparty, tokens), norm.markers)
        return Prepared(norm, matches, next((m.name for m in matches if m.name), ""), {}, trade, head,
                        Answer(fee[0], FEE_CONFIDENCE, SOURCE_WORDS, fee[1]) if fee else None,
                        Answer(payout[0], PAYOUT_CONFIDENCE, SOURCE_WORDS, payout[1]) if payout else None,
                        "REFUND" in norm.markers)

    def _rule_answer(self, item: TxInput, prepared: Prepared) -> Answer | None:
        for rule in self.rules:
            if rule.matches(item, prepared.norm, prepared.merchant):
                code = orient(rule.category, item.amount)
                if code:
                    return Answer(code, RULE_CONFIDENCE, SOURCE_RULE, f"Your rule “{rule.name}”")
        return None

    def _learned_answer(self, item: TxInput, prepared: Prepared) -> Answer | None:
        key = prepared.norm.key
        if not key:
            return None
        learned = self.corrections.get(key)
        if learned is None:
            return self._learned_variant(item, key)
        code = orient(learned, item.amount)
        if not code:
            return None
        return Answer(code, LEARNED_CONFIDENCE, SOURCE_LEARNED, f"You categorised {key.title()} like this before")

    def _learned_variant(self, item: TxInput, key: str) -> Answer | None:
        """A correction for the same merchant as the bank spells it another time: one key's words
        start the other's (a town or branch word kept at the end), the last compared word may be cut
        short (truncation), and the shorter key is specific enough to stand for a merchant."""
        words = key.split()
        best = None
        for other, other_words, code in self._variants.get(key[:3], ()):
            shorter, longer = (words, other_words) if len(key) <= len(other) else (other_words, words)
            n = len(shorter)
            if n > len(longer) or len(" ".join(shorter)) < MIN_VARIANT_CHARS:
                continue
            if tuple(shorter[:n - 1]) != tuple(longer[:n - 1]):
                continue
            last, against = shorter[n - 1], longer[n - 1]
            if last != against and not (len(last) >= 3 and against.startswith(last)):
                continue
            if best is None or len(other) > len(best[0]):
                best = (other, code)
        if best is None:
            return None
        code = orient(best[1], item.amount)
        if not code:
            return None
        return Answer(code, LEARNED_VARIANT_CONFIDENCE, SOURCE_LEARNED,
                      f"You categorised {best[0].title()} like this before (here spelled {key.title()})")

    def _refund_answer(self, item: TxInput, prepared: Prepared) -> Answer | None:
        """A refund or chargeback takes the category of the payment it gives back."""
        key = prepared.norm.key
        if not key:
            return None
        if key not in self._refunds:
            self._refunds[key] = self.refund_lookup(key)  # type: ignore[misc]
        code = self._refunds[key]
        code = orient(code, item.amount) if code else None
        if not code:
            return None
        return Answer(code, REFUND_CONFIDENCE, SOURCE_REFUND,
                      f"A refund of your earlier payment to {key.title()}, so the same category")

    def _merchant_step(self, prepared: Prepared, amount: Decimal) -> Answer | None:
        sign = (amount > 0) - (amount < 0)
        if sign not in prepared.by_sign:
            answer = named = self._merchant_answer(prepared.matches, amount)
            head = prepared.head
            # For money in, a word that names income (WAGES from a grocer) beats a trade word that
            # could only make it a refund.
            if head is not None and not (named and amount > 0 and not is_refund(named.code, amount)):
                code = orient(head.code, amount)
                if code:
                    answer = Answer(code, head.confidence, head.source, head.reason)
            prepared.by_sign[sign] = answer
        return prepared.by_sign[sign]

    @staticmethod
    def _words_first(item: TxInput, prepared: Prepared) -> Answer | None:
        """Wording that decides before any name: a fee charged on a cash withdrawal is a fee; money
        in from a marketplace or platform is a payout."""
        if item.amount < 0:
            return prepared.fee
        if item.amount > 0:
            return prepared.payout
        return None

    @staticmethod
    def _trade_answer(item: TxInput, prepared: Prepared) -> Answer | None:
        trade = prepared.trade
        if trade is None:
            return None
        code = orient(trade.code, item.amount)
        return Answer(code, TRADE_CONFIDENCE, SOURCE_WORDS, trade.reason()) if code else None

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
        refund = prepared.refund and item.amount > 0
        yield self._refund_answer(item, prepared) if refund and self.refund_lookup else None
        yield self._words_first(item, prepared) if (prepared.fee or prepared.payout) else None
        yield self._merchant_step(prepared, item.amount)
        yield self._mcc_answer(item) if item.mcc else None
        yield self._provider_answer(item, prepared)
        yield self._trade_answer(item, prepared) if prepared.trade else None

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
        if prepared.refund and item.amount > 0 and primary_of(code) in _NOT_A_REFUND and code != "INCOME_TAX_REFUND":
            # A refund is never income or a transfer in: what it refunds is unknown, so ask.
            answer = Answer(UNCATEGORISED, UNKNOWN_REFUND_CONFIDENCE, answer.source,
                            "A refund, but nothing says what it refunds: pick the category of the purchase")
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
        names = (SOURCE_RULE, SOURCE_LEARNED, SOURCE_REFUND, SOURCE_WORDS, SOURCE_MERCHANT, SOURCE_MCC,
                 SOURCE_PROVIDER, SOURCE_WORDS, SOURCE_MODEL)
        chosen = self.categorise(item)
        out = []
        for name, answer in zip(names, steps, strict=True):
            out.append({"step": name, "category": answer.code if answer else None,
                        "confidence": answer.confidence if answer else None,
                        "reason": answer.reason if answer else "",
                        "chosen": chosen.source == name and answer is not None and answer.reason == chosen.reason})
        out.append({"step": SOURCE_DEFAULT, "category": UNCATEGORISED, "confidence": DEFAULT_CONFIDENCE,
                    "reason": "", "chosen": chosen.source == SOURCE_DEFAULT})
        return out
