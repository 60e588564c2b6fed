"""Create the demo user (and an operator) for `make run`. Idempotent; prints the logins."""

from __future__ import annotations

import secrets

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
        # The operator's password is never the demo user's: it opens the operators' console.
        chosen = getattr(settings, "OPERATOR_PASSWORD", "")
        operator_password = chosen if chosen and chosen != password else secrets.token_urlsafe(12)
        User = get_user_model()
        demo, created = User.objects.get_or_create(username=DEMO_EMAIL, defaults={"email": DEMO_EMAIL})
        if created:
            demo.set_password(password)
            demo.save()
        admin, admin_created = User.objects.get_or_create(
            username=ADMIN_EMAIL, defaults={"email": ADMIN_EMAIL, "is_staff": True, "is_superuser": True})
        # Set on creation, when it was the demo user's (older checkouts shared one), or when
        # OPERATOR_PASSWORD names a new one; otherwise the operator's own password is theirs.
        if admin_created or admin.check_password(password) or (chosen and not admin.check_password(chosen)):
            admin.set_password(operator_password)
            admin.save()
        else:
            operator_password = "(unchanged: the one you set)"
        if not created and not demo.check_password(password):
            demo.set_password(password)  # the printed login must work, even after .env changed
            demo.save()
        self._verify_allauth_email(demo)
        self._verify_allauth_email(admin)
        for command in getattr(settings, "SEED_COMMANDS", []):
            call_command(command)
        # Printed once, last, in a box: the seed commands' output comes before it.
        lines = [f"Demo user:  {DEMO_EMAIL}  password  {password}",
                 f"Operator:   {ADMIN_EMAIL}  password  {operator_password}  (at /admin/; set up two-factor "
                 "sign-in on first login)"]
        width = max(len(line) for line in lines)
        rule = "=" * (width + 4)
        self.stdout.write(self.style.SUCCESS("\n".join(
            ["", rule, *(f"  {line}" for line in lines), rule, ""])))

    @staticmethod
    def _verify_allauth_email(user) -> None:
        from allauth.account.models import EmailAddress

        EmailAddress.objects.get_or_create(user=user, email=user.email,
                                           defaults={"verified": True, "primary": True})
