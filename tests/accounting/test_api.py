"""The accounting API: the person's organisations, mapping, push target, push, conflicts and
invoices; another person's ids are 404s; bad input is a 400 with field errors; the schema
validates and lists every route."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounting.models import LedgerAccount, Organisation, PushedItem
from integrations_core.services.sync import connection_sync
from open_banking.models import BankTransaction

from .fakes import ORG

pytestmark = pytest.mark.django_db


@pytest.fixture
def synced(books_provider, books_connection, make_bank_account):
    connection_sync(books_connection)
    org = Organisation.objects.get()
    return org, make_bank_account(), {a.external_id: a for a in LedgerAccount.objects.filter(organisation=org)}


def base(org) -> str:
    return f"/api/v1/accounting/organisations/{org.pk}/"


def test_the_person_maps_sets_a_target_pushes_and_re_pushes(api_client, synced, books_provider):
    org, account, by = synced
    assert [o["name"] for o in api_client.get("/api/v1/accounting/organisations/").json()] == ["Acme Ltd"]
    accounts = api_client.get(base(org) + "ledger-accounts/").json()
    assert {a["code"] for a in accounts} == {"090", "200", "420", "493"}
    rows = api_client.get(base(org) + "mapping/").json()
    food = next(r for r in rows if r["category"] == "FOOD_AND_DRINK")
    assert food["ledger_account"] is None and food["suggestion"]["ledger_account"]["code"] == "420"
    assert api_client.post(base(org) + "mapping/accept-suggestions/").json()["saved"] >= 2
    answer = api_client.put(base(org) + "mapping/", {"category": "TRANSPORTATION",
                                                     "ledger_account": str(by["la-travel"].pk)}, format="json")
    assert answer.status_code == 200
    assert next(r for r in answer.json() if r["category"] == "TRANSPORTATION")["ledger_account"]["code"] == "493"
    target = api_client.put(base(org) + "push-target/", {"books_bank_account": str(by["la-bank"].pk),
                                                         "source_accounts": [str(account.pk)]}, format="json")
    assert target.status_code == 200 and target.json()["source_accounts"] == [str(account.pk)]

    first = api_client.post(base(org) + "push/", {}, format="json")
    assert first.status_code == 201
    assert first.json()["created"] == 3 and first.json()["changed_nothing"] is False
    again = api_client.post(base(org) + "push/", {}, format="json").json()
    assert again["changed_nothing"] is True and again["provider_writes"] == 0 and again["unchanged"] == 3
    assert len(api_client.get(base(org) + "pushes/").json()) == 2

    fuel = BankTransaction.objects.get(description="SHELL")
    books_provider.source.edit_in_books(ORG.external_id, str(fuel.pk), description="Van fuel")
    third = api_client.post(base(org) + "push/", {}, format="json").json()
    assert third["conflicts"] == 1
    conflicts = api_client.get("/api/v1/accounting/pushed-items/", {"status": "conflict"}).json()["results"]
    assert [c["reference"] for c in conflicts] == [str(fuel.pk)]
    resolved = api_client.post(f"/api/v1/accounting/pushed-items/{conflicts[0]['id']}/resolve/",
                               {"choice": "theirs"}, format="json")
    assert resolved.status_code == 200 and resolved.json()["resolution"] == "theirs"
    applied = api_client.post(base(org) + "push/", {}, format="json").json()
    assert applied["conflicts"] == 0 and applied["provider_writes"] == 0


def test_bad_input_is_a_400_with_field_errors(api_client, synced):
    org, account, by = synced
    cases = [
        ("put", "mapping/", {"category": "NOPE", "ledger_account": str(by["la-food"].pk)}, "category"),
        ("put", "mapping/", {"category": "TRAVEL", "ledger_account": str(by["la-bank"].pk)}, "ledger_account"),
        ("put", "mapping/", {"category": "TRAVEL", "ledger_account": "not-a-uuid"}, "ledger_account"),
        ("put", "push-target/", {"books_bank_account": str(by["la-food"].pk), "source_accounts": [str(account.pk)]},
         "books_bank_account"),
        ("put", "push-target/", {"books_bank_account": str(by["la-bank"].pk), "source_accounts": []},
         "source_accounts"),
        ("post", "push/", {"since": "yesterday"}, "since"),
    ]
    for method, path, body, field in cases:
        answer = getattr(api_client, method)(base(org) + path, body, format="json")
        assert answer.status_code == 400, (path, body, answer.content)
        assert field in answer.json()["error"]["fields"], (path, answer.json())
    resolve = api_client.post(f"/api/v1/accounting/pushed-items/{org.pk}/resolve/", {"choice": "x"}, format="json")
    assert resolve.status_code == 404  # not a pushed item of theirs (checked before the body)


def test_a_push_without_a_target_is_a_409(api_client, synced):
    org, _, _ = synced
    answer = api_client.post(base(org) + "push/", {}, format="json")
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "no_target"


def test_someone_elses_organisation_and_items_are_404(synced, other_user, make_bank_account):
    org, account, by = synced
    from accounting.services.mapping import mapping_suggestions_accept
    from accounting.services.push import push_run
    from accounting.services.targets import push_target_set

    mapping_suggestions_accept(org, user=org.connection.user, used_categories={"FOOD_AND_DRINK_RESTAURANT"})
    push_target_set(org, user=org.connection.user, books_bank_account_id=by["la-bank"].pk,
                    source_account_ids=[account.pk])
    push_run(org)
    PushedItem.objects.update(status="conflict")
    item = PushedItem.objects.first()
    bob = APIClient()
    bob.force_authenticate(other_user)
    assert bob.get("/api/v1/accounting/organisations/").json() == []
    assert bob.get("/api/v1/accounting/invoices/").json()["results"] == []
    assert bob.get("/api/v1/accounting/pushed-items/").json()["results"] == []
    for method, path, body in [("get", base(org), None), ("get", base(org) + "ledger-accounts/", None),
                               ("get", base(org) + "mapping/", None),
                               ("put", base(org) + "mapping/", {"category": "TRAVEL",
                                                                "ledger_account": str(by["la-travel"].pk)}),
                               ("post", base(org) + "push/", {}),
                               ("put", base(org) + "push-target/", {"books_bank_account": str(by["la-bank"].pk),
                                                                    "source_accounts": [str(account.pk)]}),
                               ("post", f"/api/v1/accounting/pushed-items/{item.pk}/resolve/", {"choice": "ours"}),
                               ("delete", f"/api/v1/accounting/connections/{org.connection_id}/", None)]:
        answer = getattr(bob, method)(path, body, format="json")
        assert answer.status_code == 404, (method, path, answer.status_code)
    assert PushedItem.objects.get(pk=item.pk).status == "conflict"
    assert org.category_mappings.get(category="TRAVEL").ledger_account.code == "493"  # the suggestion, not Bob's


def test_the_outstanding_filter_lists_unpaid_invoices_and_bills(api_client, synced):
    rows = api_client.get("/api/v1/accounting/invoices/", {"outstanding": "true"}).json()["results"]
    assert [(r["number"], r["kind"], r["amount_due"]) for r in rows] == [("B-1", "bill", "50.0000")]


def test_every_accounting_route_is_in_the_openapi_schema(tmp_path):
    from django.core.management import call_command

    path = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    text = path.read_text()
    for route in ("connections/", "connections/{id}/", "connections/{id}/sync/", "organisations/",
                  "organisations/{id}/", "organisations/{id}/ledger-accounts/", "organisations/{id}/mapping/",
                  "organisations/{id}/mapping/accept-suggestions/", "organisations/{id}/push-target/",
                  "organisations/{id}/push/", "organisations/{id}/pushes/", "pushed-items/", "pushed-items/{id}/",
                  "pushed-items/{id}/resolve/", "invoices/", "invoices/{id}/"):
        assert f"  /api/v1/accounting/{route}:" in text, route
