"""Statement imports: a preview writes nothing but itself; a file with errors, an expired
preview or a file already imported is refused and changes nothing; another person's import is
a 404. The portfolio writer is faked (its own tests live with it)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection as db
from django.utils import timezone

from integrations_core.models import ConnectionStatus, StatementImport, StatementImportStatus
from integrations_core.providers.registry import registry
from integrations_core.providers.sources import ParsedStatement
from integrations_core.records_json import records_dump, records_load
from integrations_core.services.statements import StatementError, statement_confirm, statement_preview
from open_banking.models import BankConnection

from .connect_fakes import BAD_CSV, GOOD_CSV, FakePortfolioWriter, FakeStatementProvider

pytestmark = pytest.mark.django_db

URL = "/api/v1/statement-imports/"


@pytest.fixture(autouse=True)
def clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def statements():
    provider = FakeStatementProvider()
    registry.register(provider)
    yield provider
    registry.unregister(provider.slug)


@pytest.fixture
def writer(monkeypatch):
    # The real module stays importable (the URLconf and other writers import it); only the
    # writer the statement service looks up by name is replaced.
    fake = FakePortfolioWriter()
    monkeypatch.setattr("integrations_core.services.imports.portfolio.statement_import_write", fake)
    return fake


def upload(client, data=GOOD_CSV, name="history.csv", provider="fakestatements"):
    return client.post(URL, {"provider": provider, "file": SimpleUploadedFile(name, data, "text/csv")},
                       format="multipart")


def test_preview_parses_and_writes_nothing_but_itself(api_client, statements, writer):
    response = upload(api_client)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "previewed" and data["rows"] == 2 and data["errors"] == []
    assert data["summary"] == {"account": "Fake ISA", "currency": "GBP", "securities": 2, "transactions": 2, "cash_transactions": 0,
                               "holdings": 0}
    assert writer.calls == [] and not BankConnection.objects.exists()
    with db.cursor() as cursor:
        cursor.execute(f"SELECT records FROM {StatementImport._meta.db_table}")  # noqa: S608
        raw = repr(cursor.fetchall())
    assert "VWRL" not in raw and "1.12345678" not in raw  # the parsed rows only as ciphertext


def test_row_errors_are_listed_and_the_file_cannot_be_confirmed(api_client, statements, writer):
    response = upload(api_client, BAD_CSV)
    assert response.status_code == 201
    data = response.json()
    assert data["status"] == "rejected" and data["rows"] == 3
    assert data["errors"] == [{"line": 3, "column": "date", "message": "Not a date (YYYY-MM-DD)."},
                              {"line": 4, "column": "quantity", "message": "Not a number."}]
    confirm = api_client.post(f"{URL}{data['id']}/confirm/", {}, format="json")
    assert confirm.status_code == 400 and confirm.json()["error"]["code"] == "has_errors"
    assert writer.calls == [] and not BankConnection.objects.exists()


def test_unreadable_and_oversized_files_are_field_errors_and_store_nothing(api_client, statements):
    unreadable = upload(api_client, "naïve".encode("latin-1"))
    assert unreadable.status_code == 400
    assert unreadable.json()["error"]["fields"]["file"] == ["The file is not UTF-8 text."]
    too_big = upload(api_client, GOOD_CSV + b"2024-04-01,buy,VWRL,1,-1\n" * 200)
    assert too_big.status_code == 400 and too_big.json()["error"]["code"] == "file_too_large"
    assert "4 kB" in too_big.json()["error"]["fields"]["file"][0]
    assert not StatementImport.objects.exists()


def test_not_a_statement_provider(api_client, statements, fake_provider):
    response = upload(api_client, provider="fakebank")
    assert response.status_code == 400 and "provider" in response.json()["error"]["fields"]


def test_confirm_imports_into_a_new_connection_with_exact_records(api_client, user, statements, writer):
    preview = upload(api_client).json()
    response = api_client.post(f"{URL}{preview['id']}/confirm/", {}, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "imported" and data["added"] == 2 and data["unchanged"] == 0
    connection = BankConnection.objects.get(provider="fakestatements")
    assert connection.user == user and connection.status == ConnectionStatus.ACTIVE
    assert connection.next_sync_at is None and data["connection_id"] == str(connection.pk)
    (connection_id, parsed), = writer.calls
    assert connection_id == connection.pk and isinstance(parsed, ParsedStatement)
    assert parsed.transactions[0].quantity == Decimal("1.12345678")
    assert parsed.transactions[1].amount == Decimal("-81.20") and parsed.errors == []
    assert StatementImport.objects.get(pk=preview["id"]).records == {}  # not kept once written


def test_confirming_twice_or_the_same_file_again_changes_nothing(api_client, statements, writer):
    first = upload(api_client).json()
    assert api_client.post(f"{URL}{first['id']}/confirm/", {}, format="json").status_code == 200
    again = api_client.post(f"{URL}{first['id']}/confirm/", {}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_imported"
    second = upload(api_client).json()
    same_file = api_client.post(f"{URL}{second['id']}/confirm/", {}, format="json")
    assert same_file.status_code == 409 and same_file.json()["error"]["code"] == "already_imported"
    assert len(writer.calls) == 1
    assert BankConnection.objects.filter(provider="fakestatements").count() == 1
    assert StatementImport.objects.get(pk=second["id"]).status == StatementImportStatus.PREVIEWED
    assert StatementImport.objects.get(pk=first["id"]).added == 2


def test_another_users_import_is_not_found(api_client, other_api_client, statements, writer):
    preview = upload(api_client).json()
    assert other_api_client.get(f"{URL}{preview['id']}/").status_code == 404
    assert other_api_client.post(f"{URL}{preview['id']}/confirm/", {}, format="json").status_code == 404
    assert api_client.get(f"{URL}{preview['id']}/").status_code == 200
    assert writer.calls == []


def test_an_expired_preview_is_refused_and_its_rows_dropped(user, statements, writer):
    preview = statement_preview(user=user, provider=statements, upload=GOOD_CSV, filename="h.csv")
    StatementImport.objects.filter(pk=preview.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(StatementError) as exc:
        statement_confirm(preview)
    assert exc.value.code == "expired" and exc.value.status == 410
    fresh = StatementImport.objects.get(pk=preview.pk)
    assert fresh.status == StatementImportStatus.EXPIRED and fresh.records == {}
    assert writer.calls == [] and not BankConnection.objects.exists()


def test_a_failing_writer_leaves_nothing_behind(user, statements, writer):
    writer.error = RuntimeError("disk full")
    preview = statement_preview(user=user, provider=statements, upload=GOOD_CSV, filename="h.csv")
    with pytest.raises(RuntimeError):
        statement_confirm(preview)
    assert not BankConnection.objects.exists()
    assert StatementImport.objects.get(pk=preview.pk).status == StatementImportStatus.PREVIEWED


def test_confirm_into_someone_elses_connection_is_refused(user, other_user, statements, writer):
    theirs = BankConnection.objects.create(user=other_user, provider="fakestatements")
    preview = statement_preview(user=user, provider=statements, upload=GOOD_CSV, filename="h.csv")
    with pytest.raises(StatementError) as exc:
        statement_confirm(preview, connection=theirs)
    assert exc.value.field == "connection" and writer.calls == []


def test_the_generic_connect_endpoint_points_file_providers_at_the_upload(api_client, statements):
    response = api_client.post("/api/v1/connections/", {"provider": "fakestatements"}, format="json")
    assert response.status_code == 200
    assert response.json()["next"] == "upload" and response.json()["upload_url"] == URL


def test_records_round_trip_exactly(statements):
    parsed = statements.parse(GOOD_CSV, "h.csv")
    assert records_load(ParsedStatement, records_dump(parsed)) == parsed
    assert records_dump(parsed)["transactions"][0]["quantity"] == "1.12345678"


def test_admin_shows_row_errors_but_not_the_rows(client, make_user, api_client, statements):
    preview = upload(api_client, BAD_CSV).json()
    good = upload(api_client).json()
    client.force_login(make_user("ops@example.com", is_staff=True, is_superuser=True))
    assert client.get("/admin/integrations_core/statementimport/").status_code == 200
    page = client.get(f"/admin/integrations_core/statementimport/{preview['id']}/change/").content.decode()
    assert "line 3, date: Not a date (YYYY-MM-DD)." in page
    good_page = client.get(f"/admin/integrations_core/statementimport/{good['id']}/change/").content.decode()
    assert "1.12345678" not in good_page
