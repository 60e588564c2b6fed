"""Flex statements -> plain records. No HTTP, no ORM.

The XML is read with defusedxml (no DTDs, no entities) and the tree handed to `ibflex`, which
types every attribute (Decimals, dates, enums). `ibflex` knows ISO currencies only, so lines in
pence ("GBX"/"GBp"; IBKR itself usually writes GBP for London) are rewritten first: their money
moves to pounds exactly (`quote_to_major`: the decimal point moves, nothing rounds), their prices
stay in pence and are reported with price_currency "GBX" (the contract ids are remembered).

Amounts are in the account's base currency (the record's convention), with the line's own
currency and IBKR's `fxRateToBase` beside them: IBKR's `netCashInBase` where it sends one, else
the product rounded to the minor unit (`to_minor`, the only amounts computed here)."""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import Element, ParseError
from zoneinfo import ZoneInfo

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from ibflex import Types, enums
from ibflex.parser import FlexParserError, parse_element

from integrations_core.money import fits, fits_storage, quote_to_major, to_minor
from integrations_core.providers.errors import BadProviderResponse
from integrations_core.records import (
    AccountRecord,
    BalanceRecord,
    HoldingRecord,
    HoldingSnapshotRecord,
    InvestmentTransactionRecord,
    SecurityRecord,
)

# Flex reports times in US Eastern time unless the query says otherwise.
IBKR_TZ = ZoneInfo("America/New_York")
MARKET_CLOSE = time(16, 0)
PENCE = frozenset({"GBX", "GBp"})
QUANTITY_PLACES = PRICE_PLACES = 10
# The money on a pence-quoted line (every amount we read, and their companions); prices,
# quantities, rates and the *InBase amounts are left as they are.
MONEY_ATTRS = frozenset({"proceeds", "netCash", "tradeMoney", "taxes", "ibCommission", "cost", "positionValue",
                         "costBasisMoney", "amount", "fifoPnlRealized", "fifoPnlUnrealized", "mtmPnl",
                         "capitalGainsPnl", "value", "costBasis"})

_MICS = {"NASDAQ": "XNAS", "NYSE": "XNYS", "ARCA": "ARCX", "AMEX": "XASE", "BATS": "BATS", "LSE": "XLON",
         "LSEETF": "XLON", "LSEIOB1": "XLON", "IBIS": "XETR", "IBIS2": "XETR", "AEB": "XAMS", "SBF": "XPAR",
         "EBS": "XSWX", "TSE": "XTSE"}
_SECURITY_TYPES = {enums.AssetClass.STOCK: "equity", enums.AssetClass.MUTUALFUND: "fund",
                   enums.AssetClass.BOND: "bond", enums.AssetClass.BILL: "bond",
                   enums.AssetClass.CRYPTOCURRENCY: "crypto", enums.AssetClass.CASH: "cash"}
_CASH_TYPES = {
    enums.CashAction.DIVIDEND: "dividend", enums.CashAction.PAYMENTINLIEU: "dividend",
    enums.CashAction.WHTAX: "tax",
    enums.CashAction.BROKERINTRCVD: "interest", enums.CashAction.BONDINTRCVD: "interest",
    enums.CashAction.BROKERINTPAID: "fee", enums.CashAction.BONDINTPAID: "fee",
    enums.CashAction.FEES: "fee", enums.CashAction.ADVISORFEES: "fee", enums.CashAction.COMMADJ: "fee",
}
_SPLITS = frozenset({enums.Reorg.FORWARDSPLIT, enums.Reorg.REVERSESPLIT, enums.Reorg.STOCKDIV})


@dataclass(frozen=True)
class ParsedFlex:
    """A parsed Flex query: its statements (one per account) and the pence-quoted contracts."""

    statements: tuple[Types.FlexStatement, ...]
    pence_conids: frozenset[str]


# --- parsing ------------------------------------------------------------------------------------
def _normalise_pence(root: Element) -> frozenset[str]:
    """Lines in GBX/GBp become GBP lines: their money attributes move to pounds (exactly),
    their prices stay in pence. Returns the contracts whose prices are in pence."""
    pence: set[str] = set()
    for element in root.iter():
        if element.get("currency") not in PENCE:
            continue
        for name in MONEY_ATTRS.intersection(element.keys()):
            text = element.get(name, "").replace(",", "")
            try:
                element.set(name, str(quote_to_major(Decimal(text), "GBX")[0]))
            except ArithmeticError:  # not a number: ibflex says so below
                continue
        element.set("currency", "GBP")
        if element.get("ibCommissionCurrency") in PENCE:
            element.set("ibCommissionCurrency", "GBP")
        if element.get("conid"):
            pence.add(element.get("conid"))
    return frozenset(pence)


def parse_statement(data: bytes) -> ParsedFlex:
    """The Flex XML as typed ibflex objects, or BadProviderResponse (never a parser's error)."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise BadProviderResponse(f"IBKR sent a statement that is not safe XML ({type(exc).__name__})") from None
    if root.tag != "FlexQueryResponse":
        raise BadProviderResponse("IBKR sent something other than a FlexQueryResponse")
    pence = _normalise_pence(root)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # attributes newer than ibflex are skipped
            response = parse_element(root)
    except (FlexParserError, AssertionError, TypeError, ValueError, KeyError) as exc:
        raise BadProviderResponse(f"IBKR sent a Flex statement we could not read ({type(exc).__name__})") from None
    return ParsedFlex(statements=tuple(response.FlexStatements), pence_conids=pence)


# --- helpers ------------------------------------------------------------------------------------
def raw_of(item: Any) -> dict[str, Any]:
    """The element's non-empty attributes as JSON-safe values (Decimals as strings, exact)."""
    raw: dict[str, Any] = {}
    for key, value in dataclasses.asdict(item).items():
        if value in (None, "", ()):
            continue
        if isinstance(value, (list, tuple)):
            raw[key] = [getattr(v, "value", str(v)) for v in value]
        elif isinstance(value, (Decimal, date, datetime, time)):
            raw[key] = str(value)
        else:
            raw[key] = getattr(value, "value", value)
    return raw


def _aware(value: datetime | None, day: date | None = None, at: time = MARKET_CLOSE) -> datetime | None:
    if value is None:
        return datetime.combine(day, at, tzinfo=IBKR_TZ) if day else None
    return value if value.tzinfo else value.replace(tzinfo=IBKR_TZ)


def _checked(value: Decimal | None, field: str, places: int | None = None) -> Decimal | None:
    if value is None:
        return None
    ok = fits(value, places) if places is not None else fits_storage(value)
    if not ok:
        raise BadProviderResponse(f"IBKR sent {field} with more decimals than we keep")
    return value


def _derived(value: Decimal | None, currency: str) -> Decimal | None:
    """IBKR's own derived figures (position value, cost basis) come with as many decimals as
    its FIFO arithmetic left (1892.80875): beyond what we store, they are rounded to the minor
    unit. Cash amounts never are (`_checked` refuses them)."""
    if value is None or fits_storage(value):
        return value
    return to_minor(value, currency)


def _to_base(value: Decimal | None, currency: str, base: str, fx: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    if currency == base or fx is None:
        return value
    return to_minor(value * fx, base)


def _require(value: Any, what: str) -> Any:
    if value in (None, ""):
        raise BadProviderResponse(f"IBKR sent a {what} without a value it needs")
    return value


# --- accounts and securities -------------------------------------------------------------------
def account_record(statement: Types.FlexStatement) -> AccountRecord:
    info = statement.AccountInformation
    account_id = str(_require(statement.accountId or (info.accountId if info else None), "statement account"))
    currency = str(_require(info.currency if info else None, "AccountInformation currency"))
    account_type = (info.accountType or "") if info else ""
    # Flex has no notion of an ISA or a SIPP: a wrapper is the person's to set. US retirement
    # accounts are not a GIA.
    wrapper = "other" if "IRA" in account_type.upper() else "gia"
    return AccountRecord(
        external_id=account_id,
        name=(info.acctAlias or info.name if info else None) or f"Interactive Brokers {account_id}",
        type="investment",
        currency=currency,
        subtype=account_type[:50],
        masked_number=account_id[-4:],
        extra={"wrapper": wrapper, "account_type": account_type,
               "customer_type": (info.customerType or "") if info else "",
               "ib_entity": (info.ibEntity or "") if info else ""},
        raw=raw_of(info) if info else {"accountId": account_id},
    )


def security_record(item: Any, pence_conids: frozenset[str]) -> SecurityRecord:
    conid = str(_require(item.conid, "line's contract id"))
    kind = _SECURITY_TYPES.get(item.assetCategory, "other")
    if kind == "equity" and (getattr(item, "subCategory", "") or "").upper() == "ETF":
        kind = "etf"
    exchange = getattr(item, "listingExchange", None) or ""
    return SecurityRecord(
        external_id=conid,
        name=item.description or item.symbol or conid,
        isin=item.isin or "",
        ticker=item.symbol or "",
        mic=_MICS.get(exchange.upper(), ""),
        type=kind,
        quote_currency="GBX" if conid in pence_conids else (item.currency or ""),
        country=getattr(item, "issuerCountryCode", None) or "",
        raw={"conid": conid, "listingExchange": exchange, "assetCategory": getattr(item.assetCategory, "value", ""),
             "subCategory": getattr(item, "subCategory", None) or "", "cusip": item.cusip or "",
             "figi": getattr(item, "figi", None) or ""},
    )


def security_records(statement: Types.FlexStatement, pence_conids: frozenset[str]) -> list[SecurityRecord]:
    seen: dict[str, SecurityRecord] = {}
    lines = (*statement.OpenPositions, *statement.Trades, *statement.CorporateActions, *statement.CashTransactions)
    for item in lines:
        if item.conid and item.assetCategory != enums.AssetClass.CASH and item.conid not in seen:
            seen[item.conid] = security_record(item, pence_conids)
    return list(seen.values())


# --- the snapshot -------------------------------------------------------------------------------
def _cash(statement: Types.FlexStatement, base: str) -> BalanceRecord | None:
    rows = {row.currency: row for row in statement.CashReport if row.currency}
    total = rows.get("BASE_SUMMARY") or rows.get(base)
    if total is None or total.endingCash is None:
        return None
    per_currency = {c: str(r.endingCash) for c, r in rows.items() if c != "BASE_SUMMARY" and r.endingCash is not None}
    return BalanceRecord(currency=base, current=_checked(total.endingCash, "endingCash"),
                         as_of=_aware(None, statement.toDate), extra={"by_currency": per_currency})


def holding_record(position: Types.OpenPosition, pence_conids: frozenset[str]) -> HoldingRecord:
    conid = str(_require(position.conid, "position's contract id"))
    pence = conid in pence_conids
    currency = str(_require(position.currency, "position currency"))
    return HoldingRecord(
        security_external_id=conid,
        quantity=_checked(_require(position.position, "position quantity"), "a quantity", QUANTITY_PLACES),
        price=_checked(position.markPrice, "a mark price", PRICE_PLACES),
        price_currency="GBX" if pence else currency,
        price_as_of=_aware(None, position.reportDate),
        value=_derived(position.positionValue, currency),
        book_cost=_derived(position.costBasisMoney, currency),
        currency=currency,
        raw=raw_of(position),
    )


def snapshot_record(statement: Types.FlexStatement, pence_conids: frozenset[str]) -> HoldingSnapshotRecord:
    base = account_record(statement).currency
    positions = [p for p in statement.OpenPositions
                 if (p.levelOfDetail or "SUMMARY").upper() == "SUMMARY" and p.assetCategory != enums.AssetClass.CASH]
    return HoldingSnapshotRecord(
        as_of=_aware(statement.whenGenerated),
        holdings=[holding_record(p, pence_conids) for p in positions],
        cash=_cash(statement, base),
    )


# --- transactions -------------------------------------------------------------------------------
def trade_record(trade: Types.Trade, base: str, pence_conids: frozenset[str]) -> InvestmentTransactionRecord:
    conid = str(_require(trade.conid, "trade's contract id"))
    pence = conid in pence_conids
    currency = str(_require(trade.currency, "trade currency"))
    fx = trade.fxRateToBase if currency != base else None
    ident = trade.tradeID or trade.ibExecID or trade.transactionID
    sell = trade.buySell in (enums.BuySell.SELL, enums.BuySell.CANCELBUY)  # a cancelled buy gives units back
    quantity = _checked(abs(_require(trade.quantity, "trade quantity")) * (trade.multiplier or 1),
                        "a quantity", QUANTITY_PLACES)
    net_cash = _checked(_require(trade.netCash, "trade netCash"), "netCash")
    commission = abs(trade.ibCommission or 0)
    commission_currency = trade.ibCommissionCurrency or currency
    if trade.netCashInBase is not None and currency != base:
        amount = _checked(trade.netCashInBase, "netCashInBase")
    else:
        amount = _to_base(net_cash, currency, base, fx)
    taxes = _to_base(abs(trade.taxes or 0), currency, base, fx)
    return InvestmentTransactionRecord(
        external_id=f"trade:{_require(ident, 'trade id')}",
        type="sell" if sell else "buy",
        booked_date=_require(trade.tradeDate, "trade date"),
        amount=amount,
        currency=base,
        security_external_id=conid,
        quantity=quantity,
        price=_checked(trade.tradePrice, "a trade price", PRICE_PLACES),
        price_currency="GBX" if pence else currency,
        fees=_to_base(commission, commission_currency, base, fx),
        taxes=taxes,
        original_currency=currency if currency != base else "",
        fx_rate=fx,
        booked_at=_aware(trade.dateTime, trade.tradeDate, trade.tradeTime or MARKET_CLOSE),
        description=f"{trade.buySell.value if trade.buySell else ''} {quantity} {trade.symbol or conid}".strip(),
        raw=raw_of(trade),
    )


def _trades(statement: Types.FlexStatement) -> list[Types.Trade]:
    """One record per execution: partial fills stay separate (each has its own tradeID). When
    the query also includes ORDER summaries or CLOSED_LOT detail, those are left out."""
    trades = [t for t in statement.Trades if t.assetCategory != enums.AssetClass.CASH]  # FX conversions
    levels = {(t.levelOfDetail or "EXECUTION").upper() for t in trades}
    keep = "EXECUTION" if "EXECUTION" in levels else "ORDER"
    return [t for t in trades if (t.levelOfDetail or "EXECUTION").upper() == keep]


def cash_record(item: Types.CashTransaction, base: str, pence_conids: frozenset[str]) -> InvestmentTransactionRecord:
    currency = str(_require(item.currency, "cash transaction currency"))
    amount = _checked(_require(item.amount, "cash transaction amount"), "a cash amount")
    if item.type == enums.CashAction.DEPOSITWITHDRAW:
        kind = "deposit" if amount >= 0 else "withdrawal"
    else:
        kind = _CASH_TYPES.get(item.type, "other")
    fx = item.fxRateToBase if currency != base else None
    day = item.dateTime.date() if item.dateTime else _require(item.reportDate or item.settleDate, "cash date")
    ident = item.transactionID or f"{item.actionID or ''}:{item.type.value if item.type else ''}:{day}:{amount}"
    base_amount = _to_base(amount, currency, base, fx)
    return InvestmentTransactionRecord(
        external_id=f"cash:{ident}",
        type=kind,
        booked_date=day,
        amount=base_amount,
        currency=base,
        security_external_id=item.conid or "",
        taxes=abs(base_amount) if kind == "tax" and base_amount < 0 else Decimal(0),
        original_currency=currency if currency != base else "",
        fx_rate=fx,
        booked_at=_aware(item.dateTime, day),
        description=item.description or "",
        raw=raw_of(item),
    )


def corporate_action_record(item: Types.CorporateAction, base: str,
                            pence_conids: frozenset[str]) -> InvestmentTransactionRecord:
    """A split is the change in units (4:1 on 10 shares: +30; negative for a reverse split).
    Other reorganisations come through as `other` with their signed quantity, so the holdings
    rebuild shows them as a difference to look at rather than guessing."""
    conid = str(_require(item.conid, "corporate action's contract id"))
    day = item.dateTime.date() if item.dateTime else _require(item.reportDate, "corporate action date")
    currency = item.currency or base
    fx = item.fxRateToBase if currency != base else None
    ident = item.transactionID or f"{item.actionID or ''}:{conid}:{day}"
    return InvestmentTransactionRecord(
        external_id=f"ca:{ident}",
        type="split" if item.type in _SPLITS else "other",
        booked_date=day,
        amount=_to_base(item.amount or Decimal(0), currency, base, fx),
        currency=base,
        security_external_id=conid,
        quantity=_checked(item.quantity, "a quantity", QUANTITY_PLACES),
        original_currency=currency if currency != base else "",
        fx_rate=fx,
        booked_at=_aware(item.dateTime, day),
        description=item.actionDescription or item.description or "",
        raw=raw_of(item),
    )


def transaction_records(statement: Types.FlexStatement, pence_conids: frozenset[str], *,
                        since: date | None = None) -> list[InvestmentTransactionRecord]:
    base = account_record(statement).currency
    records = [trade_record(t, base, pence_conids) for t in _trades(statement)]
    records += [cash_record(c, base, pence_conids) for c in statement.CashTransactions
                if (c.levelOfDetail or "DETAIL").upper() == "DETAIL"]
    records += [corporate_action_record(a, base, pence_conids) for a in statement.CorporateActions
                if (a.levelOfDetail or "DETAIL").upper() in ("DETAIL", "SUMMARY")]
    if since is not None:
        records = [r for r in records if r.booked_date >= since]
    return sorted(records, key=lambda r: (r.booked_date, r.external_id or ""))
