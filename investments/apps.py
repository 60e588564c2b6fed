from django.apps import AppConfig


class InvestmentsConfig(AppConfig):
    name = "investments"
    verbose_name = "Investments"
    default_auto_field = "django.db.models.BigAutoField"
