"""Categorising inside the sync was restructured for speed (issue #17, third pass): the prepared
text shared by every categoriser of a process, the hooks' TxInputs built positionally, the
pre-inserted rows handed on by identity, transfer candidates read without the account's own rows.
None of it may change an answer: on a varied fixture, what the sync stores is what a categoriser
of its own (no shared cache) says about the stored rows, and the transfer pairs are the expected
ones."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from integrations_core.sync_scope import sync_scope
from open_banking.models import BankTransaction
from transactions.categoriser.answers import TxInput
from transactions.categoriser.merchants import MerchantDictionary
from transactions.categoriser.merchants_eu import MERCHANTS_EU
from transactions.categoriser.merchants_finance import MERCHANTS_FINANCE
from transactions.categoriser.merchants_uk import MERCHANTS_UK
from transactions.categoriser.merchants_us import MERCHANTS_US
from transactions.categoriser.normalise import normalise
from transactions.categoriser.pipeline import Categoriser, RuleSpec
from transactions.models import CategoryRule, MerchantCorrection, TransferPair
from transactions.services.categorisation import categoriser_for_user, confidence_decimal, tx_input
from transactions.services.refunds import refund_lookup_for_user

from .conftest import rec, sync

DATA = Path(__file__).parent / "data"


def varied_rows() -> list[dict]:
    """The labelled and long-tail sets: shops, bills, income, fees, refunds, processors, towns."""
    rows = []
    for name in ("labelled.jsonl", "longtail.jsonl"):
        rows += [json.loads(line) for line in (DATA / name).read_text().splitlines() if line.strip()]
    return rows


def inputs(rows: list[dict]) -> list[TxInput]:
    """Each row as money out and as money in, every third one with the counterparty's name (its
    first word), so both signs and both name paths of the prepared text are exercised."""
    items = []
    for i, row in enumerate(rows):
        amount = abs(Decimal(row["amount"])) or Decimal("1")
        merchant = row["description"].split(" ")[0].title() if i % 3 == 0 else ""
        for signed in (-amount, amount):
            items.append(TxInput(row["description"], signed, row["currency"], merchant, row.get("mcc", ""),
                                 "", row.get("provider_category", ""), "acc-1"))
    return items


RULES = [RuleSpec(id=1, name="Gym", category="PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS", pattern="PURE GYM"),
         RuleSpec(id=2, name="Big outgoings", category="GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE",
                  pattern="AMAZON", direction="out", amount_min=Decimal("100"))]
CORRECTIONS = {"JOES CAFE": "FOOD_AND_DRINK_RESTAURANT", "TESCO": "GENERAL_MERCHANDISE_SUPERSTORES"}


def test_the_shared_prepared_text_gives_the_answers_a_private_one_gives():
    items = inputs(varied_rows())
    # Another person's categoriser (no rules, no corrections) prepares every text first, filling
    # the process-wide cache and its per-sign merchant answers.
    Categoriser().categorise_many(items)
    shared = Categoriser(rules=RULES, corrections=CORRECTIONS)
    # The same dictionary's contents in another object: a cache of its own, built afresh.
    private = Categoriser(rules=RULES, corrections=CORRECTIONS, dictionary=MerchantDictionary(
        [*MERCHANTS_FINANCE, *MERCHANTS_UK, *MERCHANTS_US, *MERCHANTS_EU]))
    assert private._prepared is not shared._prepared
    assert shared.categorise_many(items) == private.categorise_many(items)
    assert shared.categorise_many(items[::-1]) == private.categorise_many(items)[::-1]


@pytest.mark.django_db
def test_what_the_sync_stores_is_what_the_categoriser_says(make_account, user):
    current, savings, card = (make_account(name="Current"), make_account(name="Saver", type="savings"),
                              make_account(name="Card", type="credit_card"))
    CategoryRule.objects.create(user=user, name="Gym", category="PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS",
                                pattern="PURE GYM")
    MerchantCorrection.objects.create(user=user, merchant_key="JOES CAFE", category="FOOD_AND_DRINK_RESTAURANT")
    start = date(2026, 1, 5)
    shops = {account.pk: [] for account in (current, savings, card)}
    rows = varied_rows()
    # No money in that mirrors a payment out (or the transfers' 200.00 and 150.00): a shop line
    # never pairs as a transfer by chance, so the pairs below are exactly the planted ones.
    taken = {-Decimal(r["amount"]) for r in rows if Decimal(r["amount"]) < 0} | {Decimal("200.00"), Decimal("150.00")}
    for i, row in enumerate(rows):
        account = (current, savings, card)[i % 3]
        amount = Decimal(row["amount"])
        while amount > 0 and amount in taken:
            amount += Decimal("0.01")
        while -amount in (Decimal("200.00"), Decimal("150.00")):
            amount -= Decimal("0.01")
        shops[account.pk].append(rec(row["description"], str(amount), day=start + timedelta(days=i % 60),
                                     ext_id=f"shop-{i}", mcc=row.get("mcc", ""),
                                     provider_category=row.get("provider_category", ""),
                                     merchant_name=row["description"].split(" ")[0].title() if i % 4 == 0 else ""))
    transfers = {
        current.pk: [rec("TO A/C 12345678 SAVINGS POT", "-200.00", ext_id="to-saver", day=date(2026, 3, 2)),
                     # Same amount and day, same account: a leg is never paired within its account.
                     rec("FROM MR A SMITH", "200.00", ext_id="decoy-in", day=date(2026, 3, 2)),
                     rec("BARCLAYCARD", "-150.00", ext_id="to-card", day=date(2026, 3, 4))],
        savings.pk: [rec("FROM MR A SMITH", "200.00", ext_id="from-current", day=date(2026, 3, 3))],
        card.pk: [rec("PAYMENT RECEIVED - THANK YOU", "150.00", ext_id="card-paid", day=date(2026, 3, 5))],
    }
    with sync_scope():  # one connection's sync, as the engine runs it
        for account in (current, savings, card):
            sync(account, [*shops[account.pk], *transfers[account.pk]])
    # A second sync amends a row (re-read and categorised after the import) and adds one.
    amended = shops[current.pk][0]
    with sync_scope():
        sync(current, [*shops[current.pk][1:], *transfers[current.pk],
                       rec("CARD PAYMENT TO JOES CAFE ON 08 MAR", str(amended.amount), ext_id=amended.external_id,
                           day=amended.booked_date),
                       rec("PURE GYM LTD", "-24.99", ext_id="gym", day=date(2026, 3, 9))])

    pairs = {(p.outflow.external_id, p.inflow.external_id) for p in TransferPair.objects.all()}
    assert pairs == {("to-saver", "from-current"), ("to-card", "card-paid")}
    stored = list(BankTransaction.objects.filter(account__connection__user=user).values(
        "id", "external_id", "account_id", "description", "merchant_name", "amount", "currency", "mcc",
        "provider_category", "category", "category_source", "category_confidence"))
    assert len(stored) == sum(len(r) for r in shops.values()) + 6
    paired = {leg for pair in pairs for leg in pair}
    # A refund takes the category of an earlier payment the database holds at the time, which
    # depends on which rows were stored before it (by design): those are not compared here.
    refunds = {row["external_id"] for row in stored if row["amount"] > 0
               and "REFUND" in normalise(row["description"], row["merchant_name"]).markers}
    others = [row for row in stored if row["external_id"] not in paired | refunds]
    assert len(others) > 800
    categoriser = Categoriser(
        rules=[rule.as_spec() for rule in CategoryRule.objects.filter(user=user)],
        corrections=dict(MerchantCorrection.objects.values_list("merchant_key", "category")),
        dictionary=MerchantDictionary([*MERCHANTS_FINANCE, *MERCHANTS_UK, *MERCHANTS_US, *MERCHANTS_EU]),
        refund_lookup=refund_lookup_for_user(user), model=categoriser_for_user(user).model)
    expected = categoriser.categorise_many([tx_input(row) for row in others])
    got = [(row["external_id"], row["category"], row["category_source"], row["category_confidence"]) for row in others]
    want = [(row["external_id"], e.category, e.source, confidence_decimal(e.confidence))
            for row, e in zip(others, expected, strict=True)]
    assert got == want
    by_key = {row["external_id"]: row for row in stored}
    assert by_key[amended.external_id]["category"] == "FOOD_AND_DRINK_RESTAURANT"  # the correction
    assert by_key["gym"]["category_source"] == "rule"
    assert {by_key[k]["category_source"] for k in paired} == {"transfer"}
    assert by_key["decoy-in"]["category_source"] != "transfer"
