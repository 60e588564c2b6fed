"""The sandbox's mock institutions: plain data, importable by any app (seed scripts, UI demos,
contract tests). Each institution is reachable through every mock provider protocol, under the
id style that provider uses (TrueLayer `ob-monzo`, GoCardless `MONZO_MONZGB2L`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Product(StrEnum):
    CURRENT = "current"
    SAVINGS = "savings"
    CREDIT_CARD = "credit_card"


@dataclass(frozen=True)
class Institution:
    slug: str  # our own key; also the logo file name
    name: str
    country: str  # ISO 3166 alpha-2
    currency: str
    truelayer_id: str
    gocardless_id: str
    bic: str
    colour: str  # logo background
    products: tuple[Product, ...]
    # Real banks differ here, and sync code must cope with both behaviours:
    # - some re-issue TrueLayer `transaction_id` on every request (only the normalised id is stable);
    stable_transaction_ids: bool = True
    # - some keep a card payment's id when it books, others book it under a new id.
    pending_ids_survive_booking: bool = False
    card_network: str = "VISA"

    @property
    def logo_file(self) -> str:
        return f"sandbox/logos/{self.slug}.svg"

    def offers(self, product: Product) -> bool:
        return product in self.products

    def provider_ids(self) -> dict[str, str]:
        """Provider slug -> this institution's id in that provider's style."""
        ids = {"truelayer": self.truelayer_id, "gocardless": self.gocardless_id}
        if self.slug in PLAID_IDS:  # the US banks are reached through Plaid
            ids["plaid"] = PLAID_IDS[self.slug]
        return ids


# The real Plaid institution ids of the seeds' US banks.
PLAID_IDS = {"amex": "ins_10", "chase": "ins_56", "bank-of-america": "ins_127989",
             "wells-fargo": "ins_127991", "capital-one": "ins_128026"}

_ALL = (Product.CURRENT, Product.SAVINGS, Product.CREDIT_CARD)
_BANK = (Product.CURRENT, Product.SAVINGS)

INSTITUTIONS: tuple[Institution, ...] = (
    Institution("monzo", "Monzo", "GB", "GBP", "ob-monzo", "MONZO_MONZGB2L", "MONZGB2L", "#14233c", _BANK,
                pending_ids_survive_booking=True, card_network="MASTERCARD"),
    Institution("hsbc", "HSBC UK", "GB", "GBP", "ob-hsbc", "HSBC_HBUKGB4B", "HBUKGB4B", "#db0011", _ALL,
                card_network="MASTERCARD"),
    Institution("barclays", "Barclays", "GB", "GBP", "ob-barclays", "BARCLAYS_BUKBGB22", "BUKBGB22", "#00aeef",
                _ALL, stable_transaction_ids=False),
    Institution("lloyds", "Lloyds", "GB", "GBP", "ob-lloyds", "LLOYDS_LOYDGB2L", "LOYDGB2L", "#006a4d", _ALL,
                stable_transaction_ids=False, card_network="MASTERCARD"),
    Institution("santander", "Santander UK", "GB", "GBP", "ob-santander", "SANTANDER_GB_ABBYGB2L", "ABBYGB2L",
                "#ec0000", _BANK),
    Institution("nationwide", "Nationwide", "GB", "GBP", "ob-nationwide", "NATIONWIDE_NAIAGB21", "NAIAGB21",
                "#1b1464", _ALL, stable_transaction_ids=False),
    Institution("amex", "American Express", "US", "USD", "ob-amex", "AMERICAN_EXPRESS_AEIBUS33", "AEIBUS33",
                "#2e77bb", (Product.CREDIT_CARD,), pending_ids_survive_booking=True, card_network="AMEX"),
    Institution("chase", "Chase", "US", "USD", "ob-chase", "CHASE_CHASUS33", "CHASUS33", "#117aca", _ALL,
                pending_ids_survive_booking=True),
    Institution("bank-of-america", "Bank of America", "US", "USD", "ob-bank-of-america",
                "BANK_OF_AMERICA_BOFAUS3N", "BOFAUS3N", "#012169", _ALL),
    Institution("wells-fargo", "Wells Fargo", "US", "USD", "ob-wells-fargo", "WELLS_FARGO_WFBIUS6S",
                "WFBIUS6S", "#d71e28", _BANK, stable_transaction_ids=False),
    Institution("capital-one", "Capital One", "US", "USD", "ob-capital-one", "CAPITAL_ONE_HIBKUS44",
                "HIBKUS44", "#004879", (Product.SAVINGS, Product.CREDIT_CARD), pending_ids_survive_booking=True,
                card_network="MASTERCARD"),
)

# The business persona's bank (sandbox/business/): one business current account whose lines are
# the business book's bank lines (payouts, PayPal withdrawals, invoice transfers, bill payments),
# not a household's; sandbox/data/generator.py hands its books to sandbox/business/bank.py.
BUSINESS_BANK = "sandbox-business-bank"
INSTITUTIONS += (
    Institution(BUSINESS_BANK, "Sandbox Business Bank", "GB", "GBP", "ob-sandbox-business",
                "SANDBOX_BUSINESS_SBIZGB2L", "SBIZGB2L", "#2f4858", (Product.CURRENT,)),
)

_BY_SLUG = {i.slug: i for i in INSTITUTIONS}
_BY_TRUELAYER_ID = {i.truelayer_id: i for i in INSTITUTIONS}
_BY_GOCARDLESS_ID = {i.gocardless_id: i for i in INSTITUTIONS}


def institution_by_slug(slug: str) -> Institution | None:
    return _BY_SLUG.get(slug)


def institution_by_truelayer_id(provider_id: str) -> Institution | None:
    return _BY_TRUELAYER_ID.get(provider_id)


def institution_by_gocardless_id(institution_id: str) -> Institution | None:
    return _BY_GOCARDLESS_ID.get(institution_id)
