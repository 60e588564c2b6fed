"""Create the demo user (and an operator) for `make run`. Idempotent; prints the logins."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

DEMO_EMAIL = "demo@example.com"
ADMIN_EMAIL = "admin@example.com"


class Command(BaseCommand):
    help = "Create a demo user and an operator account (dev only)."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="", help="Defaults to DEMO_PASSWORD from the environment.")

    def handle(self, *args, password: str = "", **options):
        if not settings.DEBUG and not settings.SANDBOX_ENABLED:
            raise CommandError("seed_demo is for development (DEBUG or SANDBOX_ENABLED).")
        password = password or getattr(settings, "DEMO_PASSWORD", "") or "demo-password-123"
        User = get_user_model()
        demo, created = User.objects.get_or_create(username=DEMO_EMAIL, defaults={"email": DEMO_EMAIL})
        if created:
            demo.set_password(password)
            demo.save()
        admin, admin_created = User.objects.get_or_create(
            username=ADMIN_EMAIL, defaults={"email": ADMIN_EMAIL, "is_staff": True, "is_superuser": True})
        if admin_created:
            admin.set_password(password)
            admin.save()
        self._verify_allauth_email(demo)
        self._verify_allauth_email(admin)
        for command in getattr(settings, "SEED_COMMANDS", []):
            call_command(command)
        self.stdout.write(self.style.SUCCESS(
            f"Demo user: {DEMO_EMAIL} / {password}   Operator (admin): {ADMIN_EMAIL} / {password}"))

    @staticmethod
    def _verify_allauth_email(user) -> None:
        from allauth.account.models import EmailAddress

        EmailAddress.objects.get_or_create(user=user, email=user.email,
                                           defaults={"verified": True, "primary": True})
