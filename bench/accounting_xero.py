"""The books, end to end in-process: a Xero connection to the mock Xero (the persona's two
organisations), its first sync (every page of every endpoint) and an unchanged re-sync
(If-Modified-Since), then a push of N categorised bank transactions and the re-push of the same
(which must write nothing). Reports wall time, provider calls and rows; the mock answers through
Django's test client over `responses`, so the figures are the platform's own cost plus the
mock's, without a network."""

from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from bench.harness import print_table


def _connect(user):
    from django.test import Client

    from integrations_core.services.connections import connection_create
    from integrations_core.services.oauth import authorization_begin, authorization_complete

    connection = connection_create(user=user, provider_slug="xero")
    request, state = authorization_begin(connection)
    parts = urlsplit(request.url)
    browser = Client()
    import re

    from sandbox.xero import data

    answer = browser.get(f"{parts.path}?{parts.query}")
    page = answer.content.decode()
    link = re.search(r'name="link" value="([^"]+)"', page).group(1)
    answer = browser.post(parts.path, {"link": link, "username": "bench-co", "decision": "allow",
                                       "tenant": [data.tenant_id("bench-co", i) for i in range(2)]})
    params = {k: v[0] for k, v in parse_qs(urlsplit(answer["Location"]).query).items()}
    return authorization_complete(user=user, provider_slug="xero", state=state, code=params["code"], params=params)


def _bank(user, n: int):
    from open_banking.models import BankAccount, BankConnection, BankTransaction

    connection = BankConnection.objects.create(user=user, provider="truelayer", status="active")
    account = BankAccount.objects.create(connection=connection, external_id="bench", name="Bench", currency="GBP")
    cats = ["FOOD_AND_DRINK_RESTAURANT", "TRANSPORTATION_GAS", "RENT_AND_UTILITIES_TELEPHONE", "INCOME_CONTRACTOR"]
    BankTransaction.objects.bulk_create([BankTransaction(
        account=account, external_id=f"b{i}", fingerprint=f"b{i}", booked_date=date(2026, 3, 1) - timedelta(days=i % 60),
        amount=Decimal("-12.34") if i % 4 != 3 else Decimal("250.00"), currency="GBP", description=f"MERCHANT {i}",
        merchant_name=f"Merchant {i}", category=cats[i % 4]) for i in range(n)])
    return account


def run(*, quick: bool = False) -> None:
    import os

    import responses
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from accounting.models import Organisation
    from accounting.services.mapping import bank_accounts, mapping_suggestions_accept
    from accounting.services.push import push_run
    from accounting.services.targets import push_target_set
    from integrations_core.services.sync import connection_sync
    from tests.integrations_core.contract.sandbox_http import HOST, SandboxHttp

    os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
    settings.SECURE_SSL_REDIRECT = False  # the mock answers in-process over plain http
    settings.SANDBOX_ENABLED = True
    settings.XERO_LOGIN_URL, settings.XERO_IDENTITY_URL = f"{HOST}/sandbox/xero/login", f"{HOST}/sandbox/xero/identity"
    settings.XERO_API_URL = f"{HOST}/sandbox/xero/api"
    settings.XERO_CLIENT_ID, settings.XERO_CLIENT_SECRET = settings.SANDBOX_CLIENT_ID, settings.SANDBOX_CLIENT_SECRET
    n = 100 if quick else 500  # one push takes at most 500
    rows = []
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        http = SandboxHttp(mock)
        user = get_user_model().objects.create_user(username="bench-books@example.com", password="x")
        connection = _connect(user)
        for label in ("first sync (2 organisations)", "re-sync, nothing changed"):
            http.calls.clear()
            started = time.perf_counter()
            run_ = connection_sync(connection, trigger="manual")
            rows.append([label, round(time.perf_counter() - started, 2), len(http.calls),
                         run_.added + run_.updated, run_.outcome])
        org = Organisation.objects.filter(connection=connection).order_by("name").first()
        account = _bank(user, n)
        mapping_suggestions_accept(org, user=user, used_categories={"FOOD_AND_DRINK_RESTAURANT", "TRANSPORTATION_GAS",
                                                                     "RENT_AND_UTILITIES_TELEPHONE",
                                                                     "INCOME_CONTRACTOR"})
        push_target_set(org, user=user, books_bank_account_id=bank_accounts(org)[0].pk, source_account_ids=[account.pk])
        for label in (f"push {n} payments", f"re-push {n} unchanged"):
            http.calls.clear()
            started = time.perf_counter()
            pushed = push_run(org)
            rows.append([label, round(time.perf_counter() - started, 2), len(http.calls),
                         pushed.created + pushed.updated, f"{pushed.provider_writes} writes"])
    print_table("Xero against the mock (in-process)", ["step", "seconds", "HTTP calls", "rows written", "outcome"],
                rows)
