from django.apps import AppConfig


class SandboxQuickBooksConfig(AppConfig):
    """The mock QuickBooks Online: an app of its own so its tables (realms, tokens, what was
    pushed) migrate apart from the rest of the sandbox."""

    name = "sandbox.quickbooks"
    label = "sandbox_quickbooks"
    verbose_name = "Sandbox QuickBooks Online"
    default_auto_field = "django.db.models.BigAutoField"
