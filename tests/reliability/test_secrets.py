"""After full connects and syncs with both providers (TrueLayer: connect with PKCE, sync, token
refresh, revoke; GoCardless: server token, sync) with every logger at DEBUG, no access or
refresh token, client secret, GoCardless secret, authorisation code or PKCE verifier appears in
the logs, the API's responses, the admin pages or an error report.

tests/open_banking/test_security.py covers the raw database columns and a first pass over the
API and admin; this walks every GET route of the schema and every admin page for the models
that hold or touch secrets, and renders Django's error reports for a crash inside a sync."""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from urllib.parse import parse_qs

import pytest
from django.test import RequestFactory
from django.views.debug import ExceptionReporter
from rest_framework.test import APIClient

from integrations_core.logging import RedactSecretsFilter
from integrations_core.models import AuditEvent, OAuthState, ProviderSetting, SyncRun
from integrations_core.services.oauth import authorization_complete
from integrations_core.services.sync import connection_sync
from open_banking.models import (
    BankAccount,
    BankConnection,
    BankTransaction,
    Institution,
)
from open_banking.providers.gocardless.models import QuotaLedger, ServerToken
from open_banking.services import bank_connection_initiate, bank_connection_revoke
from tests.open_banking.conftest import TL_API
from tests.open_banking.providers import test_gocardless as gc_tests
from tests.open_banking.providers import test_truelayer as tl_tests

pytestmark = pytest.mark.django_db

FIXED_SECRETS = ["tl-access-token-SECRET-0001", "tl-refresh-token-SECRET-0001", "tl-access-token-SECRET-0002",
                 "tl-refresh-token-SECRET-0002", "gc-access-token-SECRET-0001", "gc-refresh-token-SECRET-0001",
                 "test-client-secret-XYZ", "test-secret-key-XYZ", "auth-code-123"]
PARAM = re.compile(r"\{(\w+)\}")
LIBRARY_LOGGERS = ("urllib3", "oauthlib", "requests_oauthlib", "requests", "django", "celery", "kombu")


class Capture(logging.Handler):
    """Formats every record as an operator's log would show it, tracebacks included."""

    def __init__(self, *filters):
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        for f in filters:
            self.addFilter(f)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def debug_logs(caplog):
    """Root and the libraries' loggers at DEBUG; one handler as production configures it (with the
    redaction filter), one without, to tell what our code logs from what the filter catches."""
    root = logging.getLogger()
    filtered, unfiltered = Capture(RedactSecretsFilter()), Capture()
    saved = {name: logging.getLogger(name).level for name in LIBRARY_LOGGERS}
    caplog.set_level(logging.DEBUG)
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    # The unfiltered handler goes first: the filter rewrites records in place for later handlers.
    root.addHandler(unfiltered)
    root.addHandler(filtered)
    yield filtered, unfiltered
    root.removeHandler(unfiltered)
    root.removeHandler(filtered)
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
def full_journey(user, rsps, django_capture_on_commit_callbacks):
    """Connect (state + PKCE + code exchange + /me), sync, refresh, sync again; GoCardless sync;
    a crash inside a sync. Returns every secret that went over the wire."""
    Institution.objects.create(provider="truelayer", external_id="ob-lloyds", name="Lloyds")
    tl, gc = tl_tests.TestTrueLayerContract(), gc_tests.TestGoCardlessContract()
    tl.register_connect(rsps)
    tl.register_data(rsps, tl.recorded_payloads())
    authorization = bank_connection_initiate(user=user, provider_slug="truelayer", institution_id="ob-lloyds")
    state = OAuthState.objects.get(connection_id=authorization.connection.pk)
    with django_capture_on_commit_callbacks(execute=True):
        connection = authorization_complete(user=user, provider_slug="truelayer", state=state.state,
                                            code="auth-code-123", params={"code": "auth-code-123", "state": state.state})
    token_call = next(c for c in rsps.calls if c.request.url.endswith("/connect/token"))
    verifier = parse_qs(token_call.request.body)["code_verifier"][0]
    tl.expire_credentials(connection)
    tl.register_refresh(rsps)
    assert connection_sync(BankConnection.objects.get(pk=connection.pk)).outcome == "succeeded"

    gc_connection = gc.make_connection(user, rsps)
    gc.register_data(rsps, gc.recorded_payloads())
    assert connection_sync(gc_connection).outcome == "succeeded"
    return {"tl": BankConnection.objects.get(pk=connection.pk), "gc": gc_connection,
            "secrets": [*FIXED_SECRETS, state.state, verifier]}


def assert_clean(text: str, secrets: list[str], where: str) -> None:
    for secret in secrets:
        assert secret not in text, (where, secret)
    assert "SECRET-000" not in text, where


def test_logs_hold_no_secret_even_at_debug(debug_logs, full_journey, rsps, django_capture_on_commit_callbacks):
    filtered, unfiltered = debug_logs
    connection = full_journey["tl"]
    # The crash path logs a traceback; and revoking talks to the provider with the token.
    rsps.replace("GET", f"{TL_API}/data/v1/accounts", body=RuntimeError("boom"))
    with pytest.raises(RuntimeError):
        connection_sync(BankConnection.objects.get(pk=connection.pk))
    tl_tests.TestTrueLayerContract().register_revoke(rsps)
    bank_connection_revoke(BankConnection.objects.get(pk=connection.pk))

    assert len(unfiltered.lines) > 20 and any("requests_oauthlib" in line for line in unfiltered.lines)
    assert any("Traceback" in line for line in filtered.lines), "the crash was logged with its traceback"
    # What an operator's log shows (the configured handler, with its redaction filter).
    assert_clean(filtered.text, full_journey["secrets"], "logs")
    # Our own code never hands a secret to the logger in the first place: only third-party
    # libraries at DEBUG (oauthlib logs token bodies) need the filter.
    ours = "\n".join(line for line in unfiltered.lines if line.split(" ", 2)[1].startswith(
        ("integrations_core", "open_banking", "transactions", "web", "config")))
    assert_clean(ours, full_journey["secrets"], "our loggers")


def test_api_responses_hold_no_secret(full_journey, client):
    connection = full_journey["tl"]
    api = APIClient()
    api.force_authenticate(connection.user)
    account = BankAccount.objects.filter(connection=connection).first()
    objects = {"id": None, "account_pk": account.pk}
    by_prefix = {"/api/v1/open-banking/connections/": connection.pk, "/api/v1/open-banking/accounts/": account.pk,
                 "/api/v1/open-banking/transactions/": BankTransaction.objects.filter(account=account).first().pk,
                 "/api/v1/transactions/": BankTransaction.objects.filter(account=account).first().pk}
    schema = json.loads(client.get("/api/schema/", {"format": "json"}).content)
    walked = 0
    for path, item in schema["paths"].items():
        if "get" not in item:
            continue
        url = path
        if PARAM.search(path):
            prefix = next((p for p in by_prefix if path.startswith(p)), None)
            if path.startswith("/api/v1/open-banking/accounts/{account_pk}"):
                url = path.replace("{account_pk}", str(objects["account_pk"]))
            elif prefix is None:
                continue  # budgets, rules, recurring, categories: no provider data behind them
            else:
                url = PARAM.sub(str(by_prefix[prefix]), path)
        response = api.get(url, {"q": "nest"} if path == "/api/v1/pensions/register/search/" else {})  # q is required
        assert response.status_code == 200, (url, response.status_code)
        assert_clean(response.content.decode(), full_journey["secrets"], url)
        walked += 1
    assert walked >= 15
    # The CSV export too.
    csv = api.get("/api/v1/open-banking/transactions/", {"format": "csv"})
    assert_clean(b"".join(csv.streaming_content).decode(), full_journey["secrets"], "csv")


def test_admin_pages_hold_no_secret(full_journey, client, make_user):
    client.force_login(make_user("ops@example.com", is_staff=True, is_superuser=True))
    connection = full_journey["tl"]
    ProviderSetting.objects.get_or_create(provider="truelayer")
    pages = []
    for model, pk in ((BankConnection, connection.pk), (BankConnection, full_journey["gc"].pk),
                      (SyncRun, SyncRun.objects.first().pk), (AuditEvent, AuditEvent.objects.first().pk),
                      (ServerToken, ServerToken.objects.get().pk), (QuotaLedger, QuotaLedger.objects.first().pk),
                      (OAuthState, OAuthState.objects.first().pk),
                      (ProviderSetting, ProviderSetting.objects.first().pk),
                      (BankAccount, BankAccount.objects.first().pk), (BankTransaction, BankTransaction.objects.first().pk)):
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        pages += [base, f"{base}{pk}/change/"]
    pages.append("/admin/open_banking/bankconnection/?q=SECRET")
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert_clean(response.content.decode(), full_journey["secrets"], page)


def crash_inside_a_sync(pk):
    """The traceback starts here, so only the app's frames (not the test's) are in the report."""
    try:
        connection_sync(BankConnection.objects.get(pk=pk))
    except RuntimeError:
        return sys.exc_info()
    pytest.fail("the crash was not raised")


def test_error_reports_hold_no_secret(full_journey, rsps, settings, user):
    """A crash inside a sync, with the tokens in scope in the frames, rendered as the error
    report Django mails to ADMINS (text) and shows (HTML)."""
    settings.DEBUG = False
    connection = full_journey["tl"]
    rsps.replace("GET", f"{TL_API}/data/v1/accounts", body=RuntimeError("connection pool exploded"))
    request = RequestFactory().post(f"/api/v1/open-banking/connections/{connection.pk}/sync/",
                                    {"client_secret": "test-client-secret-XYZ"},
                                    HTTP_X_SESSION_TOKEN="session-token-SECRET-0009",
                                    HTTP_AUTHORIZATION="Bearer tl-access-token-SECRET-0002")
    request.user = user
    reporter = ExceptionReporter(request, *crash_inside_a_sync(connection.pk))
    text, html = reporter.get_traceback_text(), reporter.get_traceback_html()
    assert "connection pool exploded" in text and "_get" in text, "the report has the frames"
    secrets = [*full_journey["secrets"], "session-token-SECRET-0009"]
    assert_clean(text, secrets, "text report")
    assert_clean(html, secrets, "html report")
    # And the report mailed through the logging handler Django uses for 500s.
    from django.utils.log import AdminEmailHandler

    out = io.StringIO()
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error", (),
                               (RuntimeError, RuntimeError("x"), None))
    record.request = request
    class Capturing(AdminEmailHandler):
        def send_mail(self, subject, message, *args, html_message=None, **kwargs):
            out.write(subject + message + (html_message or ""))

    Capturing(include_html=True).emit(record)
    assert_clean(out.getvalue(), secrets, "admin email")
