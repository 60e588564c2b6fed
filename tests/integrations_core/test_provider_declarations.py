"""The core and the bank family ask a provider what it declares (`callback_state`,
`requires_institution`, `InstitutionDirectory`) instead of checking its slug (design step 1)."""

from __future__ import annotations

from io import StringIO
from urllib.parse import parse_qs, urlparse

import pytest
import responses
from django.core.management import call_command

from integrations_core.models import ConnectionStatus
from integrations_core.providers.registry import registry
from integrations_core.providers.sources import InstitutionDirectory
from open_banking.models import BankConnection, Institution
from open_banking.services import bank_connection_initiate
from open_banking.services.connections import ConnectError

from .fakes import AUTH_URL, TOKEN_URL, FakeBankProvider

pytestmark = pytest.mark.django_db


class RefBankProvider(FakeBankProvider):
    """Sends our state back as `ref` and can only connect to a chosen institution."""

    slug = "refbank"
    requires_institution = True

    def callback_state(self, params):
        return params.get("ref", "")


class DirectoryBankProvider(FakeBankProvider):
    """Publishes an institution directory."""

    slug = "dirbank"

    def institutions(self, country):
        return [{"id": f"{country.upper()}_ONE", "name": "One"}, {"name": "no id, skipped"}, "junk"]

    def institution_values(self, item):
        return {"external_id": item["id"], "name": item["name"], "country": "GB"}


@pytest.fixture
def register():
    added = []

    def add(provider):
        registry.register(provider)
        added.append(provider.slug)
        return provider

    yield add
    for slug in added:
        registry.unregister(slug)


def pending_for(user, slug) -> BankConnection:
    return BankConnection.objects.create(user=user, provider=slug, status=ConnectionStatus.PENDING)


def issued_state(connection) -> str:
    from integrations_core.services.oauth import authorization_start

    url = authorization_start(connection)
    return parse_qs(urlparse(url).query)["state"][0]


@responses.activate
def test_callback_reads_the_state_where_the_provider_says(client, user, register):
    register(RefBankProvider())
    state = issued_state(pending_for(user, "refbank"))
    responses.add(responses.POST, TOKEN_URL, json={"access_token": "a", "refresh_token": "r", "expires_in": 3600,
                                                   "token_type": "Bearer"})
    client.force_login(user)
    # A `state` the provider does not use is ignored: the view asks the provider, not a fixed order.
    response = client.get("/integrations/refbank/callback/", {"code": "c0de", "ref": state, "state": "not-ours"})
    assert response.status_code == 302 and "connected=" in response["Location"]


def test_callback_does_not_guess_ref_for_a_provider_that_does_not_declare_it(client, user, fake_provider):
    state = issued_state(pending_for(user, "fakebank"))
    client.force_login(user)
    response = client.get("/integrations/fakebank/callback/", {"code": "c0de", "ref": state})
    assert response.status_code == 302 and "error=invalid_state" in response["Location"]


def test_unknown_provider_callback_is_refused(client, user):
    client.force_login(user)
    response = client.get("/integrations/nosuchbank/callback/", {"code": "c0de", "state": "x"})
    assert response.status_code == 302 and "error=invalid_state" in response["Location"]


def test_requires_institution_is_what_connect_asks(user, register, fake_provider):
    register(RefBankProvider())
    with pytest.raises(ConnectError) as exc:
        bank_connection_initiate(user=user, provider_slug="refbank")
    assert exc.value.code == "institution_required"
    assert not BankConnection.objects.filter(provider="refbank").exists()
    # A provider that does not declare it connects without one (it has its own bank picker).
    assert bank_connection_initiate(user=user, provider_slug="fakebank").authorization_url.startswith(AUTH_URL)


def test_seed_institutions_fills_every_directory_provider(settings, register, fake_provider):
    settings.SANDBOX_ENABLED = False
    settings.GOCARDLESS_SECRET_ID = ""  # the real directory provider stays out of this test
    provider = register(DirectoryBankProvider())
    assert isinstance(provider, InstitutionDirectory) and not isinstance(fake_provider, InstitutionDirectory)
    out = StringIO()
    call_command("seed_institutions", "--country", "fr", stdout=out)
    assert list(Institution.objects.values_list("provider", "external_id", "name")) == [("dirbank", "FR_ONE", "One")]
    assert "dirbank[fr] dirbank: 1 created, 0 updated, 0 unchanged" in out.getvalue()
    assert "gocardless: not configured, skipped" in out.getvalue()
