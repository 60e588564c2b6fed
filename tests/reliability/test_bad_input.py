"""Bad input is a 4xx in the API's JSON error format, never a 500, an HTML page or a CSV file
(issue "Banking correctness", section 4). One test per class of input, named after what the
person saw before: edited cursors, NUL bytes and huge numbers in filters, deeply nested JSON
bodies, months and dates out of range, non-UUID ids and unknown routes, errors of a CSV export.

Each case is its own test so that on PostgreSQL (CI's second run) one failing query cannot hide
the next behind "current transaction is aborted"."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from integrations_core.models import SyncRun
from transactions.models import Budget, BudgetAlert, CategoryRule, RecurringPayment

pytestmark = pytest.mark.django_db

OB = "/api/v1/open-banking"


def assert_api_error(response, status: int, code: str | None = None, field: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    error = json.loads(response.content)["error"]
    assert set(error) == {"code", "message", "fields"} and error["message"]
    if code is not None:
        assert error["code"] == code, error
    if field is not None:
        assert field in error["fields"] and error["fields"][field], error
    return error


def cursor(**tokens) -> str:
    return base64.b64encode(urlencode(tokens).encode()).decode()


@pytest.fixture
def everything(user, bank_data):
    """One of each listed object, so every list endpoint has rows to page through."""
    today = timezone.localdate()
    budget = Budget.objects.create(user=user, category="FOOD_AND_DRINK", amount=Decimal("100.00"), currency="GBP",
                                   rollover=True, start_month=today.replace(day=1) - timedelta(days=70))
    BudgetAlert.objects.create(user=user, budget=budget, month=today.replace(day=1), threshold=80,
                               spent=Decimal("80"), cap=Decimal("100"), message="80%")
    CategoryRule.objects.create(user=user, name="Coffee", category="FOOD_AND_DRINK_COFFEE", pattern="COSTA")
    RecurringPayment.objects.create(
        user=user, account=bank_data["current"], merchant_key="netflix", name="Netflix", direction="out",
        frequency="monthly", currency="GBP", typical_amount=Decimal("-9.99"), last_amount=Decimal("-9.99"),
        last_date=today - timedelta(days=3), next_expected_date=today + timedelta(days=27),
        next_expected_amount=Decimal("-9.99"), occurrences=4)
    connection = bank_data["connection"]
    SyncRun.objects.create(user=user, connection_type=_content_type(connection), connection_id=connection.pk,
                           provider=connection.provider, trigger="manual")
    return {**bank_data, "budget": budget}


def _content_type(obj):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(obj)


# --- 1. cursors ---------------------------------------------------------------------------------
# The list endpoints whose cursor compares a date, a datetime or a number (the first ordering
# field): every crafted position below is a value that field cannot hold.
TYPED_LISTS = {
    "transactions": "/api/v1/transactions/",
    "budgets": "/api/v1/budgets/",
    "rules": "/api/v1/rules/",
    "recurring": "/api/v1/recurring/",
    "alerts": "/api/v1/budgets/alerts/",
    "bank transactions": f"{OB}/transactions/",
    "bank accounts": f"{OB}/accounts/",
    "bank connections": f"{OB}/connections/",
    "sync runs": f"{OB}/connections/{{connection}}/sync-runs/",
}
CRAFTED_POSITIONS = {
    "not a date": "notadate",
    "31 February": "2026-02-31",
    "a UUID": "7d0e6f4e-9c1a-4c57-8a53-2f6c1b9e0d11",
    "a huge number": "9" * 400,
    "an exponent": "1e999999",
    "not a number": "NaN",
    "a NUL byte": "2026-03-01\x00",
    "empty": "",
    "deeply nested JSON": "[" * 500,
}


def _list_url(name: str, data) -> str:
    return TYPED_LISTS[name].format(connection=data["connection"].pk)


@pytest.mark.parametrize("position", CRAFTED_POSITIONS.values(), ids=CRAFTED_POSITIONS.keys())
@pytest.mark.parametrize("name", TYPED_LISTS)
def test_an_edited_cursor_is_a_400_naming_the_cursor_not_a_500(api_client, everything, name, position):
    for reverse in ("0", "1"):
        response = api_client.get(_list_url(name, everything), {"cursor": cursor(r=reverse, p=position)})
        assert_api_error(response, 400, "invalid_cursor", "cursor")


@pytest.mark.parametrize("name", ["budgets", "alerts", "bank accounts", "bank connections", "sync runs"])
def test_a_cursor_time_with_an_offset_postgresql_cannot_store_is_read_in_utc(api_client, everything, name):
    # A real instant, just written oddly: PostgreSQL refuses offsets past 15:59 ("time zone
    # displacement out of range"), so the position is compared as UTC.
    response = api_client.get(_list_url(name, everything), {"cursor": cursor(p="2999-03-01 10:00:00-23:00")})
    assert response.status_code == 200 and len(response.json()["results"]) >= 1
    response = api_client.get(_list_url(name, everything), {"cursor": cursor(p="2026-03-01 10:00:00")})
    assert_api_error(response, 400, "invalid_cursor", "cursor")  # ours always carry their offset


@pytest.mark.parametrize("raw", [
    "%%%not-base64%%%", base64.b64encode(b"r=x&p=2026-01-01").decode(), base64.b64encode(b"o=-5").decode(),
    base64.b64encode("p=\u00e9".encode()).decode(), "A" * 5000, "cD0yMDI2LTAxLTAx\x00",
], ids=["not base64", "reverse not a number", "negative offset", "not ascii", "5000 characters", "NUL byte"])
@pytest.mark.parametrize("name", ["budgets", "bank transactions", "sync runs"])
def test_a_cursor_that_does_not_decode_is_a_400_naming_the_cursor(api_client, everything, name, raw):
    assert_api_error(api_client.get(_list_url(name, everything), {"cursor": raw}), 400, "invalid_cursor", "cursor")


@pytest.mark.parametrize("position", [
    json.dumps(["2026-03-01", "not-a-uuid"]), json.dumps(["2026-02-31", str(uuid.uuid4())]),
    json.dumps(["2026-03-01"]), json.dumps({"booked_date": "2026-03-01"}), json.dumps([["2026-03-01"], "x"]),
    json.dumps(["2026-03-01\u0000", str(uuid.uuid4())]), json.dumps([20260301, str(uuid.uuid4())]),
], ids=["bad uuid", "bad date", "too few values", "an object", "a nested list", "NUL byte", "a number"])
def test_an_edited_keyset_cursor_is_a_400(api_client, everything, position):
    response = api_client.get(f"{OB}/transactions/", {"cursor": cursor(p=position)})
    assert_api_error(response, 400, "invalid_cursor", "cursor")


@pytest.mark.parametrize("amount", ["9" * 40, "1e999999", "NaN", "-Infinity", "0.0000000000000000001"])
def test_an_edited_keyset_cursor_with_an_amount_the_column_cannot_hold_is_a_400(api_client, everything, amount):
    response = api_client.get(f"{OB}/transactions/", {"ordering": "amount",
                                                      "cursor": cursor(p=json.dumps([amount, str(uuid.uuid4())]))})
    assert_api_error(response, 400, "invalid_cursor", "cursor")


def test_a_priority_past_the_integer_range_is_a_400(api_client, everything):
    response = api_client.get("/api/v1/rules/", {"cursor": cursor(p=str(2**63))})
    assert_api_error(response, 400, "invalid_cursor", "cursor")


def test_institution_names_in_a_cursor_are_text_but_not_nul_bytes(api_client, everything):
    assert api_client.get(f"{OB}/institutions/", {"cursor": cursor(p="Any bank name")}).status_code == 200
    response = api_client.get(f"{OB}/institutions/", {"cursor": cursor(p="Bank\x00")})
    assert_api_error(response, 400, "invalid_cursor", "cursor")


@pytest.mark.parametrize("url", ["/api/v1/budgets/", "/api/v1/rules/", "/api/v1/recurring/"])
def test_the_cursors_we_hand_out_still_walk_every_page(api_client, user, everything, url):
    today = timezone.localdate()
    for i, code in enumerate(["TRAVEL", "ENTERTAINMENT", "TRANSPORTATION"]):
        Budget.objects.create(user=user, category=code, amount=Decimal(10), currency="GBP",
                              start_month=today.replace(day=1))
        CategoryRule.objects.create(user=user, name=f"r{i}", category="FOOD_AND_DRINK_COFFEE", pattern=f"X{i}",
                                    priority=i)
        RecurringPayment.objects.create(
            user=user, account=everything["current"], merchant_key=f"m{i}", name=f"M{i}", direction="out",
            frequency="monthly", currency="GBP", typical_amount=Decimal("-1"), last_amount=Decimal("-1"),
            last_date=today, next_expected_date=today + timedelta(days=i), next_expected_amount=Decimal("-1"),
            occurrences=3)
    seen, response = [], api_client.get(url, {"page_size": 1})
    while True:
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        seen += [row["id"] for row in body["results"]]
        if not body["next"]:
            break
        response = api_client.get(body["next"])
    assert len(seen) == len(set(seen)) == 4
    back = api_client.get(body["previous"])
    assert back.status_code == 200 and back.json()["results"][0]["id"] == seen[-2]


# --- filters ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("url", "params", "field"), [
    (f"{OB}/transactions/", {"search": "coffee\x00"}, "search"),
    (f"{OB}/transactions/", {"provider": "\x00"}, "provider"),
    (f"{OB}/transactions/", {"category": "\x00"}, "category"),
    (f"{OB}/transactions/", {"account": "\x00"}, "account"),
    (f"{OB}/transactions/", {"amount_min": "1e999999"}, "amount_min"),
    (f"{OB}/transactions/", {"amount_max": "9" * 30}, "amount_max"),
    (f"{OB}/transactions/", {"amount_min": "1e-999999"}, "amount_min"),
    (f"{OB}/transactions/", {"amount_max": "NaN"}, "amount_max"),
    (f"{OB}/transactions/", {"date_from": "0001-01-01"}, "date_from"),
    (f"{OB}/transactions/", {"date_to": "9999-12-31"}, "date_to"),
    (f"{OB}/institutions/", {"search": "\x00"}, "search"),
    (f"{OB}/institutions/", {"country": "G\x00"}, "country"),
    (f"{OB}/accounts/", {"provider": "\x00"}, "provider"),
    (f"{OB}/connections/", {"provider": "\x00"}, "provider"),
    ("/api/v1/transactions/", {"category": "FOOD\x00"}, "category"),
    ("/api/v1/transactions/", {"source": "\x00"}, "source"),
    ("/api/v1/transactions/", {"date_from": "0001-01-01"}, "date_from"),
    ("/api/v1/budgets/", {"category": "\x00"}, "category"),
    ("/api/v1/recurring/", {"kind": "\x00"}, "kind"),
])
def test_a_filter_with_a_nul_byte_a_huge_number_or_year_one_is_a_400_not_a_500(api_client, everything, url,
                                                                                   params, field):
    assert_api_error(api_client.get(url, params), 400, "invalid", field)


@pytest.mark.parametrize(("params", "field"), [({"from": "0001-01-01"}, "from"), ({"to": "9999-12-31"}, "to")])
def test_a_balance_history_range_out_of_bounds_is_a_400(api_client, everything, params, field):
    response = api_client.get(f"{OB}/accounts/{everything['current'].pk}/balances/", params)
    assert_api_error(response, 400, "invalid", field)


def test_filters_in_range_still_filter(api_client, everything):
    response = api_client.get(f"{OB}/transactions/", {"amount_min": "-30.5", "amount_max": "-2.0",
                                                      "date_from": "1990-01-01", "date_to": "2100-12-31"})
    assert response.status_code == 200
    assert {row["description"] for row in response.json()["results"]} == {"GOOGLE PLAY STORE", "PAYPAL EBAY",
                                                                          "COSTA COFFEE"}


# --- 2. JSON bodies -----------------------------------------------------------------------------
def nested(depth: int) -> str:
    return '{"name": ' + "[" * depth + "]" * depth + ', "category": "OTHER_OTHER", "pattern": "X"}'


def _body_targets(data) -> list[tuple[str, str]]:
    return [("post", "/api/v1/rules/"), ("post", "/api/v1/rules/preview/"), ("post", "/api/v1/budgets/"),
            ("post", "/api/v1/budgets/alerts/read/"), ("post", f"{OB}/connections/"),
            ("patch", f"/api/v1/transactions/{data['txns']['t1'].pk}/"),
            ("post", f"/api/v1/connections/{data['connection'].pk}/complete/")]


@pytest.mark.parametrize("depth", [5000, 65])
@pytest.mark.parametrize("target", range(7))
def test_a_json_body_nested_too_deep_is_a_400_parse_error_not_a_500(api_client, everything, target, depth):
    method, url = _body_targets(everything)[target]
    response = getattr(api_client, method)(url, data=nested(depth), content_type="application/json")
    error = assert_api_error(response, 400, "parse_error")
    assert "64" in error["message"]


def test_nesting_up_to_the_limit_is_parsed_and_brackets_in_strings_do_not_count(api_client, everything):
    # 64 deep is read (and then refused by the serializer: a name is text, not a list).
    assert_api_error(api_client.post("/api/v1/rules/", data=nested(63), content_type="application/json"),
                     400, "invalid", "name")
    body = {"name": "[[[[[" * 19, "category": "OTHER_OTHER", "pattern": "{{{{[[[[\\\"[[["}
    assert api_client.post("/api/v1/rules/", body, format="json").status_code == 201


def test_a_body_over_the_upload_limit_is_a_413(api_client, everything, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"name": "x" * 2000, "category": "OTHER_OTHER", "pattern": "X"})
    assert_api_error(api_client.post("/api/v1/rules/", data=body, content_type="application/json"),
                     413, "payload_too_large")


@pytest.mark.parametrize("body", ['{"name": NaN}', '{"name": "\\ud800"', "\xff\xfe", "[" * 10])
def test_a_body_that_is_not_json_is_a_400_parse_error(api_client, everything, body):
    response = api_client.post("/api/v1/rules/", data=body.encode("latin-1"), content_type="application/json")
    assert_api_error(response, 400, "parse_error")


# --- 3. months and dates ------------------------------------------------------------------------
@pytest.mark.parametrize("month", ["0001-01", "0002-12", "1899-12", "9999-12", "2026-13", "2026-3", "2026-03-01"])
def test_a_budget_summary_month_out_of_range_is_a_400_with_a_field_error_not_a_500(api_client, everything, month):
    # `everything` holds a rollover budget: its carry-over counts the months before this one.
    assert_api_error(api_client.get("/api/v1/budgets/summary/", {"month": month}), 400, "invalid", "month")


def test_a_budget_summary_at_the_range_ends_still_answers(api_client, everything):
    for month in ("1900-01", "2100-12"):
        assert api_client.get("/api/v1/budgets/summary/", {"month": month}).status_code == 200


def test_the_budget_list_ignores_a_month_it_does_not_take(api_client, everything):
    assert api_client.get("/api/v1/budgets/", {"month": "0001-01"}).status_code == 200


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "0001-01-01", "to": "0001-01-02"}, "date_from"), ({"from": "9999-12-30", "to": "9999-12-31"}, "date_from"),
    ({"to": "9999-12-31"}, "date_to"), ({"group_by": "month", "from": "1899-12-31", "to": "1900-02-01"}, "date_from"),
])
def test_a_spending_range_out_of_bounds_is_a_400_with_a_field_error(api_client, everything, params, field):
    assert_api_error(api_client.get("/api/v1/spending/summary/", params), 400, "invalid", field)


def test_a_budget_starting_in_year_one_is_a_400(api_client, everything):
    response = api_client.post("/api/v1/budgets/", {"category": "TRAVEL", "amount": "10.00",
                                                    "start_month": "0001-01-01"}, format="json")
    assert_api_error(response, 400, "invalid", "start_month")


# --- 4. ids and routes --------------------------------------------------------------------------
@pytest.mark.parametrize(("method", "path"), [
    ("get", "/api/v1/nope/"), ("get", "/api/nope"), ("get", "/api/v1/open-banking/nope/"),
    ("get", f"{OB}/connections/not-a-uuid/"), ("get", f"{OB}/connections/not-a-uuid/sync-runs/"),
    ("post", f"{OB}/connections/not-a-uuid/sync/"), ("get", f"{OB}/accounts/not-a-uuid/transactions/"),
    ("get", f"{OB}/accounts/%00/balances/"), ("post", "/api/v1/connections/not-a-uuid/complete/"),
    ("get", "/api/v1/rules/not-a-uuid/"), ("post", "/api/v1/rules/not-a-uuid/apply/"),
    ("get", "/api/v1/budgets/12345/"), ("get", "/api/v1/categories/not_a_code/"),
])
def test_a_non_uuid_id_or_an_unknown_route_under_api_is_a_json_404_not_an_html_page(api_client, everything, method,
                                                                                    path):
    assert_api_error(getattr(api_client, method)(path), 404, "not_found")


def test_an_unknown_api_route_is_a_json_404_without_a_session_too(db):
    assert_api_error(APIClient().get("/api/v1/nope/"), 404, "not_found")


def test_pages_outside_the_api_keep_the_html_404(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


# --- 5. CSV exports -----------------------------------------------------------------------------
def test_errors_of_a_csv_export_are_json_not_csv(api_client, other_api_client, everything):
    url = f"{OB}/transactions/"
    assert_api_error(api_client.get(url, {"format": "csv", "date_from": "bad"}), 400, "invalid", "date_from")
    assert_api_error(api_client.get(url, {"format": "csv", "amount_min": "1e999999"}), 400, "invalid", "amount_min")
    theirs = f"{OB}/accounts/{everything['current'].pk}/transactions/"
    assert_api_error(other_api_client.get(theirs, {"format": "csv"}), 404, "not_found")
    assert_api_error(api_client.get(f"{OB}/nope/", {"format": "csv"}), 404, "not_found")
    signed_out = APIClient().get(url, {"format": "csv"})
    assert signed_out.status_code in (401, 403)
    assert_api_error(signed_out, signed_out.status_code)
    # The export itself is still CSV.
    export = api_client.get(url, {"format": "csv"})
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
