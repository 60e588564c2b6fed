"""The mock IBKR account's history, as the lines of a Flex statement, dated relative to the
sandbox clock (`sandbox/clock.py`). The open positions are derived from the trades and the split
below, never typed in, so they always equal what the history implies:

- AAPL (USD, NASDAQ): 10 bought, split 4:1 (+30), 8 bought in two partial fills, 6 sold = 42;
  a dividend with 15% US withholding tax; an FX conversion paid for the dollars.
- ISF (iShares Core FTSE 100, London, quoted in pence: GBX): 1,000 bought in two partial fills.
- VUSA (Vanguard S&P 500, London, GBP): 50 bought.
Plus a deposit, interest, a fee and a withdrawal. Numbers are strings, exactly as IBKR writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from integrations_core.money import to_minor

ACCOUNT_ID = "U7654321"
BASE = "GBP"
HISTORY_DAYS = 365
ET = ZoneInfo("America/New_York")


@dataclass(frozen=True)
class Contract:
    conid: str
    symbol: str
    description: str
    isin: str
    currency: str  # GBX: prices *and* money on its lines are in pence
    exchange: str
    sub_category: str
    mark: Decimal  # yesterday's closing price


AAPL = Contract("265598", "AAPL", "APPLE INC", "US0378331005", "USD", "NASDAQ", "COMMON", Decimal("52.30"))
ISF = Contract("38725470", "ISF", "ISHARES CORE FTSE 100 UCITS ETF", "IE0005042456", "GBX", "LSEETF", "ETF",
               Decimal("845.20"))
VUSA = Contract("128831206", "VUSA", "VANGUARD S&P 500 UCITS ETF", "IE00B3XXRP09", "GBP", "LSEETF", "ETF",
                Decimal("92.48"))
CONTRACTS = (AAPL, ISF, VUSA)
USD_RATE = Decimal("0.78")  # USD -> GBP on the statement's last day

# (days ago, trade id, contract, BUY/SELL, quantity, price, commission, fxRateToBase, order id)
TRADES = (
    (330, "5001", AAPL, "BUY", "10", "180.00", "-1.00", "0.79", "7001"),
    (300, "5002", ISF, "BUY", "600", "812.40", "-300", "1", "7002"),  # partial fill (pence)
    (300, "5003", ISF, "BUY", "400", "812.60", "-100", "1", "7002"),  # the rest of order 7002
    (250, "5004", VUSA, "BUY", "50", "85.12", "-3.00", "1", "7003"),
    (150, "5005", AAPL, "BUY", "5", "45.10", "-1.00", "0.78", "7004"),  # partial fill
    (150, "5006", AAPL, "BUY", "3", "45.12", "-0.35", "0.78", "7004"),
    (90, "5007", AAPL, "SELL", "6", "50.00", "-1.00", "0.78", "7005"),
)
SPLIT = (200, "6001", AAPL, 4)  # days ago, transaction id, contract, ratio (4 for 1)
# (days ago, transaction id, type, currency, amount, fxRateToBase, contract or None, description)
CASH = (
    (340, "8001", "Deposits/Withdrawals", "GBP", "20000.00", "1", None, "CASH RECEIPTS / ELECTRONIC FUND TRANSFERS"),
    (120, "8002", "Dividends", "USD", "12.00", "0.785", AAPL, "AAPL(US0378331005) CASH DIVIDEND USD 0.25 PER SHARE"),
    (120, "8003", "Withholding Tax", "USD", "-1.80", "0.785", AAPL,
     "AAPL(US0378331005) CASH DIVIDEND USD 0.25 PER SHARE - US TAX"),
    (60, "8004", "Dividends", "GBP", "123.40", "1", ISF, "ISF(IE0005042456) CASH DIVIDEND GBP 0.1234 PER SHARE"),
    (45, "8005", "Broker Interest Received", "GBP", "2.37", "1", None, "GBP CREDIT INT FOR NOV"),
    (30, "8006", "Other Fees", "GBP", "-3.00", "1", None, "LSE MARKET DATA FEE"),
    (20, "8007", "Deposits/Withdrawals", "GBP", "-500.00", "1", None, "DISBURSEMENT INITIATED BY JOHN SMITH"),
)
# An FX conversion (not a security trade): 1,700 GBP sold for USD before the first dollar buy.
FX = (331, "5000", "-1700", "1.27", "2159.00", "-2.00", "0.78740157")


def _stamp(day: date, hour: int = 10) -> str:
    return f"{day.isoformat()};{hour:02d}:30:00"


def _contract_attrs(contract: Contract) -> dict[str, str]:
    return {"assetCategory": "STK", "subCategory": contract.sub_category, "currency": contract.currency,
            "symbol": contract.symbol, "description": contract.description, "conid": contract.conid,
            "isin": contract.isin, "listingExchange": contract.exchange}


def statement_lines(today: date) -> dict[str, list[dict[str, str]]]:
    """Every section of the statement as attribute dicts, for the template."""
    day = lambda ago: today - timedelta(days=ago)  # noqa: E731
    holdings = {c.conid: Decimal(0) for c in CONTRACTS}
    cost = {c.conid: Decimal(0) for c in CONTRACTS}
    cash = {"GBP": Decimal(0), "USD": Decimal(0)}
    trades, actions, cash_lines = [], [], []
    events = sorted([(t[0], "trade", t) for t in TRADES] + [(SPLIT[0], "split", SPLIT)], key=lambda e: -e[0])
    for ago, kind, event in events:
        if kind == "split":
            _ago, txn, contract, ratio = event
            added = holdings[contract.conid] * (ratio - 1)
            holdings[contract.conid] += added
            actions.append({**_contract_attrs(contract), "fxRateToBase": "0.78", "reportDate": day(ago).isoformat(),
                            "dateTime": _stamp(day(ago), 20), "actionDescription":
                            f"{contract.symbol}({contract.isin}) SPLIT {ratio} FOR 1 ({contract.symbol}, "
                            f"{contract.description}, {contract.isin})", "amount": "0", "proceeds": "0",
                            "value": "0", "quantity": str(added), "type": "FS", "transactionID": txn,
                            "actionID": f"A{txn}", "levelOfDetail": "DETAIL"})
            continue
        _ago, trade_id, contract, side, qty, price, commission, fx, order = event
        signed = Decimal(qty) if side == "BUY" else -Decimal(qty)
        proceeds = -signed * Decimal(price)
        net = proceeds + Decimal(commission)
        if side == "BUY":
            cost[contract.conid] -= net
        else:  # FIFO cost of the units sold, the way IBKR reports its cost basis
            cost[contract.conid] -= cost[contract.conid] / holdings[contract.conid] * Decimal(qty)
        holdings[contract.conid] += signed
        cash_currency = "GBP" if contract.currency == "GBX" else contract.currency
        cash[cash_currency] += net / 100 if contract.currency == "GBX" else net
        partial = {"5002", "5005"}
        trades.append({**_contract_attrs(contract), "fxRateToBase": fx, "tradeID": trade_id,
                       "ibExecID": f"0000e0d5.65{trade_id}.01.01", "transactionID": f"T{trade_id}",
                       "ibOrderID": order, "reportDate": day(ago).isoformat(), "tradeDate": day(ago).isoformat(),
                       "dateTime": _stamp(day(ago)), "quantity": str(signed), "tradePrice": price,
                       "proceeds": str(proceeds), "ibCommission": commission,
                       "ibCommissionCurrency": contract.currency, "netCash": str(net),
                       "netCashInBase": str(to_minor(net * Decimal(fx), BASE)) if contract.currency == "USD" else "",
                       "taxes": "0", "buySell": side, "openCloseIndicator": "O" if side == "BUY" else "C",
                       "levelOfDetail": "EXECUTION", "transactionType": "ExchTrade", "exchange": contract.exchange,
                       "notes": "P" if trade_id in partial else ""})
    ago, fx_id, gbp, rate, usd, fee, fx_rate = FX
    cash["GBP"] += Decimal(gbp)
    cash["USD"] += Decimal(usd) + Decimal(fee)
    trades.insert(0, {"assetCategory": "CASH", "currency": "USD", "fxRateToBase": fx_rate, "symbol": "GBP.USD",
                      "description": "GBP.USD", "conid": "12087797", "tradeID": fx_id,
                      "ibExecID": f"0000e0d5.65{fx_id}.01.01", "transactionID": f"T{fx_id}",
                      "reportDate": day(ago).isoformat(), "tradeDate": day(ago).isoformat(),
                      "dateTime": _stamp(day(ago)), "quantity": gbp, "tradePrice": rate, "proceeds": usd,
                      "ibCommission": fee, "ibCommissionCurrency": "USD", "netCash": str(Decimal(usd) + Decimal(fee)),
                      "buySell": "SELL", "levelOfDetail": "EXECUTION", "transactionType": "ExchTrade",
                      "exchange": "IDEALFX"})
    for ago, txn, kind, currency, amount, fx, contract, description in CASH:
        cash[currency] += Decimal(amount)
        line = {"assetCategory": "STK" if contract else "CASH", "currency": currency, "fxRateToBase": fx,
                "description": description, "amount": amount, "dateTime": _stamp(day(ago), 20),
                "reportDate": day(ago).isoformat(), "settleDate": day(ago).isoformat(), "type": kind,
                "transactionID": txn, "levelOfDetail": "DETAIL"}
        if contract:
            line.update(conid=contract.conid, symbol=contract.symbol, isin=contract.isin,
                        listingExchange=contract.exchange)
        cash_lines.append(line)
    positions = []
    for contract in CONTRACTS:
        quantity = holdings[contract.conid]
        fx = "0.78" if contract.currency == "USD" else "1"
        positions.append({**_contract_attrs(contract), "fxRateToBase": fx, "reportDate": day(1).isoformat(),
                          "position": str(quantity), "markPrice": str(contract.mark),
                          "positionValue": str(quantity * contract.mark), "costBasisMoney": str(cost[contract.conid]),
                          "costBasisPrice": str((cost[contract.conid] / quantity).quantize(Decimal("0.000001"))),
                          "side": "Long", "levelOfDetail": "SUMMARY"})
    base_total = cash["GBP"] + to_minor(cash["USD"] * USD_RATE, BASE)
    cash_report = [{"currency": "BASE_SUMMARY", "endingCash": str(base_total)}] + [
        {"currency": c, "endingCash": str(v)} for c, v in cash.items()]
    return {"trades": trades, "corporate_actions": actions, "cash_transactions": cash_lines,
            "open_positions": positions, "cash_report": cash_report}


def statement_context(now: datetime, today: date) -> dict:
    generated = now.astimezone(ET)
    return {
        "account_id": ACCOUNT_ID, "base": BASE,
        "from_date": (today - timedelta(days=HISTORY_DAYS)).isoformat(),
        "to_date": (today - timedelta(days=1)).isoformat(),
        "when_generated": generated.strftime("%Y-%m-%d;%H:%M:%S"),
        "opened": (today - timedelta(days=HISTORY_DAYS + 30)).isoformat(),
        **statement_lines(today),
    }
