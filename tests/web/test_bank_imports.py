"""The bank statement import pages: upload -> columns -> preview with errors -> confirm."""

from __future__ import annotations

from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from integrations_core.models import ConnectionStatus, StatementImport
from open_banking.models import BankAccount, BankConnection, BankStatementMapping, BankTransaction

FIXTURES = Path(__file__).parent.parent / "open_banking" / "statements" / "fixtures"
pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2024-04-20 12:00 +01:00", tick=False):
        yield


def file(name, content=None):
    return SimpleUploadedFile(name, content if content is not None else (FIXTURES / name).read_bytes())


def test_upload_page_lists_the_persons_accounts_only(web, user, other_user):
    mine = BankConnection.objects.create(user=user, provider="truelayer", status=ConnectionStatus.ACTIVE,
                                         institution_name="Lloyds")
    BankAccount.objects.create(connection=mine, external_id="a", name="Club Lloyds", type="current", currency="GBP")
    theirs = BankConnection.objects.create(user=other_user, provider="truelayer", status=ConnectionStatus.ACTIVE)
    BankAccount.objects.create(connection=theirs, external_id="b", name="Someone else's", type="current",
                               currency="GBP")
    page = web.get(reverse("web:bank-import-upload"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Club Lloyds" in body and "Someone else" not in body
    assert reverse("web:bank-import-upload") in web.get(reverse("web:accounts")).content.decode()


def test_csv_journey_with_columns(web, user):
    response = web.post(reverse("web:bank-import-upload"),
                        {"file": file("barclays_uk.csv"), "bank": "Barclays", "account": "", "date_order": "auto"})
    assert response.status_code == 302
    preview = StatementImport.objects.get(user=user)
    page = web.get(response["Location"]).content.decode()
    assert "TESCO STORES 3297" in page and "Columns" in page and "Import 4 transactions" in page

    remapped = web.post(reverse("web:bank-import-mapping", args=[preview.pk]),
                        {"date": "Date", "description": "Subcategory", "amount": "Amount", "date_order": "mdy"})
    assert remapped.status_code == 302
    fresh = StatementImport.objects.get(user=user)
    assert fresh.pk != preview.pk and fresh.status == "rejected"
    page = web.get(remapped["Location"]).content.decode()
    assert "1 problem in the file" in page and "13/04/2024" in page

    no_amount = web.post(reverse("web:bank-import-mapping", args=[fresh.pk]), {"date": "Date",
                                                                              "description": "Memo",
                                                                              "date_order": "dmy"})
    assert no_amount.status_code == 400 and "Choose the amount column" in no_amount.content.decode()

    fixed = web.post(reverse("web:bank-import-mapping", args=[fresh.pk]),
                     {"date": "Date", "description": "Memo", "amount": "Amount", "date_order": "dmy"})
    final = StatementImport.objects.get(user=user)
    assert final.status == "previewed"
    assert BankStatementMapping.objects.get(user=user).columns["description"] == "Memo"
    confirmed = web.post(reverse("web:bank-import-confirm", args=[final.pk]))
    assert confirmed.status_code == 302 and fixed.status_code == 302
    assert BankTransaction.objects.filter(account__connection__user=user).count() == 4
    again = web.post(reverse("web:bank-import-upload"), {"file": file("barclays_uk.csv"), "bank": "barclays"})
    page = web.get(again["Location"]).content.decode()
    assert "4 imported before" in page


def test_bad_input_is_400_with_field_errors(web):
    missing = web.post(reverse("web:bank-import-upload"), {"bank": ""})
    assert missing.status_code == 400
    body = missing.content.decode()
    assert "field-error" in body
    empty = web.post(reverse("web:bank-import-upload"), {"file": file("x.csv", b"nothing,here\n1,2\n"),
                                                         "bank": "X"})
    assert empty.status_code == 400 and "No header row" in empty.content.decode()


def test_qif_date_order_can_be_changed(web, user):
    web.post(reverse("web:bank-import-upload"), {"file": file("quicken_us.qif"), "bank": "Quicken"})
    preview = StatementImport.objects.get(user=user)
    assert "Read month first" in web.get(reverse("web:bank-import-preview", args=[preview.pk])).content.decode()
    web.post(reverse("web:bank-import-mapping", args=[preview.pk]), {"date_order": "dmy"})
    fresh = StatementImport.objects.get(user=user)
    assert fresh.status == "rejected"  # 4/13'24 cannot be day first


def test_other_people_get_404(web, client, other_user, user):
    web.post(reverse("web:bank-import-upload"), {"file": file("uk_bank.qif"), "bank": "X"})
    preview = StatementImport.objects.get(user=user)
    client.force_login(other_user)
    assert client.get(reverse("web:bank-import-preview", args=[preview.pk])).status_code == 404
    assert client.post(reverse("web:bank-import-confirm", args=[preview.pk])).status_code == 404
    assert client.post(reverse("web:bank-import-mapping", args=[preview.pk]), {"date_order": "dmy"}).status_code == 404
    assert client.post(reverse("web:bank-import-cancel", args=[preview.pk])).status_code == 404
    mine = BankConnection.objects.create(user=user, provider="truelayer", status=ConnectionStatus.ACTIVE)
    account = BankAccount.objects.create(connection=mine, external_id="a", name="A", type="current", currency="GBP")
    into = client.post(reverse("web:bank-import-upload"), {"file": file("uk_bank.qif"), "bank": "X",
                                                           "account": str(account.pk)})
    assert into.status_code == 400  # not one of the choices offered to them


def test_anonymous_redirected_to_login(client):
    assert client.get(reverse("web:bank-import-upload")).status_code == 302


def test_the_file_connection_is_not_a_bank_to_connect_and_has_no_sync(web, user):
    web.post(reverse("web:bank-import-upload"), {"file": file("uk_bank.qif"), "bank": "Old Bank"})
    web.post(reverse("web:bank-import-confirm", args=[StatementImport.objects.get(user=user).pk]))
    page = web.get(reverse("web:connections")).content.decode()
    assert "Statement files" in page and "Bank statement file</option>" not in page
    card = page[page.index("Statement files"):][:2000]
    assert "Sync now" not in card


def test_a_file_provider_cannot_be_connected_through_the_bank_api(api_client):
    response = api_client.post("/api/v1/open-banking/connections/", {"provider": "bank_file"}, format="json")
    assert response.status_code == 400 and "provider" in response.json()["error"]["fields"]


def test_saved_columns_can_be_forgotten_by_their_owner_only(web, client, user, other_user):
    web.post(reverse("web:bank-import-upload"), {"file": file("barclays_uk.csv"), "bank": "Barclays"})
    mapping = BankStatementMapping.objects.get(user=user)
    assert "Forget" in web.get(reverse("web:bank-import-upload")).content.decode()
    client.force_login(other_user)
    assert client.post(reverse("web:bank-import-mapping-delete", args=[mapping.pk])).status_code == 404
    client.force_login(user)
    assert client.post(reverse("web:bank-import-mapping-delete", args=[mapping.pk])).status_code == 302
    assert not BankStatementMapping.objects.exists()
