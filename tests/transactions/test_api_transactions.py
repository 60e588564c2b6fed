"""categories/ and transactions/: per user, recategorise with learning, apply to similar, rules
offered from corrections."""

from decimal import Decimal

import pytest

from open_banking.models import BankTransaction
from transactions.models import CategoryRule, MerchantCorrection

from .conftest import rec, sync

pytestmark = pytest.mark.django_db


def test_categories_are_listed_with_labels_and_icons(api_client):
    response = api_client.get("/api/v1/categories/")
    assert response.status_code == 200
    codes = {c["code"]: c for c in response.json()}
    assert codes["FOOD_AND_DRINK_TAKEAWAY_DELIVERY"]["uk_extension"] is True
    assert codes["FOOD_AND_DRINK"]["is_primary"] is True
    assert api_client.get("/api/v1/categories/?primary=TRAVEL").json()[0]["primary"] == "TRAVEL"
    assert api_client.get("/api/v1/categories/TRAVEL_FLIGHTS/").json()["label"] == "Flights"


def test_anonymous_requests_are_refused(client):
    assert client.get("/api/v1/transactions/").status_code in (401, 403)


def test_list_shows_only_my_transactions(api_client, make_account, other_user):
    sync(make_account(), [rec("TESCO STORES", "-5")])
    sync(make_account(owner=other_user), [rec("SPOTIFY", "-9.99")])
    body = api_client.get("/api/v1/transactions/").json()
    assert [r["description"] for r in body["results"]] == ["TESCO STORES"]
    assert body["results"][0]["primary_category"] == "FOOD_AND_DRINK"


def test_filters(api_client, account):
    sync(account, [rec("TESCO STORES", "-5"), rec("XQZ 9", "-1"), rec("SPOTIFY", "-9.99")])
    by_primary = api_client.get("/api/v1/transactions/?category=FOOD_AND_DRINK").json()["results"]
    assert [r["description"] for r in by_primary] == ["TESCO STORES"]
    review = api_client.get("/api/v1/transactions/?needs_review=true").json()["results"]
    assert [r["description"] for r in review] == ["XQZ 9"]


def test_detail_explains_the_category(api_client, account):
    sync(account, [rec("TESCO STORES", "-5", ext_id="t")])
    tx = BankTransaction.objects.get()
    body = api_client.get(f"/api/v1/transactions/{tx.pk}/").json()
    chosen = [s for s in body["explanation"] if s["chosen"]]
    assert chosen[0]["step"] == "merchant" and "TESCO" in chosen[0]["reason"]


def test_another_users_transaction_is_404(api_client, make_account, other_user):
    sync(make_account(owner=other_user), [rec("SPOTIFY", "-9.99")])
    tx = BankTransaction.objects.get()
    assert api_client.get(f"/api/v1/transactions/{tx.pk}/").status_code == 404
    response = api_client.patch(f"/api/v1/transactions/{tx.pk}/", {"category": "OTHER_OTHER"})
    assert response.status_code == 404
    assert BankTransaction.objects.get().category == "ENTERTAINMENT_MUSIC_AND_AUDIO"


def test_recategorise_locks_and_teaches_at_once(api_client, user, account):
    sync(account, [rec("JOES CAFE 12", "-4.50", ext_id="a")])
    tx = BankTransaction.objects.get()
    response = api_client.patch(f"/api/v1/transactions/{tx.pk}/", {"category": "FOOD_AND_DRINK_RESTAURANT"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["category"], body["category_source"], body["is_locked"]) == ("FOOD_AND_DRINK_RESTAURANT", "user", True)
    assert body["suggested_rule"]["pattern"] == "JOES CAFE" and body["rule_id"] is None
    tx.refresh_from_db()
    assert tx.locked_fields == ["category"] and tx.category_confidence == Decimal("1.000")
    assert MerchantCorrection.objects.get(user=user).category == "FOOD_AND_DRINK_RESTAURANT"
    # The very next sync from that merchant gets the learned category.
    sync(account, [rec("JOES CAFE 99", "-7.00", ext_id="b")])
    assert BankTransaction.objects.get(external_id="b").category == "FOOD_AND_DRINK_RESTAURANT"


def test_apply_to_similar_recategorises_my_matching_past_transactions(api_client, account, make_account, other_user):
    sync(account, [rec("JOES CAFE 1", "-4", ext_id="a"), rec("JOES CAFE 2", "-5", ext_id="b"),
                   rec("JOES CAFE REFUND", "5", ext_id="r"), rec("TESCO STORES", "-9", ext_id="c")])
    sync(make_account(owner=other_user), [rec("JOES CAFE 3", "-6", ext_id="x")])
    locked = BankTransaction.objects.get(external_id="b")
    locked.category, locked.category_source, locked.locked_fields = "TRAVEL_OTHER_TRAVEL", "user", ["category"]
    locked.save()
    tx = BankTransaction.objects.get(external_id="a")
    response = api_client.patch(f"/api/v1/transactions/{tx.pk}/?apply_to_similar=true",
                                {"category": "FOOD_AND_DRINK_RESTAURANT"})
    # "JOES CAFE REFUND" is Joe's Cafe giving money back: it follows the correction, as a refund
    # (money in under a spending category); "b" is locked.
    assert response.json()["similar_updated"] == 1
    categories = dict(BankTransaction.objects.values_list("external_id", "category"))
    assert categories["r"] == "FOOD_AND_DRINK_RESTAURANT"
    assert categories["b"] == "TRAVEL_OTHER_TRAVEL"
    assert categories["x"] == "FOOD_AND_DRINK_COFFEE"  # never another user's
    assert categories["c"] == "FOOD_AND_DRINK_GROCERIES"


def test_apply_to_similar_updates_same_merchant(api_client, account):
    sync(account, [rec("JOES CAFE 1 LONDON", "-4", ext_id="a"), rec("CARD PAYMENT TO JOES CAFE ON 02 MAR", "-5",
                                                                     ext_id="b")])
    tx = BankTransaction.objects.get(external_id="a")
    response = api_client.patch(f"/api/v1/transactions/{tx.pk}/?apply_to_similar=true",
                                {"category": "FOOD_AND_DRINK_RESTAURANT"})
    assert response.json()["similar_updated"] == 1
    other = BankTransaction.objects.get(external_id="b")
    assert (other.category, other.category_source) == ("FOOD_AND_DRINK_RESTAURANT", "learned")
    assert other.locked_fields == []


def test_create_rule_from_a_correction(api_client, user, account):
    sync(account, [rec("JOES CAFE", "-4", ext_id="a")])
    tx = BankTransaction.objects.get()
    body = api_client.patch(f"/api/v1/transactions/{tx.pk}/?create_rule=true",
                            {"category": "FOOD_AND_DRINK_RESTAURANT"}).json()
    rule = CategoryRule.objects.get(user=user)
    assert body["rule_id"] == str(rule.pk)
    assert (rule.pattern, rule.category, rule.direction) == ("JOES CAFE", "FOOD_AND_DRINK_RESTAURANT", "out")


def test_bad_category_is_a_400_with_field_errors(api_client, account):
    sync(account, [rec("JOES CAFE", "-4")])
    tx = BankTransaction.objects.get()
    response = api_client.patch(f"/api/v1/transactions/{tx.pk}/", {"category": "PIZZA"})
    assert response.status_code == 400
    assert "category" in response.json()["error"]["fields"]
    assert api_client.patch(f"/api/v1/transactions/{tx.pk}/", {}).status_code == 400
    assert api_client.patch(f"/api/v1/transactions/{tx.pk}/?apply_to_similar=maybe",
                            {"category": "OTHER_OTHER"}).status_code == 400


def test_put_and_delete_are_not_allowed(api_client, account):
    sync(account, [rec("JOES CAFE", "-4")])
    tx = BankTransaction.objects.get()
    assert api_client.put(f"/api/v1/transactions/{tx.pk}/", {"category": "OTHER_OTHER"}).status_code == 405
    assert api_client.delete(f"/api/v1/transactions/{tx.pk}/").status_code == 405
