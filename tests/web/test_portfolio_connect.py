"""Connect a platform from the web: the page lists the registered platforms by how they
connect; the key form comes from the provider's credential fields, shows the flow's errors per
field and never renders a key back; a statement file is previewed (rows and row errors) before
it is confirmed, and re-importing it changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from integrations_core.models import ConnectionStatus, StatementImport, StatementImportStatus
from integrations_core.providers.base import CredentialCheck
from integrations_core.providers.errors import ProviderAuthError, RateLimited, ScopeMissing
from investments.models import InvestmentConnection
from investments.providers.trading212.provider import Trading212Provider
from tests.integrations_core.connect_fakes import FakePortfolioWriter

pytestmark = pytest.mark.django_db

STATEMENTS = Path(__file__).resolve().parents[2] / "sandbox" / "statements"
KEY = "pasted-key-0123456789"
SECRET = "pasted-secret-abcdef"
T212 = Trading212Provider.slug
HL = "hargreaves_lansdown"


@pytest.fixture
def check(monkeypatch):
    """Trading 212's one cheap call, answered without the network; set `.error` to fail it."""

    class Check:
        error: Exception | None = None
        calls: list = []

        def __call__(self, provider, credentials):
            self.calls.append(dict(credentials))
            if self.error is not None:
                raise self.error
            return CredentialCheck(external_id="t212-account-1", institution_name="Trading 212",
                                   scopes=frozenset({"account"}))

    fake = Check()
    monkeypatch.setattr(Trading212Provider, "credentials_check", lambda self, creds: fake(self, creds))
    return fake


@pytest.fixture
def writer(monkeypatch):
    """The portfolio writer (tested with it): idempotent by row content."""
    fake = FakePortfolioWriter()
    monkeypatch.setattr("integrations_core.services.imports.portfolio.statement_import_write", fake, raising=False)
    return fake


def post_key(web, **fields):
    data = {"environment": "demo", "api_key": KEY, "api_secret": SECRET, **fields}
    return web.post(f"/portfolio/connect/{T212}/", data)


def test_connect_page_groups_platforms_by_how_they_connect(web):
    html = web.get("/portfolio/connect/").content.decode()
    key_part, file_part = html.split('id="import-title"')
    assert "Trading 212" in key_part and "Interactive Brokers" in key_part
    assert f'/portfolio/connect/{T212}/' in key_part
    for name in ("Hargreaves Lansdown", "Vanguard UK", "AJ Bell", "Freetrade", "InvestEngine"):
        assert name in file_part and name not in key_part
    assert "/static/logos/hargreaves-lansdown.svg" in file_part and "logos/trading212.svg" in key_part
    assert 'enctype="multipart/form-data"' in file_part


def test_key_form_comes_from_the_credential_fields(web):
    html = web.get(f"/portfolio/connect/{T212}/").content.decode()
    assert '<select name="environment"' in html and "Practice (demo)" in html
    assert 'type="password" name="api_key"' in html and 'type="password" name="api_secret"' in html
    assert "Settings &gt; API (Beta)" in html  # the help text


def test_a_good_key_connects_and_goes_to_the_portfolio(web, check, queue_only):
    response = post_key(web)
    assert response.status_code == 302 and response["Location"].startswith("/portfolio/#connection-")
    connection = InvestmentConnection.objects.get()
    assert connection.status == ConnectionStatus.ACTIVE and connection.credentials["api_key"] == KEY
    page = web.get(response["Location"]).content.decode()
    assert "Syncing your holdings" in page and KEY not in page and SECRET not in page


@pytest.mark.parametrize(("error", "field_text", "status"), [
    (ProviderAuthError("bad"), "The provider did not accept this key.", 400),
    (ScopeMissing("no", scope="portfolio"), "The key is missing the &#x27;portfolio&#x27; permission", 400),
    (RateLimited("slow down", retry_after=7), "try again in 7 seconds", 429),
])
def test_a_refused_key_shows_why_and_renders_blank(web, check, error, field_text, status):
    check.error = error
    response = post_key(web)
    html = response.content.decode()
    assert response.status_code == status
    assert field_text in html
    assert KEY not in html and SECRET not in html  # the form re-renders blank
    assert not InvestmentConnection.objects.exists()


def test_a_missing_key_is_a_field_error(web, check):
    response = post_key(web, api_key="")
    html = response.content.decode()
    assert response.status_code == 400 and "This field is required." in html and check.calls == []


def test_an_unknown_or_file_platform_has_no_key_form(web):
    assert web.get("/portfolio/connect/nope/").status_code == 404
    assert web.get(f"/portfolio/connect/{HL}/").status_code == 404


def upload(web, name="hargreaves_lansdown.csv", provider=HL, content=None):
    data = content if content is not None else (STATEMENTS / name).read_bytes()
    return web.post("/portfolio/statements/", {"provider": provider, "file": SimpleUploadedFile(name, data)})


def test_upload_previews_the_rows_and_confirm_imports(web, writer):
    response = upload(web)
    assert response.status_code == 302
    preview = StatementImport.objects.get()
    assert response["Location"] == f"/portfolio/statements/{preview.pk}/"
    html = web.get(response["Location"]).content.decode()
    assert "Check your Hargreaves Lansdown statement" in html and "Confirm import" in html
    assert "preview-rows" in html and "Buy" in html
    assert writer.calls == []  # nothing written before the confirmation
    response = web.post(f"/portfolio/statements/{preview.pk}/confirm/")
    assert response.status_code == 302 and response["Location"] == "/portfolio/"
    preview.refresh_from_db()
    assert preview.status == StatementImportStatus.IMPORTED and len(writer.calls) == 1
    assert "Imported hargreaves_lansdown.csv" in web.get("/portfolio/").content.decode()


def test_reimporting_the_same_file_changes_nothing(web, writer):
    upload(web)
    web.post(f"/portfolio/statements/{StatementImport.objects.get().pk}/confirm/")
    upload(web)
    again = StatementImport.objects.exclude(status=StatementImportStatus.IMPORTED).get()
    html = web.get(f"/portfolio/statements/{again.pk}/").content.decode()
    assert "already imported this file" in html
    response = web.post(f"/portfolio/statements/{again.pk}/confirm/", follow=True)
    assert "already been imported: nothing changed" in response.content.decode()
    assert len(writer.calls) == 1


def test_row_errors_are_listed_with_line_and_column_and_cannot_be_confirmed(web, writer):
    bad = (STATEMENTS / "bad" / "hargreaves_lansdown.csv").read_bytes()
    upload(web, content=bad)
    preview = StatementImport.objects.get()
    assert preview.errors
    html = web.get(f"/portfolio/statements/{preview.pk}/").content.decode()
    first = preview.errors[0]
    assert "could not be read" in html and first["message"].replace("'", "&#x27;") in html
    assert f'<td data-label="Line" class="num">{first["line"]}</td>' in html
    assert "Confirm import" not in html
    web.post(f"/portfolio/statements/{preview.pk}/confirm/")
    assert writer.calls == []


def test_an_unreadable_file_is_an_error_on_the_form(web):
    response = upload(web, content=b"not,a,statement\n1,2,3\n")
    assert response.status_code == 400 and "field-error" in response.content.decode()
    assert not StatementImport.objects.exists()


def test_cancel_drops_the_preview(web):
    upload(web)
    preview = StatementImport.objects.get()
    assert web.post(f"/portfolio/statements/{preview.pk}/cancel/").status_code == 302
    assert not StatementImport.objects.exists()


def test_another_persons_preview_is_404(web, other_web):
    upload(other_web)
    preview = StatementImport.objects.get()
    assert web.get(f"/portfolio/statements/{preview.pk}/").status_code == 404
    assert web.post(f"/portfolio/statements/{preview.pk}/confirm/").status_code == 404
    assert web.post(f"/portfolio/statements/{preview.pk}/cancel/").status_code == 404
    assert StatementImport.objects.filter(pk=preview.pk).exists()
