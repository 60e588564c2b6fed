"""The official `plaid-python` client against the mock Plaid, changed only in its host: the mock
speaks Plaid's protocol closely enough for the generated client's strict models."""

from __future__ import annotations

from datetime import date, timedelta

import plaid
import pytest
from plaid.api import plaid_api
from plaid.model.accounts_get_request import AccountsGetRequest
from plaid.model.country_code import CountryCode
from plaid.model.investments_holdings_get_request import InvestmentsHoldingsGetRequest
from plaid.model.investments_transactions_get_request import InvestmentsTransactionsGetRequest
from plaid.model.investments_transactions_get_request_options import InvestmentsTransactionsGetRequestOptions
from plaid.model.item_public_token_exchange_request import ItemPublicTokenExchangeRequest
from plaid.model.item_remove_request import ItemRemoveRequest
from plaid.model.link_token_create_request import LinkTokenCreateRequest
from plaid.model.link_token_create_request_user import LinkTokenCreateRequestUser
from plaid.model.products import Products
from plaid.model.sandbox_public_token_create_request import SandboxPublicTokenCreateRequest
from plaid.model.transactions_sync_request import TransactionsSyncRequest
from plaid.model.webhook_verification_key_get_request import WebhookVerificationKeyGetRequest

from sandbox.plaid import keys

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client(live_server, settings):
    settings.SANDBOX_CLIENT_ID, settings.SANDBOX_CLIENT_SECRET = "sandbox-client", "sandbox-secret"
    configuration = plaid.Configuration(host=live_server.url + "/sandbox/plaid/api",
                                        api_key={"clientId": "sandbox-client", "secret": "sandbox-secret"})
    return plaid_api.PlaidApi(plaid.ApiClient(configuration))


def test_plaid_python_links_syncs_and_removes_an_item(client):
    public = client.sandbox_public_token_create(SandboxPublicTokenCreateRequest(
        institution_id="ins_56", initial_products=[Products("transactions")]))
    exchanged = client.item_public_token_exchange(ItemPublicTokenExchangeRequest(public_token=public.public_token))
    token = exchanged.access_token

    cursor, added, pages = None, 0, 0
    while True:
        request = TransactionsSyncRequest(access_token=token, count=100, **({"cursor": cursor} if cursor else {}))
        page = client.transactions_sync(request)
        added += len(page.added)
        pages += 1
        cursor = page.next_cursor
        if not page.has_more:
            break
    assert added > 0 and pages >= 1
    assert all(t.iso_currency_code == "USD" for t in page.added)
    again = client.transactions_sync(TransactionsSyncRequest(access_token=token, cursor=cursor))
    assert (len(again.added), len(again.modified), len(again.removed), again.has_more) == (0, 0, 0, False)

    accounts = client.accounts_get(AccountsGetRequest(access_token=token)).accounts
    assert {str(a.type) for a in accounts} == {"depository", "credit", "investment"}  # Chase has a brokerage

    holdings = client.investments_holdings_get(InvestmentsHoldingsGetRequest(access_token=token))
    assert holdings.holdings and holdings.securities
    cash = [s for s in holdings.securities if str(s.type) == "cash"]
    assert len(cash) == 1 and cash[0].is_cash_equivalent
    start, end = date.today() - timedelta(days=730), date.today()
    first = client.investments_transactions_get(InvestmentsTransactionsGetRequest(
        access_token=token, start_date=start, end_date=end,
        options=InvestmentsTransactionsGetRequestOptions(count=5, offset=0)))
    assert len(first.investment_transactions) == 5 and first.total_investment_transactions > 5
    rest = client.investments_transactions_get(InvestmentsTransactionsGetRequest(
        access_token=token, start_date=start, end_date=end,
        options=InvestmentsTransactionsGetRequestOptions(count=500, offset=5)))
    ids = {t.investment_transaction_id for t in [*first.investment_transactions, *rest.investment_transactions]}
    assert len(ids) == first.total_investment_transactions

    link = client.link_token_create(LinkTokenCreateRequest(
        client_name="Finance", language="en", country_codes=[CountryCode("US")],
        user=LinkTokenCreateRequestUser(client_user_id="user-1"), access_token=token))
    assert link.link_token.startswith("link-sandbox-")

    key = client.webhook_verification_key_get(WebhookVerificationKeyGetRequest(key_id=keys.KEY_ID)).key
    assert (key.alg, key.crv, key.kid) == ("ES256", "P-256", keys.KEY_ID)

    client.item_remove(ItemRemoveRequest(access_token=token))
    with pytest.raises(plaid.ApiException) as refused:
        client.accounts_get(AccountsGetRequest(access_token=token))
    assert "INVALID_ACCESS_TOKEN" in refused.value.body
