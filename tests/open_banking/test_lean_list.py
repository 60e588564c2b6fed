"""The transaction lists' lean path (values() rows through integrations_core.api.lean) answers
byte for byte what the full serialiser answers, for every list endpoint and a varied set of rows:
pending, edited, manual, other currencies, empty merchant, summer (BST) and winter (UTC) times,
negative, zero and long amounts, every optional field set and unset."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework import serializers

from integrations_core.api.lean import LeanPlan, LeanUnsupported, lean_plan
from open_banking.api.serializers import BankTransactionSerializer
from open_banking.api.views import BankTransactionViewSet
from open_banking.models import MANUAL_PROVIDER, BankAccount, BankConnection, BankTransaction

pytestmark = pytest.mark.django_db
BASE = "/api/v1/open-banking"
UTC = dt.UTC
# The 404 body as get_object_or_404 on the account made it before (the id check replaced it).
NOT_FOUND = {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}


def _account(user, provider, name, currency, n):
    connection = BankConnection.objects.create(user=user, provider=provider, status="active", access_token="s")
    return BankAccount.objects.create(connection=connection, external_id=f"acc-{n}", name=name, currency=currency)


@pytest.fixture
def varied(user):
    """Rows covering every field's cases; created_at fixed (auto_now_add would be today)."""
    current = _account(user, "truelayer", "Current", "GBP", 1)
    euro = _account(user, "gocardless", "Euro account", "EUR", 2)
    manual = _account(user, MANUAL_PROVIDER, "Cash jar", "GBP", 3)
    specs = [
        # (account, booked, amount, currency, extra)
        (current, dt.date(2026, 7, 1), "-12.3", "GBP", {"booked_at": dt.datetime(2026, 7, 1, 11, 30, tzinfo=UTC),
                                                        "merchant_name": "TESCO", "category": "FOOD_AND_DRINK_GROCERIES",
                                                        "value_date": dt.date(2026, 7, 2),
                                                        "running_balance": Decimal("1034.5")}),
        (current, dt.date(2026, 1, 15), "2500", "GBP", {"booked_at": dt.datetime(2026, 1, 15, 9, 0, 0, 123456,
                                                                                 tzinfo=UTC),
                                                        "description": "SALARY", "merchant_name": ""}),
        (current, dt.date(2026, 7, 1), "-4.99", "GBP", {"status": "pending", "description": "NETFLIX.COM"}),
        (current, dt.date(2026, 3, 29), "-80.00", "GBP", {
            "booked_at": dt.datetime(2026, 3, 29, 0, 59, tzinfo=UTC),  # the hour before the clocks go forward
            "original_amount": Decimal("-93.1"), "original_currency": "USD", "provider_category": "PURCHASE",
            "mcc": "5411"}),
        (current, dt.date(2026, 10, 25), "0", "GBP", {"booked_at": dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
                                                     "description": "ZERO CHECK"}),
        # Edited by the person: category overridden, notes, the fields locked against the sync.
        (current, dt.date(2026, 5, 5), "-31.456", "GBP", {"category": "ENTERTAINMENT_CINEMA",
                                                          "category_source": "user", "notes": "with Sam\nand Jo",
                                                          "locked_fields": ["category", "notes"],
                                                          "merchant_name": "Odeon ‘Leicester Sq’"}),
        (euro, dt.date(2026, 6, 30), "-1500", "EUR", {"original_amount": Decimal("-210000"),
                                                      "original_currency": "JPY", "merchant_name": "=cmd"}),
        (euro, dt.date(2026, 2, 1), "1.2345", "KWD", {"running_balance": Decimal("-0.000")}),
        (manual, dt.date(2026, 4, 1), "-20.00", "GBP", {"description": "Window cleaner", "category": "HOME"}),
        (manual, dt.date(2026, 4, 1), "-999999999.99", "GBP", {"description": "A big one"}),
    ]
    rows = []
    for n, (account, booked, amount, currency, extra) in enumerate(specs):
        extra = {"description": f"ROW {n}", **extra}
        rows.append(BankTransaction.objects.create(
            account=account, external_id=f"t{n}", fingerprint=f"f{n}", booked_date=booked,
            amount=Decimal(amount), currency=currency, **extra))
    for n, row in enumerate(rows):
        created = dt.datetime(2026, 7 if n % 2 else 12, 1 + n, 23, 30, tzinfo=UTC)  # BST and GMT
        BankTransaction.objects.filter(pk=row.pk).update(created_at=created)
    return {"current": current, "euro": euro, "manual": manual, "rows": rows}


@pytest.fixture
def web(client, user):
    client.force_login(user)
    return client


def _both_paths(web, monkeypatch, path, params=None):
    """(lean response, full-serialiser response) for the same request."""
    monkeypatch.setattr(BankTransactionViewSet, "lean_list", True)
    lean = web.get(path, params or {})
    monkeypatch.setattr(BankTransactionViewSet, "lean_list", False)
    full = web.get(path, params or {})
    return lean, full


def _list_requests(varied):
    account = varied["current"].pk
    return [
        (f"{BASE}/transactions/", {}),
        (f"{BASE}/transactions/", {"page_size": 3}),
        (f"{BASE}/transactions/", {"ordering": "amount", "page_size": 4}),
        (f"{BASE}/transactions/", {"ordering": "-amount"}),
        (f"{BASE}/transactions/", {"ordering": "booked_date"}),
        (f"{BASE}/transactions/", {"category": "FOOD_AND_DRINK_GROCERIES"}),
        (f"{BASE}/transactions/", {"search": "netflix"}),
        (f"{BASE}/transactions/", {"status": "pending"}),
        (f"{BASE}/transactions/", {"type": "credit"}),
        (f"{BASE}/transactions/", {"date_from": "2026-03-01", "date_to": "2026-07-01"}),
        (f"{BASE}/transactions/", {"provider": MANUAL_PROVIDER}),
        (f"{BASE}/transactions/", {"account": str(varied["euro"].pk)}),
        (f"{BASE}/accounts/{account}/transactions/", {}),
        (f"{BASE}/accounts/{account}/transactions/", {"page_size": 2, "ordering": "-amount"}),
        (f"{BASE}/accounts/{varied['manual'].pk}/transactions/", {}),
    ]


def test_every_list_endpoint_answers_the_same_bytes_as_the_full_serialiser(web, varied, monkeypatch):
    for path, params in _list_requests(varied):
        lean, full = _both_paths(web, monkeypatch, path, params)
        assert lean.status_code == full.status_code == 200, (path, params)
        assert lean.content == full.content, (path, params)
        assert lean.json()["results"], (path, params)


def test_following_the_cursors_both_ways_gives_the_same_pages(web, varied, monkeypatch):
    for ordering in ("-booked_date", "amount"):
        url, params, pages = f"{BASE}/transactions/", {"page_size": 3, "ordering": ordering}, 0
        while url:
            lean, full = _both_paths(web, monkeypatch, url, params)
            assert lean.content == full.content, (url, ordering)
            url, params, pages = lean.json()["next"], None, pages + 1
        assert pages == 4
        previous = lean.json()["previous"]
        lean, full = _both_paths(web, monkeypatch, previous)
        assert lean.content == full.content and lean.json()["results"]


def test_the_lean_path_is_the_one_taken_and_serialises_no_model_instance(web, varied, monkeypatch):
    calls = []
    real = BankTransactionSerializer.to_representation

    def spy(self, instance):
        calls.append(instance)
        return real(self, instance)

    monkeypatch.setattr(BankTransactionSerializer, "to_representation", spy)
    lean, full = _both_paths(web, monkeypatch, f"{BASE}/transactions/")
    assert len(calls) == len(full.json()["results"]) == len(varied["rows"]), "only the full path serialises"


def test_same_bytes_in_another_time_zone(web, varied, monkeypatch, settings):
    settings.TIME_ZONE = "America/New_York"
    lean, full = _both_paths(web, monkeypatch, f"{BASE}/transactions/")
    assert lean.content == full.content
    summer = next(r for r in lean.json()["results"] if r["description"] == "ROW 0")
    assert summer["booked_at"] == "2026-07-01T07:30:00-04:00"


def test_the_representation_of_the_varied_rows(web, varied):
    """What both paths answer, spelled out for the cases that are easy to get wrong."""
    by_description = {r["description"]: r for r in web.get(f"{BASE}/transactions/").json()["results"]}
    summer, winter = by_description["ROW 0"], by_description["SALARY"]
    assert (summer["amount"], summer["running_balance"], summer["booked_at"]) == (
        "-12.30", "1034.50", "2026-07-01T12:30:00+01:00")
    assert winter["booked_at"] == "2026-01-15T09:00:00.123456Z" and winter["merchant_name"] == ""
    assert winter["type"] == "credit" and summer["type"] == "debit"
    assert by_description["ZERO CHECK"]["type"] == "credit"
    assert by_description["NETFLIX.COM"]["status"] == "pending"
    assert by_description["NETFLIX.COM"]["booked_at"] is None and by_description["NETFLIX.COM"]["value_date"] is None
    assert by_description["ROW 3"]["original_amount"] == "-93.10"
    assert by_description["ROW 6"]["original_amount"] == "-210000" and by_description["ROW 6"]["amount"] == "-1500.00"
    assert by_description["ROW 7"]["amount"] == "1.2345" and by_description["ROW 7"]["running_balance"] == "0.000"
    assert by_description["ROW 5"]["category"] == "ENTERTAINMENT_CINEMA"
    assert by_description["ROW 5"]["notes"] == "with Sam\nand Jo"
    assert by_description["Window cleaner"]["provider"] == MANUAL_PROVIDER
    assert by_description["Window cleaner"]["account_name"] == "Cash jar"
    assert by_description["ROW 0"]["created_at"] == "2026-12-01T23:30:00Z"
    assert by_description["SALARY"]["created_at"] == "2026-07-03T00:30:00+01:00"


def test_the_plan_matches_the_serialiser_row_for_row(varied):
    from open_banking import selectors

    queryset = selectors.bank_transaction_rows(varied["current"].connection.user).order_by("booked_date", "id")
    plan = lean_plan(BankTransactionSerializer)
    assert plan.represent(queryset.values(*plan.columns)) == BankTransactionSerializer(queryset, many=True).data


def test_another_persons_account_is_still_a_404(varied, other_user, client, monkeypatch):
    client.force_login(other_user)
    for lean in (True, False):
        monkeypatch.setattr(BankTransactionViewSet, "lean_list", lean)
        response = client.get(f"{BASE}/accounts/{varied['current'].pk}/transactions/")
        assert response.status_code == 404
        assert response.json() == NOT_FOUND
        assert client.get(f"{BASE}/transactions/").json()["results"] == []


def test_the_csv_export_is_unchanged_by_the_lean_path(web, varied, monkeypatch):
    lean, full = _both_paths(web, monkeypatch, f"{BASE}/transactions/", {"format": "csv"})
    assert b"".join(lean.streaming_content) == b"".join(full.streaming_content)


def test_a_field_the_plan_cannot_read_from_a_row_is_refused():
    class Method(serializers.Serializer):
        label = serializers.SerializerMethodField()

        def get_label(self, obj):
            return "x"

    class Dotted(serializers.Serializer):
        owner = serializers.CharField(source="account.name")

    class NotAProperty(serializers.ModelSerializer):
        lean_properties = {"description": ("description",)}

        class Meta:
            model = BankTransaction
            fields = ["description"]

    for serializer in (Method, Dotted, NotAProperty):
        with pytest.raises(LeanUnsupported):
            LeanPlan(serializer)


def test_under_one_account_the_check_is_asked_only_when_the_page_is_empty(web, varied, other_user, client,
                                                                          django_assert_num_queries):
    from uuid import uuid4

    own = f"{BASE}/accounts/{varied['current'].pk}/transactions/"
    with django_assert_num_queries(3):  # session, person, the page: the rows prove the account is theirs
        assert len(web.get(own).json()["results"]) == 6
    # Nothing matches: the account is still theirs, an empty page (one more query to know).
    with django_assert_num_queries(4):
        assert web.get(own, {"search": "no such text"}).json()["results"] == []
    assert web.get(f"{BASE}/accounts/{uuid4()}/transactions/").status_code == 404
    # Another person's account is a 404 whatever the filters or the cursor, the CSV too.
    client.force_login(other_user)
    for params in ({}, {"search": "ROW"}, {"page_size": 1}, {"format": "csv"}):
        response = client.get(own, params)
        assert response.status_code == 404, params


@pytest.mark.parametrize("params", [{"cursor": "not-base64!"}, {"date_from": "2026-02-31"}, {"amount_min": "lots"},
                                    {"status": "nope"}, {"page_size": "many"}])
def test_bad_input_under_one_account_is_a_json_4xx_whoever_asks(web, varied, other_user, client, params):
    """The account check after the page must not turn bad input into a 500, for the owner or
    anyone else (another person gets a 4xx either way, never their rows)."""
    own = f"{BASE}/accounts/{varied['current'].pk}/transactions/"
    response = web.get(own, params)
    assert response.status_code in (400, 200), params  # page_size falls back to the default
    if response.status_code == 400:
        assert response.json()["error"]["code"] and response["Content-Type"].startswith("application/json")
    client.force_login(other_user)
    refused = client.get(own, params)
    assert refused.status_code in (400, 404), params
    assert "results" not in refused.json()


def test_a_malformed_account_id_is_a_404(web):
    assert web.get(f"{BASE}/accounts/not-a-uuid/transactions/").status_code == 404
