"""The Transactions page: filters, pagination, pending marks, CSV export and recategorising
through the transactions app's correction service."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest

from open_banking.models import BankTransaction
from transactions.models import MerchantCorrection

pytestmark = pytest.mark.django_db


def rows(response) -> list[str]:
    """The transaction ids on the page, in order."""
    import re

    return re.findall(r'data-transaction="([0-9a-f-]+)"', response.content.decode())


def test_lists_newest_first_with_categories_and_pending_marked(web, bank):
    response = web.get("/transactions/")
    page = response.content.decode()
    assert len(rows(response)) == 6
    assert "Groceries" in page and "Not categorised" in page
    assert '<span class="badge badge--pending">Pending</span>' in page
    assert "+£1,500.00" in page and "\u2212£25.25" in page


@pytest.mark.parametrize(("params", "expected"), [
    ({"q": "tesco"}, ["t2"]),
    ({"category": "FOOD_AND_DRINK"}, ["t2", "t4"]),
    ({"category": "uncategorised"}, ["c2"]),
    ({"status": "pending"}, ["t4"]),
    ({"account": "card"}, ["c1", "c2"]),
    ({"date_from": "today-1", "date_to": "today-1"}, ["t3", "c1"]),
])
def test_filters(web, bank, params, expected):
    today = bank["today"]
    params = {k: (str(bank[v].pk) if v in ("card", "current") else
                  (today - timedelta(days=1)).isoformat() if v == "today-1" else v) for k, v in params.items()}
    got = {str(bank["txns"][ext].pk): ext for ext in bank["txns"]}
    assert sorted(got[pk] for pk in rows(web.get("/transactions/", params))) == sorted(expected)


def test_a_bad_date_range_is_explained(web, bank):
    page = web.get("/transactions/", {"date_from": "2026-05-02", "date_to": "2026-05-01"}).content.decode()
    assert "The start date is after the end date." in page


def test_pagination_keeps_the_filters(web, bank):
    account = bank["current"]
    for n in range(55):
        BankTransaction.objects.create(account=account, external_id=f"bulk{n}", fingerprint="f",
                                       booked_date=bank["today"] - timedelta(days=10), amount=Decimal("-1.00"),
                                       currency="GBP", description=f"BULK {n}")
    first = web.get("/transactions/", {"q": "bulk"})
    assert len(rows(first)) == 50 and "page 1 of 2" in first.content.decode()
    assert "?q=bulk&amp;page=2" in first.content.decode()
    second = web.get("/transactions/", {"q": "bulk", "page": 2})
    assert len(rows(second)) == 5 and not set(rows(first)) & set(rows(second))


def test_csv_export_has_every_matching_row_and_defuses_formulas(web, bank):
    response = web.get("/transactions/export.csv", {"account": str(bank["card"].pk)})
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="transactions.csv"' in response["Content-Disposition"]
    data = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {row["description"] for row in data} == {"AMAZON.CO.UK", "'=HYPERLINK(\"x\")"}
    assert {row["account_name"] for row in data} == {"Platinum"}


def test_recategorise_inline_locks_the_row_and_teaches_the_categoriser(web, user, bank):
    tx = bank["txns"]["t2"]
    response = web.post(f"/transactions/{tx.pk}/category/", {"category": "ENTERTAINMENT"},
                        HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json() == {"category": "ENTERTAINMENT", "label": "Entertainment",
                               "message": "Category changed to Entertainment.", "similar_updated": 0}
    tx.refresh_from_db()
    assert (tx.category, tx.category_source) == ("ENTERTAINMENT", "user") and "category" in tx.locked_fields
    assert MerchantCorrection.objects.filter(user=user, category="ENTERTAINMENT").exists()


def test_recategorise_can_change_the_same_shop_too(web, bank):
    tesco = bank["txns"]["t2"]
    other = BankTransaction.objects.create(account=bank["current"], external_id="t9", fingerprint="t9",
                                           booked_date=bank["today"], amount=Decimal("-3.00"), currency="GBP",
                                           description="TESCO STORES 123", category="FOOD_AND_DRINK_GROCERIES")
    body = web.post(f"/transactions/{tesco.pk}/category/", {"category": "ENTERTAINMENT", "apply_to_similar": "on"},
                    HTTP_ACCEPT="application/json").json()
    assert body["similar_updated"] == 1
    other.refresh_from_db()
    assert other.category == "ENTERTAINMENT"


def test_recategorise_without_javascript(web, bank):
    tx = bank["txns"]["t1"]
    form = web.get(f"/transactions/{tx.pk}/category/", {"next": "/transactions/?q=google"})
    assert form.status_code == 200 and 'value="/transactions/?q=google"' in form.content.decode()
    done = web.post(f"/transactions/{tx.pk}/category/", {"category": "FOOD_AND_DRINK_COFFEE",
                                                        "next": "/transactions/?q=google"})
    assert done.status_code == 302 and done["Location"] == "/transactions/?q=google"
    off_site = web.post(f"/transactions/{tx.pk}/category/", {"category": "FOOD_AND_DRINK_COFFEE",
                                                            "next": "https://evil.example/"})
    assert off_site["Location"] == "/transactions/"


def test_recategorise_refuses_an_unknown_category(web, bank):
    tx = bank["txns"]["t1"]
    response = web.post(f"/transactions/{tx.pk}/category/", {"category": "NOT_A_CODE"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"
    assert web.post(f"/transactions/{tx.pk}/category/", {"category": "NOT_A_CODE"}).status_code == 400
    tx.refresh_from_db()
    assert tx.category == "ENTERTAINMENT_VIDEO_GAMES"


def test_another_persons_transactions_stay_theirs(other_web, bank):
    tx = bank["txns"]["t1"]
    assert other_web.post(f"/transactions/{tx.pk}/category/", {"category": "ENTERTAINMENT"}).status_code == 404
    assert other_web.get(f"/transactions/{tx.pk}/category/").status_code == 404
    assert rows(other_web.get("/transactions/")) == []
    export = b"".join(other_web.get("/transactions/export.csv").streaming_content).decode()
    assert export.count("\n") == 1  # the header only
    assert other_web.get("/transactions/", {"account": str(bank["current"].pk)}).status_code == 200


def test_csv_export_puts_the_category_label_beside_its_code(web, bank):
    response = web.get("/transactions/export.csv")
    data = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    by_description = {row["description"]: row for row in data}
    assert by_description["TESCO STORES 123"]["category"] == "FOOD_AND_DRINK_GROCERIES"
    assert by_description["TESCO STORES 123"]["category_label"] == "Groceries"
    assert list(data[0]).index("category_label") == list(data[0]).index("category") + 1
