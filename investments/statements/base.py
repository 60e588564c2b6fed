"""What every statement-file provider shares: the descriptor defaults (investments family, file
upload), the never-raise `parse` wrapper (size, empty, binary, encoding), the account a file
belongs to, and a collector for the records and errors of one file."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from typing import Any, ClassVar

from integrations_core.money import to_minor
from integrations_core.providers.base import AuthType, Capability, Family, Provider
from integrations_core.providers.sources import ParsedStatement, RowError
from integrations_core.records import AccountRecord, InvestmentTransactionRecord, SecurityRecord

from .decoding import NotText, decode

logger = logging.getLogger(__name__)

MEGABYTE = 1024 * 1024
FX_PLACES = 10  # integrations_core.money.FX_RATE keeps 10 decimals

# Types whose cash moves out of the account (amount negative); the others move it in.
MONEY_OUT = frozenset({"buy", "fee", "tax", "withdrawal", "transfer_out"})
TYPES = frozenset({"buy", "sell", "dividend", "interest", "fee", "tax", "deposit", "withdrawal", "split",
                   "transfer_in", "transfer_out", "other"})

_WRAPPERS = (  # first match wins: the longer names before "ISA"
    (re.compile(r"\blifetime isa\b|\blisa\b", re.I), "LISA"),
    (re.compile(r"\bjunior isa\b|\bjisa\b", re.I), "JISA"),
    (re.compile(r"\bisa\b", re.I), "ISA"),
    (re.compile(r"\bsipp\b|\bpension\b", re.I), "SIPP"),
    (re.compile(r"\bgia\b|general investment|fund & share account|dealing account|trading account|\binvest\b",
                re.I), "GIA"),
)


def wrapper_from_text(*texts: str) -> str:
    """The tax wrapper a file's own words name (ISA, LISA, JISA, SIPP, GIA), or ""."""
    for text in texts:
        for pattern, wrapper in _WRAPPERS:
            if text and pattern.search(text):
                return wrapper
    return ""


def signed(type_: str, magnitude: Decimal) -> Decimal:
    """The cash impact of a movement of `magnitude` (sign ignored) for its type."""
    return -abs(magnitude) if type_ in MONEY_OUT else abs(magnitude)


def invert_rate(rate: Decimal) -> Decimal:
    """Platforms quote "1.25 USD per GBP"; records want the rate that turns USD into GBP
    (0.8). Exact when the inverse terminates, else rounded to the 10 decimals FX rates keep."""
    with localcontext() as context:
        context.prec = 50
        inverse = Decimal(1) / rate
    rounded = inverse.quantize(Decimal(1).scaleb(-FX_PLACES))
    return inverse.normalize() if inverse == rounded else rounded


def convert(amount: Decimal, rate: Decimal, currency: str) -> Decimal:
    """A computed amount in `currency` (multiplied by a converting rate), at its minor unit."""
    return to_minor(amount * rate, currency)


def security_id(*, isin: str = "", ticker: str = "", name: str = "") -> str:
    """A security's id inside one provider: its ISIN, else its ticker, else its name."""
    if isin:
        return isin.strip().upper()
    if ticker:
        return f"ticker:{ticker.strip().upper()}"
    return "name:" + re.sub(r"\s+", " ", name).strip().casefold()


@dataclass
class Collector:
    """Records and errors of one file, in file order; securities once each."""

    errors: list[RowError] = field(default_factory=list)
    transactions: list[InvestmentTransactionRecord] = field(default_factory=list)
    securities: dict[str, SecurityRecord] = field(default_factory=dict)
    rows: int = 0

    def security(self, *, name: str, isin: str = "", ticker: str = "", quote_currency: str = "",
                 type_: str = "other", raw: dict[str, Any] | None = None) -> str:
        external_id = security_id(isin=isin, ticker=ticker, name=name)
        if external_id not in self.securities:
            self.securities[external_id] = SecurityRecord(
                external_id=external_id, name=name or ticker or isin, isin=isin.strip().upper(),
                ticker=ticker.strip().upper(), type=type_, quote_currency=quote_currency, raw=raw or {})
        return external_id

    def statement(self, account: AccountRecord) -> ParsedStatement:
        return ParsedStatement(account=account, securities=list(self.securities.values()),
                               transactions=self.transactions, errors=self.errors, rows=self.rows)


class StatementProvider(Provider):
    """A platform whose data comes as files people download. Subclasses declare slug and name
    and implement `read(text, ...)`; `parse` is the StatementParser entry point and never raises."""

    family = Family.INVESTMENTS
    auth_type = AuthType.FILE_UPLOAD
    capabilities = frozenset({Capability.INVESTMENT_TRANSACTIONS})
    connection_model = "investments.InvestmentConnection"
    max_bytes: int = 5 * MEGABYTE
    currency: ClassVar[str] = "GBP"  # the account currency when the file does not say

    def parse(self, data: bytes, filename: str, *, account_hint: str = "") -> ParsedStatement:
        """Every record of the file and every problem in it (RowError(line 0) = the whole file)."""
        fallback = self.account_for(account_hint)
        try:
            size = len(data)
            if size > self.max_bytes:
                return self._refused(fallback, f"The file is {size / MEGABYTE:.1f} MB; the limit is "
                                               f"{self.max_bytes / MEGABYTE:.1f} MB")
            if not bytes(data).strip():
                return self._refused(fallback, "The file is empty")
            text, _encoding = decode(bytes(data))
            return self.read(text, filename=filename or "", account_hint=account_hint or "")
        except NotText as problem:
            return self._refused(fallback, str(problem))
        except Exception:  # the contract: bad input never raises; a bug here is logged, not shown
            logger.exception("statement parse failed", extra={"provider": self.slug})
            return self._refused(fallback, "The file could not be read")

    def read(self, text: str, *, filename: str, account_hint: str) -> ParsedStatement:
        raise NotImplementedError

    def account_for(self, hint: str = "", *, external_id: str = "", name: str = "", currency: str = "",
                    wrapper: str = "") -> AccountRecord:
        """The account a file is for: the file's own account id where it has one, else the
        platform plus the person's choice (`hint`, e.g. "ISA"), so the same choice always lands
        on the same account."""
        chosen = re.sub(r"\s+", " ", hint).strip()
        key = external_id or f"{self.slug}:{chosen.casefold() or 'default'}"
        wrapper = wrapper or wrapper_from_text(chosen, name)
        extra = {"wrapper": wrapper} if wrapper else {}
        title = name or (f"{self.name} {chosen}" if chosen else self.name)
        return AccountRecord(external_id=key, name=title, type="investment",
                             currency=currency or self.currency, extra=extra)

    @staticmethod
    def _refused(account: AccountRecord, message: str) -> ParsedStatement:
        return ParsedStatement(account=account, errors=[RowError(0, "", message)])
