from django.apps import AppConfig


class PensionsConfig(AppConfig):
    name = "pensions"
    verbose_name = "Pensions"
    default_auto_field = "django.db.models.BigAutoField"
