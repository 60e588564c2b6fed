"""The tax reports in the API: the JSON shape, a bad tax year as a 400 naming the field, the
person's own data only, and both routes in the OpenAPI schema."""

from __future__ import annotations

from datetime import date

import time_machine

from .conftest import trade


def test_cgt_report_json(api_client, accounts, security, fx, monkeypatch):
    monkeypatch.setattr("investments.tax.selectors.fx_source", lambda: fx)
    trade(accounts["gia"], "buy", date(2024, 5, 1), security=security, quantity="10", amount="-100")
    trade(accounts["gia"], "sell", date(2024, 5, 20), security=security, quantity="10", amount="80", fees="2")
    trade(accounts["gia"], "buy", date(2024, 6, 10), security=security, quantity="4", amount="-36")
    response = api_client.get("/api/v1/investments/tax/cgt/", {"tax_year": "2024-25"})
    assert response.status_code == 200
    body = response.json()
    assert body["tax_year"] == "2024-25" and body["starts"] == "2024-04-06" and body["complete"] is True
    (disposal,) = body["disposals"]
    assert [(m["rule"], m["quantity"], m["cost"]) for m in disposal["matches"]] == [
        ("30 days", "4", "36.00"), ("section 104", "6", "60.00")]
    assert disposal["gross_proceeds"] == "82.00" and disposal["gain"] == "-16.00"
    assert body["totals"]["losses"] == "16.00" and body["totals"]["annual_exempt_amount"] == "3000.00"
    assert body["totals"]["net_gain_before_30_october_2024"] == "-16.00"
    assert {a["name"] for a in body["excluded_accounts"]} == {"Broker One ISA", "Broker Two unknown"}


def test_a_bad_tax_year_is_a_400_with_the_field_and_none_is_this_year(api_client):
    with time_machine.travel("2025-04-05 23:30:00+01:00", tick=False):  # still 2024-25 in London
        assert api_client.get("/api/v1/investments/tax/cgt/").json()["tax_year"] == "2024-25"
    for query in ({"tax_year": "twenty"}, {"tax_year": "2024-27"}, {"tax_year": "2024-25x"}):
        response = api_client.get("/api/v1/investments/tax/cgt/", query)
        assert response.status_code == 400
        assert "tax_year" in response.json()["error"]["fields"]
    assert api_client.get("/api/v1/investments/tax/income/", {"tax_year": "1990"}).status_code == 400


def test_income_report_json_and_only_the_persons_own(api_client, other_api_client, accounts, security, fx,
                                                     monkeypatch):
    monkeypatch.setattr("investments.tax.selectors.fx_source", lambda: fx)
    trade(accounts["gia"], "dividend", date(2024, 6, 1), security=security, amount="85", taxes="15")
    body = api_client.get("/api/v1/investments/tax/income/", {"tax_year": "2024"}).json()
    assert body["dividends"][0] == {"kind": "dividend", "account": "Broker One GIA", "security": "Lobster plc",
                                    "payments": 1, "gross": "100.00", "withheld": "15.00", "net": "85.00"}
    assert body["dividend_allowance"] == "500.00" and body["personal_savings_allowance"]["higher rate"] == "500.00"
    other = other_api_client.get("/api/v1/investments/tax/income/", {"tax_year": "2024"}).json()
    assert other["dividends"] == [] and other["excluded_accounts"] == []


def test_the_routes_need_a_login_and_are_in_the_schema(client):
    assert client.get("/api/v1/investments/tax/cgt/", {"tax_year": "2024"}).status_code in (401, 403)
    schema = client.get("/api/schema/").content.decode()
    assert "/api/v1/investments/tax/cgt/" in schema and "/api/v1/investments/tax/income/" in schema
    assert "CgtReport" in schema and "tax_year" in schema
