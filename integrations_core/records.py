"""Plain records that provider mappers return and the import service writes. No ORM here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str = ""
    expires_at: datetime | None = None
    scope: str = ""
    consent_expires_at: datetime | None = None
    external_id: str = ""


@dataclass(frozen=True)
class AccountRecord:
    external_id: str
    name: str
    type: str  # current | savings | credit_card | investment | pension | other
    currency: str
    subtype: str = ""
    masked_number: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # family-specific columns (IBAN, limits...)
    raw: dict[str, Any] = field(default_factory=dict)
    # True when the provider named the account but its details could not be fetched yet: the
    # sync reports it as failing instead of storing a nameless placeholder row.
    details_missing: bool = False


@dataclass(frozen=True)
class BalanceRecord:
    currency: str
    current: Decimal | None
    available: Decimal | None = None
    as_of: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # credit_limit, statement dates...


@dataclass(frozen=True)
class TransactionRecord:
    """One transaction as the provider reports it, normalised: negative amount = money out."""

    external_id: str | None  # the provider's *stable* id when it has one (our dedupe key)
    booked_date: date
    amount: Decimal
    currency: str
    description: str
    status: str = "booked"  # booked | pending
    value_date: date | None = None
    booked_at: datetime | None = None
    merchant_name: str = ""
    original_amount: Decimal | None = None
    original_currency: str = ""
    provider_category: str = ""  # provider's own classification, "Top/Sub" or a bank code
    mcc: str = ""
    running_balance: Decimal | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    # The provider's own id as it sent it, when that differs from the stable key (TrueLayer's
    # transaction_id can change between requests; its normalised id is the key).
    provider_transaction_id: str = ""


@dataclass
class AccountData:
    """Everything fetched for one account in one sync."""

    account: AccountRecord
    balance: BalanceRecord | None = None
    booked: list[TransactionRecord] = field(default_factory=list)
    # None when the provider cannot report pending items (so stored pending rows are kept).
    pending: list[TransactionRecord] | None = field(default_factory=list)
    window_from: date | None = None  # the booked window the provider answered for
    window_to: date | None = None
    # What could not be fetched this time while the rest could (a ProviderError each): a stale
    # balance beside fresh rows, or a balance beside refused transactions. Shown on the account.
    balance_error: Exception | None = None
    transactions_error: Exception | None = None
