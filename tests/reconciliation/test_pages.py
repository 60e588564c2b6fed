"""The reconciliation page and the business dashboard."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
import time_machine

from reconciliation import registry
from reconciliation.models import MatchStatus, ReconMatch
from reconciliation.registry import IncomeLine, OutstandingItem
from reconciliation.services.engine import reconciliation_run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2026-12-01 12:00:00+00:00", tick=False):
        yield


@pytest.fixture
def items(user, fake_items):
    fake_items.payout(user, 1, date(2026, 11, 10), "120.00", label="Stripe payout po_1")
    fake_items.payout(user, 2, date(2026, 11, 11), "120.00", label="Stripe payout po_2")
    fake_items.credit(user, 1, date(2026, 11, 10), "120.00", label="STRIPE PAYMENTS UK LTD A")
    fake_items.credit(user, 2, date(2026, 11, 11), "120.00", label="STRIPE PAYMENTS UK LTD B")
    fake_items.payout(user, 3, date(2026, 11, 20), "55.30", label="Stripe payout po_3")
    fake_items.credit(user, 3, date(2026, 11, 20), "55.30", label="STRIPE PAYMENTS UK LTD C")
    fake_items.credit(user, 4, date(2026, 11, 21), "999.00", label="FASTER PAYMENT FROM NOBODY")
    reconciliation_run(user)
    return fake_items


def test_the_page_shows_matched_suggested_and_unmatched(client, user, items):
    client.force_login(user)
    page = client.get("/business/reconciliation/").content.decode()
    matched = page[page.index('id="matched"'):page.index('class="recon-unmatched"')]
    suggested = page[page.index('id="suggested"'):page.index('id="matched"')]
    assert "Stripe payout po_3" in matched and "Matched automatically" in matched
    assert suggested.count('data-action="confirm"') == 4
    assert "FASTER PAYMENT FROM NOBODY" in page[page.index('id="unmatched-right"'):]
    assert re.search(r'id="count-suggested">4<', page)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) and " onclick=" not in page


def test_confirming_from_the_page_locks_the_match(client, user, items):
    client.force_login(user)
    pick = ReconMatch.objects.get(user=user, left_key="payments.payout:1", right_key="bank.txn:c1")
    response = client.post(f"/business/reconciliation/matches/{pick.pk}/confirm/")
    assert response.status_code == 302
    assert ReconMatch.objects.get(pk=pick.pk).status == MatchStatus.CONFIRMED
    page = client.get("/business/reconciliation/").content.decode()
    assert "Confirmed · locked" in page and "Match confirmed and locked." in page
    # Rejecting a locked match is refused with a message, not an error page.
    refused = client.post(f"/business/reconciliation/matches/{pick.pk}/reject/", follow=True)
    assert refused.status_code == 200 and "locked" in refused.content.decode()
    assert ReconMatch.objects.get(pk=pick.pk).status == MatchStatus.CONFIRMED


def test_another_persons_match_is_404_on_the_page(client, other_user, items, user):
    client.force_login(other_user)
    mine = ReconMatch.objects.filter(user=user).first()
    assert client.post(f"/business/reconciliation/matches/{mine.pk}/confirm/").status_code == 404
    assert ReconMatch.objects.get(pk=mine.pk).status == mine.status
    page = client.get("/business/reconciliation/").content.decode()
    assert "STRIPE PAYMENTS UK LTD" not in page


def test_actions_need_a_post_and_sign_in(client, user, items):
    pick = ReconMatch.objects.filter(user=user).first()
    assert client.post(f"/business/reconciliation/matches/{pick.pk}/confirm/").status_code == 302  # to log in
    assert ReconMatch.objects.get(pk=pick.pk).status == pick.status
    client.force_login(user)
    assert client.get(f"/business/reconciliation/matches/{pick.pk}/confirm/").status_code == 405


def test_check_again_runs_the_engine(client, user, items):
    client.force_login(user)
    page = client.post("/business/reconciliation/run/", follow=True).content.decode()
    assert "Checked 7 items: 1 matched automatically, 0 confirmed, 4 suggestions." in page


def test_the_business_dashboard_shows_income_fees_and_outstanding_invoices(client, user):
    def income(u, *, since, until):
        return [IncomeLine("Stripe", "GBP", Decimal("1000"), Decimal("25"), Decimal("50"), Decimal("20"),
                           Decimal("905"), 12),
                IncomeLine("PayPal", "GBP", Decimal("300"), Decimal("9"), Decimal("0"), Decimal("0"),
                           Decimal("291"), 4)] if u == user else []

    def outstanding(u, *, today):
        return [OutstandingItem("books.invoice:1", "invoice", "INV-0009", "Acme", "GBP", Decimal("400"),
                                date(2026, 11, 1))] if u == user else []

    registry.autodiscover()
    registry._income["tests.income"], registry._outstanding["tests.outstanding"] = income, outstanding
    try:
        client.force_login(user)
        page = client.get("/business/").content.decode()
    finally:
        registry._income.pop("tests.income"), registry._outstanding.pop("tests.outstanding")
    assert "£1,300.00" in page and "£34.00" in page  # the GBP totals: gross and fees
    assert 'data-invoice="INV-0009" class="overdue"' in page and "£400.00" in page
    chart = page[page.index('<svg class="income-chart__svg"'):page.index("</svg>", page.index("income-chart__svg"))]
    assert chart.count('data-part="net"') == 2 and 'data-part="disputes"' in chart
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert 'href="/business/"' in page  # the nav entry


def test_the_business_dashboard_is_empty_but_fine_with_nothing_connected(client, user):
    client.force_login(user)
    response = client.get("/business/")
    assert response.status_code == 200 and "No income yet" in response.content.decode()
