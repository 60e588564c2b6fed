"""`make run`'s demo business: the demo user's business bank account (the Sandbox Business
Bank through TrueLayer's OAuth dialog) and their Stripe account (a restricted key the sandbox
Stripe accepts), both speaking from one business persona (sandbox/business/persona.py, login
DEMO_BUSINESS_LOGIN), so its payouts reconcile to the bank's credits. Like seed_demo_banks it
runs before the web server is up (the sandbox answers in-process) and leaves the first syncs to
the worker; the engine reconciles after each (settings.SYNC_AFTER_RUN_HOOKS). Stripe is skipped
when STRIPE_API_URL is not the sandbox's (a real key is never sent to a real Stripe from here).
Idempotent: what the demo user already has is left alone."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from integrations_core.connect.base import ConnectError
from integrations_core.connect.registry import flow_for
from integrations_core.models import ConnectionStatus
from integrations_core.providers.registry import UnknownProvider, registry
from payments.models import PaymentsConnection
from sandbox.inprocess import sandbox_in_process
from sandbox.institutions import BUSINESS_BANK, institution_by_slug

from .seed_demo_banks import DEMO_EMAIL
from .seed_demo_banks import Command as BanksCommand

DEMO_BUSINESS_LOGIN = "john"  # the same person as the demo banks' login: this is their business
STRIPE_KEY_PROVIDER = "stripe_key"


class Command(BanksCommand):
    help = "Connect the demo user's sandbox business bank and Stripe account (dev only)."

    def handle(self, *args, **options):
        if not settings.SANDBOX_ENABLED:
            self.stdout.write("no sandbox (SANDBOX_ENABLED is off): demo business skipped")
            return
        demo = get_user_model().objects.filter(username=DEMO_EMAIL).first()
        if demo is None:
            raise CommandError(f"No {DEMO_EMAIL}: run seed_demo.")
        bank = institution_by_slug(BUSINESS_BANK)
        with sandbox_in_process():
            call_command("seed_institutions", stdout=self.stdout, stderr=self.stderr)
            self._connect(demo, "truelayer", bank.truelayer_id, bank.slug, DEMO_BUSINESS_LOGIN)
            self._stripe(demo)

    def _stripe(self, demo) -> None:
        try:
            provider = registry.get(STRIPE_KEY_PROVIDER)
        except UnknownProvider:
            self.stdout.write("demo Stripe: no Stripe provider installed, skipped")
            return
        if not str(getattr(settings, "STRIPE_API_URL", "")).startswith(settings.SITE_URL.rstrip("/") + "/sandbox/"):
            self.stdout.write("demo Stripe: STRIPE_API_URL is not the sandbox's, skipped")
            return
        if PaymentsConnection.objects.filter(user=demo, provider=provider.slug).exclude(
                status__in=(ConnectionStatus.PENDING, ConnectionStatus.REVOKED)).exists():
            self.stdout.write("demo Stripe: already connected")
            return
        try:
            flow_for(provider).complete(user=demo, provider=provider, connection=None,
                                        data={"credentials": {"api_key": f"rk_test_{DEMO_BUSINESS_LOGIN}"}})
        except ConnectError as exc:
            self.stdout.write(f"demo Stripe: not connected ({exc.message})")
            return
        self.stdout.write("demo Stripe: connected, first sync queued for the worker")
