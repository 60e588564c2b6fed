"""`make run`'s demo business: the business bank and Stripe connected without a server, the
first syncs left for the worker; once they run, the payouts are reconciled."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from integrations_core.models import ConnectionStatus
from open_banking.models import BankConnection
from payments.models import PaymentsConnection
from reconciliation.models import MatchStatus, ReconMatch
from sandbox.inprocess import sandbox_in_process

from .test_seed_demo import SITE, dev_settings, queued  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def business_settings(dev_settings):  # noqa: F811
    dev_settings.SEED_COMMANDS = ["seed_demo_business"]
    dev_settings.STRIPE_API_URL = f"{SITE}/sandbox/stripe/api"
    dev_settings.STRIPE_CONNECT_URL = f"{SITE}/sandbox/stripe/connect"
    return dev_settings


def test_seed_demo_connects_the_business_bank_and_stripe_then_the_worker_reconciles(
        business_settings, queued, django_capture_on_commit_callbacks):  # noqa: F811
    from django.contrib.auth import get_user_model

    from integrations_core.services.sync import connection_sync_by_id

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=out)
    demo = get_user_model().objects.get(username="demo@example.com")
    bank = BankConnection.objects.get(user=demo)
    stripe = PaymentsConnection.objects.get(user=demo)
    assert bank.institution_name == "Sandbox Business Bank" and bank.status == ConnectionStatus.ACTIVE
    assert stripe.status == ConnectionStatus.ACTIVE and len(queued) == 2
    with sandbox_in_process(), django_capture_on_commit_callbacks(execute=True):
        for args in queued:
            connection_sync_by_id(*args)
    assert ReconMatch.objects.filter(user=demo, rule="payout_bank_credit", status=MatchStatus.MATCHED).count() >= 5
    # Again: nothing doubles.
    call_command("seed_demo", stdout=io.StringIO())
    assert BankConnection.objects.filter(user=demo).count() == 1
    assert PaymentsConnection.objects.filter(user=demo).count() == 1


def test_stripe_is_skipped_unless_it_is_the_sandbox(business_settings, queued):  # noqa: F811
    business_settings.STRIPE_API_URL = "https://api.stripe.com"
    business_settings.SEED_COMMANDS = []
    call_command("seed_demo", stdout=io.StringIO())  # the demo user
    out = io.StringIO()
    call_command("seed_demo_business", stdout=out)
    assert "STRIPE_API_URL is not the sandbox's, skipped" in out.getvalue()
    assert not PaymentsConnection.objects.exists()
