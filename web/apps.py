from django.apps import AppConfig


class WebConfig(AppConfig):
    """The server-rendered web app: connections, accounts, transactions and budgets pages."""

    name = "web"
    verbose_name = "Web app"
    default_auto_field = "django.db.models.BigAutoField"
