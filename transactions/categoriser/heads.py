"""When a trade word in a name beats the dictionary's match in the same name (trade_words.py says
which words; pipeline.py asks here). English names put the head noun last, so a trade word after
the dictionary's match can be what the business really is."""

from __future__ import annotations

from .answers import SOURCE_WORDS, Answer
from .merchants import MerchantEntry
from .trade_words import EATING_OUT, HEAD_CONFIDENCE, OUTLET_CONFIDENCE, TRADE_PHRASES, TradeMatch


def phrase_size(entry: MerchantEntry) -> int:
    return entry.phrase.count(" ") + 1


def phrase_position(tokens: tuple[str, ...], phrase: str) -> int:
    words = tuple(phrase.split())
    size = len(words)
    for i in range(len(tokens) - size + 1):
        if tokens[i:i + size] == words:
            return i
    return -1


def head_override(tokens: tuple[str, ...], entry: MerchantEntry, trade: TradeMatch | None) -> Answer | None:
    """A trade word after the dictionary's match that is the real head of the name: the dictionary's
    word is generic (SCHOOL OF ROCK THEATRE), or in the middle of the name (THE RUSTIC LOAF BAKERY),
    or the trade word is a retailer's outlet (ASDA CAFE, COSTCO FUEL, SHELL ENERGY BROADBAND)."""
    if trade is None:
        return None
    start = phrase_position(tokens, entry.phrase)
    if start < 0:
        return None
    end = start + phrase_size(entry) - 1
    covers = trade.start <= start and trade.end >= end and trade.size > phrase_size(entry)  # NAIL BAR over BAR
    if not covers and trade.end <= end:
        return None
    code = entry.code_out or entry.code_in
    if code in EATING_OUT and trade.code in EATING_OUT:
        return None  # a restaurant chain's RESTAURANT describes itself, not an outlet
    if covers or entry.phrase in TRADE_PHRASES or start > 0:
        return Answer(trade.code, HEAD_CONFIDENCE, SOURCE_WORDS,
                      f"{trade.reason()} (the name's last word of trade, after “{entry.phrase}”)")
    if trade.outlet:
        label = entry.name or entry.phrase.title()
        return Answer(trade.code, OUTLET_CONFIDENCE, SOURCE_WORDS,
                      f"{label}'s {trade.phrase.lower()}, not its main trade: {trade.reason()}")
    return None
