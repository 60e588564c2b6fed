"""System checks: the provider registry and the connect flows loaded cleanly; every provider can
be connected; every provider with its own app is installed; encryption is configured for
production."""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import checks


@checks.register("integrations")
def check_provider_registry(app_configs, **kwargs):
    from .providers.registry import registry

    return [checks.Error(f"INTEGRATION_PROVIDERS entry failed to load: {error}", id="integrations.E001")
            for error in registry.load_errors]


@checks.register("integrations")
def check_connect_flows(app_configs, **kwargs):
    """Every registered provider can be connected: its auth type has an entry in CONNECT_FLOWS."""
    from .connect.registry import flows
    from .providers.registry import registry

    errors = [checks.Error(f"CONNECT_FLOWS entry failed to load: {error}", id="integrations.E006")
              for error in flows.load_errors]
    for provider in registry.all():
        if not flows.has(provider.auth_type):
            errors.append(checks.Error(
                f"Provider {provider.slug!r} uses auth type {str(provider.auth_type)!r}, which has no connect flow.",
                hint=f"Add {str(provider.auth_type)!r} to settings.CONNECT_FLOWS.", obj=provider.slug,
                id="integrations.E005"))
    return errors


@checks.register("integrations")
def check_provider_apps_installed(app_configs, **kwargs):
    """A provider package with an `apps.py` (`<app>/providers/<slug>/apps.py`) owns models and
    migrations; left out of INSTALLED_APPS, its tables and migrations would silently vanish."""
    configs = list(apps.get_app_configs())
    installed = {config.name for config in configs}
    errors = []
    for config in configs:
        for apps_py in sorted(Path(config.path).glob("providers/*/apps.py")):
            module = f"{config.name}.providers.{apps_py.parent.name}"
            if module not in installed:
                errors.append(checks.Error(f"Provider app {module} has an apps.py but is not installed.",
                                           hint=f"Add {module!r} to INSTALLED_APPS.", obj=module,
                                           id="integrations.E004"))
    return errors


@checks.register(checks.Tags.security, deploy=True)
def check_field_encryption_key(app_configs, **kwargs):
    errors = []
    key = settings.FIELD_ENCRYPTION_KEY
    if not key or key == settings.DEV_FIELD_ENCRYPTION_KEY or len(key) < 32:
        errors.append(checks.Error("FIELD_ENCRYPTION_KEY must be set to a random value of 32+ characters.",
                                   id="integrations.E002"))
    if key and key == settings.SECRET_KEY:
        errors.append(checks.Error("FIELD_ENCRYPTION_KEY must differ from SECRET_KEY.", id="integrations.E003"))
    if not getattr(settings, "ACCOUNT_DIGEST_KEY", ""):
        errors.append(checks.Warning(
            "ACCOUNT_DIGEST_KEY is not set: account digests use FIELD_ENCRYPTION_KEY, so rotating that key "
            "needs the old one listed in FIELD_ENCRYPTION_OLD_KEYS until every account has synced.",
            id="integrations.W002"))
    if settings.SANDBOX_ENABLED:
        errors.append(checks.Warning("SANDBOX_ENABLED is on: mock institutions are reachable.",
                                     id="integrations.W001"))
    return errors
