"""rules/: CRUD per user, validation, preview (what would change) and apply."""

import pytest

from open_banking.models import BankTransaction
from transactions.models import CategoryRule

from .conftest import rec, sync

pytestmark = pytest.mark.django_db
RULE = {"name": "Coffee is lunch", "category": "FOOD_AND_DRINK_RESTAURANT", "pattern": "JOES"}


def test_crud(api_client, user):
    created = api_client.post("/api/v1/rules/", RULE)
    assert created.status_code == 201, created.json()
    rule_id = created.json()["id"]
    assert api_client.get("/api/v1/rules/").json()["results"][0]["id"] == rule_id
    updated = api_client.patch(f"/api/v1/rules/{rule_id}/", {"priority": 5})
    assert updated.json()["priority"] == 5
    assert api_client.delete(f"/api/v1/rules/{rule_id}/").status_code == 204
    assert not CategoryRule.objects.exists()


def test_another_users_rule_is_404(api_client, other_api_client):
    rule_id = other_api_client.post("/api/v1/rules/", RULE).json()["id"]
    assert api_client.get(f"/api/v1/rules/{rule_id}/").status_code == 404
    assert api_client.patch(f"/api/v1/rules/{rule_id}/", {"priority": 1}).status_code == 404
    assert api_client.post(f"/api/v1/rules/{rule_id}/apply/").status_code == 404
    assert api_client.delete(f"/api/v1/rules/{rule_id}/").status_code == 404


@pytest.mark.parametrize(("body", "field"), [
    ({**RULE, "category": "NOPE"}, "category"),
    ({**RULE, "match_type": "regex", "pattern": "("}, "pattern"),
    ({**RULE, "match_type": "regex", "pattern": "(A)\\1"}, "pattern"),  # RE2 runs (A+)+ safely; not backreferences
    ({**RULE, "amount_min": "10", "amount_max": "5"}, "amount_max"),
    ({**RULE, "amount_min": "-1"}, "amount_min"),
    ({**RULE, "pattern": ""}, "pattern"),
    ({**RULE, "direction": "sideways"}, "direction"),
    ({"category": "OTHER_OTHER", "pattern": "X"}, "name"),
])
def test_bad_rules_are_400_with_field_errors(api_client, body, field):
    response = api_client.post("/api/v1/rules/", body)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_account_must_be_mine(api_client, make_account, other_user):
    theirs = make_account(owner=other_user)
    response = api_client.post("/api/v1/rules/", {**RULE, "account": str(theirs.pk)})
    assert response.status_code == 400 and "account" in response.json()["error"]["fields"]


def test_preview_lists_what_would_change_without_changing_it(api_client, account, make_account, other_user):
    sync(account, [rec("JOES CAFE", "-4", ext_id="a"), rec("JOES CAFE", "-5", ext_id="b"),
                   rec("TESCO STORES", "-9", ext_id="c")])
    sync(make_account(owner=other_user), [rec("JOES CAFE", "-6", ext_id="x")])
    locked = BankTransaction.objects.get(external_id="b")
    locked.category_source, locked.locked_fields = "user", ["category"]
    locked.save()
    response = api_client.post("/api/v1/rules/preview/", RULE)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["matches"][0]["current_category"] == "FOOD_AND_DRINK_COFFEE"
    assert body["matches"][0]["new_category"] == "FOOD_AND_DRINK_RESTAURANT"
    assert BankTransaction.objects.get(external_id="a").category == "FOOD_AND_DRINK_COFFEE"
    assert not CategoryRule.objects.exists()


def test_preview_respects_higher_priority_rules(api_client, account):
    sync(account, [rec("JOES CAFE", "-4")])
    api_client.post("/api/v1/rules/", {**RULE, "name": "first", "category": "TRAVEL_OTHER_TRAVEL", "priority": 1})
    assert api_client.post("/api/v1/rules/preview/", {**RULE, "priority": 50}).json()["count"] == 0


def test_preview_validates_like_create(api_client):
    response = api_client.post("/api/v1/rules/preview/", {**RULE, "category": "NOPE"})
    assert response.status_code == 400


def test_apply_recategorises_matching_past_transactions(api_client, account):
    sync(account, [rec("JOES CAFE", "-4", ext_id="a"), rec("JOES CAFE", "4", ext_id="r"),
                   rec("TESCO STORES", "-9", ext_id="c")])
    rule_id = api_client.post("/api/v1/rules/", {**RULE, "direction": "out"}).json()["id"]
    response = api_client.post(f"/api/v1/rules/{rule_id}/apply/")
    assert response.json() == {"changed": 1}
    categories = {r.external_id: (r.category, r.category_source) for r in BankTransaction.objects.all()}
    assert categories["a"] == ("FOOD_AND_DRINK_RESTAURANT", "rule")
    assert categories["r"][1] != "rule"
    assert categories["c"] == ("FOOD_AND_DRINK_GROCERIES", "merchant")
    assert api_client.post(f"/api/v1/rules/{rule_id}/apply/").json() == {"changed": 0}  # idempotent


def test_new_syncs_use_the_rule(api_client, account):
    api_client.post("/api/v1/rules/", RULE)
    sync(account, [rec("JOES CAFE", "-4", ext_id="a")])
    assert BankTransaction.objects.get().category == "FOOD_AND_DRINK_RESTAURANT"
