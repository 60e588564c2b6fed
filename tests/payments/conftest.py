from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from integrations_core.models import ConnectionStatus
from integrations_core.providers.base import AuthType, Capability, Family, Provider
from integrations_core.providers.registry import registry
from integrations_core.records import (
    AccountRecord,
    BalanceRecord,
    BalanceTransactionRecord,
    DisputeRecord,
    FeeDetailRecord,
    PaymentsActivity,
    PayoutRecord,
)
from payments.models import PaymentsConnection

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def bt(external_id: str, amount: str, fee: str = "0", *, type: str = "charge", currency: str = "GBP", **extra):
    amount_d, fee_d = Decimal(amount), Decimal(fee)
    return BalanceTransactionRecord(
        external_id=external_id, type=type, created_at=extra.pop("created_at", T0), amount=amount_d, fee=fee_d,
        net=amount_d - fee_d, currency=currency,
        fee_details=(FeeDetailRecord("processor_fee", fee_d, currency),) if fee_d else (), **extra)


def activity(**parts) -> PaymentsActivity:
    """A small processor book: two charges and a refund, paid out once, one dispute."""
    defaults = dict(
        accounts=[AccountRecord("balance:gbp", "Processor GBP", "other", "GBP")],
        balances={"balance:gbp": BalanceRecord("GBP", Decimal("120.00"), Decimal("100.00"),
                                               extra={"pending_balance": Decimal("20.00")})},
        balance_transactions=[bt("txn_a", "100.00", "1.70", source_id="ch_a", reference="INV-0001",
                                 counterparty="Ada Ltd"),
                              bt("txn_b", "50.00", "0.95", source_id="ch_b"),
                              bt("txn_r", "-20.00", type="refund", source_id="re_b"),
                              bt("txn_p", "-127.35", type="payout", source_id="po_1", payout_external_id="po_1")],
        payouts=[PayoutRecord("po_1", Decimal("127.35"), "GBP", "paid", T0, date(2026, 3, 3), reference="STRIPE",
                              balance_transaction_ids=("txn_a", "txn_b", "txn_r"))],
        disputes=[DisputeRecord("dp_1", Decimal("50.00"), "EUR", "needs_response", "fraudulent", T0,
                                evidence_due_by=datetime(2026, 3, 9, 23, 59, tzinfo=UTC), charge_external_id="ch_b")],
        window_from=None, window_to=T0, state={"cursor": "one"})
    defaults.update(parts)
    return PaymentsActivity(**defaults)


class FakeActivitySource:
    def __init__(self, provider) -> None:
        self.provider = provider
        self.calls = 0

    def fetch_activity(self, *, since, state):
        self.calls += 1
        self.provider.asked.append((since, dict(state)))
        answer = self.provider.answers.pop(0) if len(self.provider.answers) > 1 else self.provider.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


class FakeProcessorProvider(Provider):
    slug = "fake_processor"
    name = "Fake Processor"
    family = Family.PAYMENTS
    auth_type = AuthType.API_KEY
    capabilities = frozenset({Capability.BALANCE_TRANSACTIONS, Capability.PAYOUTS, Capability.DISPUTES,
                              Capability.SCHEDULED_SYNC})
    connection_model = "payments.PaymentsConnection"

    def __init__(self) -> None:
        self.answers: list = [activity()]
        self.asked: list = []

    def bind(self, connection):
        return FakeActivitySource(self)


@pytest.fixture
def processor():
    provider = FakeProcessorProvider()
    registry.register(provider)
    yield provider
    registry.unregister(provider.slug)


@pytest.fixture
def processor_connection(user, processor):
    return PaymentsConnection.objects.create(user=user, provider=processor.slug, status=ConnectionStatus.ACTIVE,
                                             institution_name="Fake Processor", credentials={"api_key": "k-SECRET"})


@pytest.fixture
def other_processor_connection(other_user, processor):
    return PaymentsConnection.objects.create(user=other_user, provider=processor.slug, status=ConnectionStatus.ACTIVE,
                                             institution_name="Fake Processor")


@pytest.fixture
def paypal(settings):
    """The PayPal sandbox behind a made-up host, in-process (tests/payments/providers/paypal_http.py)."""
    import responses

    from .providers.paypal_http import BASE, PayPalRouter

    settings.PAYPAL_SANDBOX_URL = BASE
    settings.SANDBOX_LATENCY_MS = 0
    settings.SANDBOX_PAYPAL_LAG_MINUTES = 60
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield PayPalRouter(mock)
