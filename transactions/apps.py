from django.apps import AppConfig


class TransactionsConfig(AppConfig):
    name = "transactions"
    verbose_name = "Categories and budgets"
    default_auto_field = "django.db.models.BigAutoField"
