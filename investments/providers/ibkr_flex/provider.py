"""Interactive Brokers through the Flex Web Service: what it is and can do. The person creates
a Flex token and an Activity Flex Query (trades, cash transactions, open positions, corporate
actions, account information, cash report; dates as yyyy-MM-dd) in Client Portal and pastes both."""

from __future__ import annotations

from django.conf import settings

from integrations_core.providers.base import (
    AuthType,
    Capability,
    CredentialCheck,
    CredentialField,
    Family,
    Provider,
)

from .client import DEFAULT_URL, IbkrFlexClient
from .source import IbkrFlexSource


class IbkrFlexProvider(Provider):
    slug = "ibkr_flex"
    name = "Interactive Brokers"
    logo_url = "/static/logos/ibkr.svg"
    family = Family.INVESTMENTS
    auth_type = AuthType.API_KEY
    capabilities = frozenset({Capability.HOLDINGS, Capability.INVESTMENT_TRANSACTIONS, Capability.SCHEDULED_SYNC})
    connection_model = "investments.InvestmentConnection"
    # A 1018 says "too many requests from this token, try again shortly": the limit is per minute.
    default_retry_after = 60
    credential_fields = (
        CredentialField(name="token", label="Flex Web Service token", secret=True,
                        help_text="Client Portal > Performance & Reports > Flex Queries > Flex Web Service."),
        CredentialField(name="query_id", label="Flex query id", secret=False,
                        help_text="The id of an Activity Flex Query with trades, cash transactions, "
                                  "open positions and corporate actions."),
    )

    def base_url(self) -> str:
        return getattr(settings, "IBKR_FLEX_URL", DEFAULT_URL)

    def client(self, *, token: str, query_id: str) -> IbkrFlexClient:
        return IbkrFlexClient(base_url=self.base_url(), token=token, query_id=query_id)

    def credentials_check(self, credentials: dict[str, str]) -> CredentialCheck:
        """SendRequest only: it proves the token and query id without generating a statement's
        download (the account id arrives with the first sync)."""
        client = self.client(token=credentials.get("token", "").strip(),
                             query_id=credentials.get("query_id", "").strip())
        client.send_request()
        return CredentialCheck(external_id=client.query_id, institution_name=self.name)

    def bind(self, connection) -> IbkrFlexSource:
        # The connection model (investments.InvestmentConnection) keeps the credentials
        # encrypted; `credentials` is the decrypted dict of the fields above.
        credentials = connection.credentials
        return IbkrFlexSource(self.client(token=credentials["token"], query_id=credentials["query_id"]))
