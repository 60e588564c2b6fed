"""The bank statement import API: upload -> preview -> remap -> confirm, errors as 4xx with
fields, another person's preview and account not found, the routes in the schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from integrations_core.models import ConnectionStatus
from open_banking.models import BankAccount, BankConnection, BankTransaction

FIXTURES = Path(__file__).parent / "fixtures"
BASE = "/api/v1/open-banking/statement-imports/"
pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2024-04-20 12:00 +01:00", tick=False):
        yield


def file(name: str, content: bytes | None = None):
    return SimpleUploadedFile(name, content if content is not None else (FIXTURES / name).read_bytes())


def test_upload_preview_confirm(api_client, user):
    created = api_client.post(BASE, {"file": file("nationwide_debit_credit.csv"), "bank": "Nationwide",
                                     "account_name": "FlexAccount"}, format="multipart")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "previewed" and body["errors"] == []
    assert body["options"]["format"] == "csv" and body["options"]["mapping"]["debit"] == "Paid out"
    assert "upload" not in body["options"]
    assert body["counts"] == {"new": 4, "duplicate": 0, "imported": 0, "money_in": "2500.00",
                              "money_out": "3811.86"}
    assert body["preview"][0] == {"line": 6, "booked_date": "2024-04-02", "value_date": None,
                                  "description": "TESCO STORES 3297", "amount": "-61.8600", "currency": "GBP",
                                  "state": "new"}
    mappings = api_client.get("/api/v1/open-banking/statement-mappings/").json()
    assert [m["bank"] for m in mappings] == ["Nationwide"]

    confirmed = api_client.post(f"{BASE}{body['id']}/confirm/")
    assert confirmed.status_code == 200 and confirmed.json()["added"] == 4
    assert BankTransaction.objects.filter(account__connection__user=user).count() == 4
    again = api_client.post(f"{BASE}{body['id']}/confirm/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_imported"


def test_remap_with_a_mapping(api_client):
    created = api_client.post(BASE, {"file": file("barclays_uk.csv"), "bank": "Barclays",
                                     "mapping": json.dumps({"date": "Date", "description": "Subcategory",
                                                            "amount": "Amount", "date_order": "mdy"})},
                              format="multipart").json()
    assert created["status"] == "rejected" and [(e["line"], e["column"]) for e in created["errors"]] == [(5, "Date")]
    fixed = api_client.post(f"{BASE}{created['id']}/remap/", {"mapping": {"date": "Date", "description": "Memo",
                                                                          "amount": "Amount", "date_order": "dmy"}},
                            format="json")
    assert fixed.status_code == 201 and fixed.json()["status"] == "previewed"
    assert api_client.get(f"{BASE}{created['id']}/").status_code == 404  # replaced


@pytest.mark.parametrize(("name", "content", "field"), [
    ("empty.csv", b"", "file"),
    ("statement.pdf", b"%PDF-1.4\x00\x00\x00binary", "file"),
    ("nothing.csv", b"just,some\nwords,here\n", "file"),
])
def test_unreadable_files_are_400_with_the_field(api_client, name, content, field):
    response = api_client.post(BASE, {"file": file(name, content), "bank": "X"}, format="multipart")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


def test_bad_fields(api_client):
    response = api_client.post(BASE, {"file": file("uk_bank.qif"), "bank": "", "date_order": "sideways",
                                      "mapping": "{not json"}, format="multipart")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert {"bank", "date_order", "mapping"} <= set(fields)


def test_a_file_with_row_errors_cannot_be_confirmed(api_client):
    created = api_client.post(BASE, {"file": file("bad.qif"), "bank": "X"}, format="multipart").json()
    assert [(e["line"], e["column"]) for e in created["errors"]] == [(6, "D"), (10, "T")]
    refused = api_client.post(f"{BASE}{created['id']}/confirm/")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "has_errors"


def test_other_people_get_404(api_client, other_api_client, user):
    connection = BankConnection.objects.create(user=user, provider="truelayer", status=ConnectionStatus.ACTIVE)
    account = BankAccount.objects.create(connection=connection, external_id="a", name="Mine", type="current",
                                         currency="GBP")
    created = api_client.post(BASE, {"file": file("santander_v1.ofx"), "bank": "Santander",
                                     "account": str(account.pk)}, format="multipart").json()
    assert created["options"]["account"] == str(account.pk)
    for method, url in (("get", f"{BASE}{created['id']}/"), ("post", f"{BASE}{created['id']}/confirm/"),
                        ("post", f"{BASE}{created['id']}/remap/")):
        assert getattr(other_api_client, method)(url, format="json").status_code == 404
    into_mine = other_api_client.post(BASE, {"file": file("santander_v1.ofx"), "bank": "S",
                                             "account": str(account.pk)}, format="multipart")
    assert into_mine.status_code == 404
    mapping = api_client.post(BASE, {"file": file("barclays_uk.csv"), "bank": "Barclays"}, format="multipart")
    assert mapping.status_code == 201
    mapping_id = api_client.get("/api/v1/open-banking/statement-mappings/").json()[0]["id"]
    assert other_api_client.delete(f"/api/v1/open-banking/statement-mappings/{mapping_id}/").status_code == 404
    assert api_client.delete(f"/api/v1/open-banking/statement-mappings/{mapping_id}/").status_code == 204


def test_anonymous_refused(client):
    assert client.post(BASE, {"bank": "X"}).status_code in (401, 403)


def test_schema_has_the_routes(client):
    body = client.get("/api/schema/").content.decode()
    for route in ("/api/v1/open-banking/statement-imports/", "/api/v1/open-banking/statement-imports/{id}/confirm/",
                  "/api/v1/open-banking/statement-imports/{id}/remap/", "/api/v1/open-banking/statement-mappings/"):
        assert route in body


def test_schema_is_valid_without_warnings(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
