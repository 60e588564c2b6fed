"""Who the person is and how they use their money, derived only from (institution, username).

Randomness is always a `random.Random` (or a Faker) seeded from a SHA-256 of the inputs, never
Python's `hash()` (salted per process), so every process and every run agrees."""

from __future__ import annotations

import hashlib
import random
import threading
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from faker import Faker

from sandbox.institutions import Institution, Product

from .merchants import GROCERIES, Locale, locale_for
from .records import Identity, SandboxAccount

CENT = Decimal("0.01")

# Sort code ranges the real banks use, so statements look familiar.
SORT_CODE_PREFIX = {"monzo": "04-00", "hsbc": "40-11", "barclays": "20-32", "lloyds": "30-94",
                    "santander": "09-01", "nationwide": "07-04"}
CARD_PREFIX = {"VISA": "4", "MASTERCARD": "5", "AMEX": "37"}
ACCOUNT_NAMES = {
    Product.CURRENT: {"GB": "{bank} Current Account", "US": "{bank} Checking"},
    Product.SAVINGS: {"GB": "{bank} Instant Saver", "US": "{bank} Savings"},
    Product.CREDIT_CARD: {"GB": "{bank} Credit Card", "US": "{bank} Rewards Card"},
}


def seed_for(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


def rng_for(*parts: object) -> random.Random:
    return random.Random(seed_for(*parts))  # noqa: S311 - test data, not security


def money(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


@dataclass(frozen=True)
class Profile:
    locale: Locale
    history_days: int  # how far back the bank's feed goes: 3 to 6 months
    salary: Decimal
    payday: int  # day of the month; moved to the Friday before when it is a weekend
    rent: Decimal
    landlord: str
    opening_current: Decimal
    opening_savings: Decimal
    savings_topup: Decimal  # people without a current account here pay in from elsewhere
    statement_day: int
    card_spend_share: float  # of discretionary spending, when they have a card here


_faker_lock = threading.Lock()
_fakers: dict[str, Faker] = {}


def _faker(locale: str, seed: int) -> Faker:
    """Faker instances are slow to build, so one per locale is reused and reseeded under a lock
    (the live server and the test thread may both be generating)."""
    fake = _fakers.get(locale)
    if fake is None:
        fake = _fakers[locale] = Faker(locale)
    fake.seed_instance(seed)
    return fake


@lru_cache(maxsize=256)
def identity_for(username: str, country: str) -> Identity:
    """The same login is the same person at every bank in a country."""
    rng = rng_for("identity", country, username)
    locale = locale_for(country)
    with _faker_lock:
        fake = _faker(locale.faker_locale, seed_for("faker", country, username))
        name = f"{fake.first_name()} {fake.last_name()}"
        street, city, postcode = fake.street_address(), fake.city(), fake.postcode()
        phone = fake.phone_number()
    email_name = name.lower().replace(" ", ".").replace("'", "")
    # Faker's own date_of_birth() reads the real date; this one is a pure function of the seed.
    born = date(1955, 1, 1) + timedelta(days=rng.randrange(0, 45 * 365))
    return Identity(full_name=name, date_of_birth=born, street=street, city=city, postcode=postcode,
                    country=country, email=f"{email_name}@example.com", phone=phone)


@lru_cache(maxsize=256)
def profile_for(institution: Institution, username: str) -> Profile:
    rng = rng_for("profile", institution.slug, username)
    locale = locale_for(institution.country)
    with _faker_lock:
        landlord = _faker(locale.faker_locale, seed_for("landlord", institution.slug, username)).last_name()
    salary = money(rng.randint(*locale.salary_range) + rng.choice([0, 0.5, 0.83, 0.12]))
    # Rent stays under 40% of pay so every generated person can afford their life.
    rent = min(rng.randrange(locale.rent_range[0], locale.rent_range[1], 25), int(salary * 4 / 10) // 25 * 25)
    return Profile(
        locale=locale,
        history_days=rng.randint(92, 183),
        salary=salary,
        payday=rng.choice([25, 26, 27, 28]),
        rent=money(rent),
        landlord=landlord.upper(),
        opening_current=money(rng.uniform(400, 2500)),
        opening_savings=money(rng.uniform(1000, 12000)),
        savings_topup=money(rng.randrange(100, 600, 50)),
        statement_day=rng.randint(2, 20),
        card_spend_share=rng.uniform(0.3, 0.6),
    )


@dataclass(frozen=True)
class Household:
    """Who a person shops for, and how: one per login and country, never per bank, so a person
    with two banks buys one household's food (the main bank pays for it, sandbox/persona.py)."""

    size: int
    weekly_budget: Decimal  # food and non-alcoholic drink, in the locale's currency
    shop_days: tuple[int, ...]  # weekdays (Monday 0) of the big shops: one or two a week
    store: str  # merchant name of the supermarket they do the big shops at


@lru_cache(maxsize=256)
def household_for(username: str, country: str) -> Household:
    rng = rng_for("household", country, username)
    habits = locale_for(country).groceries
    size = rng.choices(habits.household_sizes, weights=habits.household_weights)[0]
    budget = rng.uniform(*map(float, habits.first_person)) + sum(
        rng.uniform(*map(float, habits.extra_person)) for _ in range(size - 1))
    # Most do one big shop a week (Saturday or Sunday, sometimes midweek); larger households
    # more often two, midweek and weekend.
    if rng.random() < 0.25 + 0.15 * (size - 1):
        shop_days = (rng.choice((1, 2, 3)), rng.choice((5, 6)))
    else:
        shop_days = (rng.choice((2, 4, 5, 5, 6, 6)),)
    stores = [m for m in locale_for(country).merchants if m.classification == GROCERIES]
    store = rng.choices(stores, weights=[m.weight for m in stores])[0].name
    return Household(size=size, weekly_budget=money(budget), shop_days=shop_days, store=store)


def _gb_iban(bic: str, sort_code: str, number: str) -> str:
    bban = f"{bic[:4]}{sort_code.replace('-', '')}{number}"
    digits = "".join(str(int(ch, 36)) for ch in f"{bban}GB00")
    return f"GB{98 - int(digits) % 97:02d}{bban}"


def _luhn_complete(partial: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(partial)):
        d = int(ch)
        if i % 2 == 0:  # these positions are doubled once the check digit is appended
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return partial + str((10 - total % 10) % 10)


def accounts_for(institution: Institution, username: str, identity: Identity) -> tuple[SandboxAccount, ...]:
    accounts = []
    for product in institution.products:
        rng = rng_for("account", institution.slug, username, product)
        display_name = ACCOUNT_NAMES[product][institution.country].format(bank=institution.name)
        common = {"key": str(product), "product": product, "display_name": display_name,
                  "currency": institution.currency, "bic": institution.bic, "owner_name": identity.full_name}
        if product == Product.CREDIT_CARD:
            prefix = CARD_PREFIX[institution.card_network]
            pan_length = 15 if institution.card_network == "AMEX" else 16
            body = prefix + "".join(str(rng.randrange(10)) for _ in range(pan_length - len(prefix) - 1))
            issued = date(2024, rng.randint(1, 12), 1)
            accounts.append(SandboxAccount(
                **common, account_number="", sort_code="", iban="",
                card_number=_luhn_complete(body), card_network=institution.card_network,
                credit_limit=Decimal(rng.randrange(2000, 9000, 500)),
                valid_from=issued, valid_to=issued.replace(year=issued.year + 4),
            ))
        elif institution.country == "GB":
            sort_code = f"{SORT_CODE_PREFIX.get(institution.slug, '60-00')}-{rng.randint(10, 99)}"
            number = f"{rng.randrange(10**7, 10**8)}"
            accounts.append(SandboxAccount(**common, account_number=number, sort_code=sort_code,
                                           iban=_gb_iban(institution.bic, sort_code, number)))
        else:
            accounts.append(SandboxAccount(**common, account_number=f"{rng.randrange(10**9, 10**10)}",
                                           sort_code="", iban=""))
    return tuple(accounts)
