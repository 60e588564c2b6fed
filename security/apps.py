from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class SecurityConfig(AppConfig):
    """Sign-in security around allauth: two-factor for operators, new-device e-mails."""

    default = True
    name = "security"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the sign-in signal receivers)


class OperatorAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with admin.site an OperatorAdminSite: every model registered with
    @admin.register or admin.site.register lands behind the two-factor rule without changes."""

    default = False  # named explicitly in INSTALLED_APPS in place of django.contrib.admin
    default_site = "security.admin.OperatorAdminSite"
