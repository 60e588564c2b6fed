"""Placeholder until the open banking issue fills it in."""
from integrations_core.providers.base import AuthType, Family, Provider


class GoCardlessProvider(Provider):
    slug = "gocardless"
    name = "GoCardless Bank Account Data"
    family = Family.BANKING
    auth_type = AuthType.REDIRECT
    connection_model = "open_banking.BankConnection"

    def is_configured(self) -> bool:
        return False
