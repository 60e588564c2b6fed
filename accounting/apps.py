from django.apps import AppConfig


class AccountingConfig(AppConfig):
    name = "accounting"
    verbose_name = "Accounting"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The core runs any source through the runner registered for its kind and never names
        # this family: the books' kind and its runner are ours to register.
        from integrations_core.providers.sources import BooksSource
        from integrations_core.services.runners import runner_register

        from .runner import books_run

        runner_register(BooksSource, books_run)
