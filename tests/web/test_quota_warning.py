"""GoCardless allows about four calls a day per account and scope: the card warns before "Sync
now" spends the last one, and asks the browser to confirm."""

from __future__ import annotations

import pytest
from django.utils import timezone

from open_banking.providers.gocardless.models import QuotaLedger

from .conftest import make_connection

pytestmark = pytest.mark.django_db


def spend(connection, calls: int):
    QuotaLedger.objects.create(provider="gocardless", account_id="acc-1", connection=connection, scope="transactions",
                               day=timezone.now().date(), successful_calls=calls)


@pytest.mark.parametrize("spent, warning", [
    (0, ""), (2, ""), (3, "4 updates is left"), (4, "are used up")])
def test_the_card_warns_before_the_last_call(web, user, spent, warning):
    connection = make_connection(user, provider="gocardless", institution_id="HSBC_HBUKGB4B",
                                 institution_name="HSBC UK")
    if spent:
        spend(connection, spent)
    page = web.get("/connections/").content.decode()
    if warning:
        assert warning in page and "data-confirm=" in page
    else:
        assert "data-confirm=" not in page and "updates is left" not in page


def test_a_provider_without_a_quota_never_warns(web, user):
    make_connection(user)  # TrueLayer
    assert "data-confirm=" not in web.get("/connections/").content.decode()
