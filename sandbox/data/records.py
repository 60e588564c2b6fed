"""What the generator produces: provider-neutral records that each mock protocol renders in its
own wire format. Money is Decimal throughout and always from the holder's point of view:
negative = money out, for cards too (the TrueLayer card renderer flips the sign)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sandbox.institutions import Institution, Product


@dataclass(frozen=True)
class Identity:
    full_name: str
    date_of_birth: date
    street: str
    city: str
    postcode: str
    country: str
    email: str
    phone: str


@dataclass(frozen=True)
class SandboxAccount:
    key: str  # stable within one (institution, username): "current", "savings", "credit_card"
    product: Product
    display_name: str
    currency: str
    account_number: str
    sort_code: str  # "" outside the UK
    iban: str  # "" outside IBAN countries
    bic: str
    owner_name: str
    # Cards only.
    card_number: str = ""
    card_network: str = ""
    credit_limit: Decimal | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    business: bool = False  # a business account (sandbox/business/bank.py): its type says so

    @property
    def is_card(self) -> bool:
        return self.product == Product.CREDIT_CARD

    @property
    def last4(self) -> str:
        return (self.card_number or self.account_number)[-4:]

    @property
    def masked_number(self) -> str:
        return f"•••• {self.last4}"

    @property
    def masked_pan(self) -> str:
        return f"{self.card_number[:6]}{'*' * (len(self.card_number) - 10)}{self.card_number[-4:]}"


@dataclass(frozen=True)
class Transaction:
    """One statement line as of the sandbox's today: pending, or booked with a running balance."""

    transaction_id: str  # the bank's id in this state (a pending line may book under a new one)
    account_key: str
    timestamp: datetime  # when the person paid (aware)
    booking_date: date  # when it books; in the future while pending
    description: str
    amount: Decimal
    currency: str
    bank_code: str  # the bank's own type code: DEB, DD, SO, BGC, TFR, INT, PAY
    classification: tuple[str, ...]  # [top, sub]; empty for credits, as TrueLayer does
    merchant_name: str = ""
    merchant_category_code: str = ""
    counterparty: str = ""
    is_pending: bool = False
    running_balance: Decimal | None = None
    reference: str = ""  # the payer's reference (business lines: an invoice number, "STRIPE")

    @property
    def is_credit(self) -> bool:
        return self.amount > 0

    @property
    def paid_on(self) -> date:
        """The local date the person paid: the timestamp's own date (the generator keeps card
        payments within shop hours and dated lines at midnight UTC, so it is the UTC date too)."""
        return self.timestamp.date()


@dataclass(frozen=True)
class CardStatement:
    statement_date: date
    statement_balance: Decimal  # amount owed on that date, positive
    payment_due: Decimal  # what is still to pay, positive (zero once paid)
    payment_due_date: date


@dataclass(frozen=True)
class AccountSnapshot:
    account: SandboxAccount
    booked: tuple[Transaction, ...]  # in booking order, oldest first: all booked on or after history_start
    pending: tuple[Transaction, ...]
    opening_balance: Decimal  # balance just before the first line of `booked`
    current: Decimal  # opening + sum(booked); negative when a card is owed money
    available: Decimal  # current + sum(pending) (+ credit limit for cards)
    statement: CardStatement | None = None

    @property
    def owed(self) -> Decimal:
        """Cards: what the holder owes, positive."""
        return Decimal(0) - self.current  # never "-0.00"

    def booked_paid_since(self, day: date) -> tuple[Transaction, ...]:
        """The booked lines paid on or after `day`: the history of a feed keyed on when the
        person paid (TrueLayer's `timestamp`). `booked` also holds card payments made in the
        days before the history start that booked after it; served by timestamp, those make the
        feed's oldest end ragged, so that when the window moves on, a line still inside the
        served range of timestamps drops out of it. Running balances stay the bank's own."""
        return tuple(t for t in self.booked if t.paid_on >= day)


@dataclass(frozen=True)
class Book:
    """Everything one person has at one institution on one sandbox day."""

    institution: Institution
    username: str
    today: date
    history_start: date
    identity: Identity
    accounts: tuple[AccountSnapshot, ...]

    def snapshot(self, key: str) -> AccountSnapshot | None:
        return next((s for s in self.accounts if s.account.key == key), None)
