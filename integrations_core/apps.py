from django.apps import AppConfig


class IntegrationsCoreConfig(AppConfig):
    name = "integrations_core"
    verbose_name = "Integrations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers system checks)
        from .connect.registry import flows
        from .ledger import ledgers
        from .providers.registry import registry

        registry.load()
        flows.load()
        ledgers()  # fails at start-up on a misconfigured CASH_LEDGERS
