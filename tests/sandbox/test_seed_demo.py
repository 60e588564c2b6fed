"""`make run`'s seeding: the demo user ends with two connected sandbox banks and a month of
budgets without a web server (the sandbox answers in-process), the first syncs left for the
worker, one clear login box printed last, and the operator's password not the demo user's."""

from __future__ import annotations

import io
import socket

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from integrations_core.models import ConnectionStatus
from open_banking.models import BankAccount, BankConnection
from sandbox.inprocess import sandbox_in_process
from transactions.models import Budget

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"


@pytest.fixture
def dev_settings(settings, monkeypatch):
    settings.DEBUG = True
    settings.SANDBOX_ENABLED = True
    settings.SITE_URL = SITE
    settings.TRUELAYER_AUTH_URL = f"{SITE}/sandbox/truelayer/auth"
    settings.TRUELAYER_API_URL = f"{SITE}/sandbox/truelayer/api"
    settings.TRUELAYER_CLIENT_ID = settings.SANDBOX_CLIENT_ID
    settings.TRUELAYER_CLIENT_SECRET = settings.SANDBOX_CLIENT_SECRET
    settings.GOCARDLESS_API_URL = f"{SITE}/sandbox/gocardless/api/v2"
    settings.GOCARDLESS_SECRET_ID = settings.SANDBOX_CLIENT_ID
    settings.GOCARDLESS_SECRET_KEY = settings.SANDBOX_CLIENT_SECRET
    settings.DEMO_PASSWORD = "demo-pass-1"
    settings.OPERATOR_PASSWORD = "operator-pass-2"
    settings.SEED_COMMANDS = ["seed_demo_banks"]
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    return settings


@pytest.fixture
def queued(monkeypatch):
    """Queued syncs are only recorded (the worker is not running yet), and no socket may open."""
    calls = []
    monkeypatch.setattr("integrations_core.tasks.sync_connection.apply_async",
                        lambda *a, **k: calls.append(k.get("args") or a))

    def no_network(*args, **kwargs):
        raise AssertionError("seed_demo opened a network connection before the web server is up")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    return calls


def test_seed_demo_connects_two_banks_and_sets_budgets_without_a_server(dev_settings, queued,
                                                                         django_capture_on_commit_callbacks):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=out)
    demo = get_user_model().objects.get(username="demo@example.com")
    connections = BankConnection.objects.filter(user=demo)
    assert sorted(connections.values_list("provider", "institution_name")) == [
        ("gocardless", "HSBC UK"), ("truelayer", "Monzo")]
    assert set(connections.values_list("status", flat=True)) == {ConnectionStatus.ACTIVE}
    assert len(queued) == 2  # the first syncs wait for the worker
    assert Budget.objects.filter(user=demo).count() == 5
    text = out.getvalue()
    assert text.count("demo-pass-1") == 1 and text.rstrip().endswith("=" * 10)
    assert "operator-pass-2" in text
    admin = get_user_model().objects.get(username="admin@example.com")
    assert admin.check_password("operator-pass-2") and not admin.check_password("demo-pass-1")

    # Run again: nothing doubles.
    call_command("seed_demo", stdout=io.StringIO())
    assert BankConnection.objects.filter(user=demo).count() == 2 and Budget.objects.filter(user=demo).count() == 5


def test_the_queued_first_sync_fills_the_accounts(dev_settings, queued, django_capture_on_commit_callbacks):
    from integrations_core.services.sync import connection_sync_by_id

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=io.StringIO())
    with sandbox_in_process():  # the worker would reach the running server; here, in-process
        for args in queued:
            connection_sync_by_id(*args)
    demo = get_user_model().objects.get(username="demo@example.com")
    assert BankAccount.objects.filter(connection__user=demo).count() >= 2
    assert all(c.last_synced_at for c in BankConnection.objects.filter(user=demo))


def test_operator_password_differs_even_if_configured_the_same(dev_settings, queued):
    dev_settings.OPERATOR_PASSWORD = "demo-pass-1"
    dev_settings.SEED_COMMANDS = []
    call_command("seed_demo", stdout=io.StringIO())
    admin = get_user_model().objects.get(username="admin@example.com")
    assert not admin.check_password("demo-pass-1")
