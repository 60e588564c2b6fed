from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    """Payment processors (card processors and wallets): balances, balance transactions, payouts
    and disputes. The processor sources are ActivitySources; their runner is this family's own
    (payments/sync.py), registered here so the core never names the family."""

    name = "payments"
    verbose_name = "Payments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from integrations_core.providers.sources import ActivitySource
        from integrations_core.services.runners import runner_register

        from .sync import activity_run

        runner_register(ActivitySource, activity_run)
