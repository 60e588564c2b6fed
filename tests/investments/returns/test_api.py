"""The returns, history, allocation and net-worth endpoints: figures, field errors, 404s."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from rest_framework.test import APIClient

from .test_performance import history, isa, vusa  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@time_machine.travel(datetime(2026, 6, 30, 12, tzinfo=UTC))
def test_returns_for_one_period(api, history):  # noqa: F811
    body = api.get("/api/v1/investments/returns/?period=YTD").json()
    account = next(s for s in body if s["scope"]["kind"] == "account")
    assert [r["period"] for r in account["returns"]] == ["YTD"]
    assert account["returns"][0]["twr"]["value"] == "0.0175000000"


def test_a_custom_range_needs_both_ends(api):
    response = api.get("/api/v1/investments/returns/?period=CUSTOM&date_from=2026-01-01")
    assert response.status_code == 400
    assert "date_to" in response.json()["error"]["fields"]
    response = api.get("/api/v1/investments/returns/?period=CUSTOM&date_from=2026-02-01&date_to=2026-01-01")
    assert response.status_code == 400 and "date_to" in response.json()["error"]["fields"]


@time_machine.travel(datetime(2026, 6, 30, 12, tzinfo=UTC))
def test_history_and_another_persons_scope(api, history, django_user_model):  # noqa: F811
    body = api.get("/api/v1/investments/returns/history/").json()
    assert body["points"][-1]["value"] == "1017.50"
    assert api.get(f"/api/v1/investments/returns/history/?kind=account&key={history.pk}").status_code == 200
    other = APIClient()
    other.force_authenticate(django_user_model.objects.create_user("eve", password="x"))
    assert other.get(f"/api/v1/investments/returns/history/?kind=account&key={history.pk}").status_code == 404


def test_allocation_and_net_worth_answer(api, history):  # noqa: F811
    assert api.get("/api/v1/investments/allocation/").json()["currency"] == "GBP"
    body = api.get("/api/v1/net-worth/").json()
    assert body["currency"] == "GBP" and "investments" in body["by_family"]
