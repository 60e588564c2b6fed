from django.apps import AppConfig


class OpenBankingConfig(AppConfig):
    name = "open_banking"
    verbose_name = "Open Banking"
    default_auto_field = "django.db.models.BigAutoField"
