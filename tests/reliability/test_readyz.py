"""/healthz says the process is up whatever else is down; /readyz names what is down (503): the
database, or the broker (a real Redis on a loopback port, killed mid-test)."""

from __future__ import annotations

import pytest
from django.db.utils import OperationalError

from integrations_core.health import views as health_views

from .test_redis_down import on_throwaway_redis  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_ready_when_database_and_broker_answer(client, on_throwaway_redis):  # noqa: F811
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}, "failed": []}


def test_broker_down_is_503_naming_the_broker(client, on_throwaway_redis):  # noqa: F811
    on_throwaway_redis.kill()
    on_throwaway_redis.wait(timeout=10)
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["failed"] == ["broker"]
    assert client.get("/healthz").status_code == 200


def test_database_down_is_503_naming_the_database(client, monkeypatch):
    class DeadCursor:
        def __enter__(self):
            raise OperationalError("connection refused")

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(health_views.connection, "cursor", lambda: DeadCursor())
    monkeypatch.setattr(health_views, "_broker_ok", lambda: True)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "unavailable", "broker": "ok"}
    assert client.get("/healthz").status_code == 200
