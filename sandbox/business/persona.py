"""One small business per sandbox login, played forward day by day from ANCHOR: its customers
and suppliers, sales invoices and supplier bills, card payments through Stripe, PayPal sales,
and the business bank account that receives the payouts and pays the bills.

Every mock speaks from this one book, so what they say reconciles: a Stripe payout is the exact
sum of the balance transactions it carries and arrives in the bank on its arrival date; a PayPal
withdrawal arrives the next business day; an invoice paid by card has a Stripe charge naming the
invoice number; an invoice paid by bank transfer has a bank credit with the invoice number as
its reference; a bill is paid by a bank debit on its due date.

`business_book(username, today)` is a pure function. Each day draws from its own seeded RNG and
what happens later (a refund, a dispute, a payout) is scheduled on the day that causes it, so no
`today` changes what a day holds: `today` only decides which events exist yet and their status
(a payout in transit or paid, a balance transaction pending or available, an invoice paid or
not). Money is Decimal in major units; JPY charges have no minor unit."""

from __future__ import annotations

import hashlib
import math
import string
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from functools import lru_cache

from faker import Faker

from sandbox.data.profile import rng_for, seed_for

ANCHOR = date(2025, 1, 1)
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
SETTLEMENT = "GBP"
OPENING_BANK_BALANCE = Decimal("5000.00")
STRIPE_PAYOUT_DESCRIPTOR = "STRIPE"
STRIPE_BANK_NAME = "STRIPE PAYMENTS UK LTD"
PAYPAL_BANK_NAME = "PAYPAL EUROPE S.A.R.L."
DISPUTE_FEE = Decimal("20.00")
ZERO_DECIMAL = {"JPY"}

# England and Wales bank holidays: no payout arrives, no bank line books on them.
BANK_HOLIDAYS = {
    date(2025, 1, 1), date(2025, 4, 18), date(2025, 4, 21), date(2025, 5, 5), date(2025, 5, 26),
    date(2025, 8, 25), date(2025, 12, 25), date(2025, 12, 26),
    date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4), date(2026, 5, 25),
    date(2026, 8, 31), date(2026, 12, 25), date(2026, 12, 28),
    date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 29), date(2027, 5, 3), date(2027, 5, 31),
    date(2027, 8, 30), date(2027, 12, 27), date(2027, 12, 28),
}

# Xero's default UK chart codes (the QuickBooks mock maps them to its own accounts).
SALES_CODE, OTHER_REVENUE_CODE = "200", "260"
BILL_KINDS = (  # supplier kind, account code, monthly amount (None: variable), day of month
    ("Properties", "469", Decimal("950.00"), 1),
    ("Software", "485", Decimal("49.00"), 8),
    ("Telecom", "489", Decimal("38.50"), 15),
    ("Advertising", "400", None, 20),
)
ACCOUNTANT = ("Accounting", "412", Decimal("180.00"))  # quarterly
SPENDING = (  # bank card spending the person categorises and pushes to the books
    ("SHELL", "Fuel", Decimal("40"), Decimal("75")),
    ("RYMAN STATIONERY", "Stationery", Decimal("8"), Decimal("40")),
    ("TRAINLINE", "Travel", Decimal("20"), Decimal("90")),
    ("PRET A MANGER", "Meals", Decimal("3"), Decimal("12")),
    ("AMAZON MARKETPLACE", "Supplies", Decimal("10"), Decimal("120")),
)
# Stripe UK standard pricing: UK cards, EEA cards, international cards, plus 2% to convert.
STRIPE_PRICING = {"uk": (Decimal("0.015"), Decimal("0.20")), "eea": (Decimal("0.025"), Decimal("0.20")),
                  "intl": (Decimal("0.0325"), Decimal("0.20"))}
STRIPE_FX_FEE = Decimal("0.02")
PAYPAL_PRICING = {"GBP": (Decimal("0.029"), Decimal("0.30")), "USD": (Decimal("0.039"), Decimal("0.30"))}
FX_RATES = {"EUR": (Decimal("0.84"), Decimal("0.88")), "USD": (Decimal("0.76"), Decimal("0.80")),
            "JPY": (Decimal("0.0050"), Decimal("0.0054"))}


# --- records ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    id: str
    name: str
    email: str


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    amount: Decimal
    account_code: str


@dataclass(frozen=True)
class Invoice:
    id: str
    number: str
    customer: Party
    issue_date: date
    due_date: date
    currency: str
    total: Decimal
    lines: tuple[InvoiceLine, ...]
    paid_on: date | None  # None: never paid (as of today, or at all)
    paid_by: str  # stripe | bank | ""
    charge_id: str = ""
    payment_id: str = ""

    @property
    def status(self) -> str:
        return "paid" if self.paid_on else "authorised"


@dataclass(frozen=True)
class Bill:
    id: str
    number: str
    supplier: Party
    issue_date: date
    due_date: date
    currency: str
    total: Decimal
    account_code: str
    description: str
    paid_on: date | None
    payment_id: str = ""

    @property
    def status(self) -> str:
        return "paid" if self.paid_on else "authorised"


@dataclass(frozen=True)
class StripeCharge:
    id: str
    created: datetime
    amount: Decimal  # what the customer paid, in `currency` (major units; JPY whole yen)
    currency: str  # presentment currency
    settled_amount: Decimal  # in GBP, what the balance got before fees
    exchange_rate: Decimal | None
    fee: Decimal
    fee_details: tuple[tuple[str, Decimal, str], ...]  # (type, amount GBP, description)
    customer: Party
    description: str
    invoice_number: str
    card_brand: str
    card_country: str
    last4: str
    balance_transaction_id: str
    refunded: bool = False
    disputed: bool = False


@dataclass(frozen=True)
class StripeRefund:
    id: str
    charge_id: str
    created: datetime
    amount: Decimal  # presentment
    currency: str
    settled_amount: Decimal  # GBP, positive
    balance_transaction_id: str


@dataclass(frozen=True)
class StripeDispute:
    id: str
    charge_id: str
    created: datetime
    amount: Decimal  # presentment
    currency: str
    reason: str
    evidence_due_by: datetime
    closes_on: date
    won: bool
    status: str  # as of today: needs_response | under_review | won | lost
    balance_transaction_ids: tuple[str, ...]


@dataclass(frozen=True)
class StripeBalanceTransaction:
    id: str
    type: str  # charge | refund | adjustment | payout
    reporting_category: str  # charge | refund | dispute | dispute_reversal | payout
    source_id: str
    created: datetime
    available_on: date
    amount: Decimal  # GBP, signed
    fee: Decimal
    net: Decimal
    currency: str
    description: str
    fee_details: tuple[tuple[str, Decimal, str], ...]
    payout_id: str  # the payout that carried it ("" while none has)
    exchange_rate: Decimal | None = None

    def status(self, today: date) -> str:
        return "available" if self.available_on <= today else "pending"


@dataclass(frozen=True)
class StripePayout:
    id: str
    created: datetime
    arrival_date: date
    amount: Decimal  # positive
    currency: str
    status: str  # as of today: in_transit | paid
    descriptor: str
    balance_transaction_id: str  # the payout's own balance transaction
    balance_transaction_ids: tuple[str, ...]  # everything it carried, its own included
    destination_last4: str


@dataclass(frozen=True)
class StripeBook:
    charges: list[StripeCharge]
    refunds: list[StripeRefund]
    disputes: list[StripeDispute]
    balance_transactions: list[StripeBalanceTransaction]
    payouts: list[StripePayout]
    balances: dict[str, tuple[Decimal, Decimal]]  # currency -> (available, pending)


@dataclass(frozen=True)
class PayPalTransaction:
    id: str  # 17 characters, as PayPal's
    event_code: str  # T0006 checkout, T1107 refund, T0400 withdrawal, T0200 conversion, T1201 chargeback
    initiated_at: datetime
    updated_at: datetime
    gross: Decimal  # signed
    fee: Decimal  # PayPal's sign: negative when charged
    net: Decimal  # gross + fee
    currency: str
    status: str  # S success | P pending | V reversed
    payer: Party | None
    invoice_id: str = ""
    note: str = ""


@dataclass(frozen=True)
class PayPalDispute:
    id: str  # PP-D-...
    transaction_id: str
    created: datetime
    amount: Decimal
    currency: str
    reason: str  # MERCHANDISE_OR_SERVICE_NOT_RECEIVED | UNAUTHORISED ...
    seller_response_due: datetime
    status: str  # as of today: WAITING_FOR_SELLER_RESPONSE | UNDER_REVIEW | RESOLVED
    outcome: str  # RESOLVED_BUYER_FAVOUR | RESOLVED_SELLER_FAVOUR | ""


@dataclass(frozen=True)
class PayPalBook:
    transactions: list[PayPalTransaction]
    disputes: list[PayPalDispute]
    balances: dict[str, Decimal]  # currency -> available


@dataclass(frozen=True)
class BankLine:
    id: str
    booked_on: date
    amount: Decimal  # signed: a credit is positive
    currency: str
    description: str
    counterparty: str
    reference: str
    kind: str  # stripe_payout | paypal_withdrawal | invoice_transfer | bill_payment | spend | drawings
    source_id: str = ""  # the payout, PayPal transaction, invoice or bill behind it


@dataclass(frozen=True)
class BusinessBook:
    username: str
    today: date
    business_name: str
    customers: list[Party]
    suppliers: list[Party]
    invoices: list[Invoice]
    bills: list[Bill]
    stripe: StripeBook
    paypal: PayPalBook
    bank_lines: list[BankLine]
    bank_sort_code: str
    bank_account_number: str
    bank_opening_balance: Decimal = OPENING_BANK_BALANCE

    @property
    def bank_balance(self) -> Decimal:
        return self.bank_opening_balance + sum((line.amount for line in self.bank_lines), ZERO)


# --- helpers ----------------------------------------------------------------------------------

_ALNUM = string.ascii_letters + string.digits


def object_id(prefix: str, *parts: object, length: int = 24) -> str:
    """A Stripe-looking id (`ch_3N...`), stable for its parts."""
    digest = int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest(), "big")
    chars = []
    for _ in range(length):
        digest, i = divmod(digest, len(_ALNUM))
        chars.append(_ALNUM[i])
    return f"{prefix}{''.join(chars)}"


def _paypal_id(*parts: object) -> str:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest().upper()
    return digest[:17]


def _guid(*parts: object) -> str:
    h = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in BANK_HOLIDAYS


def next_business_day(day: date) -> date:
    day += timedelta(days=1)
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def is_business_day_left_in_month(day: date) -> bool:
    later = day + timedelta(days=1)
    while later.month == day.month:
        if is_business_day(later):
            return True
        later += timedelta(days=1)
    return False


def add_business_days(day: date, n: int) -> date:
    for _ in range(n):
        day = next_business_day(day)
    return day


def _money(value: Decimal, currency: str = SETTLEMENT) -> Decimal:
    exp = Decimal(1) if currency in ZERO_DECIMAL else CENT
    return value.quantize(exp, rounding=ROUND_HALF_EVEN)


def _amount(rng, low: Decimal, high: Decimal, currency: str = SETTLEMENT) -> Decimal:
    return _money(low + (high - low) * Decimal(str(rng.random())), currency)


def _poisson(rng, lam: float) -> int:
    threshold, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= threshold:
            return k
        k += 1


def _at(day: date, rng, start: int = 8, end: int = 20) -> datetime:
    return datetime.combine(day, time(rng.randrange(start, end), rng.randrange(60), rng.randrange(60)), UTC)


# --- the play ---------------------------------------------------------------------------------


@dataclass
class _Pending:
    """Balance transactions waiting for a payout (Stripe) and scheduled future events."""

    stripe_unpaid: list[StripeBalanceTransaction] = field(default_factory=list)
    later: dict[date, list] = field(default_factory=lambda: defaultdict(list))


class _Play:
    def __init__(self, username: str, until: date) -> None:
        self.username = username
        self.until = until
        fake = Faker("en_GB")
        fake.seed_instance(seed_for("business", username))
        self.business_name = f"{fake.last_name()} {fake.random_element(('Design', 'Studio', 'Consulting', 'Joinery', 'Bakery'))}"
        self.customers = [Party(_guid("customer", username, i), fake.company(), fake.company_email())
                          for i in range(12)]
        self.suppliers = []
        for i, kind in enumerate([k[0] for k in BILL_KINDS] + [ACCOUNTANT[0]]):
            name = f"{fake.last_name()} {kind} Ltd"
            self.suppliers.append(Party(_guid("supplier", username, i), name, f"accounts@{name.split()[0].lower()}.example"))
        rng = rng_for("business-bank", username)
        self.sort_code = f"60-83-{rng.randrange(10, 99)}"
        self.account_number = f"{rng.randrange(10_000_000, 99_999_999)}"
        self.card_last4 = f"{rng.randrange(1000, 9999)}"
        self.invoices: list[Invoice] = []
        self.bills: list[Bill] = []
        self.charges: list[StripeCharge] = []
        self.refunds: list[StripeRefund] = []
        self.disputes: list[StripeDispute] = []
        self.balance_txns: list[StripeBalanceTransaction] = []
        self.payouts: list[StripePayout] = []
        self.paypal: list[PayPalTransaction] = []
        self.paypal_disputes: list[PayPalDispute] = []
        self.bank: list[BankLine] = []
        self.pending = _Pending()
        self.paypal_balance: dict[str, Decimal] = defaultdict(lambda: ZERO)
        self.invoice_seq = 0
        self.bill_seq = 0

    def run(self) -> None:
        day = ANCHOR
        while day <= self.until:
            self._play(day)
            day += timedelta(days=1)

    # Each day: scheduled events first (they were decided earlier), then the day's own.
    def _play(self, day: date) -> None:
        rng = rng_for("business-day", self.username, day)
        for event in self.pending.later.pop(day, []):
            event(day)
        if day.weekday() == 0:
            self._stripe_payout(day)
        if day.weekday() == 4:
            self._paypal_withdrawal(day)
        if is_business_day(day) and not any(is_business_day(day.replace(day=d)) for d in range(1, day.day)):
            self._paypal_convert(day, rng)  # the month's first business day
        if is_business_day(day) and not is_business_day_left_in_month(day):
            self._drawings(day)  # the month's last business day
        if day.weekday() in (1, 3) and rng.random() < 0.7:
            self._invoice(day, rng)
        self._bills(day, rng)
        for seq in range(_poisson(rng, 1.3 if day.weekday() < 5 else 0.6)):
            self._stripe_sale(day, rng, seq)
        for seq in range(_poisson(rng, 0.5)):
            self._paypal_sale(day, rng, seq)
        if is_business_day(day) and rng.random() < 0.35:
            self._spend(day, rng)

    # --- invoices and bills -------------------------------------------------------------------
    def _invoice(self, day: date, rng) -> None:
        self.invoice_seq += 1
        number = f"INV-{self.invoice_seq:04d}"
        customer = rng.choice(self.customers)
        lines = tuple(InvoiceLine(rng.choice(("Design work", "Consulting", "Workshop", "Support retainer")),
                                  _amount(rng, Decimal("120"), Decimal("900")),
                                  SALES_CODE if rng.random() < 0.85 else OTHER_REVENUE_CODE)
                      for _ in range(rng.randint(1, 3)))
        total = sum((line.amount for line in lines), ZERO)
        due = day + timedelta(days=30)
        roll = rng.random()
        if roll < 0.45:
            paid_on, paid_by = day + timedelta(days=rng.randint(2, 28)), "stripe"
        elif roll < 0.85:
            paid_on, paid_by = day + timedelta(days=rng.randint(5, 30)), "bank"
        elif roll < 0.95:
            paid_on, paid_by = due + timedelta(days=rng.randint(10, 40)), "bank"
        else:
            paid_on, paid_by = None, ""
        if paid_by == "bank":
            while not is_business_day(paid_on):
                paid_on += timedelta(days=1)
        invoice = Invoice(_guid("invoice", self.username, number), number, customer, day, due, SETTLEMENT, total,
                          lines, paid_on, paid_by, payment_id=_guid("payment", self.username, number) if paid_on else "")
        index = len(self.invoices)
        self.invoices.append(invoice)
        if paid_by == "stripe":
            self.pending.later[paid_on].append(lambda d, i=index: self._invoice_card_payment(d, i))
        elif paid_by == "bank":
            self.pending.later[paid_on].append(lambda d, i=index: self._invoice_bank_payment(d, i))

    def _invoice_card_payment(self, day: date, index: int) -> None:
        invoice = self.invoices[index]
        rng = rng_for("invoice-card", self.username, invoice.number)
        charge = self._charge(day, rng, amount=invoice.total, currency=SETTLEMENT, region="uk",
                              customer=invoice.customer, description=f"Invoice {invoice.number}",
                              invoice_number=invoice.number, key=("invoice", invoice.number))
        self.invoices[index] = replace(invoice, charge_id=charge.id)

    def _invoice_bank_payment(self, day: date, index: int) -> None:
        invoice = self.invoices[index]
        self.bank.append(BankLine(_guid("bank", self.username, "inv", invoice.number), day, invoice.total, SETTLEMENT,
                                  f"FASTER PAYMENT FROM {invoice.customer.name.upper()}", invoice.customer.name,
                                  invoice.number, "invoice_transfer", invoice.id))

    def _bills(self, day: date, rng) -> None:
        for i, (kind, code, amount, dom) in enumerate(BILL_KINDS):
            if day.day == dom:
                self._bill(day, self.suppliers[i], code, amount if amount is not None else
                           _amount(rng, Decimal("80"), Decimal("300")), kind)
        if day.day == 5 and day.month in (1, 4, 7, 10):
            self._bill(day, self.suppliers[len(BILL_KINDS)], ACCOUNTANT[1], ACCOUNTANT[2], ACCOUNTANT[0])

    def _bill(self, day: date, supplier: Party, code: str, total: Decimal, kind: str) -> None:
        self.bill_seq += 1
        number = f"BILL-{self.bill_seq:04d}"
        due = day + timedelta(days=14)
        while not is_business_day(due):
            due += timedelta(days=1)
        bill = Bill(_guid("bill", self.username, number), number, supplier, day, due, SETTLEMENT, total, code,
                    f"{kind} {day:%B %Y}", due, _guid("billpayment", self.username, number))
        self.bills.append(bill)
        self.pending.later[due].append(lambda d, b=bill: self.bank.append(BankLine(
            _guid("bank", self.username, "bill", b.number), d, -b.total, SETTLEMENT, b.supplier.name.upper(),
            b.supplier.name, b.number, "bill_payment", b.id)))

    def _drawings(self, day: date) -> None:
        """The owner pays themself what is above a working balance, in round hundreds."""
        balance = OPENING_BANK_BALANCE + sum((line.amount for line in self.bank), ZERO)
        above = (balance - OPENING_BANK_BALANCE) // 100 * 100
        if above > 0:
            self.bank.append(BankLine(_guid("bank", self.username, "drawings", day), day, -above, SETTLEMENT,
                                      "TRANSFER TO OWNER PERSONAL ACCOUNT", "Owner", "DRAWINGS", "drawings"))

    def _spend(self, day: date, rng) -> None:
        merchant, what, low, high = rng.choice(SPENDING)
        amount = _amount(rng, low, high)
        self.bank.append(BankLine(_guid("bank", self.username, "spend", day), day, -amount, SETTLEMENT,
                                  f"CARD PAYMENT TO {merchant}", merchant.title(), "", "spend"))

    # --- Stripe -------------------------------------------------------------------------------
    def _stripe_sale(self, day: date, rng, seq: int) -> None:
        roll = rng.random()
        if roll < 0.86:
            currency, region = SETTLEMENT, "uk"
        elif roll < 0.94:
            currency, region = "EUR", "eea"
        elif roll < 0.98:
            currency, region = "USD", "intl"
        else:
            currency, region = "JPY", "intl"
        if currency == "JPY":
            amount = _amount(rng, Decimal("1500"), Decimal("20000"), "JPY")
        else:
            amount = _amount(rng, Decimal("12"), Decimal("180"), currency)
        self._charge(day, rng, amount=amount, currency=currency, region=region, customer=rng.choice(self.customers),
                     description="Online order", invoice_number="", key=("sale", day, seq))
        index = len(self.charges) - 1
        follow = rng.random()
        if follow < 0.03:
            self.pending.later[day + timedelta(days=rng.randint(1, 10))].append(lambda d, i=index: self._stripe_refund(d, i))
        elif follow < 0.036:
            won = rng.random() < 0.4
            self.pending.later[day + timedelta(days=rng.randint(15, 45))].append(
                lambda d, i=index, won=won: self._stripe_dispute(d, i, won))

    def _charge(self, day: date, rng, *, amount: Decimal, currency: str, region: str, customer: Party,
                description: str, invoice_number: str, key: tuple) -> StripeCharge:
        created = _at(day, rng)
        if currency == SETTLEMENT:
            settled, rate = amount, None
        else:
            low, high = FX_RATES[currency]
            rate = (low + (high - low) * Decimal(str(rng.random()))).quantize(Decimal("0.000001"))
            settled = _money(amount * rate)
        percent, fixed = STRIPE_PRICING[region]
        if currency != SETTLEMENT:
            percent += STRIPE_FX_FEE
        fee = (settled * percent + fixed).quantize(CENT, rounding=ROUND_HALF_UP)
        charge_id = object_id("ch_3", self.username, *key)
        txn_id = object_id("txn_3", self.username, *key)
        fee_details = (("stripe_fee", fee, "Stripe processing fees"),)
        charge = StripeCharge(charge_id, created, amount, currency, settled, rate, fee, fee_details, customer, description,
                              invoice_number, rng.choice(("visa", "mastercard", "amex")),
                              {"uk": "GB", "eea": "FR", "intl": "US" if currency != "JPY" else "JP"}[region],
                              f"{rng.randrange(1000, 9999)}", txn_id)
        self.charges.append(charge)
        self._stripe_txn(StripeBalanceTransaction(
            txn_id, "charge", "charge", charge_id, created, add_business_days(day, 3), settled, fee, settled - fee,
            SETTLEMENT, description, fee_details, "", rate))
        return charge

    def _stripe_txn(self, txn: StripeBalanceTransaction) -> None:
        self.balance_txns.append(txn)
        self.pending.stripe_unpaid.append(txn)

    def _stripe_refund(self, day: date, index: int) -> None:
        charge = self.charges[index]
        rng = rng_for("refund", self.username, charge.id)
        created = _at(day, rng)
        refund_id = object_id("re_3", self.username, charge.id)
        txn_id = object_id("txn_3", self.username, "refund", charge.id)
        self.refunds.append(StripeRefund(refund_id, charge.id, created, charge.amount, charge.currency,
                                         charge.settled_amount, txn_id))
        self.charges[index] = replace(charge, refunded=True)
        # Stripe keeps its processing fee on a refund: the refund's fee is zero.
        self._stripe_txn(StripeBalanceTransaction(
            txn_id, "refund", "refund", refund_id, created, day, -charge.settled_amount, ZERO, -charge.settled_amount,
            SETTLEMENT, f"REFUND FOR CHARGE ({charge.description})", (), "", charge.exchange_rate))

    def _stripe_dispute(self, day: date, index: int, won: bool) -> None:
        charge = self.charges[index]
        rng = rng_for("dispute", self.username, charge.id)
        created = _at(day, rng)
        dispute_id = object_id("dp_1", self.username, charge.id)
        withdrawal = object_id("txn_1", self.username, "dispute", charge.id)
        fee_details = (("stripe_fee", DISPUTE_FEE, "Dispute fee"),)
        self._stripe_txn(StripeBalanceTransaction(
            withdrawal, "adjustment", "dispute", dispute_id, created, day, -charge.settled_amount, DISPUTE_FEE,
            -charge.settled_amount - DISPUTE_FEE, SETTLEMENT, f"Chargeback withdrawal for {charge.id}", fee_details, ""))
        closes_on = day + timedelta(days=rng.randint(45, 75))
        self.disputes.append(StripeDispute(dispute_id, charge.id, created, charge.amount, charge.currency,
                                           rng.choice(("fraudulent", "product_not_received", "duplicate")),
                                           datetime.combine(day + timedelta(days=7), time(23, 59, 59), UTC),
                                           closes_on, won, "", (withdrawal,)))
        self.charges[index] = replace(charge, disputed=True)
        if won:
            self.pending.later[closes_on].append(lambda d, c=charge, dp=dispute_id: self._stripe_dispute_won(d, c, dp))

    def _stripe_dispute_won(self, day: date, charge: StripeCharge, dispute_id: str) -> None:
        rng = rng_for("dispute-won", self.username, charge.id)
        txn_id = object_id("txn_1", self.username, "dispute-reversal", charge.id)
        self._stripe_txn(StripeBalanceTransaction(
            txn_id, "adjustment", "dispute_reversal", dispute_id, _at(day, rng), day, charge.settled_amount, ZERO,
            charge.settled_amount, SETTLEMENT, f"Chargeback reversal for {charge.id}", (), ""))
        self.disputes = [replace(d, balance_transaction_ids=(*d.balance_transaction_ids, txn_id))
                         if d.id == dispute_id else d for d in self.disputes]

    def _stripe_payout(self, day: date) -> None:
        """Weekly payouts on Mondays of everything available by then; a negative total waits."""
        ready = [t for t in self.pending.stripe_unpaid if t.available_on <= day]
        total = sum((t.net for t in ready), ZERO)
        if not ready or total <= ZERO:
            return
        payout_id = object_id("po_1", self.username, day)
        txn_id = object_id("txn_1", self.username, "payout", day)
        created = datetime.combine(day, time(6, 0), UTC)
        arrival = next_business_day(day)
        carried = {t.id for t in ready}
        self.pending.stripe_unpaid = [t for t in self.pending.stripe_unpaid if t.id not in carried]
        self.balance_txns = [replace(t, payout_id=payout_id) if t.id in carried else t for t in self.balance_txns]
        own = StripeBalanceTransaction(txn_id, "payout", "payout", payout_id, created, day, -total, ZERO, -total,
                                       SETTLEMENT, "STRIPE PAYOUT", (), payout_id)
        self.balance_txns.append(own)
        self.payouts.append(StripePayout(payout_id, created, arrival, total, SETTLEMENT, "", STRIPE_PAYOUT_DESCRIPTOR,
                                         txn_id, (*[t.id for t in ready], txn_id), self.account_number[-4:]))
        self.pending.later[arrival].append(lambda d, p=payout_id, amount=total: self.bank.append(BankLine(
            _guid("bank", self.username, "stripe", p), d, amount, SETTLEMENT, STRIPE_BANK_NAME, "Stripe",
            STRIPE_PAYOUT_DESCRIPTOR, "stripe_payout", p)))

    # --- PayPal -------------------------------------------------------------------------------
    def _paypal_sale(self, day: date, rng, seq: int) -> None:
        currency = "USD" if rng.random() < 0.1 else SETTLEMENT
        gross = _amount(rng, Decimal("10"), Decimal("250"), currency)
        percent, fixed = PAYPAL_PRICING[currency]
        fee = -(gross * percent + fixed).quantize(CENT, rounding=ROUND_HALF_UP)
        at = _at(day, rng)
        customer = rng.choice(self.customers)
        txn = PayPalTransaction(_paypal_id("pp", self.username, day, seq), rng.choice(("T0006", "T0007")), at, at,
                                gross, fee, gross + fee, currency, "S", customer, f"ORDER-{seed_for(day, seq) % 100000:05d}")
        self._paypal_add(txn)
        index = len(self.paypal) - 1
        follow = rng.random()
        if follow < 0.02:
            self.pending.later[day + timedelta(days=rng.randint(1, 8))].append(lambda d, i=index: self._paypal_refund(d, i))
        elif follow < 0.025:
            self.pending.later[day + timedelta(days=rng.randint(10, 30))].append(lambda d, i=index: self._paypal_dispute(d, i))

    def _paypal_add(self, txn: PayPalTransaction) -> None:
        self.paypal.append(txn)
        self.paypal_balance[txn.currency] += txn.net

    def _paypal_refund(self, day: date, index: int) -> None:
        sale = self.paypal[index]
        at = _at(day, rng_for("pp-refund", self.username, sale.id))
        # PayPal keeps its fee on a refund since 2021 (UK): the refund carries no fee.
        self._paypal_add(PayPalTransaction(_paypal_id("pp-refund", self.username, sale.id), "T1107", at, at,
                                           -sale.gross, ZERO, -sale.gross, sale.currency, "S", sale.payer, sale.invoice_id,
                                           f"Refund of {sale.id}"))

    def _paypal_dispute(self, day: date, index: int) -> None:
        sale = self.paypal[index]
        rng = rng_for("pp-dispute", self.username, sale.id)
        at = _at(day, rng)
        self.paypal_disputes.append(PayPalDispute(f"PP-D-{seed_for('ppd', self.username, sale.id) % 100000:05d}", sale.id, at,
                                                  sale.gross, sale.currency,
                                                  rng.choice(("MERCHANDISE_OR_SERVICE_NOT_RECEIVED", "UNAUTHORISED")),
                                                  at + timedelta(days=10), "", "RESOLVED_BUYER_FAVOUR" if rng.random() < 0.5
                                                  else "RESOLVED_SELLER_FAVOUR"))
        self._paypal_add(PayPalTransaction(_paypal_id("pp-hold", self.username, sale.id), "T1201", at, at, -sale.gross, ZERO,
                                           -sale.gross, sale.currency, "S", sale.payer, sale.invoice_id,
                                           f"Chargeback for {sale.id}"))

    def _paypal_withdrawal(self, day: date) -> None:
        balance = self.paypal_balance[SETTLEMENT]
        if balance <= ZERO:
            return
        at = datetime.combine(day, time(17, 0), UTC)
        txn = PayPalTransaction(_paypal_id("pp-withdraw", self.username, day), "T0400", at, at, -balance, ZERO, -balance,
                                SETTLEMENT, "S", None, "", "General withdrawal to bank account")
        self._paypal_add(txn)
        self.pending.later[next_business_day(day)].append(lambda d, t=txn: self.bank.append(BankLine(
            _guid("bank", self.username, "paypal", t.id), d, -t.gross, SETTLEMENT, PAYPAL_BANK_NAME, "PayPal",
            f"PAYPAL {t.id[:8]}", "paypal_withdrawal", t.id)))

    def _paypal_convert(self, day: date, rng) -> None:
        usd = self.paypal_balance["USD"]
        if usd <= ZERO:
            return
        low, high = FX_RATES["USD"]
        rate = (low + (high - low) * Decimal(str(rng.random()))).quantize(Decimal("0.000001"))
        gbp = _money(usd * rate * Decimal("0.97"))  # PayPal's conversion spread
        at = datetime.combine(day, time(9, 0), UTC)
        self._paypal_add(PayPalTransaction(_paypal_id("pp-fx-out", self.username, day), "T0200", at, at, -usd, ZERO, -usd,
                                           "USD", "S", None, "", "Currency conversion"))
        self._paypal_add(PayPalTransaction(_paypal_id("pp-fx-in", self.username, day), "T0200", at, at, gbp, ZERO, gbp,
                                           SETTLEMENT, "S", None, "", "Currency conversion"))


def _as_of(play: _Play, today: date) -> BusinessBook:
    """The book as the providers show it on `today`: statuses decided by the date."""
    invoices = [inv if inv.paid_on and inv.paid_on <= today else replace(inv, paid_on=None, paid_by="", payment_id="",
                                                                          charge_id="")
                for inv in play.invoices if inv.issue_date <= today]
    bills = [b if b.paid_on and b.paid_on <= today else replace(b, paid_on=None, payment_id="")
             for b in play.bills if b.issue_date <= today]
    disputes = []
    for d in play.disputes:
        if d.closes_on <= today:
            status = "won" if d.won else "lost"
        elif d.evidence_due_by.date() >= today:
            status = "needs_response"
        else:
            status = "under_review"
        disputes.append(replace(d, status=status))
    payouts = [replace(p, status="paid" if p.arrival_date <= today else "in_transit") for p in play.payouts]
    available: dict[str, Decimal] = defaultdict(lambda: ZERO)
    pending: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for txn in play.balance_txns:
        (available if txn.available_on <= today else pending)[txn.currency] += txn.net
    pp_disputes = []
    for d in play.paypal_disputes:
        if today >= (d.created + timedelta(days=30)).date():
            pp_disputes.append(replace(d, status="RESOLVED"))
        elif today > d.seller_response_due.date():
            pp_disputes.append(replace(d, status="UNDER_REVIEW", outcome=""))
        else:
            pp_disputes.append(replace(d, status="WAITING_FOR_SELLER_RESPONSE", outcome=""))
    return BusinessBook(
        username=play.username, today=today, business_name=play.business_name, customers=play.customers,
        suppliers=play.suppliers, invoices=invoices, bills=bills,
        stripe=StripeBook(list(play.charges), list(play.refunds), disputes, list(play.balance_txns), payouts,
                          {SETTLEMENT: (available[SETTLEMENT], pending[SETTLEMENT])}),
        paypal=PayPalBook(list(play.paypal), pp_disputes, {c: v for c, v in play.paypal_balance.items() if v or c == SETTLEMENT}),
        bank_lines=sorted(play.bank, key=lambda line: (line.booked_on, line.id)),
        bank_sort_code=play.sort_code, bank_account_number=play.account_number)


@lru_cache(maxsize=64)
def business_book(username: str, today: date) -> BusinessBook:
    """Everything the business's providers show on `today` (cached: a pure function)."""
    play = _Play(username, today)
    play.run()
    return _as_of(play, today)
