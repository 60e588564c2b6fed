"""QuickBooks OAuth against the mock Intuit: the code exchange with realmId, refresh tokens that
rotate (the new one stored in the refresh's own transaction, the old one refused once the new
one is used, a lost answer survived), the 100-day expiry and revocation."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounting.models import BooksConnection
from integrations_core.providers.errors import ConsentExpired, ProviderUnavailable

pytestmark = pytest.mark.django_db


def _stored(connection) -> BooksConnection:
    return BooksConnection.objects.get(pk=connection.pk)


def test_code_exchange_stores_the_realm_and_the_100_day_chain(qbo_connection):
    from sandbox.quickbooks.books import realm_id_for

    connection = _stored(qbo_connection("qbo-owner"))
    assert connection.external_id == realm_id_for("qbo-owner")
    assert connection.access_token and connection.refresh_token.startswith("RT1-")
    assert timedelta(minutes=59) < connection.token_expires_at - timezone.now() <= timedelta(hours=1)
    assert timedelta(days=99) < connection.consent_expires_at - timezone.now() <= timedelta(days=100)


def test_a_callback_without_realm_id_is_refused(qbo_connection, quickbooks, qbo):
    from integrations_core.providers.errors import BadProviderResponse

    connection = qbo_connection()
    with pytest.raises(BadProviderResponse):
        quickbooks.exchange_code(connection, code="whatever", redirect_uri="http://testserver/", code_verifier=None,
                                 params={})
    assert qbo.count("/tokens/bearer") == 1  # only the fixture's exchange went out


def test_refresh_rotates_and_stores_the_new_token_at_once(qbo_connection, quickbooks):
    connection = qbo_connection()
    first_refresh = connection.refresh_token
    tokens = quickbooks.refresh(connection)
    stored = _stored(connection)
    assert tokens.refresh_token != first_refresh
    assert stored.refresh_token == tokens.refresh_token  # written by refresh() itself, not later
    assert stored.access_token == tokens.access_token
    # The new pair is used: the old refresh token is refused from then on.
    quickbooks.bind(stored).list_organisations()
    with pytest.raises(ConsentExpired):  # Intuit itself, asked with the old one
        quickbooks._token_call({"grant_type": "refresh_token", "refresh_token": first_refresh})


def test_a_second_worker_uses_the_rotated_tokens_instead_of_spending_the_old_one(qbo_connection, quickbooks, qbo):
    connection = qbo_connection()
    behind = BooksConnection.objects.get(pk=connection.pk)  # a worker that read the row earlier
    quickbooks.refresh(connection)
    calls = qbo.count("/tokens/bearer")
    tokens = quickbooks.refresh(behind)
    assert qbo.count("/tokens/bearer") == calls  # no second call with the spent token
    assert tokens.refresh_token == _stored(connection).refresh_token


def test_a_lost_rotation_does_not_brick_the_connection(qbo_connection, quickbooks, qbo):
    connection = qbo_connection()
    before = connection.refresh_token
    qbo.drop_next_token_answer = True  # Intuit rotates, the answer never reaches us
    with pytest.raises(ProviderUnavailable):
        quickbooks.refresh(connection)
    assert _stored(connection).refresh_token == before  # nothing half-stored
    tokens = quickbooks.refresh(_stored(connection))  # the previous token still works
    assert tokens.refresh_token not in ("", before)
    assert quickbooks.bind(_stored(connection)).list_organisations()[0].external_id == connection.external_id


def test_a_connection_unused_for_100_days_needs_the_person_with_the_date(qbo_connection, quickbooks):
    connection = qbo_connection()
    expired_on = connection.consent_expires_at
    with time_machine.travel(timezone.now() + timedelta(days=101)):
        with pytest.raises(ConsentExpired) as caught:
            quickbooks.refresh(_stored(connection))
    assert f"{timezone.localdate(expired_on):%-d %B %Y}" in caught.value.user_message
    assert "Reconnect" in caught.value.user_message


def test_the_mock_refuses_a_chain_past_100_days_even_if_we_thought_it_alive(qbo_connection, quickbooks):
    connection = qbo_connection()
    BooksConnection.objects.filter(pk=connection.pk).update(consent_expires_at=None)
    with time_machine.travel(timezone.now() + timedelta(days=101)):
        with pytest.raises(ConsentExpired) as caught:
            quickbooks.refresh(_stored(connection))
    assert caught.value.provider_code == "invalid_grant"


def test_the_expired_fault_login_refuses_every_refresh(qbo_connection, quickbooks):
    connection = qbo_connection("error.expired")
    with pytest.raises(ConsentExpired):
        quickbooks.refresh(connection)


def test_revoke_ends_the_chain(qbo_connection, quickbooks):
    connection = qbo_connection()
    quickbooks.revoke(connection)
    with pytest.raises(ConsentExpired):
        quickbooks.refresh(_stored(connection))


def test_the_auth_link_names_the_accounting_scope_and_state(quickbooks, qbo_settings):
    from urllib.parse import parse_qs, urlsplit

    request = quickbooks.authorization_request(None, state="s-123", redirect_uri="http://testserver/cb/",
                                               code_challenge=None)
    query = parse_qs(urlsplit(request.url).query)
    assert query["scope"] == ["com.intuit.quickbooks.accounting"] and query["state"] == ["s-123"]
    assert query["response_type"] == ["code"] and query["client_id"] == ["sandbox-client"]
