"""What people spend on, as it appears on UK and US bank statements. The descriptions mimic
real statement text (truncated, upper case, store numbers) because that is what the platform's
categoriser and dedupe have to cope with."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Merchant:
    """A card merchant. `description` may hold `{store}` (a store number) or `{ref}` (a short
    order reference), filled per transaction."""

    description: str
    name: str
    classification: tuple[str, str]
    mcc: str
    low: Decimal
    high: Decimal
    weight: int
    everyday: bool = True  # False: goes on the credit card when the person has one
    tips: bool = False  # restaurants: the booked amount adds a tip to the pre-authorised one


@dataclass(frozen=True)
class Bill:
    """A payment on a fixed day of the month (direct debit, standing order or subscription)."""

    description: str
    name: str
    classification: tuple[str, str]
    bank_code: str  # DD, SO or DEB (a card subscription)
    day: int
    low: Decimal
    high: Decimal  # low == high: the same amount every month
    mcc: str = ""
    # Paid only in these months, the same amount each time for a year from April (council tax:
    # ten fixed instalments, April to January); empty: every month, the amount varying.
    instalment_months: tuple[int, ...] = ()


@dataclass(frozen=True)
class GroceryHabits:
    """What a household spends on food and non-alcoholic drink a week, by its size: the first
    person costs `first_person`, each further one `extra_person` (a share of the shop is fixed
    per household, so a family of four costs less than four single people). Drawn once per
    person, in this locale's currency."""

    first_person: tuple[Decimal, Decimal]
    extra_person: tuple[Decimal, Decimal]
    household_sizes: tuple[int, ...]  # 1, 2, 3, 4 people
    household_weights: tuple[int, ...]
    top_up: tuple[Decimal, Decimal]  # a corner-shop top-up basket
    top_up_share: Decimal  # of the weekly budget spent in top-ups rather than the big shops


@dataclass(frozen=True)
class Locale:
    faker_locale: str
    employer_description: str
    employer_name: str
    landlord_prefix: str
    savings_rate: Decimal  # annual, paid monthly
    salary_range: tuple[int, int]
    rent_range: tuple[int, int]
    merchants: tuple[Merchant, ...]
    bills: tuple[Bill, ...]
    groceries: GroceryHabits


def _m(description, name, top, sub, mcc, low, high, weight, everyday=True, tips=False) -> Merchant:
    return Merchant(description, name, (top, sub), mcc, Decimal(low), Decimal(high), weight, everyday, tips)


def _b(description, name, top, sub, code, day, low, high=None, mcc="", instalment_months=()) -> Bill:
    return Bill(description, name, (top, sub), code, day, Decimal(low), Decimal(high or low), mcc,
                tuple(instalment_months))


TEN_INSTALMENTS = (4, 5, 6, 7, 8, 9, 10, 11, 12, 1)  # UK council tax by default: April to January


GROCERIES = ("Food & Dining", "Groceries")
COFFEE = ("Food & Dining", "Coffee shops")
RESTAURANTS = ("Food & Dining", "Restaurants")
TRANSPORT = ("Auto & Transport", "Public transport")
FUEL = ("Auto & Transport", "Gas & Fuel")
TAXI = ("Auto & Transport", "Taxi")
SHOPPING = ("Shopping", "General")
PHARMACY = ("Health & Fitness", "Pharmacy")

def _g(first, extra, top_up) -> GroceryHabits:
    # Household sizes weighted like the UK's (ONS Families and Households: about 30% live alone,
    # 35% in twos, 15% in threes, 20% in four or more).
    return GroceryHabits(tuple(map(Decimal, first)), tuple(map(Decimal, extra)), (1, 2, 3, 4), (30, 35, 15, 20),
                         tuple(map(Decimal, top_up)), Decimal("0.20"))


GB = Locale(
    faker_locale="en_GB",
    employer_description="ACME LTD SALARY",
    employer_name="ACME LTD",
    landlord_prefix="RENT",
    savings_rate=Decimal("0.035"),
    salary_range=(2200, 4200),
    rent_range=(850, 1600),
    merchants=(
        _m("TESCO STORES {store}", "Tesco", *GROCERIES, "5411", "6.00", "85.00", 14),
        _m("SAINSBURYS S/MKTS", "Sainsbury's", *GROCERIES, "5411", "5.00", "70.00", 10),
        _m("TFL TRAVEL CH", "Transport for London", *TRANSPORT, "4111", "2.80", "9.40", 14),
        _m("PRET A MANGER", "Pret A Manger", *COFFEE, "5814", "3.10", "9.50", 8),
        _m("COSTA COFFEE", "Costa Coffee", *COFFEE, "5814", "2.60", "6.20", 8),
        _m("BOOTS {store}", "Boots", *PHARMACY, "5912", "3.00", "25.00", 4),
        _m("AMAZON.CO.UK*{ref}", "Amazon", *SHOPPING, "5999", "5.00", "60.00", 7, everyday=False),
        _m("DELIVEROO", "Deliveroo", "Food & Dining", "Takeaway", "5812", "14.00", "38.00", 5, everyday=False),
        _m("SHELL {store}", "Shell", *FUEL, "5541", "25.00", "75.00", 3, everyday=False),
        _m("UBER *TRIP", "Uber", *TAXI, "4121", "8.00", "28.00", 3, everyday=False),
        _m("DISHOOM LONDON", "Dishoom", *RESTAURANTS, "5812", "25.00", "90.00", 2, everyday=False, tips=True),
        _m("WAGAMAMA {store}", "Wagamama", *RESTAURANTS, "5812", "18.00", "55.00", 2, everyday=False, tips=True),
    ),
    bills=(
        _b("COUNCIL TAX", "Council Tax", "Bills and Utilities", "Council tax", "DD", 1, "120.00", "190.00",
           instalment_months=TEN_INSTALMENTS),
        _b("BRITISH GAS", "British Gas", "Bills and Utilities", "Gas & Electric", "DD", 5, "55.00", "120.00"),
        _b("NETFLIX.COM", "Netflix", "Entertainment", "TV & Movies", "DEB", 9, "10.99", mcc="4899"),
        _b("THAMES WATER DD", "Thames Water", "Bills and Utilities", "Water", "DD", 12, "32.00", "48.00"),
        _b("SPOTIFY", "Spotify", "Entertainment", "Music", "DEB", 14, "11.99", mcc="5815"),
        _b("VODAFONE", "Vodafone", "Bills and Utilities", "Mobile phone", "DD", 18, "18.00", "45.00"),
    ),
    # ONS Family Spending (FYE 2023, uprated for food inflation): about £40-£60 a week for one
    # person, £25-£40 for each further one, so a couple about £65-£100 and a family of four
    # £115-£180.
    groceries=_g(("40.00", "60.00"), ("25.00", "40.00"), ("3.50", "14.00")),
)

US = Locale(
    faker_locale="en_US",
    employer_description="ACME INC PAYROLL",
    employer_name="ACME INC",
    landlord_prefix="RENT PAYMENT",
    savings_rate=Decimal("0.040"),
    salary_range=(3000, 6000),
    rent_range=(1200, 2400),
    merchants=(
        _m("WALMART #{store}", "Walmart", *GROCERIES, "5311", "8.00", "120.00", 12),
        _m("WHOLE FOODS MKT #{store}", "Whole Foods Market", *GROCERIES, "5411", "10.00", "95.00", 8),
        _m("STARBUCKS STORE {store}", "Starbucks", *COFFEE, "5814", "3.50", "9.00", 12),
        _m("MTA*NYCT PAYGO", "MTA", *TRANSPORT, "4111", "2.90", "2.90", 10),
        _m("TARGET 000{store}", "Target", *SHOPPING, "5310", "6.00", "80.00", 6),
        _m("CVS/PHARMACY #{store}", "CVS Pharmacy", *PHARMACY, "5912", "4.00", "30.00", 4),
        _m("AMAZON.COM*{ref}", "Amazon", *SHOPPING, "5999", "6.00", "80.00", 7, everyday=False),
        _m("DOORDASH*{ref}", "DoorDash", "Food & Dining", "Takeaway", "5812", "18.00", "45.00", 5, everyday=False),
        _m("SHELL OIL {store}", "Shell", *FUEL, "5541", "30.00", "70.00", 4, everyday=False),
        _m("UBER *TRIP", "Uber", *TAXI, "4121", "9.00", "35.00", 3, everyday=False),
        _m("OLIVE GARDEN {store}", "Olive Garden", *RESTAURANTS, "5812", "25.00", "85.00", 2, everyday=False,
           tips=True),
        _m("THE CHEESECAKE FACTORY", "The Cheesecake Factory", *RESTAURANTS, "5812", "30.00", "110.00", 2,
           everyday=False, tips=True),
    ),
    bills=(
        _b("CON ED OF NY", "Con Edison", "Bills and Utilities", "Gas & Electric", "DD", 5, "60.00", "140.00"),
        _b("NETFLIX.COM", "Netflix", "Entertainment", "TV & Movies", "DEB", 9, "15.49", mcc="4899"),
        _b("COMCAST CABLE", "Comcast", "Bills and Utilities", "Internet", "DD", 12, "79.99"),
        _b("SPOTIFY USA", "Spotify", "Entertainment", "Music", "DEB", 14, "11.99", mcc="5815"),
        _b("AT&T MOBILITY", "AT&T", "Bills and Utilities", "Mobile phone", "DD", 18, "65.00", "90.00"),
    ),
    # USDA food plans (low-cost to moderate, food at home): about $65-$90 a week for one adult.
    groceries=_g(("65.00", "90.00"), ("45.00", "70.00"), ("5.00", "20.00")),
)


def locale_for(country: str) -> Locale:
    return US if country == "US" else GB
