"""The pensions API: manual pots with their value history, State Pension, projection, consent,
connecting the sandbox service and request_pension_statement; own data only; field errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from pensions.models import PensionAccount, PensionConsent, PensionValuation

from .conftest import IDENTITY, SLUG

POT = {"name": "Old job pension", "pension_type": "DC", "provider_name": "Aviva", "monthly_contribution": "150.00",
       "value": "12000.50", "value_date": "2026-03-31", "contributions": "9000"}
NOW = "2026-11-15 10:00 +00:00"
FIND = {**IDENTITY, "provider": SLUG}


@pytest.fixture
def pot(api_client):
    with time_machine.travel(NOW, tick=False):
        response = api_client.post("/api/v1/pensions/accounts/", POT, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


@time_machine.travel(NOW, tick=False)
def test_manual_pot_crud_and_value_history(api_client, pot):
    assert pot["is_manual"] and pot["provider"] == "Aviva" and pot["monthly_contribution"] == "150.00"
    [first] = pot["valuations"]
    assert first == {**first, "value": "12000.50", "date": "2026-03-31", "source": "manual",
                     "contributions": "9000.00", "basis": "pot"}
    added = api_client.post(f"/api/v1/pensions/accounts/{pot['id']}/values/",
                            {"value": "12500", "date": "2026-09-30", "note": "annual statement"}, format="json")
    assert added.status_code == 201 and added.json()["source_label"] == "Entered by the person"
    detail = api_client.get(f"/api/v1/pensions/accounts/{pot['id']}/").json()
    assert [v["date"] for v in detail["valuations"]] == ["2026-09-30", "2026-03-31"]
    listed = api_client.get("/api/v1/pensions/accounts/").json()
    assert listed[0]["latest"] == {"value": "12500.00", "currency": "GBP", "date": "2026-09-30", "source": "manual",
                                   "basis": "pot"}
    changed = api_client.patch(f"/api/v1/pensions/accounts/{pot['id']}/", {"name": "Acme pension",
                                                                           "monthly_contribution": "200"},
                               format="json")
    assert changed.status_code == 200 and changed.json()["name"] == "Acme pension"
    assert api_client.delete(f"/api/v1/pensions/accounts/{pot['id']}/").status_code == 204
    assert not PensionAccount.objects.exists() and not PensionValuation.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_db_pot_is_an_income(api_client):
    body = api_client.post("/api/v1/pensions/accounts/", {"name": "Council pension", "pension_type": "DB",
                                                          "value": "4200", "value_date": "2026-04-06"},
                           format="json").json()
    assert body["is_pot"] is False and body["valuations"][0]["basis"] == "annual_income"


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(("change", "field"), [
    ({"value_date": "2026-02-30"}, "value_date"),       # no such day
    ({"value_date": "2027-01-01"}, "value_date"),       # in the future
    ({"value": "-5"}, "value"),
    ({"pension_type": "SP"}, "pension_type"),
    ({"name": ""}, "name"),
    ({"annual_charge_percent": "9"}, "annual_charge_percent"),
])
def test_bad_pot_is_a_field_error(api_client, change, field):
    response = api_client.post("/api/v1/pensions/accounts/", {**POT, **change}, format="json")
    assert response.status_code == 400 and field in response.json()["error"]["fields"], response.json()
    assert not PensionAccount.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_bad_value_date_is_a_field_error(api_client, pot):
    response = api_client.post(f"/api/v1/pensions/accounts/{pot['id']}/values/", {"value": "1", "date": "2026-13-01"},
                               format="json")
    assert response.status_code == 400 and "date" in response.json()["error"]["fields"]


def test_another_persons_pot_is_a_404(api_client, other_api_client, pot):
    base = f"/api/v1/pensions/accounts/{pot['id']}/"
    assert other_api_client.get(base).status_code == 404
    assert other_api_client.patch(base, {"name": "x"}, format="json").status_code == 404
    assert other_api_client.delete(base).status_code == 404
    assert other_api_client.post(f"{base}values/", {"value": "1", "date": "2026-01-01"},
                                 format="json").status_code == 404
    assert other_api_client.get("/api/v1/pensions/accounts/").json() == []
    assert PensionAccount.objects.count() == 1


@time_machine.travel("2026-04-05 23:30 +01:00", tick=False)  # the last hour of a tax year, in BST
def test_state_pension_and_its_age(api_client):
    empty = api_client.get("/api/v1/pensions/state-pension/").json()
    assert empty["weekly_amount"] is None and empty["state_pension_age"] is None
    missing = api_client.put("/api/v1/pensions/state-pension/", {"weekly_amount": "221.20", "qualifying_years": 30,
                                                                 "forecast_date": "2026-04-05"}, format="json")
    assert missing.status_code == 400 and "date_of_birth" in missing.json()["error"]["fields"]
    body = api_client.put("/api/v1/pensions/state-pension/", {"weekly_amount": "221.20", "qualifying_years": 30,
                                                              "forecast_date": "2026-04-05",
                                                              "date_of_birth": "1960-04-06"}, format="json").json()
    assert body["annual_amount"] == "11502.40"
    assert body["state_pension_age"] == {"on": "2026-05-06", "years": 66, "months": 1,
                                         "rule": "Pensions Act 2014 s26 (Pensions Act 2007 Sch 3)"}
    assert "date_of_birth" not in body


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(("change", "field"), [({"date_of_birth": "1980-02-30"}, "date_of_birth"),
                                               ({"date_of_birth": "2030-01-01"}, "date_of_birth"),
                                               ({"forecast_date": "2027-01-01"}, "forecast_date"),
                                               ({"qualifying_years": 99}, "qualifying_years"),
                                               ({"weekly_amount": "abc"}, "weekly_amount")])
def test_bad_state_pension_is_a_field_error(api_client, change, field):
    body = {"weekly_amount": "200", "qualifying_years": 30, "forecast_date": "2026-11-01",
            "date_of_birth": "1980-05-17", **change}
    response = api_client.put("/api/v1/pensions/state-pension/", body, format="json")
    assert response.status_code == 400 and field in response.json()["error"]["fields"], response.json()


@time_machine.travel(NOW, tick=False)
def test_projection_moves_with_pots_and_assumptions(api_client, pot):
    waiting = api_client.get("/api/v1/pensions/projection/").json()  # no date of birth yet
    assert waiting["projection"] is None and waiting["missing"] == ["date_of_birth"]
    assert waiting["assumptions"]["lump_sum_percent"] == "25.00"
    api_client.put("/api/v1/pensions/state-pension/", {"weekly_amount": "230.25", "qualifying_years": 35,
                                                       "forecast_date": "2026-11-01", "date_of_birth": "1980-05-17"},
                   format="json")
    answer = api_client.get("/api/v1/pensions/projection/").json()
    first = answer["projection"]
    assert answer["assumptions"]["retirement_age"] == 68 and answer["assumptions"]["growth_rate_percent"] == "5.00"
    assert "FCA" in answer["assumptions_source"] and answer["missing"] == []
    assert first["state_pension"] == "11973" and first["pots"][0]["name"] == "Old job pension"
    changed = api_client.patch("/api/v1/pensions/projection/", {"retirement_age": 70, "lump_sum_percent": "0"},
                               format="json").json()
    later = changed["projection"]
    assert changed["assumptions"]["retirement_age"] == 70 and int(later["pots_total"]) > int(first["pots_total"])
    assert later["lump_sum"] == "0"
    bad = api_client.patch("/api/v1/pensions/projection/", {"retirement_age": 40, "lump_sum_percent": "50"},
                           format="json")
    assert bad.status_code == 400 and set(bad.json()["error"]["fields"]) == {"retirement_age", "lump_sum_percent"}


@pytest.mark.django_db(transaction=True)
def test_connect_statement_consent_over_the_api(api_client, other_api_client, user, sandbox_pensions):
    refused = api_client.post("/api/v1/pensions/connect/", {**FIND, "consent": "no"}, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "consent_refused"
    bad = api_client.post("/api/v1/pensions/connect/", {**FIND, "ni_number": "TN 12 34 56 A",
                                                        "date_of_birth": "1980-02-30"}, format="json")
    assert bad.status_code == 400 and {"ni_number", "date_of_birth"} <= set(bad.json()["error"]["fields"])
    made = api_client.post("/api/v1/pensions/connect/", FIND, format="json")
    assert made.status_code == 201, made.json()
    connection = made.json()
    assert connection["status"] == "active" and connection["pensions"] == 4 and "credentials" not in connection
    assert "123456" not in str(connection)
    pensions = api_client.get("/api/v1/pensions/accounts/").json()
    harbour = next(p for p in pensions if p["name"] == "Harbour Workplace Master Trust")
    assert harbour["latest"]["source"] == "synced"
    meridian = next(p for p in pensions if p["name"] == "Meridian Life Personal Pension")
    assert meridian["latest"] is None and meridian["being_calculated"]["code"] == "DCC"
    assert meridian["being_calculated"]["since"]
    # A provider's pension keeps its name; contributions and charge (for the projection) may be set.
    renamed = api_client.patch(f"/api/v1/pensions/accounts/{harbour['id']}/", {"name": "Mine"}, format="json")
    assert renamed.status_code == 409 and renamed.json()["error"]["code"] == "not_manual"
    paid = api_client.patch(f"/api/v1/pensions/accounts/{harbour['id']}/", {"monthly_contribution": "300"},
                            format="json")
    assert paid.status_code == 200 and paid.json()["monthly_contribution"] == "300.00"
    assert api_client.delete(f"/api/v1/pensions/accounts/{harbour['id']}/").status_code == 409
    statement = api_client.post(f"/api/v1/pensions/connections/{connection['id']}/statement/")
    assert statement.status_code == 202, statement.json()
    assert other_api_client.post(f"/api/v1/pensions/connections/{connection['id']}/statement/").status_code == 404
    assert other_api_client.get(f"/api/v1/pensions/accounts/{harbour['id']}/").status_code == 404
    # Withdrawn (or expired) consent: nothing is asked, and the answer says why.
    withdrawn = api_client.post("/api/v1/pensions/consents/", {"provider": SLUG, "answer": "withdraw"}, format="json")
    assert withdrawn.status_code == 200 and withdrawn.json()["in_force"] is False
    refused = api_client.post(f"/api/v1/pensions/connections/{connection['id']}/statement/")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "consent_expired"
    given = api_client.post("/api/v1/pensions/consents/", {"provider": SLUG, "answer": "yes"}, format="json")
    assert given.status_code == 201 and given.json()["in_force"] is True
    PensionConsent.objects.filter(user=user, status="given").update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = api_client.post(f"/api/v1/pensions/connections/{connection['id']}/statement/")
    assert expired.status_code == 409 and expired.json()["error"]["code"] == "consent_expired"
    unknown = api_client.post("/api/v1/pensions/consents/", {"provider": "nope", "answer": "yes"}, format="json")
    assert unknown.status_code == 400 and "provider" in unknown.json()["error"]["fields"]


def test_every_pensions_route_is_in_the_openapi_schema(tmp_path):
    from django.core.management import call_command

    path = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    text = path.read_text()
    for route in ("/api/v1/pensions/accounts/", "/api/v1/pensions/accounts/{id}/",
                  "/api/v1/pensions/accounts/{id}/values/", "/api/v1/pensions/connect/",
                  "/api/v1/pensions/connections/", "/api/v1/pensions/connections/{id}/statement/",
                  "/api/v1/pensions/consents/", "/api/v1/pensions/state-pension/", "/api/v1/pensions/projection/"):
        assert f"  {route}:" in text, route
