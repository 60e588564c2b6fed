from django.apps import AppConfig


class GoCardlessConfig(AppConfig):
    """GoCardless's own tables (server token, quota ledger). The tables keep their
    `open_banking_*` names: they moved app in state only (migrations open_banking 0007 and
    gocardless 0001)."""

    name = "open_banking.providers.gocardless"
    label = "gocardless"
    verbose_name = "GoCardless"
    default_auto_field = "django.db.models.BigAutoField"
