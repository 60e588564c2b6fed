"""A hostile or broken provider body is a bad response (recorded, retried), never a crash."""

from __future__ import annotations

import pytest
import requests

from integrations_core.providers.errors import BadProviderResponse
from open_banking.providers.utils import decimal_json, to_decimal


def _response(body: bytes) -> requests.Response:
    response = requests.Response()
    response._content, response.status_code = body, 200
    return response


def test_a_provider_body_nested_thousands_deep_is_a_bad_response_not_a_crash():
    with pytest.raises(BadProviderResponse):
        decimal_json(_response(b"[" * 100_000 + b"]" * 100_000))


@pytest.mark.parametrize("amount", ["1.23456", "0.00001"])
def test_an_amount_with_more_decimals_than_any_currency_is_a_bad_response(amount):
    with pytest.raises(BadProviderResponse):
        to_decimal(amount)


@pytest.mark.parametrize("amount", ["1.234", "-1500", "0.1234", "12.340000"])
def test_amounts_any_currency_can_have_are_taken_exactly(amount):
    assert str(to_decimal(amount)) == amount
