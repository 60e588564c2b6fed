"""Placeholder until the open banking issue fills it in."""
from integrations_core.providers.base import AuthType, Family
from integrations_core.providers.oauth import OAuth2Provider


class TrueLayerProvider(OAuth2Provider):
    slug = "truelayer"
    name = "TrueLayer"
    family = Family.BANKING
    auth_type = AuthType.OAUTH2
    connection_model = "open_banking.BankConnection"

    def is_configured(self) -> bool:
        return False
