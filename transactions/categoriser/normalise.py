"""Turn a raw bank description into something a dictionary and a model can use.

`TESCO STORES 3297 LONDON GB` and `CARD PAYMENT TO TESCO STORES 3297 ON 12 MAR` are the same shop:
strip card-processor prefixes (`PAYPAL *`, `SQ *`), statement markers (DD, SO, FPI, BGC, CPT...),
dates, store numbers, reference codes and trailing towns, and keep the markers as a separate signal.
Everything is precompiled and the result is cached per (description, merchant name): bank data
repeats the same few hundred strings, so most calls are a dictionary hit. No Django imports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .places import PLACE_TOKENS, PLACES_TWO_WORDS

# Card processors and payment facilitators that prefix the real merchant's name.
_PROCESSOR = re.compile(
    r"^(?P<p>PAYPAL|PP|SQ|SQU|SUMUP|SUM UP|ZETTLE|IZ|SP|CRV|TST|PY|SMP|WPY|GOCARDLESS|GC|STRIPE|DNH|"
    r"CKO|PADDLE|FS|LSP|CURVE)\s*[*_]\s*"
)
# Statement markers at the start of a description, longest first. The value is the signal kept.
_START_MARKERS = [
    ("CARD PAYMENT TO", "CARD"), ("CARD PURCHASE", "CARD"), ("CONTACTLESS PAYMENT", "CARD"),
    ("CONTACTLESS", "CARD"), ("DEBIT CARD PURCHASE", "CARD"), ("POS PURCHASE", "CARD"), ("POS DEBIT", "CARD"),
    ("VISA PURCHASE", "CARD"), ("CHECKCARD", "CARD"), ("DBT CRD", "CARD"), ("PURCHASE AUTHORIZED ON", "CARD"),
    ("RECURRING PAYMENT AUTHORIZED ON", "CARD"), ("PURCHASE", "CARD"), ("POS", "CARD"), ("DEB", "CARD"),
    ("VIS", "CARD"),
    ("DIRECT DEBIT PAYMENT TO", "DD"), ("DIRECT DEBIT TO", "DD"), ("DIRECT DEBIT", "DD"), ("DD", "DD"),
    ("ACH DEBIT", "DD"), ("ACH PMT", "DD"),
    ("STANDING ORDER TO", "SO"), ("STANDING ORDER", "SO"), ("STO", "SO"), ("SO", "SO"),
    ("FASTER PAYMENTS RECEIPT FROM", "FPI"), ("FASTER PAYMENT FROM", "FPI"), ("FASTER PAYMENT RECEIVED", "FPI"),
    ("FPI", "FPI"), ("FASTER PAYMENT TO", "FPO"), ("FASTER PAYMENT", "FPO"), ("FPO", "FPO"),
    ("BANK GIRO CREDIT", "BGC"), ("BGC", "BGC"), ("BANK CREDIT", "BGC"), ("ACH CREDIT", "BGC"),
    ("DIRECT DEP", "BGC"), ("DIR DEP", "BGC"),
    ("BILL PAYMENT TO", "BP"), ("BILL PAYMENT", "BP"), ("ONLINE PAYMENT TO", "BP"), ("ONLINE PAYMENT", "BP"),
    ("TRANSFER TO", "TFR_OUT"), ("TRANSFER FROM", "TFR_IN"), ("ONLINE TRANSFER TO", "TFR_OUT"),
    ("ONLINE TRANSFER FROM", "TFR_IN"), ("TFR", "TFR"), ("TRANSFER", "TFR"),
    ("CASH MACHINE WITHDRAWAL", "CASH"), ("CASH WITHDRAWAL", "CASH"), ("ATM WITHDRAWAL", "CASH"),
    ("CPT", "CASH"), ("ATM", "CASH"), ("LNK", "CASH"), ("LINK", "CASH"),
    ("CHQ", "CHQ"), ("CHEQUE", "CHQ"), ("DEP", "DEP"), ("CHG", "FEE"), ("FEE", "FEE"),
    # Refunds and chargebacks: the rest of the line names the shop, which decides the category.
    ("REFUND FROM", "REFUND"), ("REFUND", "REFUND"), ("CARD REFUND", "REFUND"), ("CHARGEBACK", "REFUND"),
    ("CHBK", "REFUND"), ("DISPUTE CREDIT", "REFUND"), ("REVERSAL", "REFUND"), ("PAYMENT REVERSAL", "REFUND"),
    ("MOBILE PYMT TO", "FPO"), ("BANK TRANSFER TO", "FPO"), ("PAYMENT TO", "FPO"),
]
_END_MARKERS = {"DEB": "CARD", "DD": "DD", "SO": "SO", "STO": "SO", "FPI": "FPI", "FPO": "FPO", "BGC": "BGC",
                "CPT": "CASH", "TFR": "TFR", "CHG": "FEE", "CHQ": "CHQ", "DEP": "DEP", "VIS": "CARD", "POS": "CARD",
                "CLP": "CARD", "CR": "CR", "DR": "DR", "REFUND": "REFUND", "REFUNDED": "REFUND",
                "CHARGEBACK": "REFUND", "REVERSAL": "REFUND"}
_START_RE = re.compile(
    r"^(?P<m>" + "|".join(re.escape(m) for m, _ in sorted(_START_MARKERS, key=lambda m: -len(m[0]))) + r")\b[\s:-]*"
)
_START_SIGNAL = dict(_START_MARKERS)

_MONTHS = ("JAN FEB MAR APR MAY JUN JUL AUG SEP SEPT OCT NOV DEC JANUARY FEBRUARY MARCH APRIL JUNE JULY AUGUST "
           "SEPTEMBER OCTOBER NOVEMBER DECEMBER")
_MONTH_WORDS = frozenset(_MONTHS.split())
_TOKEN = re.compile(r"[A-Z0-9&]+")
_APOSTROPHES = str.maketrans("", "", "'’`")
# Words that introduce a reference rather than a name ("REF 12345", "VIA MOBILE").
_REFERENCE_WORDS = frozenset({"REF", "REFERENCE", "MANDATE", "VIA", "NO"})
_CURRENCY_WORDS = frozenset({"GBP", "USD", "EUR"})
_SPECIAL_WORDS = _MONTH_WORDS | _REFERENCE_WORDS | _CURRENCY_WORDS | {"ON"}
# A long run of letters glued to digits is a name followed by a reference: EASYJET000ABC, NETFLIX1234.
_GLUED = re.compile(r"^([A-Z&]{4,})(\d[A-Z0-9]*)$")
# Tokens with digits that are part of well-known names rather than references.
KEEP_DIGIT_TOKENS = frozenset({"O2", "JET2", "BET365", "212", "7", "3", "118", "24", "99P", "365", "3D", "M6",
                               "CH4", "E4", "C2C", "F45", "401K"})
_COMPANY_SUFFIX = frozenset({"LTD", "LIMITED", "PLC", "INC", "LLC", "CO", "CORP", "COM", "UK", "GB", "GBR", "LLP",
                             "THE", "AND", "&", "DIRECT", "ONLINE", "WWW", "HTTPS", "HTTP", "PAYMENT", "PAYMENTS",
                             "REF", "PMT", "BILL", "CARD", "STORE", "STORES", "SHOP"})


@dataclass(slots=True)  # not frozen: cached and shared, but never modified (and faster to build)
class Normalised:
    tokens: tuple[str, ...]  # cleaned tokens of the description, in order (towns kept: "AMAZON CO UK")
    full_text: str  # " ".join(tokens)
    text: str  # the tokens without trailing towns and country codes, for the model
    markers: frozenset[str]  # statement markers seen: CARD, DD, SO, FPI, FPO, BGC, CASH, FEE...
    processor: str  # PAYPAL, SQ... when a processor prefix was stripped
    key: str  # a stable merchant key for learning and grouping (no towns, numbers or suffixes)


def _tokens(text: str) -> list[str]:
    """Split into tokens, dropping dates (`12/03/2026`, `ON 12 MAR`), times, amounts, card masks and
    references: anything with digits except names such as O2, and a name glued to a reference
    (`EASYJET000ABC` -> `EASYJET`). One pass with a little look-around instead of a big regex, because
    this runs for every transaction."""
    raw = _TOKEN.findall(text)
    out = []
    last = len(raw) - 1
    special = _SPECIAL_WORDS
    for i, token in enumerate(raw):
        if token.isalpha():
            if token not in special:
                out.append(token)
                continue
            if token in _MONTH_WORDS and ((i and raw[i - 1].isdigit()) or (i < last and raw[i + 1][:1].isdigit())):
                continue  # "12 MAR", "MAR 2026"
            if (token == "ON" or token in _CURRENCY_WORDS) and i < last and raw[i + 1][:1].isdigit():
                continue  # "ON 12 MAR", "GBP 12.50"
            if token in _REFERENCE_WORDS and (i == last or not raw[i + 1].isalpha() or token != "NO"):
                continue
            out.append(token)
        elif token in KEEP_DIGIT_TOKENS:
            out.append(token)
        elif not token[0].isdigit():
            glued = _GLUED.match(token)
            if glued and glued.group(1).strip("X"):  # "XXXX1234" is a card mask, not a name
                out.append(glued.group(1))
            elif "&" in token and not any(ch.isdigit() for ch in token):
                out.append(token)  # M&S, B&Q
    return out


def _strip_places(tokens: list[str]) -> list[str]:
    """Drop trailing towns, counties, states and country codes: `SHELL KINGSTON GB` -> `SHELL`."""
    while len(tokens) > 1:
        if len(tokens) > 2 and (tokens[-2], tokens[-1]) in PLACES_TWO_WORDS:
            del tokens[-2:]
        elif tokens[-1] in PLACE_TOKENS:
            tokens.pop()
        else:
            break
    return tokens


def _merchant_key(tokens: list[str]) -> str:
    kept = [t for t in tokens if t not in _MONTH_WORDS and not t.isdigit()]
    while kept and kept[-1] in _COMPANY_SUFFIX:
        kept.pop()
    while kept and kept[0] in ("THE", "WWW"):
        kept.pop(0)
    return " ".join(kept[:3])


@lru_cache(maxsize=200_000)
def normalise(description: str, merchant_name: str = "") -> Normalised:
    text = (description or "").upper().translate(_APOSTROPHES).strip()
    markers: set[str] = set()
    processor = ""
    for _ in range(3):  # markers and processors can stack: "DD PAYPAL *SPOTIFY"
        match = _START_RE.match(text)
        if match:
            markers.add(_START_SIGNAL[match.group("m")])
            text = text[match.end():]
            continue
        match = _PROCESSOR.match(text)
        if match:
            processor = match.group("p")
            text = text[match.end():]
            continue
        break
    tokens = _tokens(text)
    while tokens and tokens[-1] in _END_MARKERS:
        markers.add(_END_MARKERS[tokens.pop()])
    short = _strip_places(list(tokens))
    key = ""
    if merchant_name:
        key = _merchant_key(_strip_places(_tokens(merchant_name.upper().translate(_APOSTROPHES))))
    key = key or _merchant_key(short)
    return Normalised(tuple(tokens), " ".join(tokens), " ".join(short), frozenset(markers), processor, key)


def merchant_key(description: str, merchant_name: str = "") -> str:
    return normalise(description, merchant_name).key
