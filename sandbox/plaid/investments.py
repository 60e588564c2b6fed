"""The mock Plaid's investments: a brokerage account at the institutions that offer one (Chase
Self-Directed Investing, Merrill Edge at Bank of America, WellsTrade at Wells Fargo; Amex and
Capital One have none, and answer NO_INVESTMENT_ACCOUNTS as Plaid does), with Plaid's shapes:
securities (one with a null ticker, one with no cost basis held, and the account's cash as a
`cash` security with `is_cash_equivalent`), holdings as of the sandbox's today, and two years of
investment transactions (buys, sells, dividends, deposits, a fee), newest first, generated
deterministically per Item so a re-read answers the same."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .data import number, plaid_id

BROKERAGES = {"chase": "Self-Directed Investing", "bank-of-america": "Merrill Edge Brokerage",
              "wells-fargo": "WellsTrade Brokerage"}
HISTORY_DAYS = 730  # Plaid keeps 24 months of investment transactions

# (key, name, ticker, isin, type, subtype, price, sector)
_CATALOGUE = (
    ("aapl", "Apple Inc.", "AAPL", "US0378331005", "equity", "common stock", Decimal("189.84"), "Electronic Technology"),
    ("msft", "Microsoft Corporation", "MSFT", "US5949181045", "equity", "common stock", Decimal("415.50"),
     "Technology Services"),
    ("vti", "Vanguard Total Stock Market ETF", "VTI", "US9229087690", "etf", "etf", Decimal("262.10"), None),
    ("bnd", "Vanguard Total Bond Market ETF", "BND", "US9219378356", "etf", "etf", Decimal("72.44"), None),
    # A fund inside a 529/401k wrapper: Plaid has no ticker (nor ISIN) for it.
    ("nh1055", "NH PORTFOLIO 1055 (FIDELITY INDEX)", None, None, "mutual fund", "mutual fund", Decimal("10.42"), None),
)
CASH_KEY = "cash-usd"


def security_id(key: str) -> str:
    return plaid_id("security", key)


def security_json(key: str) -> dict[str, Any]:
    if key == CASH_KEY:
        return {"security_id": security_id(CASH_KEY), "name": "U S Dollar", "ticker_symbol": "CUR:USD", "isin": None,
                "cusip": None, "sedol": None, "figi": None, "institution_id": None, "institution_security_id": None,
                "proxy_security_id": None, "type": "cash", "subtype": "cash", "is_cash_equivalent": True,
                "close_price": 1.0, "close_price_as_of": None, "update_datetime": None, "iso_currency_code": "USD",
                "unofficial_currency_code": None, "market_identifier_code": None, "sector": None, "industry": None,
                "cfi_code": None, "option_contract": None, "fixed_income": None}
    entry = next(e for e in _CATALOGUE if e[0] == key)
    _, name, ticker, isin, kind, subtype, price, sector = entry
    return {"security_id": security_id(key), "name": name, "ticker_symbol": ticker, "isin": isin,
            "cusip": isin[2:11] if isin else None, "sedol": None, "figi": None, "institution_id": None,
            "institution_security_id": None, "proxy_security_id": None, "type": kind, "subtype": subtype,
            "is_cash_equivalent": False, "close_price": number(price), "close_price_as_of": None,
            "update_datetime": None, "iso_currency_code": "USD", "unofficial_currency_code": None,
            "market_identifier_code": "XNAS" if kind == "equity" else ("ARCX" if kind == "etf" else None),
            "sector": sector, "industry": None, "cfi_code": None, "option_contract": None, "fixed_income": None}


def _price(key: str, today: date) -> Decimal:
    base = next(e[6] for e in _CATALOGUE if e[0] == key)
    # A little drift per day, so a later sync sees new prices (deterministic: the day decides).
    wobble = Decimal((today.toordinal() * 7 + len(key)) % 21 - 10) / Decimal(1000)
    return (base * (1 + wobble)).quantize(Decimal("0.01"))


def _book(item, today: date) -> tuple[list[dict], dict[str, Decimal], dict[str, Decimal], Decimal]:
    """(transactions newest first, quantity by security key, cost by security key, cash)."""
    rng = random.Random(f"plaid-investments|{item.item_id}")  # noqa: S311 - test data
    account_id = investment_account_id(item)
    start = today - timedelta(days=HISTORY_DAYS - 5)
    events: list[dict] = []
    quantities: dict[str, Decimal] = {}
    costs: dict[str, Decimal] = {}
    cash = Decimal(0)
    day, n = start, 0
    keys = [e[0] for e in _CATALOGUE]
    while day <= today:
        n += 1
        kind = "deposit" if n % 6 == 1 else ("dividend" if n % 5 == 0 else ("fee" if n % 17 == 0 else "trade"))
        key = rng.choice(keys)
        price = _price(key, day)
        body: dict[str, Any] = {"investment_transaction_id": plaid_id("inv", item.item_id, n), "account_id": account_id,
                                "date": day.isoformat(), "transaction_datetime": None, "iso_currency_code": "USD",
                                "unofficial_currency_code": None, "cancel_transaction_id": None, "fees": 0.0}
        if kind == "deposit":
            amount = Decimal(rng.choice([500, 1000, 1500, 2500]))
            cash += amount
            body.update({"security_id": security_id(CASH_KEY), "name": "ACH DEPOSIT", "type": "cash",
                         "subtype": "deposit", "quantity": number(-amount), "price": 1.0, "amount": number(-amount)})
        elif kind == "dividend":
            held = [k for k, q in quantities.items() if q > 0]
            if not held:
                day += timedelta(days=rng.randint(9, 16))
                continue
            key = rng.choice(sorted(held))
            amount = (quantities[key] * Decimal("0.0061") * _price(key, day)).quantize(Decimal("0.01"))
            cash += amount
            body.update({"security_id": security_id(key), "name": f"DIVIDEND {security_json(key)['name']}",
                         "type": "cash", "subtype": "dividend", "quantity": 0.0, "price": 0.0,
                         "amount": number(-amount)})
        elif kind == "fee":
            amount = Decimal("4.95")
            cash -= amount
            body.update({"security_id": None, "name": "ACCOUNT MAINTENANCE FEE", "type": "fee", "subtype": "account fee",
                         "quantity": 0.0, "price": 0.0, "amount": number(amount)})
        else:
            sell = quantities.get(key, Decimal(0)) > 3 and rng.random() < 0.3
            quantity = Decimal(rng.randint(1, 3)) if sell else Decimal(rng.randint(1, 6))
            gross = (quantity * price).quantize(Decimal("0.01"))
            if not sell and gross > cash:
                day += timedelta(days=rng.randint(9, 16))
                continue
            fees = Decimal("0.00")
            if sell:
                cost = (costs[key] * quantity / quantities[key]).quantize(Decimal("0.01"))
                quantities[key] -= quantity
                costs[key] -= cost
                cash += gross
                body.update({"security_id": security_id(key), "name": f"SELL {security_json(key)['name']}",
                             "type": "sell", "subtype": "sell", "quantity": number(-quantity), "price": number(price),
                             "amount": number(-gross), "fees": number(fees)})
            else:
                quantities[key] = quantities.get(key, Decimal(0)) + quantity
                costs[key] = costs.get(key, Decimal(0)) + gross
                cash -= gross
                body.update({"security_id": security_id(key), "name": f"BUY {security_json(key)['name']}",
                             "type": "buy", "subtype": "buy", "quantity": number(quantity), "price": number(price),
                             "amount": number(gross), "fees": number(fees)})
        events.append(body)
        day += timedelta(days=rng.randint(9, 16))
    events.sort(key=lambda e: (e["date"], e["investment_transaction_id"]), reverse=True)
    return events, quantities, costs, cash


def has_investments(item) -> bool:
    return item.institution_slug in BROKERAGES


def investment_account_id(item) -> str:
    return plaid_id("account", item.item_id, "brokerage")


def account_json(item, today: date) -> dict[str, Any]:
    _, quantities, _, cash = _book(item, today)
    value = cash + sum((q * _price(k, today) for k, q in quantities.items()), Decimal(0))
    return {"account_id": investment_account_id(item), "mask": "5555", "name": BROKERAGES[item.institution_slug],
            "official_name": None, "type": "investment", "subtype": "brokerage", "holder_category": "personal",
            "balances": {"available": number(cash), "current": number(value.quantize(Decimal("0.01"))), "limit": None,
                         "iso_currency_code": "USD", "unofficial_currency_code": None,
                         "last_updated_datetime": None, "margin_loan_amount": None}}


def holdings(item, today: date) -> tuple[list[dict], list[dict]]:
    """(holdings, securities) as Plaid's /investments/holdings/get answers them."""
    _, quantities, costs, cash = _book(item, today)
    account_id = investment_account_id(item)
    rows, keys = [], []
    for key in sorted(k for k, q in quantities.items() if q > 0):
        price = _price(key, today)
        # The fund's cost basis is unknown to the institution (transferred in): Plaid sends null.
        cost = None if key == "nh1055" else number(costs[key].quantize(Decimal("0.01")))
        rows.append({"account_id": account_id, "security_id": security_id(key), "quantity": number(quantities[key]),
                     "institution_price": number(price), "institution_price_as_of": today.isoformat(),
                     "institution_price_datetime": None,
                     "institution_value": number((quantities[key] * price).quantize(Decimal("0.01"))),
                     "cost_basis": cost, "iso_currency_code": "USD", "unofficial_currency_code": None,
                     "vested_quantity": None, "vested_value": None})
        keys.append(key)
    rows.append({"account_id": account_id, "security_id": security_id(CASH_KEY), "quantity": number(cash),
                 "institution_price": 1.0, "institution_price_as_of": today.isoformat(),
                 "institution_price_datetime": None, "institution_value": number(cash), "cost_basis": number(cash),
                 "iso_currency_code": "USD", "unofficial_currency_code": None, "vested_quantity": None,
                 "vested_value": None})
    return rows, [security_json(k) for k in [*keys, CASH_KEY]]


def transactions(item, today: date, start: date, end: date) -> list[dict]:
    events, *_ = _book(item, today)
    hidden = set((item.mutations or {}).get("investments_removed", []))
    return [e for e in events if start.isoformat() <= e["date"] <= end.isoformat()
            and e["investment_transaction_id"] not in hidden]


def securities_of(events: list[dict]) -> list[dict]:
    keys = {e["security_id"] for e in events if e.get("security_id")}
    by_id = {security_id(k): k for k in [*(e[0] for e in _CATALOGUE), CASH_KEY]}
    return [security_json(by_id[s]) for s in sorted(keys) if s in by_id]
