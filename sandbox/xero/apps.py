from django.apps import AppConfig


class SandboxXeroConfig(AppConfig):
    name = "sandbox.xero"
    label = "sandbox_xero"
    verbose_name = "Sandbox: Xero"
    default_auto_field = "django.db.models.BigAutoField"
