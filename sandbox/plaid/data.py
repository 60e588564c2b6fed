"""The generated book rendered as Plaid sees it: US institutions only, USD, Plaid's signs
(positive = money out), posted transactions under a new id that name their pending one, and
the operator's hand-made mutations on top. Plus the /transactions/sync diff between two views."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sandbox.data.generator import build_book
from sandbox.institutions import PLAID_IDS, Institution, Product

BY_PLAID_ID = {v: k for k, v in PLAID_IDS.items()}
_SUBTYPES = {Product.CURRENT: ("depository", "checking"), Product.SAVINGS: ("depository", "savings"),
             Product.CREDIT_CARD: ("credit", "credit card")}
_PFC_BY_MCC = {"5311": "GENERAL_MERCHANDISE_SUPERSTORES", "5310": "GENERAL_MERCHANDISE_DISCOUNT_STORES",
               "5999": "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES", "5411": "FOOD_AND_DRINK_GROCERIES",
               "5814": "FOOD_AND_DRINK_COFFEE", "4111": "TRANSPORTATION_PUBLIC_TRANSIT",
               "5912": "MEDICAL_PHARMACIES_AND_SUPPLEMENTS", "5812": "FOOD_AND_DRINK_RESTAURANT",
               "5541": "TRANSPORTATION_GAS", "4121": "TRANSPORTATION_TAXIS_AND_RIDE_SHARES",
               "4899": "ENTERTAINMENT_TV_AND_MOVIES", "5815": "ENTERTAINMENT_MUSIC_AND_AUDIO"}
_PFC_BY_TEXT = (("PAYROLL", "INCOME_WAGES"), ("RENT", "RENT_AND_UTILITIES_RENT"),
                ("CON ED", "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY"),
                ("COMCAST", "RENT_AND_UTILITIES_INTERNET_AND_CABLE"), ("AT&T", "RENT_AND_UTILITIES_TELEPHONE"),
                ("INTEREST", "INCOME_INTEREST_EARNED"))


def plaid_id(kind: str, *parts: object) -> str:
    return hashlib.sha256("|".join(map(str, (kind, *parts))).encode()).hexdigest()[:37]


def number(value: Decimal | None) -> float | None:
    """Plaid sends JSON numbers; the mock's money is Decimal until this last step."""
    return None if value is None else float(value)


def pfc(txn) -> dict[str, str]:
    detailed = _PFC_BY_MCC.get(txn.merchant_category_code or "")
    if detailed is None:
        upper = txn.description.upper()
        detailed = next((code for text, code in _PFC_BY_TEXT if text in upper), None)
    if detailed is None:
        detailed = "TRANSFER_IN_ACCOUNT_TRANSFER" if txn.amount > 0 else "GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE"
    primary = next(p for p in ("FOOD_AND_DRINK", "GENERAL_MERCHANDISE", "TRANSPORTATION", "MEDICAL", "ENTERTAINMENT",
                               "INCOME", "RENT_AND_UTILITIES", "TRANSFER_IN") if detailed.startswith(p))
    return {"primary": primary, "detailed": detailed, "confidence_level": "HIGH"}


def account_json(item, institution: Institution, snapshot) -> dict[str, Any]:
    account = snapshot.account
    kind, subtype = _SUBTYPES[account.product]
    current = snapshot.owed if account.is_card else snapshot.current
    available = snapshot.available if not account.is_card else snapshot.available
    return {"account_id": plaid_id("account", item.item_id, account.key), "mask": account.last4,
            "name": account.display_name, "official_name": f"{institution.name} {account.display_name}",
            "type": kind, "subtype": subtype, "holder_category": "personal",
            "balances": {"available": number(available), "current": number(current),
                         "limit": number(account.credit_limit), "iso_currency_code": account.currency,
                         "unofficial_currency_code": None, "last_updated_datetime": None}}


def _transaction_json(item, account_id: str, txn, *, pending: bool, pending_id: str | None) -> dict[str, Any]:
    txn_id = plaid_id("pending" if pending else "posted", item.item_id, txn.transaction_id)
    category = pfc(txn)
    return {
        "transaction_id": txn_id, "account_id": account_id, "amount": number(Decimal(0) - txn.amount),
        "iso_currency_code": txn.currency, "unofficial_currency_code": None,
        "date": (txn.paid_on if pending else txn.booking_date).isoformat(),
        "authorized_date": txn.paid_on.isoformat(), "authorized_datetime": txn.timestamp.isoformat(),
        "datetime": txn.timestamp.isoformat() if not pending else None,
        "name": txn.description, "merchant_name": txn.merchant_name or None, "merchant_entity_id": None,
        "pending": pending, "pending_transaction_id": pending_id, "account_owner": None,
        "payment_channel": "in store" if txn.merchant_category_code else "other",
        "personal_finance_category": category,
        "personal_finance_category_icon_url": f"https://plaid-category-icons.plaid.com/PFC_{category['primary']}.png",
        "category": None, "category_id": None, "check_number": None, "counterparties": [],
        "location": {"address": None, "city": None, "region": None, "postal_code": None, "country": None,
                     "lat": None, "lon": None, "store_number": None},
        "payment_meta": {"by_order_of": None, "payee": None, "payer": None, "payment_method": None,
                         "payment_processor": None, "ppd_id": None, "reason": None, "reference_number": None},
        "logo_url": None, "website": None, "transaction_code": None, "transaction_type": "place",
    }


def _match_key(account_id: str, txn) -> str:
    return f"{account_id}|{txn.timestamp.isoformat()}|{txn.description}"


@lru_cache(maxsize=512)
def _book(slug: str, username: str, today):
    """The generated book is a pure function of (bank, login, day): built once per day, not on
    every call (callers only read it; mutations are applied to copies)."""
    return build_book(slug, username, today)


def current_state(item, today) -> tuple[list[dict], dict[str, dict]]:
    """(accounts, transactions by id) as of `today`, with the operator's mutations applied.
    Updates item.pending_seen (the caller saves it)."""
    from sandbox.institutions import institution_by_slug

    institution = institution_by_slug(item.institution_slug)
    book = _book(item.institution_slug, item.username, today)
    mutations = item.mutations or {}
    modified, removed = mutations.get("modified", {}), set(mutations.get("removed", []))
    accounts, transactions = [], {}
    for snapshot in book.accounts:
        account = account_json(item, institution, snapshot)
        accounts.append(account)
        for txn in snapshot.pending:
            body = _transaction_json(item, account["account_id"], txn, pending=True, pending_id=None)
            item.pending_seen[_match_key(account["account_id"], txn)] = body["transaction_id"]
            transactions[body["transaction_id"]] = body
        for txn in snapshot.booked:
            pending_id = item.pending_seen.get(_match_key(account["account_id"], txn))
            body = _transaction_json(item, account["account_id"], txn, pending=False, pending_id=pending_id)
            transactions[body["transaction_id"]] = body
    for txn_id, changes in modified.items():
        if txn_id in transactions:
            transactions[txn_id] = {**transactions[txn_id], **changes}
    for txn_id in removed:
        transactions.pop(txn_id, None)
    return accounts, transactions


def digest(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:24]


def diff(before: dict[str, str], now: dict[str, dict]) -> list[tuple[str, dict]]:
    """Every change from `before` (id -> digest) to `now`, in a stable order: ("added" | "modified" |
    "removed", body)."""
    changes: list[tuple[str, dict]] = []
    for txn_id in sorted(now, key=lambda i: (now[i]["date"], i)):
        if txn_id not in before:
            changes.append(("added", now[txn_id]))
        elif before[txn_id] != digest(now[txn_id]):
            changes.append(("modified", now[txn_id]))
    for txn_id in sorted(k for k in before if not k.startswith("@") and k not in now):
        changes.append(("removed", {"transaction_id": txn_id, "account_id": before.get(f"@{txn_id}", "")}))
    return changes


def digests(now: dict[str, dict]) -> dict[str, str]:
    """A view: id -> digest, plus each id's account (under "@id") so a removal can name it."""
    view = {txn_id: digest(body) for txn_id, body in now.items()}
    view.update({f"@{txn_id}": body["account_id"] for txn_id, body in now.items()})
    return view
