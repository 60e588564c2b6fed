"""A person's correction is never replaced by a background writer that decided on an earlier read.

Each writer (the hourly pass, the post-import hook, rule apply, transfer pairing) reads rows,
works out categories, then writes. Here the person's PATCH lands in between: the writer is
wrapped so that, after its read and before its write, the person recategorises the row through
the API. What they chose must be what they see afterwards — and the row stays theirs (source
`user`, locked), not locked around someone else's answer."""

from __future__ import annotations

from datetime import date

import pytest

from open_banking.models import BankTransaction
from transactions.categoriser.pipeline import Categoriser
from transactions.models import TransferPair
from transactions.tasks import categorise_pending

from .conftest import rec, sync

pytestmark = pytest.mark.django_db

CHOSEN = "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES"


def person_recategorises(api_client, tx_id, category: str = CHOSEN) -> None:
    response = api_client.patch(f"/api/v1/transactions/{tx_id}/", {"category": category}, format="json")
    assert response.status_code == 200, response.content


def what_the_person_sees(api_client, tx_id) -> tuple:
    body = api_client.get(f"/api/v1/transactions/{tx_id}/").json()
    return body["category"], body["category_source"], body["is_locked"]


def correct_while_categorising(monkeypatch, api_client, tx_id, description: str) -> list:
    """Wrap the categoriser: on the first batch holding `description` (rows already read), the
    person's PATCH lands, then the categoriser answers as it would have."""
    original = Categoriser.categorise_many
    fired = []

    def categorise_many(self, items):
        if not fired and any(item.description == description for item in items):
            fired.append(True)
            person_recategorises(api_client, tx_id)
        return original(self, items)

    monkeypatch.setattr(Categoriser, "categorise_many", categorise_many)
    return fired


def test_my_correction_made_while_the_hourly_pass_runs_is_kept(api_client, account, make_tx, monkeypatch):
    tx = make_tx(account, "JOES CAFE", "-4.50")  # uncategorised: the pass will pick it up
    fired = correct_while_categorising(monkeypatch, api_client, tx.pk, "JOES CAFE")

    categorise_pending.delay().get()

    assert fired, "the correction landed between the pass's read and its write"
    assert what_the_person_sees(api_client, tx.pk) == (CHOSEN, "user", True)


def test_my_correction_made_while_a_sync_recategorises_the_row_is_kept(api_client, account, monkeypatch):
    sync(account, [rec("JOES CAFE", "-4.50", ext_id="a", day=date(2026, 3, 10))])
    tx = BankTransaction.objects.get(external_id="a")
    assert tx.category == "FOOD_AND_DRINK_COFFEE"
    fired = correct_while_categorising(monkeypatch, api_client, tx.pk, "TESCO STORES 3297")

    # The bank amends the description: the post-import hook re-reads the changed row and
    # categorises it again (groceries now), while the person picks their own category.
    sync(account, [rec("TESCO STORES 3297", "-4.50", ext_id="a", day=date(2026, 3, 10))])

    assert fired
    assert what_the_person_sees(api_client, tx.pk) == (CHOSEN, "user", True)


def test_my_correction_made_while_a_rule_is_applied_is_kept(api_client, account, monkeypatch):
    sync(account, [rec("JOES CAFE", "-4", ext_id="a"), rec("JOES CAFE", "-5", ext_id="b")])
    rule_id = api_client.post("/api/v1/rules/", {
        "name": "Joes", "category": "FOOD_AND_DRINK_RESTAURANT", "pattern": "JOES CAFE", "match_field": "any",
        "match_type": "contains", "direction": "out"}, format="json").json()["id"]
    corrected = BankTransaction.objects.get(external_id="b")

    from transactions.services import rules

    original = rules.rule_matches

    def rule_matches(**kwargs):
        matches = original(**kwargs)  # read: both rows would change
        person_recategorises(api_client, corrected.pk)
        return matches

    monkeypatch.setattr(rules, "rule_matches", rule_matches)
    response = api_client.post(f"/api/v1/rules/{rule_id}/apply/")

    assert response.json() == {"changed": 1}
    assert what_the_person_sees(api_client, corrected.pk) == (CHOSEN, "user", True)
    assert BankTransaction.objects.get(external_id="a").category == "FOOD_AND_DRINK_RESTAURANT"


def test_my_correction_made_while_transfers_are_paired_is_kept(api_client, make_account, monkeypatch):
    current, savings = make_account(name="Current"), make_account(name="Saver", type="savings")
    sync(current, [rec("TO A/C 12345678 SAVINGS POT", "-200.00", ext_id="out", day=date(2026, 3, 2))])
    out = BankTransaction.objects.get(external_id="out")

    from transactions.services import transfers

    original = transfers.transfer_candidates

    def transfer_candidates(**kwargs):
        found = original(**kwargs)  # read: the outflow is an unpaired candidate
        if any(row["id"] == out.pk for row in found):
            person_recategorises(api_client, out.pk)  # "that was a purchase, not a transfer"
        return found

    monkeypatch.setattr(transfers, "transfer_candidates", transfer_candidates)
    sync(savings, [rec("FROM MR A SMITH", "200.00", ext_id="in", day=date(2026, 3, 3))])

    assert what_the_person_sees(api_client, out.pk) == (CHOSEN, "user", True)
    assert not TransferPair.objects.exists(), "a purchase is not half of a transfer"
    assert BankTransaction.objects.get(external_id="in").category_source != "transfer"


def test_apply_to_similar_never_overwrites_a_row_corrected_meanwhile(api_client, account, monkeypatch):
    sync(account, [rec("JOES CAFE", "-4", ext_id="a"), rec("JOES CAFE", "-5", ext_id="b")])
    first, second = (BankTransaction.objects.get(external_id=k) for k in ("a", "b"))

    from transactions.services import corrections

    original = corrections.categorisations_write

    def categorisations_write(changes, **kwargs):
        # The similar rows were read; the person corrects one of them in another tab.
        BankTransaction.objects.filter(pk=second.pk).update(category="TRAVEL_FLIGHTS", category_source="user",
                                                            locked_fields=["category"])
        return original(changes, **kwargs)

    monkeypatch.setattr(corrections, "categorisations_write", categorisations_write)
    response = api_client.patch(f"/api/v1/transactions/{first.pk}/?apply_to_similar=true",
                                {"category": "FOOD_AND_DRINK_RESTAURANT"}, format="json")

    assert response.status_code == 200
    assert what_the_person_sees(api_client, second.pk) == ("TRAVEL_FLIGHTS", "user", True)


@pytest.mark.parametrize("locked_only", [True, False])
def test_no_background_write_touches_a_locked_or_user_set_row(account, make_tx, locked_only):
    """The database-side condition itself, for both markers: a row locked without the `user`
    source (an admin lock, an older version) and a `user` row with no lock."""
    from decimal import Decimal

    from transactions.services.categorisation import categorisations_write

    tx = make_tx(account, "JOES CAFE", "-4", category="TRAVEL_FLIGHTS",
                 category_source="merchant" if locked_only else "user",
                 locked_fields=["notes", "category"] if locked_only else [])
    free = make_tx(account, "JOES CAFE", "-5", locked_fields=["notes"])
    written = categorisations_write([(tx.pk, "FOOD_AND_DRINK_COFFEE", "merchant", Decimal("0.900")),
                                     (free.pk, "FOOD_AND_DRINK_COFFEE", "merchant", Decimal("0.900"))])
    assert written == 1
    tx.refresh_from_db()
    free.refresh_from_db()
    assert tx.category == "TRAVEL_FLIGHTS"
    assert free.category == "FOOD_AND_DRINK_COFFEE"


def test_the_orm_fallback_keeps_locked_rows_too(account, make_tx, monkeypatch):
    from decimal import Decimal

    from transactions.services import categorisation

    monkeypatch.setattr(categorisation, "_write_with_values_join", lambda changes, keep: None)
    tx = make_tx(account, "JOES CAFE", "-4", category="TRAVEL_FLIGHTS", category_source="merchant",
                 locked_fields=["category"])
    free = make_tx(account, "JOES CAFE", "-5")
    written = categorisation.categorisations_write(
        [(tx.pk, "FOOD_AND_DRINK_COFFEE", "merchant", Decimal("0.900")),
         (free.pk, "FOOD_AND_DRINK_COFFEE", "merchant", Decimal("0.900"))])
    assert written == 1
    assert BankTransaction.objects.get(pk=tx.pk).category == "TRAVEL_FLIGHTS"
    assert BankTransaction.objects.get(pk=free.pk).category == "FOOD_AND_DRINK_COFFEE"
