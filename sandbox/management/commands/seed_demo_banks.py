"""`make run`'s demo data: the demo user gets two sandbox banks connected through the real connect
flow (TrueLayer's OAuth dialog for Monzo, GoCardless's requisition for HSBC UK) and a month of
budgets. It runs before the web server is up, so the sandbox answers in-process
(sandbox/inprocess.py); the first syncs are queued for the worker, which runs them once
`honcho` has started it (the home screen fills in a minute later). Idempotent: a bank the demo
user already has is left alone."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.test import Client
from django.utils import timezone

from integrations_core.models import ConnectionStatus
from integrations_core.providers.registry import registry
from integrations_core.services.oauth import authorization_complete
from open_banking.models import BankConnection
from open_banking.services import bank_connection_initiate
from sandbox.inprocess import sandbox_in_process
from sandbox.testing import complete_bank_dialog
from transactions.models import Budget
from transactions.services.budgets import add_months, month_start

DEMO_EMAIL = "demo@example.com"
# (provider, institution id in its style, sandbox slug, the persona's login at the bank)
DEMO_BANKS = [("truelayer", "ob-monzo", "monzo", "john"), ("gocardless", "HSBC_HBUKGB4B", "hsbc", "john")]
# A month of budgets a person might set (monthly caps, GBP).
DEMO_BUDGETS = {"FOOD_AND_DRINK_GROCERIES": "350.00", "FOOD_AND_DRINK_RESTAURANT": "120.00", "ENTERTAINMENT": "60.00",
                "TRANSPORTATION": "150.00", "GENERAL_MERCHANDISE": "200.00"}


class Command(BaseCommand):
    help = "Connect the demo user's two sandbox banks and set a month of budgets (dev only)."

    def handle(self, *args, **options):
        if not settings.SANDBOX_ENABLED:
            call_command("seed_institutions", stdout=self.stdout, stderr=self.stderr)
            self.stdout.write("no sandbox (SANDBOX_ENABLED is off): demo banks skipped")
            return
        demo = get_user_model().objects.filter(username=DEMO_EMAIL).first()
        if demo is None:
            raise CommandError(f"No {DEMO_EMAIL}: run seed_demo.")
        with sandbox_in_process():
            call_command("seed_institutions", stdout=self.stdout, stderr=self.stderr)
            for provider, institution, slug, username in DEMO_BANKS:
                self._connect(demo, provider, institution, slug, username)
        self._budgets(demo)

    def _connect(self, demo, provider: str, institution: str, slug: str, username: str) -> None:
        if BankConnection.objects.filter(user=demo, provider=provider, institution_id=institution).exclude(
                status__in=(ConnectionStatus.PENDING, ConnectionStatus.REVOKED)).exists():
            self.stdout.write(f"demo bank {slug} ({provider}): already connected")
            return
        authorization = bank_connection_initiate(user=demo, provider_slug=provider, institution_id=institution)
        site = urlsplit(settings.SITE_URL).netloc
        callback = complete_bank_dialog(Client(HTTP_HOST=site), authorization.authorization_url,
                                        username=username, institution=slug)
        params = {k: v[0] for k, v in parse_qs(urlsplit(callback).query).items()}
        state = registry.get(provider).callback_state(params)
        connection = authorization_complete(user=demo, provider_slug=provider, state=state,
                                            code=params.get("code", ""), params=params)
        self.stdout.write(f"demo bank {connection.institution_name} ({provider}): connected, first sync queued "
                          "for the worker")

    def _budgets(self, demo) -> None:
        start = add_months(month_start(timezone.localdate()), -1)  # last month and this one
        made = 0
        for category, amount in DEMO_BUDGETS.items():
            _, created = Budget.objects.get_or_create(user=demo, category=category, currency="GBP",
                                                      defaults={"amount": Decimal(amount), "start_month": start})
            made += created
        self.stdout.write(f"demo budgets: {made} added, {len(DEMO_BUDGETS) - made} already there")
