"""Connect the sandbox pension service the dashboards way, then the daily refresh: pots with
values and illustration dates, a DB income, a possible match, a value being calculated for days."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from integrations_core.connect.base import ConnectError
from integrations_core.models import ConnectionStatus, SyncOutcome
from integrations_core.networth import net_worth
from pensions.models import (
    PensionAccount,
    PensionConnection,
    PensionConsent,
    PensionIdentity,
    PensionValuation,
)
from pensions.services.pots import request_pension_statement
from sandbox import clock

from .conftest import SLUG

pytestmark = pytest.mark.django_db(transaction=True)


def _by_scheme(user):
    return {p.scheme_name: p for p in PensionAccount.objects.filter(connection__user=user)}


@time_machine.travel("2026-10-31 12:00:00+00:00", tick=True)
def test_connect_finds_every_kind_of_pension(user, connect):
    connection = connect(user)
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.ACTIVE and connection.last_synced_at, connection.last_error
    pensions = _by_scheme(user)
    assert set(pensions) == {"Harbour Workplace Master Trust", "Northfield Engineering Pension Scheme",
                             "Meridian Life Personal Pension", "Old Mill Retail Staff Pension Scheme"}
    dc = pensions["Harbour Workplace Master Trust"]
    assert dc.pension_type == "DC" and dc.match_type == "DEFN"
    [valuation] = dc.valuations.all()
    assert valuation.basis == "pot" and valuation.value > 0 and valuation.date == clock.today().replace(day=1)
    db = pensions["Northfield Engineering Pension Scheme"]
    [income] = db.valuations.all()
    assert income.basis == "annual_income" and income.eri_annual_amount == income.value + 700
    assert pensions["Meridian Life Personal Pension"].value_pending == "DCC"
    assert not pensions["Meridian Life Personal Pension"].valuations.exists()
    possible = pensions["Old Mill Retail Staff Pension Scheme"]
    assert possible.match_type == "POSS" and possible.value_pending == "POSS" and possible.contact_reference
    # Only the confirmed pot counts in net worth; the DB income is not a pot.
    worth = net_worth(user)
    assert worth.by_family["pensions"] == valuation.value
    # The identity is stored encrypted and the date of birth is not copied into the raw payloads.
    assert PensionIdentity.objects.get(user=user).data["ni_number"] == "AB123456C"
    assert all("dateOfBirth" not in p.raw for p in pensions.values())


def test_same_illustration_twice_is_one_valuation(user, connect):
    connection = connect(user)
    before = PensionValuation.objects.count()
    run = request_pension_statement(connection, inline=True)
    assert run.outcome == SyncOutcome.SUCCEEDED and run.added == 0
    assert PensionValuation.objects.count() == before


# Across the tax-year end in BST: the find on 5 April, the value on 8 April.
@time_machine.travel("2027-04-05 23:30:00+01:00", tick=True)
def test_being_calculated_for_days_then_valued(user, connect):
    connect(user)
    meridian = PensionAccount.objects.get(scheme_name="Meridian Life Personal Pension")
    since = meridian.value_pending_since
    connection = PensionConnection.objects.get(user=user, provider=SLUG)
    for _day in (1, 2):  # the daily refresh: still calculating, shown since the first day, nothing lost
        clock.advance(1)
        run = request_pension_statement(connection, inline=True)
        assert run.outcome == SyncOutcome.SUCCEEDED
        meridian.refresh_from_db()
        assert meridian.value_pending == "DCC" and meridian.value_pending_since == since
    clock.advance(1)
    run = request_pension_statement(connection, inline=True)
    meridian.refresh_from_db()
    assert meridian.value_pending == "" and meridian.value_pending_since is None
    [valuation] = meridian.valuations.all()
    assert valuation.value % 1 == Decimal("0.45") and str(valuation.date) == "2027-04-08"
    assert run.outcome == SyncOutcome.SUCCEEDED


def test_expired_consent_sends_nothing(user, connect, monkeypatch):
    connection = connect(user)
    PensionConsent.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(seconds=1))
    sent = []
    monkeypatch.setattr("pensions.dashboards.client.DashboardsClient.view", lambda *a, **k: sent.append(a))
    from integrations_core.services.sync import connection_sync

    run = connection_sync(connection, trigger="scheduled")
    assert run.outcome == SyncOutcome.FAILED and run.error_code == "consent_expired" and not sent
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.REAUTH_REQUIRED
    with pytest.raises(Exception, match="consent"):
        request_pension_statement(connection, inline=True)


def test_consent_refused_records_it_and_sends_nothing(user, connect, monkeypatch):
    monkeypatch.setattr("pensions.dashboards.client.DashboardsClient.find",
                        lambda *a, **k: pytest.fail("a find was sent without consent"))
    with pytest.raises(ConnectError) as refused:
        connect(user, consent="no")
    assert refused.value.code == "consent_refused" and "nothing was sent" in refused.value.message
    assert PensionConsent.objects.get(user=user).status == "refused"
    assert not PensionConnection.objects.filter(user=user).exists()
    assert not PensionIdentity.objects.filter(user=user).exists()


@pytest.mark.parametrize(("field", "value"), [("ni_number", "QQ123456C"), ("ni_number", "AB12345"),
                                              ("date_of_birth", "1980-02-30"), ("date_of_birth", "2999-01-01"),
                                              ("postcode", "12345")])
def test_bad_identity_is_a_field_error(user, connect, field, value):
    with pytest.raises(ConnectError) as bad:
        connect(user, **{field: value})
    assert f"credentials.{field}" in bad.value.fields
    assert not PensionConsent.objects.filter(user=user).exists() or not PensionConnection.objects.exists()
