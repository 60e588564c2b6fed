"""Regular-expression rules run on RE2 (transactions/categoriser/rule_regex.py): a pattern such
as `^([\\w ]|[\\w ])*!$`, which took Python's backtracking `re` 160 s on one preview and would
have run inside every sync, is matched in linear time in the preview, apply and the sync's
categoriser alike; what RE2 cannot run is a 400 with a field error when the rule is saved.

No timing assertions: a watchdog ends the test run instead of letting it hang if matching ever
backtracks again. It is faulthandler's (a C thread), not a thread join: Python's `re` holds the
GIL for the whole match, so a joining thread would never get to notice the timeout."""

from __future__ import annotations

import faulthandler
import re
from contextlib import contextmanager
from decimal import Decimal

import pytest

from open_banking.models import BankTransaction
from transactions.categoriser.answers import TxInput
from transactions.categoriser.pipeline import Categoriser, RuleSpec
from transactions.categoriser.rule_regex import RulePatternError, compile_rule_pattern
from transactions.models import CategoryRule

from .conftest import rec, sync

CATASTROPHIC = r"^([\w ]|[\w ])*!$"
# What a bank statement line can hold (description max_length is 500): 2^480 paths for `re`.
LONG = ("AMAZON MKTPLACE PMTS " * 30)[:480]
WATCHDOG_SECONDS = 60
RULE = {"name": "Gifts", "category": "GENERAL_MERCHANDISE_GIFTS_AND_NOVELTIES", "match_type": "regex",
        "pattern": CATASTROPHIC}


@contextmanager
def watchdog(seconds: int = WATCHDOG_SECONDS):
    """Dump every thread's stack and end the run if the block is still going after `seconds`."""
    faulthandler.dump_traceback_later(seconds, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


def tx(description: str, amount: str = "-10.00") -> TxInput:
    return TxInput(description=description, amount=Decimal(amount), currency="GBP")


# --- the engine -----------------------------------------------------------------------------------
def test_rule_patterns_compile_to_re2_not_pythons_backtracking_re():
    assert not isinstance(compile_rule_pattern(CATASTROPHIC), re.Pattern)
    spec = RuleSpec(id=1, name="r", category="OTHER_OTHER", pattern=CATASTROPHIC, match_type="regex")
    assert spec._regex is not None and not isinstance(spec._regex, re.Pattern)


def test_the_catastrophic_pattern_categorises_a_long_description_in_the_pipeline():
    rule = RuleSpec(id=1, name="Gifts", category="GENERAL_MERCHANDISE_GIFTS_AND_NOVELTIES", pattern=CATASTROPHIC,
                    match_type="regex")
    categoriser = Categoriser(rules=[rule])
    with watchdog():
        results = categoriser.categorise_many([tx(LONG), tx(LONG + "!"), tx("GIFT SHOP!")] * 50)
    assert results[0].source != "rule"  # no "!" at the end
    assert results[1].source == results[2].source == "rule"


@pytest.mark.parametrize(("pattern", "text", "matches"), [
    ("^ac.e", "ACME LTD", True),  # case-insensitive, as before
    (r"\bTFL\b", "TFL TRAVEL CH", True),
    (r"(?P<shop>TESCO|SAINSBURY)S?\s+\d+", "SAINSBURYS 0345", True),
    (r"^PAYPAL \*(EBAY|ETSY)$", "PAYPAL *ETSY", True),
    (r"^PAYPAL \*(EBAY|ETSY)$", "PAYPAL *AMAZON", False),
    (r"(a+)+$", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB", False),  # harmless on RE2
])
def test_regex_rules_keep_their_meaning(pattern, text, matches):
    rule = RuleSpec(id=1, name="r", category="GENERAL_SERVICES_OTHER_GENERAL_SERVICES", pattern=pattern,
                    match_type="regex")
    with watchdog():
        assert (Categoriser(rules=[rule]).categorise(tx(text)).source == "rule") is matches


@pytest.mark.parametrize("pattern", [r"(A)\1", r"JOES(?= CAFE)", r"(?<!X)Y", r"(?!A)B", r"CAFE\Z", r"\p{L}{1000}",
                                     "(", "[A-"])
def test_patterns_re2_cannot_run_are_refused_with_a_reason(pattern):
    with pytest.raises(RulePatternError) as caught:
        compile_rule_pattern(pattern)
    assert "RE2" in str(caught.value)


# --- the API: create, update, preview, apply ------------------------------------------------------
@pytest.mark.django_db
def test_the_catastrophic_pattern_is_saved_and_preview_apply_and_sync_answer_at_once(api_client, account):
    sync(account, [rec(LONG, "-4", ext_id="long"), rec(LONG[:300], "-5", ext_id="long2"),
                   rec("GIFT SHOP!", "-6", ext_id="gift")])
    with watchdog():
        preview = api_client.post("/api/v1/rules/preview/", RULE, format="json")
        assert preview.status_code == 200, preview.content
        assert [m["description"] for m in preview.json()["matches"]] == ["GIFT SHOP!"]
        created = api_client.post("/api/v1/rules/", RULE, format="json")
        assert created.status_code == 201, created.content
        applied = api_client.post(f"/api/v1/rules/{created.json()['id']}/apply/")
        assert applied.status_code == 200 and applied.json() == {"changed": 1}
        # The sync's categoriser step runs the same rule over new rows.
        sync(account, [rec(LONG[:400], "-7", ext_id="new-long"), rec("MORE GIFTS!", "-8", ext_id="new-gift")])
    by_id = {t.external_id: t.category_source for t in BankTransaction.objects.all()}
    assert by_id["gift"] == by_id["new-gift"] == "rule"
    assert by_id["long"] != "rule" and by_id["new-long"] != "rule"


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", [r"(A)\1", r"JOES(?= CAFE)", r"(?<!X)Y", r"CAFE\Z", r"\p{L}{1000}", "(",
                                     "A" * 201])
def test_a_pattern_re2_cannot_run_is_a_400_on_the_pattern_field(api_client, pattern):
    for url in ("/api/v1/rules/", "/api/v1/rules/preview/"):
        response = api_client.post(url, {**RULE, "pattern": pattern}, format="json")
        assert response.status_code == 400, response.content
        assert response.json()["error"]["fields"]["pattern"]
    assert not CategoryRule.objects.exists()


@pytest.mark.django_db
def test_updating_a_rule_to_a_pattern_re2_cannot_run_is_a_400(api_client):
    plain = api_client.post("/api/v1/rules/", {**RULE, "match_type": "contains", "pattern": "(A)\\1"},
                            format="json").json()["id"]
    # Becoming a regex checks the pattern it already has...
    response = api_client.patch(f"/api/v1/rules/{plain}/", {"match_type": "regex"}, format="json")
    assert response.status_code == 400 and "pattern" in response.json()["error"]["fields"]
    regex = api_client.post("/api/v1/rules/", {**RULE, "name": "r2"}, format="json").json()["id"]
    # ...and a regex rule's new pattern is checked too.
    response = api_client.patch(f"/api/v1/rules/{regex}/", {"pattern": "(?=X)Y"}, format="json")
    assert response.status_code == 400 and "pattern" in response.json()["error"]["fields"]
    assert CategoryRule.objects.get(pk=regex).pattern == CATASTROPHIC


@pytest.mark.django_db
def test_a_rule_saved_before_re2_with_a_lookahead_matches_nothing_and_never_breaks_a_sync(api_client, user, account):
    CategoryRule.objects.create(user=user, name="old", category="TRAVEL_OTHER_TRAVEL", match_type="regex",
                                pattern="JOES(?= CAFE)")
    sync(account, [rec("JOES CAFE", "-4", ext_id="a")])
    assert BankTransaction.objects.get(external_id="a").category_source != "rule"
    preview = api_client.post("/api/v1/rules/preview/", {**RULE, "match_type": "contains", "pattern": "JOES"},
                              format="json")
    assert preview.status_code == 200 and preview.json()["count"] == 1
