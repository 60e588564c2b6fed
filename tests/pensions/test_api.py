"""The finder API: search, schemes, requests (own only), the letter, tracking, field errors."""

from __future__ import annotations

import pytest
import time_machine

from pensions.models import PensionInformationRequest

BODY = {"scheme": "bt-pension-scheme", "full_name": "Ada Lovelace", "date_of_birth": "1980-02-29",
        "ni_number": "ab 12 34 56 c", "current_address": "1 High Street, Leeds LS1 1AA", "employer_name": "BT plc",
        "employment_start": "2001-04-06", "employment_end": "2009-04-05"}


def test_search_ranks_and_explains(api_client, register):
    response = api_client.get("/api/v1/pensions/register/search/", {"q": "British Telecom"})
    assert response.status_code == 200
    body = response.json()
    assert body["found"] is True and body["tracing_service_url"] == "https://www.gov.uk/find-pension-contact-details"
    first = body["matches"][0]
    assert first["scheme"]["id"] == "bt-pension-scheme" and first["matched_field"] == "employer"
    assert first["scheme"]["phone"] == "0800 731 1919" and first["scheme"]["sources"][0]["url"].startswith("https://")


def test_search_needs_a_query(api_client, register):
    response = api_client.get("/api/v1/pensions/register/search/", {"q": " "})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["q"]


def test_search_needs_a_login(client, register):
    assert client.get("/api/v1/pensions/register/search/", {"q": "nest"}).status_code in (401, 403)


def test_scheme_detail_has_the_dashboards_postal_shape(api_client, register):
    body = api_client.get("/api/v1/pensions/register/schemes/uss/").json()
    assert body["postal_address"] == {"postalName": "Universities Superannuation Scheme Limited",
                                      "line1": "Royal Liver Building", "line2": "Liverpool", "postcode": "L3 1PY",
                                      "countryCode": "GB"}
    assert api_client.get("/api/v1/pensions/register/schemes/no-such-scheme/").status_code == 404


@time_machine.travel("2026-04-06 09:00 +01:00", tick=False)
def test_create_letter_send_answer(api_client, register):
    created = api_client.post("/api/v1/pensions/requests/", BODY, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "draft" and "person_details" not in body and "ni_number" not in str(body)
    letter = api_client.get(f"/api/v1/pensions/requests/{body['id']}/letter/").json()
    assert "AB123456C" in letter["body"] and "BT Pension Scheme" in letter["body"]
    sent = api_client.post(f"/api/v1/pensions/requests/{body['id']}/sent/", {}, format="json").json()
    assert sent["status"] == "sent" and sent["reply_due_on"] == "2026-05-04"
    answered = api_client.post(f"/api/v1/pensions/requests/{body['id']}/answered/", {"notes": "No record"},
                               format="json").json()
    assert answered["status"] == "answered"
    again = api_client.post(f"/api/v1/pensions/requests/{body['id']}/answered/", {}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_answered"


@pytest.mark.parametrize("change, field", [
    ({"ni_number": "TN123456A"}, "ni_number"),
    ({"ni_number": "AO123456A"}, "ni_number"),
    ({"ni_number": "AB123456E"}, "ni_number"),
    ({"date_of_birth": "1980-02-30"}, "date_of_birth"),      # no such day
    ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
    ({"employment_end": "2000-01-01"}, "employment_end"),    # left before starting
    ({"scheme": "not-in-the-register"}, "scheme"),
])
def test_bad_input_is_a_field_error_and_nothing_is_stored(api_client, register, change, field):
    response = api_client.post("/api/v1/pensions/requests/", {**BODY, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"], response.json()
    assert not PensionInformationRequest.objects.exists()


def test_another_persons_request_is_a_404(api_client, other_api_client, register):
    pk = api_client.post("/api/v1/pensions/requests/", BODY, format="json").json()["id"]
    for method, path in (("get", f"/api/v1/pensions/requests/{pk}/"), ("get", f"/api/v1/pensions/requests/{pk}/letter/"),
                         ("post", f"/api/v1/pensions/requests/{pk}/sent/"), ("delete", f"/api/v1/pensions/requests/{pk}/")):
        assert getattr(other_api_client, method)(path).status_code == 404
    assert other_api_client.get("/api/v1/pensions/requests/").json()["results"] == []
    assert len(api_client.get("/api/v1/pensions/requests/").json()["results"]) == 1


def test_the_details_are_never_logged(api_client, register, caplog):
    caplog.set_level("DEBUG")
    api_client.post("/api/v1/pensions/requests/", BODY, format="json")
    assert "Lovelace" not in caplog.text and "123456" not in caplog.text


def test_every_finder_route_is_in_the_openapi_schema_without_warnings(tmp_path):
    from django.core.management import call_command

    path = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    text = path.read_text()
    for route in ("/api/v1/pensions/register/search/", "/api/v1/pensions/register/schemes/{id}/",
                  "/api/v1/pensions/requests/", "/api/v1/pensions/requests/{id}/letter/",
                  "/api/v1/pensions/requests/{id}/sent/", "/api/v1/pensions/requests/{id}/answered/"):
        assert f"  {route}:" in text, route
