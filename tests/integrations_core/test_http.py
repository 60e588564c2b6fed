"""The shared HTTP layer: retries with backoff, Retry-After, timeouts, and the error vocabulary."""

from __future__ import annotations

import pytest
import requests
import responses

from integrations_core.providers.errors import (
    BadProviderResponse,
    ConsentExpired,
    ProviderAuthError,
    ProviderUnavailable,
    RateLimited,
    RequestRejected,
)
from integrations_core.providers.http import build_session, json_body, metered, parse_retry_after, send

URL = "https://api.provider.test/data"


@pytest.fixture
def session(settings):
    settings.PROVIDER_HTTP_BACKOFF = 0
    settings.PROVIDER_HTTP_RETRIES = 2
    settings.PROVIDER_MAX_INLINE_RETRY_AFTER = 1
    return build_session()


@responses.activate
def test_retries_5xx_then_succeeds(session):
    responses.add(responses.GET, URL, status=503)
    responses.add(responses.GET, URL, status=502)
    responses.add(responses.GET, URL, json={"ok": True})
    assert json_body(send(session, "GET", URL)) == {"ok": True}
    assert len(responses.calls) == 3


@responses.activate
def test_5xx_after_retries_is_provider_unavailable(session):
    for _ in range(3):
        responses.add(responses.GET, URL, status=500)
    with pytest.raises(ProviderUnavailable):
        send(session, "GET", URL)
    assert len(responses.calls) == 3


@responses.activate
def test_short_retry_after_is_waited_then_retried(session):
    responses.add(responses.GET, URL, status=429, headers={"Retry-After": "0"})
    responses.add(responses.GET, URL, json={"ok": 1})
    assert send(session, "GET", URL).status_code == 200


@responses.activate
def test_long_retry_after_surfaces_as_rate_limited_without_sleeping(session):
    responses.add(responses.GET, URL, status=429, headers={"Retry-After": "3600"})
    with pytest.raises(RateLimited) as exc:
        send(session, "GET", URL)
    assert exc.value.retry_after == 3600
    assert len(responses.calls) == 1


@pytest.mark.parametrize(("status", "error"), [(401, ProviderAuthError), (403, ConsentExpired),
                                               (400, RequestRejected), (404, RequestRejected),
                                               (409, RequestRejected), (422, RequestRejected),
                                               (408, ProviderUnavailable)])
@responses.activate
def test_status_mapping(session, status, error):
    responses.add(responses.GET, URL, status=status, json={"error": "x"})
    with pytest.raises(error) as exc:
        send(session, "GET", URL)
    assert exc.value.status == status
    assert type(exc.value) is error


@responses.activate
def test_classifier_can_refine(session):
    responses.add(responses.GET, URL, status=400, json={"error": "invalid_grant"})

    def classify(response, body):
        return ConsentExpired(provider_code=body["error"]) if body.get("error") == "invalid_grant" else None

    with pytest.raises(ConsentExpired) as exc:
        send(session, "GET", URL, classify=classify)
    assert exc.value.provider_code == "invalid_grant"


@responses.activate
def test_timeout_is_provider_unavailable(session):
    responses.add(responses.GET, URL, body=requests.exceptions.ConnectTimeout("slow"))
    with pytest.raises(ProviderUnavailable):
        send(session, "GET", URL)


@responses.activate
def test_malformed_json_is_bad_response(session):
    responses.add(responses.GET, URL, body="{not json", content_type="application/json")
    with pytest.raises(BadProviderResponse):
        json_body(send(session, "GET", URL))


def test_every_request_has_a_timeout(session, monkeypatch):
    seen = {}

    def fake_request(self, method, url, **kwargs):
        seen.update(kwargs)
        raise requests.exceptions.ConnectionError("no network")

    monkeypatch.setattr(requests.Session, "request", fake_request)
    with pytest.raises(ProviderUnavailable):
        send(session, "GET", URL)
    assert seen["timeout"] == session.default_timeout > 0


def test_errors_have_user_safe_messages_and_transience():
    assert RateLimited().transient and ProviderUnavailable().transient and BadProviderResponse().transient
    assert not ConsentExpired().transient and not ProviderAuthError().transient
    assert issubclass(ConsentExpired, ProviderAuthError)


def test_parse_retry_after():
    assert parse_retry_after("120") == 120
    assert parse_retry_after(None) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0


def test_a_client_side_4xx_is_not_the_providers_health():
    """A closed account's 404 is one person's request refused, not the provider being unwell:
    its code is its own (not bad_response, which trips the circuit breaker), and it is not
    retried at once."""
    assert RequestRejected.code == "request_rejected" and not RequestRejected().transient
    assert RequestRejected.code != BadProviderResponse.code


@responses.activate
def test_the_meter_counts_every_attempt_on_the_wire_including_retries(session):
    responses.add(responses.GET, URL, status=503)
    responses.add(responses.GET, URL, status=502)
    responses.add(responses.GET, URL, json={"ok": True})
    responses.add(responses.GET, URL + "/other", json={"ok": True})
    with metered() as meter:
        send(session, "GET", URL)
        send(session, "GET", URL + "/other")
    assert meter.attempts == len(responses.calls) == 4
    send(session, "GET", URL + "/other")  # outside the block: nobody is counting
    assert meter.attempts == 4


@responses.activate
def test_the_meter_counts_attempts_of_a_request_that_fails(session):
    for _ in range(3):
        responses.add(responses.GET, URL, status=500)
    with metered() as meter, pytest.raises(ProviderUnavailable):
        send(session, "GET", URL)
    assert meter.attempts == 3
