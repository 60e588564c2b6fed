"""Price history: every synced or statement snapshot keeps its holdings' prices as SecurityPrice
rows (source: the provider's slug, or "statement"), one per security, day and source, written
in the snapshot's transaction and never rewritten when unchanged; the platform price source
reads them back offline."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from integrations_core.models import RecordSource
from integrations_core.records import SecurityRecord
from integrations_core.services.imports.portfolio import holding_snapshot_import, portfolio_import
from investments.models import SecurityAlias, SecurityPrice
from investments.prices.platform import PlatformPriceSource
from investments.prices.registry import price_source

from ..conftest import AAPL, AS_OF, DAY, PROVIDER, VUSA, holding, portfolio, snapshot

pytestmark = pytest.mark.django_db
D = Decimal


UNPRICED = SecurityRecord(external_id="UNPRICED", name="A fund without a price")


def priced(vusa_price: str = "6500.00"):
    return portfolio(snap=snapshot(
        holding(VUSA, "10", price=vusa_price, price_currency="GBX", value="650.00"),
        holding(AAPL, "2", price="190.5", price_currency="USD"),
        holding(UNPRICED, "1", value="5.00"),
    ), securities=(VUSA, AAPL, UNPRICED))


def history():
    return sorted((p.security.isin, p.date, p.close, p.currency, p.source) for p in
                  SecurityPrice.objects.select_related("security"))


def test_a_sync_keeps_each_priced_holding_as_price_history(account):
    portfolio_import(account, priced())
    assert history() == [(VUSA.isin, DAY, D("6500.00"), "GBX", PROVIDER), (AAPL.isin, DAY, D("190.5"), "USD", PROVIDER)]


def test_a_resync_writes_nothing_and_a_new_price_updates_the_days_row(account):
    portfolio_import(account, priced())
    before = {p.pk: p.recorded_at for p in SecurityPrice.objects.all()}
    portfolio_import(account, priced())
    assert {p.pk: p.recorded_at for p in SecurityPrice.objects.all()} == before  # not even rewritten
    portfolio_import(account, priced("6612.5"))
    assert SecurityPrice.objects.count() == 2
    assert SecurityPrice.objects.get(security__isin=VUSA.isin).close == D("6612.5")


def test_a_price_keeps_its_own_day_and_the_next_day_adds_a_row(account):
    dated = replace(holding(VUSA, "10", price="6400", price_currency="GBX"),
                    price_as_of=datetime(2026, 2, 27, 16, 35, tzinfo=UTC))
    portfolio_import(account, portfolio(snap=snapshot(dated)))
    portfolio_import(account, portfolio(snap=snapshot(holding(VUSA, "10", price="6500", price_currency="GBX"),
                                                      as_of=AS_OF + timedelta(days=1))))
    assert [(p.date, p.close) for p in SecurityPrice.objects.order_by("date")] == [
        (date(2026, 2, 27), D("6400")), (DAY + timedelta(days=1), D("6500"))]


def test_statement_snapshots_are_their_own_source_and_manual_ones_are_not_history(account):
    portfolio_import(account, priced())
    securities = {a.external_id: a.security for a in SecurityAlias.objects.select_related("security")}
    record = snapshot(holding(VUSA, "10", price="6490", price_currency="GBX"))
    holding_snapshot_import(account, record, securities, source=RecordSource.STATEMENT)
    assert SecurityPrice.objects.filter(source="statement").get().close == D("6490")
    holding_snapshot_import(account, snapshot(holding(VUSA, "10", price="1", price_currency="GBX")), securities,
                            source=RecordSource.MANUAL)
    assert SecurityPrice.objects.count() == 3  # the manual price is the person's figure, not history


def test_the_platform_source_reads_the_stored_history_offline(account):
    portfolio_import(account, priced())
    for name in (VUSA.isin, VUSA.external_id, str(SecurityPrice.objects.get(currency="GBX").security_id)):
        quote = PlatformPriceSource().price(name, DAY + timedelta(days=3))
        assert (quote.price, quote.currency, quote.as_of, quote.in_major()) == (
            D("6500.00"), "GBX", DAY, (D("65.0000"), "GBP"))
    assert PlatformPriceSource().price(VUSA.isin, DAY - timedelta(days=1)) is None  # nothing before it
    assert price_source().price(AAPL.external_id, DAY).price == D("190.5")  # the default configuration
