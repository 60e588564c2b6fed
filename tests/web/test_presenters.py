"""Plain words per connection state, sync-run messages and money formatting."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from integrations_core.models import SyncOutcome, SyncRun
from web.presenters import RECONNECT, SYNC, connection_card, sync_run_message
from web.templatetags.money import format_money

from .conftest import make_connection

pytestmark = pytest.mark.django_db


def test_a_healthy_connection_offers_sync(user):
    card = connection_card(make_connection(user))
    assert (card.state, card.tone, card.headline, card.actions) == ("ok", "ok", "Connected", (SYNC,))
    assert card.provider_name == "TrueLayer"


def test_a_consent_ending_soon_asks_to_reconfirm(user):
    ends = timezone.now() + timedelta(days=5)
    card = connection_card(make_connection(user, consent_expires_at=ends))
    assert card.reconfirmation_due and card.actions == (SYNC, RECONNECT)
    assert card.reconnect_label == "Reconfirm access" and "Reconfirm to keep" in card.detail


def test_a_consent_past_its_end_needs_a_reconnect_even_before_a_sync_notices(user):
    card = connection_card(make_connection(user, consent_expires_at=timezone.now() - timedelta(hours=1)))
    assert card.state == "reauth_required" and card.actions == (RECONNECT,)


def test_rate_limited_says_until_when(user):
    connection = make_connection(user, last_error_code="rate_limited",
                                 retry_after=timezone.now() + timedelta(minutes=30))
    card = connection_card(connection)
    local = timezone.localtime(connection.retry_after)
    assert card.state == "rate_limited" and card.actions == ()
    assert "Try again after " in card.detail and f"{local:%H:%M}" in card.detail


def test_rate_limited_after_the_retries_ran_out_still_says_until_when(user):
    card = connection_card(make_connection(user, status="error", last_error_code="rate_limited",
                                           retry_after=timezone.now() + timedelta(days=1, hours=1)))
    assert card.state == "rate_limited" and "Try again after " in card.detail and "," in card.detail


def test_provider_down_reassures(user):
    card = connection_card(make_connection(user, last_error_code="bad_response"))
    assert card.headline == "Bank not responding" and "We'll retry automatically" in card.detail


def test_revoked_offers_nothing(user):
    card = connection_card(make_connection(user, status="revoked"))
    assert card.actions == () and card.headline == "Disconnected"


@pytest.mark.parametrize(("fields", "message"), [
    ({"outcome": SyncOutcome.SUCCEEDED}, "Up to date: nothing new since the last sync."),
    ({"outcome": SyncOutcome.SUCCEEDED, "added": 3, "removed": 1}, "Up to date: 3 new, 1 removed transactions."),
    ({"outcome": SyncOutcome.PARTIAL, "account_results": {"a": {"name": "Saver", "status": "failed"},
                                                          "b": {"name": "Current", "status": "ok"}}},
     "Partly updated: Saver could not be updated this time. We'll try again."),
    ({"outcome": SyncOutcome.FAILED, "error": "The bank is not responding."}, "The bank is not responding."),
    ({"outcome": SyncOutcome.SKIPPED, "error": ""}, "Another sync was already running."),
])
def test_sync_run_messages(fields, message):
    assert sync_run_message(SyncRun(**fields)) == message


@pytest.mark.parametrize(("amount", "currency", "signed", "text"), [
    (Decimal("1170.2"), "GBP", False, "£1,170.20"),
    (Decimal("-2.995"), "GBP", False, "\u2212£3.00"),
    (Decimal("1500"), "GBP", True, "+£1,500.00"),
    (Decimal("0"), "GBP", True, "£0.00"),
    (Decimal("12"), "USD", False, "$12.00"),
    (Decimal("-12"), "CHF", False, "\u221212.00 CHF"),
    (None, "GBP", False, "—"),
])
def test_money_is_formatted_with_its_currency(amount, currency, signed, text):
    assert format_money(amount, currency, signed=signed) == text
