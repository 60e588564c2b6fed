import pytest
import responses

from .providers.paypal_http import BASE, PayPalRouter


@pytest.fixture
def paypal(settings):
    """The PayPal sandbox behind a made-up host, in-process."""
    settings.PAYPAL_SANDBOX_URL = BASE
    settings.SANDBOX_LATENCY_MS = 0
    settings.SANDBOX_PAYPAL_LAG_MINUTES = 60
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield PayPalRouter(mock)
