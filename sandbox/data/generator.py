"""Deterministic statements: `build_book(institution, username, today)` is a pure function.

Every ledger starts on a fixed ANCHOR date and is played forward day by day, each day drawing
from its own seeded RNG. A day's lines therefore never depend on `today`; `today` only decides
which days exist yet, which lines are still pending, and where the bank's history window
starts. Moving the sandbox clock adds days and books pending lines, and nothing else changes -
which is exactly what incremental sync needs to be tested against.

One played-forward generator per (institution, username) is shared by every `today`: it is only
ever extended, and a book is a view of the days up to `today`. So no `today` can produce
different lines for a day than another did (the lines are made once), and a new sandbox day
costs one day of play, not a replay from ANCHOR. `generate_book` replays from scratch; the
tests hold the two equal."""

from __future__ import annotations

import hashlib
import math
import threading
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_FLOOR, Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from sandbox.institutions import BUSINESS_BANK, Institution, Product, institution_by_slug

from .merchants import GROCERIES, Bill, Merchant
from .profile import CENT, accounts_for, household_for, identity_for, money, profile_for, rng_for
from .records import AccountSnapshot, Book, CardStatement, SandboxAccount, Transaction

ANCHOR = date(2025, 1, 1)
ZERO = Decimal("0.00")
PAYMENT_DUE_AFTER = timedelta(days=21)
TIME_ZONES = {"GB": ZoneInfo("Europe/London"), "US": ZoneInfo("America/New_York")}
TIPS = (Decimal("0.10"), Decimal("0.125"), Decimal("0.15"))


def _txn_id(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


@dataclass
class _Line:
    """A statement line before `today` decides whether it is pending or booked."""

    day: date  # the day it happened: before then it does not exist at all
    seq: int
    line: Transaction  # the booked form (booked id and final amount)
    pending_id: str
    pending_amount: Decimal


class _Ledger:
    def __init__(self, account: SandboxAccount, opening: Decimal) -> None:
        self.account = account
        self.opening = opening
        self.balance = opening  # booked balance at the end of the last closed day
        self.lines: list[_Line] = []
        self._booking: defaultdict[date, Decimal] = defaultdict(Decimal)
        self._ordered: list[_Line] = []

    def add(self, line: _Line) -> None:
        self.lines.append(line)
        self._booking[line.line.booking_date] += line.line.amount

    def in_booking_order(self) -> list[_Line]:
        """Every line played so far, in the order the bank books them. Sorted again only when
        the ledger has grown, so the books of many days share one sort."""
        if len(self._ordered) != len(self.lines):
            self._ordered = sorted(self.lines, key=lambda ln: (ln.line.booking_date, ln.line.timestamp, ln.seq))
        return self._ordered

    def close_day(self, day: date) -> None:
        self.balance += self._booking.pop(day, ZERO)


class _Generator:
    def __init__(self, institution: Institution, username: str, main: bool = True) -> None:
        self.institution = institution
        self.username = username
        self.main = main  # the person's salary, rent and bills land here (sandbox/persona.py)
        self.profile = profile_for(institution, username)
        self.identity = identity_for(username, institution.country)
        self.household = household_for(username, institution.country)
        self.tz = TIME_ZONES[institution.country]
        self.ledgers: dict[str, _Ledger] = {}
        for account in accounts_for(institution, username, self.identity):
            opening = {Product.CURRENT: self.profile.opening_current,
                       Product.SAVINGS: self.profile.opening_savings}.get(account.product, ZERO)
            self.ledgers[account.key] = _Ledger(account, opening)
        self.current = self.ledgers.get(Product.CURRENT)
        self.savings = self.ledgers.get(Product.SAVINGS)
        self.card = self.ledgers.get(Product.CREDIT_CARD)
        self.statements: list[tuple[date, Decimal]] = []
        self.played_until = ANCHOR - timedelta(days=1)
        self.lock = threading.Lock()  # the live server and the test thread may share one generator

    # --- playing the ledgers forward -----------------------------------------------------
    def run(self, until: date) -> None:
        """Play every day up to `until` that has not been played yet (never a day twice)."""
        day = self.played_until + timedelta(days=1)
        while day <= until:
            self._play_day(day)
            for ledger in self.ledgers.values():
                ledger.close_day(day)
            if self.card and day.day == self.profile.statement_day:
                self.statements.append((day, max(ZERO, -self.card.balance)))
            self.played_until = day
            day += timedelta(days=1)

    def _play_day(self, day: date) -> None:
        seq = iter(range(1000))
        payday = self._payday(day.year, day.month)
        profile = self.profile
        if day == payday:
            if self.current and self.main:
                self._add(self.current, day, next(seq), profile.locale.employer_description, profile.salary,
                          "BGC", counterparty=profile.locale.employer_name)
            elif self.current or self.savings:  # paid elsewhere: they move some money in themselves
                name = self.identity.full_name.upper()
                self._add(self.current or self.savings, day, next(seq), f"FROM {name}", profile.savings_topup,
                          "FPI", counterparty=name)
        if day.day == 1 and self.current and self.main:
            self._add(self.current, day, next(seq), f"{profile.locale.landlord_prefix} {profile.landlord}",
                      -profile.rent, "SO", ("Home", "Rent"), counterparty=profile.landlord.title())
        if day.day == 1 and self.savings and self.savings.balance > 0:
            interest = (self.savings.balance * profile.locale.savings_rate / 12).quantize(CENT)
            if interest > 0:
                self._add(self.savings, day, next(seq), "INTEREST PAID", interest, "INT")
        for bill in profile.locale.bills if self.main else ():
            if day.day == bill.day and (not bill.instalment_months or day.month in bill.instalment_months):
                self._add_bill(bill, day, next(seq))
        if day == payday + timedelta(days=1) and self.current and self.savings and self.main:
            self._sweep_to_savings(day, next(seq))
        for statement_date, owed in self.statements[-2:]:
            if day == statement_date + PAYMENT_DUE_AFTER and owed > 0:
                self._add(self.card, day, next(seq), "PAYMENT RECEIVED - THANK YOU", owed, "PAY")
        if self.main:
            self._groceries(day, seq)
        self._card_spending(day, seq)

    def _payday(self, year: int, month: int) -> date:
        payday = date(year, month, self.profile.payday)
        # Salaries paid by BACS land on the working day before a weekend.
        return payday - timedelta(days=max(0, payday.weekday() - 4))

    def _add_bill(self, bill: Bill, day: date, seq: int) -> None:
        ledger = (self.card or self.current) if bill.bank_code == "DEB" else self.current
        if ledger is None:
            return
        if bill.instalment_months:  # one amount for the year that starts in April
            rng = rng_for("bill", self.institution.slug, self.username, bill.description,
                          day.year if day.month >= 4 else day.year - 1)
        else:
            rng = rng_for("bill", self.institution.slug, self.username, bill.description, day.year, day.month)
        amount = money(rng.uniform(float(bill.low), float(bill.high))) if bill.high > bill.low else bill.low
        if bill.bank_code == "DEB":  # a card subscription: authorised today, books tomorrow
            self._add_card_payment(ledger, day, seq, bill.description, amount, bill.name, bill.classification,
                                   bill.mcc, settle_days=1, at=time(3, 0))
        else:
            self._add(ledger, day, seq, bill.description, -amount, bill.bank_code, bill.classification,
                      merchant=bill.name, counterparty=bill.name)

    def _sweep_to_savings(self, day: date, seq: int) -> None:
        """Keep about one salary in the current account, moving the surplus to savings (or
        topping up from savings when the month ran over), so years of generated history stay
        within believable balances."""
        surplus = self.current.balance - self.profile.salary
        amount = (surplus / 50).to_integral_value(rounding=ROUND_FLOOR) * 50
        if amount < 0 and self.current.balance < self.profile.salary / 2:
            amount = max(amount, -(self.savings.balance / 50).to_integral_value(rounding=ROUND_FLOOR) * 50)
        elif amount < 50:
            return
        if amount == 0:
            return
        savings, current = self.savings.account, self.current.account
        if amount < 0:
            self._add(self.savings, day, seq, f"TO {current.account_number} CURRENT", amount, "TFR",
                      counterparty=self.identity.full_name)
            self._add(self.current, day, seq, f"FROM {savings.account_number} SAVINGS", -amount, "TFR",
                      counterparty=self.identity.full_name)
            return
        self._add(self.current, day, seq, f"TO {savings.account_number} SAVINGS", -amount, "TFR",
                  counterparty=self.identity.full_name)
        self._add(self.savings, day, seq, f"FROM {current.account_number} CURRENT", amount, "TFR",
                  counterparty=self.identity.full_name)

    def _groceries(self, day: date, seq) -> None:
        """One household's food shopping (sandbox/data/profile.py `Household`): the big shops on
        their shop days at their own supermarket, sharing the week's budget, plus a few small
        top-ups. Drawn from the person and the day only, never the bank, and played at the main
        bank only, so one person's banks hold one household's groceries."""
        ledger = self.current or self.card
        if ledger is None:
            return
        household, habits = self.household, self.profile.locale.groceries
        rng = rng_for("groceries", self.institution.country, self.username, day.isoformat())
        stores = [m for m in self.profile.locale.merchants if m.classification == GROCERIES]
        weekly = float(household.weekly_budget)
        if day.weekday() in household.shop_days:
            store = next(m for m in stores if m.name == household.store)
            big_shop = weekly * (1 - float(habits.top_up_share)) / len(household.shop_days)
            if day.month == 12 and 18 <= day.day <= 24:  # the Christmas shop
                big_shop *= 1.3
            number = rng_for("local store", self.institution.country, self.username).randint(1000, 9999)
            self._grocery_shop(ledger, day, next(seq), store, money(big_shop * rng.uniform(0.85, 1.15)), number, rng)
        top_up_mean = float(sum(habits.top_up)) / 2
        for _ in range(_poisson(rng, weekly * float(habits.top_up_share) / top_up_mean / 7)):
            store = rng.choices(stores, weights=[m.weight for m in stores])[0]
            amount = money(rng.uniform(*map(float, habits.top_up)))
            self._grocery_shop(ledger, day, next(seq), store, amount, rng.randint(1000, 9999), rng)

    def _grocery_shop(self, ledger: _Ledger, day: date, seq: int, store: Merchant, amount: Decimal, number: int,
                      rng) -> None:
        self._add_card_payment(ledger, day, seq, store.description.format(store=number, ref=""), amount, store.name,
                               store.classification, store.mcc, settle_days=rng.randint(1, 3), at=_shop_hours(rng))

    def _card_spending(self, day: date, seq) -> None:
        profile = self.profile
        fixed = profile.rent + sum((b.low + b.high) / 2 for b in profile.locale.bills)
        # Spend what is left after fixed costs and food, bar about 15% of pay that ends up saved.
        food = self.household.weekly_budget * 52 / 12
        monthly = max(profile.salary * Decimal("0.85") - fixed - food, profile.salary * Decimal("0.10"))
        if not self.main:  # a second bank spends about what they move into it
            monthly = profile.savings_topup * Decimal("0.9")
        daily = float(monthly) / 30.4
        # Food shopping is the household's (`_groceries`), not a random draw per bank.
        merchants = [m for m in profile.locale.merchants if m.classification != GROCERIES]
        if self.current and self.card:
            targets = [(self.current, [m for m in merchants if m.everyday], daily * (1 - profile.card_spend_share)),
                       (self.card, [m for m in merchants if not m.everyday], daily * profile.card_spend_share)]
        elif self.current:
            targets = [(self.current, list(merchants) if self.main else [m for m in merchants if m.everyday], daily)]
        elif self.card:  # their pay lands elsewhere: only part of their spending is on this card
            targets = [(self.card, list(merchants), daily * profile.card_spend_share * 0.6)]
        else:
            targets = []
        for ledger, choices, budget in targets:
            rng = rng_for("spend", self.institution.slug, self.username, ledger.account.key, day.isoformat())
            mean = sum(float(m.low + m.high) / 2 * m.weight for m in choices) / sum(m.weight for m in choices)
            weekend = 1.3 if day.weekday() >= 5 else 1.0
            for _ in range(_poisson(rng, budget * weekend / mean)):
                merchant = rng.choices(choices, weights=[m.weight for m in choices])[0]
                self._purchase(ledger, day, next(seq), merchant, rng)

    def _purchase(self, ledger: _Ledger, day: date, seq: int, merchant: Merchant, rng) -> None:
        amount = money(rng.uniform(float(merchant.low), float(merchant.high)))
        description = merchant.description.format(
            store=rng.randint(1000, 9999), ref="".join(rng.choices("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", k=3)))
        booked = amount * (1 + rng.choice(TIPS)) if merchant.tips else amount
        self._add_card_payment(
            ledger, day, seq, description, amount, merchant.name, merchant.classification, merchant.mcc,
            settle_days=rng.randint(1, 3) + (1 if merchant.tips else 0),
            at=_shop_hours(rng), booked_amount=money(booked))

    # --- building lines ----------------------------------------------------------------------
    def _add(self, ledger: _Ledger, day: date, seq: int, description: str, amount: Decimal, bank_code: str,
             classification: tuple[str, ...] = (), *, merchant: str = "", counterparty: str = "") -> None:
        """A line that books the day it happens (transfers, direct debits, credits). Banks give
        these a date only, which feeds carry as midnight UTC."""
        booked_id = _txn_id("booked", self.institution.slug, self.username, ledger.account.key, day, seq)
        line = Transaction(
            transaction_id=booked_id, account_key=ledger.account.key,
            timestamp=datetime.combine(day, time(0, 0), tzinfo=UTC), booking_date=day,
            description=description, amount=amount, currency=ledger.account.currency, bank_code=bank_code,
            classification=classification if amount < 0 else (), merchant_name=merchant,
            counterparty=counterparty)
        ledger.add(_Line(day, seq, line, booked_id, amount))

    def _add_card_payment(self, ledger: _Ledger, day: date, seq: int, description: str, amount: Decimal,
                          merchant: str, classification: tuple[str, str], mcc: str, *, settle_days: int,
                          at: time, booked_amount: Decimal | None = None) -> None:
        """A card payment: pending from `day` for `settle_days`, then booked - under the same id
        only if the bank keeps ids and the amount did not change (a tip always re-books)."""
        booked_amount = booked_amount or amount
        parts = (self.institution.slug, self.username, ledger.account.key, day, seq)
        pending_id = _txn_id("pending", *parts)
        keeps_id = self.institution.pending_ids_survive_booking and booked_amount == amount
        line = Transaction(
            transaction_id=pending_id if keeps_id else _txn_id("booked", *parts), account_key=ledger.account.key,
            timestamp=datetime.combine(day, at, tzinfo=self.tz), booking_date=day + timedelta(days=settle_days),
            description=description, amount=-booked_amount, currency=ledger.account.currency, bank_code="DEB",
            classification=classification, merchant_name=merchant, merchant_category_code=mcc,
            counterparty=merchant)
        ledger.add(_Line(day, seq, line, pending_id, -amount))

    # --- the view from `today` ---------------------------------------------------------------
    def snapshot(self, ledger: _Ledger, today: date, history_start: date) -> AccountSnapshot:
        # The generator may have been played past `today` for a later book: those days do not exist yet.
        ordered = [ln for ln in ledger.in_booking_order() if ln.day <= today]
        balance, booked, opening = ledger.opening, [], None
        for entry in ordered:
            if entry.line.booking_date > today:
                continue
            if entry.line.booking_date >= history_start and opening is None:
                opening = balance
            balance += entry.line.amount
            if entry.line.booking_date >= history_start:
                booked.append(replace(entry.line, running_balance=balance))
        pending = [replace(e.line, transaction_id=e.pending_id, amount=e.pending_amount, is_pending=True)
                   for e in ordered if e.line.booking_date > today]
        available = balance + sum((p.amount for p in pending), ZERO)
        statement = None
        if ledger.account.is_card:
            available += ledger.account.credit_limit
            statement = self._statement(today)
        return AccountSnapshot(account=ledger.account, booked=tuple(booked), pending=tuple(pending),
                               opening_balance=balance if opening is None else opening,
                               current=balance, available=available, statement=statement)

    def _statement(self, today: date) -> CardStatement | None:
        issued = [(d, owed) for d, owed in self.statements if d <= today]
        if not issued:
            return None
        statement_date, owed = issued[-1]
        due_date = statement_date + PAYMENT_DUE_AFTER
        return CardStatement(statement_date=statement_date, statement_balance=owed,
                             payment_due=owed if today < due_date else ZERO, payment_due_date=due_date)


def _shop_hours(rng) -> time:
    """07:00-18:59 local: early enough that the UTC date is the local date in London and New
    York alike, so a purchase never lands on a different day in a UTC-based feed."""
    return time(rng.randint(7, 18), rng.randint(0, 59), rng.randint(0, 59))


def _poisson(rng, lam: float) -> int:
    """Knuth's method; `random` has no Poisson draw and lambda is small here."""
    limit, k, product = math.exp(-lam), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _book(generator: _Generator, today: date) -> Book:
    history_start = max(ANCHOR, today - timedelta(days=generator.profile.history_days))
    snapshots = tuple(generator.snapshot(ledger, today, history_start) for ledger in generator.ledgers.values())
    return Book(institution=generator.institution, username=generator.username, today=today,
                history_start=history_start, identity=generator.identity, accounts=snapshots)


def _institution(slug: str) -> Institution:
    institution = institution_by_slug(slug)
    if institution is None:
        raise KeyError(f"Unknown sandbox institution {slug!r}")
    return institution


@lru_cache(maxsize=64)
def _shared_generator(institution_slug: str, username: str, main: bool = True) -> _Generator:
    return _Generator(_institution(institution_slug), username, main)


@lru_cache(maxsize=64)
def build_book(institution_slug: str, username: str, today: date, main: bool = True) -> Book:
    """Everything `username` has at the institution as of `today`. Cached: it is pure. `main`:
    whether their salary, rent and bills land here (sandbox/persona.py decides)."""
    if institution_slug == BUSINESS_BANK:  # not a household's book: the business persona's bank
        from sandbox.business.bank import business_bank_book

        return business_bank_book(username, today)
    generator = _shared_generator(institution_slug, username, main)
    with generator.lock:
        generator.run(today)
        return _book(generator, today)


def generate_book(institution_slug: str, username: str, today: date, main: bool = True) -> Book:
    """The same book as `build_book`, replayed from ANCHOR with nothing shared or cached."""
    if institution_slug == BUSINESS_BANK:
        from sandbox.business.bank import business_bank_book

        return business_bank_book(username, today)  # already pure and computed from the persona's book
    generator = _Generator(_institution(institution_slug), username, main)
    generator.run(today)
    return _book(generator, today)
