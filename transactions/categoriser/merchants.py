"""The merchant dictionary: phrases -> (category, display name), matched on normalised tokens.

Lookups are dictionary hits on the first token of each phrase, never a scan of every pattern, so the
cost does not grow with the size of the dictionary. Longest phrase wins, then the earliest.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from transactions.taxonomy import is_refund, is_valid, orient

from .merchants_eu import MERCHANTS_EU
from .merchants_finance import MERCHANTS_FINANCE
from .merchants_uk import MERCHANTS_UK
from .merchants_us import MERCHANTS_US

DEFAULT_CONFIDENCE = 0.9
GLUED_PENALTY = 0.1  # "EASYJETABC123" matched by prefix is a little less certain than "EASYJET"
_UNSET = object()


@dataclass(frozen=True, slots=True)
class MerchantEntry:
    phrase: str
    name: str  # display name; "" for a keyword such as SALARY that is not itself a merchant
    code_out: str | None  # category for money out; None: this entry says nothing about money out
    code_in: str | None  # category for money in (before orientation); None: nothing about money in
    confidence: float
    start_only: bool
    # Precomputed at build time (the lookup runs for every transaction): the codes after
    # `taxonomy.orient`, and whether money in would only be a refund.
    out_code: str | None = None
    in_code: str | None = None
    in_is_refund: bool = False

    @classmethod
    def build(cls, phrase, name, code_out, code_in, confidence, start_only) -> MerchantEntry:
        in_code = orient(code_in, 1) if code_in else None
        return cls(phrase, name, code_out, code_in, confidence, start_only,
                   orient(code_out, -1) if code_out else None, in_code,
                   bool(in_code) and is_refund(in_code, 1))

    def code_for(self, amount: Decimal | float | int) -> str | None:
        if amount > 0:
            return self.in_code
        if amount < 0:
            return self.out_code
        return self.code_out or self.code_in


class DuplicatePhrase(ValueError):
    pass


class MerchantDictionary:
    def __init__(self, rows, *, strict: bool = False):
        self.entries: list[MerchantEntry] = []
        # One-word phrases by their word; longer ones by their first two words, so a lookup is a
        # couple of dictionary hits per token whatever the size of the dictionary.
        self._one: dict[str, MerchantEntry] = {}
        self._two: dict[tuple[str, str], list[tuple[tuple[str, ...], MerchantEntry]]] = {}
        self._single: dict[str, MerchantEntry] = {}
        self._starts: set[str] = set()  # first words of the longer phrases
        seen: dict[tuple[str, ...], str] = {}
        for row in rows:
            phrases, code, name = row[0], row[1], row[2]
            options = row[3] if len(row) > 3 else {}
            code_out = options.get("out", code)
            code_in = options.get("in", _UNSET)
            code_in = code if code_in is _UNSET else code_in
            for code_value in (code_out, code_in):
                if code_value is not None and not is_valid(code_value):
                    raise ValueError(f"unknown category {code_value!r} in merchant dictionary ({phrases[:40]})")
            for raw_phrase in phrases.split("|"):
                start_only = raw_phrase.startswith("^")
                phrase = tuple(raw_phrase.lstrip("^").split())
                if phrase in seen:
                    if strict:
                        raise DuplicatePhrase(f"{' '.join(phrase)!r} is listed for {seen[phrase]} and {name or code}")
                    continue  # first listing wins
                seen[phrase] = name or code or ""
                entry = MerchantEntry.build(" ".join(phrase), name, code_out, code_in,
                                            float(options.get("conf", DEFAULT_CONFIDENCE)), start_only)
                self.entries.append(entry)
                if len(phrase) == 1:
                    self._one[phrase[0]] = entry
                    if len(phrase[0]) >= 5 and not start_only:
                        self._single[phrase[0]] = entry
                else:
                    self._two.setdefault(phrase[:2], []).append((phrase, entry))
                    self._starts.add(phrase[0])

    def lookup(self, tokens: tuple[str, ...]) -> tuple[MerchantEntry, ...]:
        """Every entry whose phrase occurs in the tokens, best first."""
        found: list[tuple[int, float, int, MerchantEntry]] = []
        n = len(tokens)
        one, two, starts = self._one, self._two, self._starts
        for i, token in enumerate(tokens):
            entry = one.get(token)
            if entry is not None and not (entry.start_only and i):
                found.append((-1, -entry.confidence, i, entry))
            if i + 1 < n and token in starts:
                longer = two.get((token, tokens[i + 1]))
                if longer:
                    for phrase, entry in longer:
                        size = len(phrase)
                        if (size == 2 or tokens[i:i + size] == phrase) and not (entry.start_only and i):
                            found.append((-size, -entry.confidence, i, entry))
        if not found and tokens:
            glued = self._glued(tokens[0])
            return (glued,) if glued else ()
        # Longest phrase, then the surer entry ("ACORNS" the app is a guess; "NURSERY" is not),
        # then the earliest: "KLARNA*ASOS" is paid to Klarna.
        if len(found) > 1:
            found.sort(key=lambda item: item[:3])
        return tuple(item[3] for item in found)

    def _glued(self, token: str) -> MerchantEntry | None:
        """`EASYJETABC` or `NETFLIXCOM`: a known name with something glued on the end."""
        for size in range(len(token) - 1, 4, -1):
            entry = self._single.get(token[:size])
            if entry is not None:
                return MerchantEntry.build(entry.phrase, entry.name, entry.code_out, entry.code_in,
                                           round(entry.confidence - GLUED_PENALTY, 3), entry.start_only)
        return None


@lru_cache(maxsize=1)
def default_dictionary() -> MerchantDictionary:
    return MerchantDictionary([*MERCHANTS_FINANCE, *MERCHANTS_UK, *MERCHANTS_US, *MERCHANTS_EU])
