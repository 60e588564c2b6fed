"""The API's per-person and per-address throttles count in fixed windows (integrations_core/
api/throttles.py): the rate's allowance per window, a 429 with Retry-After until the window ends,
a fresh allowance in the next one. On the development cache (LocMem) and on a real Redis (one
pipelined SET NX + INCR), and open, not closed, when Redis is down."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from integrations_core.cache import counter_incr

pytestmark = pytest.mark.django_db
PATH = "/api/v1/providers/"
# 20 seconds into a minute: the window ends in 40 s.
AT = dt.datetime(2026, 12, 31, 23, 59, 20, tzinfo=dt.UTC)


@pytest.fixture(params=["locmem", "redis"])
def any_cache(request, settings):
    if request.param == "redis":
        server = request.getfixturevalue("redis_server")
        settings.CACHES = {"default": {"BACKEND": "integrations_core.cache.ResilientRedisCache",
                                       "LOCATION": server.url, "OPTIONS": {"socket_timeout": 0.5}}}
    else:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                       "LOCATION": "window-throttle"}}
    cache.clear()
    yield request.param
    cache.clear()


def test_a_person_gets_the_rate_per_window_then_429_until_it_ends(any_cache, api_client, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "get_rate", lambda self: "3/min")
    with time_machine.travel(AT, tick=False) as clock:
        codes = [api_client.get(PATH).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        refused = api_client.get(PATH)
        assert refused.status_code == 429 and refused.json()["error"]["code"] == "throttled"
        assert refused["Retry-After"] == "40"
        clock.shift(dt.timedelta(seconds=39))
        assert api_client.get(PATH).status_code == 429
        clock.shift(dt.timedelta(seconds=1))  # 00:00:00 on New Year's Day: a new window
        assert [api_client.get(PATH).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_each_person_has_their_own_allowance(any_cache, api_client, other_api_client, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "get_rate", lambda self: "2/min")
    with time_machine.travel(AT, tick=False):
        assert [api_client.get(PATH).status_code for _ in range(3)] == [200, 200, 429]
        assert other_api_client.get(PATH).status_code == 200


def test_signed_out_requests_count_per_address(any_cache, monkeypatch):
    # Every API endpoint needs a sign-in (a 403 comes before the throttle), so the throttle is
    # asked directly, as DRF asks it.
    from django.contrib.auth.models import AnonymousUser
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from integrations_core.api.throttles import AnonWindowThrottle

    monkeypatch.setattr(AnonRateThrottle, "get_rate", lambda self: "2/min")

    def allowed(address):
        request = Request(APIRequestFactory().get(PATH, REMOTE_ADDR=address))
        request.user = AnonymousUser()
        return AnonWindowThrottle().allow_request(request, None)

    with time_machine.travel(AT, tick=False):
        assert [allowed("198.51.100.7") for _ in range(3)] == [True, True, False]
        assert allowed("198.51.100.8") is True


def test_a_counter_starts_at_one_and_expires_with_its_window(redis_server, settings):
    settings.CACHES = {"default": {"BACKEND": "integrations_core.cache.ResilientRedisCache",
                                   "LOCATION": redis_server.url}}
    assert [counter_incr(cache, "c", timeout=30) for _ in range(3)] == [1, 2, 3]
    (key,) = redis_server.client.keys("*c")
    assert 0 < redis_server.client.ttl(key) <= 30  # set once, by the first increment
    assert cache.get("c") == 3  # an ordinary cache value too


def test_with_redis_down_the_throttle_lets_requests_through(api_client, settings, monkeypatch):
    from tests.reliability.conftest import free_port

    settings.CACHES = {"default": {"BACKEND": "integrations_core.cache.ResilientRedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
                                   "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}}
    monkeypatch.setattr(UserRateThrottle, "get_rate", lambda self: "1/min")
    assert [api_client.get(PATH).status_code for _ in range(3)] == [200, 200, 200]
