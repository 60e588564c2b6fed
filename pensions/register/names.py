"""Name normalisation shared by the register loader (search_text) and find_pensions: people type
"Sainsbury's plc", "J Sainsbury Limited" or "sainsburys"; all should meet the same string."""

from __future__ import annotations

import re
import unicodedata

# Company-form words that say nothing about which employer it was.
SUFFIXES = frozenset({
    "plc", "ltd", "limited", "llp", "llc", "inc", "co", "company", "corp", "corporation", "group",
    "holdings", "uk", "the", "of",
})
_APOSTROPHES = re.compile(r"[’'`]")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def name_normalise(text: str) -> str:
    """Lower case, accents folded, '&' -> 'and', apostrophes dropped ("people's" -> "peoples"),
    punctuation to spaces, company suffixes removed. Never empty for a non-empty input that has
    letters: a name made only of suffixes ("The Co") keeps its words."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    folded = folded.replace("&", " and ").replace("+", " and ")
    folded = _APOSTROPHES.sub("", folded)
    words = _NON_WORD.sub(" ", folded).split()
    kept = [w for w in words if w not in SUFFIXES]
    return " ".join(kept or words)
