"""The category taxonomy: Plaid personal finance categories (PFC v2) plus the UK additions.

The codes, labels and icons live in `data/taxonomy.json`; the data migration copies that file into
the Category table for the API and admin, and this module reads the same file so the categoriser
(and the `categorise` command) never needs a database query to know what a code means.

A detailed code always starts with its primary (`FOOD_AND_DRINK_GROCERIES` -> `FOOD_AND_DRINK`), so
a transaction stores one code and the primary is derived. No Django imports here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

TAXONOMY_PATH = Path(__file__).resolve().parent / "data" / "taxonomy.json"

UNCATEGORISED = "OTHER_OTHER"

# What a category means for money totals. "transfer" and "borrowing" are never spending or income.
KIND_INCOME, KIND_TRANSFER, KIND_SPENDING, KIND_BORROWING, KIND_OTHER = (
    "income", "transfer", "spending", "borrowing", "other")


@dataclass(frozen=True, slots=True)
class CategoryInfo:
    code: str
    primary: str
    label: str
    icon: str
    color: str
    kind: str
    description: str
    uk_extension: bool
    export_code: str
    sort_order: int

    @property
    def is_primary(self) -> bool:
        return self.code == self.primary


@lru_cache(maxsize=1)
def taxonomy_rows() -> tuple[dict, ...]:
    with TAXONOMY_PATH.open(encoding="utf-8") as handle:
        return tuple(json.load(handle)["categories"])


@lru_cache(maxsize=1)
def categories() -> dict[str, CategoryInfo]:
    return {row["code"]: CategoryInfo(**row) for row in taxonomy_rows()}


@lru_cache(maxsize=1)
def primaries() -> tuple[str, ...]:
    return tuple(info.code for info in categories().values() if info.is_primary)


def is_valid(code: str) -> bool:
    return code in categories()


def primary_of(code: str) -> str:
    """The primary of any code; "" for an unknown or empty one."""
    info = categories().get(code)
    return info.primary if info else ""


def label_of(code: str) -> str:
    info = categories().get(code)
    return info.label if info else code


def kind_of(code: str) -> str:
    info = categories().get(code)
    return info.kind if info else KIND_OTHER


@lru_cache(maxsize=256)
def codes_under(code: str) -> tuple[str, ...]:
    """Every stored code a budget or filter on `code` covers: a primary covers itself and all its
    detailed codes; a detailed code covers only itself."""
    info = categories().get(code)
    if info is None:
        return ()
    if not info.is_primary:
        return (code,)
    return tuple(c for c, i in categories().items() if i.primary == code)


# --- sign -----------------------------------------------------------------------------------
_IN_ONLY = ("INCOME", "TRANSFER_IN", "LOAN_DISBURSEMENTS")
# The same movement seen from the other side: money into savings is TRANSFER_OUT_SAVINGS on the
# current account and TRANSFER_IN_SAVINGS... is money coming back out of savings.
_MIRROR_OUT_TO_IN = {
    "TRANSFER_OUT_ACCOUNT_TRANSFER": "TRANSFER_IN_ACCOUNT_TRANSFER",
    "TRANSFER_OUT_SAVINGS": "TRANSFER_IN_SAVINGS",
    "TRANSFER_OUT_INVESTMENT_AND_RETIREMENT_FUNDS": "TRANSFER_IN_INVESTMENT_AND_RETIREMENT_FUNDS",
    "TRANSFER_OUT_WITHDRAWAL": "TRANSFER_IN_DEPOSIT",
    "TRANSFER_OUT_WIRE": "TRANSFER_IN_WIRE",
    "TRANSFER_OUT_TRANSFER_OUT_FROM_APPS": "TRANSFER_IN_TRANSFER_IN_FROM_APPS",
    "TRANSFER_OUT_CRYPTO": "TRANSFER_IN_OTHER_TRANSFER_IN",
    "TRANSFER_OUT_OTHER_TRANSFER_OUT": "TRANSFER_IN_OTHER_TRANSFER_IN",
    "TRANSFER_OUT": "TRANSFER_IN",
    # HMRC paying money back is a tax refund, the one "refund" the taxonomy files under income.
    "GOVERNMENT_AND_NON_PROFIT_TAX_PAYMENT": "INCOME_TAX_REFUND",
}
_MIRROR_IN_TO_OUT = {v: k for k, v in _MIRROR_OUT_TO_IN.items() if k.startswith("TRANSFER_OUT")}
_MIRROR_IN_TO_OUT["TRANSFER_IN_DEPOSIT"] = "TRANSFER_OUT_OTHER_TRANSFER_OUT"


@lru_cache(maxsize=4096)
def _orient(code: str, direction: int) -> str | None:
    if direction == 0 or not code:
        return code
    primary = primary_of(code)
    if direction < 0:  # money out: never income, a loan received or a transfer in
        if primary == "TRANSFER_IN":
            return _MIRROR_IN_TO_OUT.get(code, "TRANSFER_OUT_OTHER_TRANSFER_OUT")
        return None if primary in _IN_ONLY else code
    # Money in: never spending. A credit from a shop keeps the shop's category and counts as a
    # refund (it reduces that category's spending); transfers out become transfers in.
    if code in _MIRROR_OUT_TO_IN:
        return _MIRROR_OUT_TO_IN[code]
    if primary == "TRANSFER_OUT":
        return "TRANSFER_IN_OTHER_TRANSFER_IN"
    return code


def orient(code: str, amount: Decimal | float | int) -> str | None:
    """The code as it applies to a movement of this sign, or None when it cannot apply at all
    (money out labelled as income)."""
    return _orient(code, (amount > 0) - (amount < 0))


def is_refund(code: str, amount: Decimal | float | int) -> bool:
    """Money in under a spending category: a refund, which is neither income nor spending."""
    return amount > 0 and kind_of(code) == KIND_SPENDING
