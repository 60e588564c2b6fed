"""bench/api_cpu.py's floor is the API's first page, by hand: the same JSON, so the benchmark's
"x floor" compares like with like. Over the lean-list test's varied rows (pending, edited,
manual, other currencies and minor units, BST and UTC times, null merchant) plus enough plain
rows for a second page, so the `next` cursor link is compared too."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bench.api_cpu import FLOOR, PAGE
from open_banking.models import BankTransaction
from tests.open_banking.test_lean_list import varied  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db
API = "/api/v1/open-banking/transactions/"


@pytest.fixture
def two_pages(varied):  # noqa: F811
    account = varied["current"]
    BankTransaction.objects.bulk_create(
        BankTransaction(account=account, external_id=f"plain-{n}", fingerprint=f"plain-{n}",
                        booked_date=dt.date(2026, 8, 1) + dt.timedelta(days=n % 9), amount=Decimal(f"-{n}.05"),
                        currency="GBP", description=f"PLAIN {n}", status="booked")
        for n in range(PAGE))
    return varied


@pytest.fixture
def web(client, user, settings):
    settings.ROOT_URLCONF = "bench.api_cpu_urls"
    client.force_login(user)
    return client


@pytest.mark.parametrize("params", [{}, {"category": "FOOD_AND_DRINK_GROCERIES"}, {"search": "plain"},
                                    {"search": "tesco"}, {"search": "no such text"}])
def test_the_floor_answers_the_same_bytes_as_the_api(web, two_pages, params):
    floor, api = web.get(FLOOR, params, secure=True), web.get(API, params, secure=True)
    assert floor.status_code == api.status_code == 200
    # The one difference is the floor's own path in its `next` link.
    assert floor.content.replace(FLOOR.encode(), API.encode()) == api.content
    if not params:
        assert api.json()["next"] and len(api.json()["results"]) == PAGE


def test_under_one_account_too_and_another_persons_is_a_404(web, two_pages, client, other_user):
    nested = f"/accounts/{two_pages['current'].pk}/transactions/"
    floor = web.get(f"/bench-floor{nested}", secure=True)
    api = web.get(f"/api/v1/open-banking{nested}", secure=True)
    assert floor.status_code == api.status_code == 200 and api.json()["next"]
    assert floor.content.replace(b"/bench-floor/", b"/api/v1/open-banking/") == api.content
    client.force_login(other_user)
    assert client.get(f"/bench-floor{nested}", secure=True).status_code == 404


def test_the_floor_is_only_for_a_signed_in_person(client, settings, two_pages):
    settings.ROOT_URLCONF = "bench.api_cpu_urls"
    assert client.get(FLOOR, secure=True).status_code == 403
