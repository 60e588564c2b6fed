"""The finder pages: search, the request form with its field errors, the letter and tracking,
someone else's request (404), and the admin import."""

from __future__ import annotations

import io
import json

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from pensions.models import PensionInformationRequest, PensionScheme
from pensions.register.feeds import ShippedRegisterFeed
from pensions.register.services import register_upsert

FORM = {"full_name": "Ada Lovelace", "date_of_birth": "1980-02-29", "ni_number": "AB 12 34 56 C",
        "current_address": "1 High Street\nLeeds LS1 1AA", "employer_name": "Morisons",
        "employment_start": "2001-04-06", "employment_end": "2009-04-05", "email": "ada@example.com"}


@pytest.fixture
def register(db):
    return register_upsert(ShippedRegisterFeed().fetch(), feed="shipped")


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def test_search_shows_the_scheme_why_and_contacts(signed_in, register):
    page = signed_in.get(reverse("web:pension-finder"), {"q": "Morisons"}).content.decode()
    assert "Aviva Master Trust" in page and "employer “Morrisons” matched" in page
    assert "https://www.gov.uk/find-pension-contact-details" in page
    assert reverse("web:pension-request-new", args=["aviva"]) + "?employer=Morisons" in page


def test_nothing_found_points_to_the_tracing_service(signed_in, register):
    page = signed_in.get(reverse("web:pension-finder"), {"q": "Zyxwvut Holdings"}).content.decode()
    assert "Nothing in our register" in page and "https://www.gov.uk/find-pension-contact-details" in page


def test_a_one_letter_search_is_a_field_error(signed_in, register):
    response = signed_in.get(reverse("web:pension-finder"), {"q": "x"})
    assert response.status_code == 400 and "field-error" in response.content.decode()


def test_pages_need_a_login(client, register):
    response = client.get(reverse("web:pension-finder"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@time_machine.travel("2026-04-06 10:00 +01:00", tick=False)
def test_request_letter_and_tracking(signed_in, register):
    url = reverse("web:pension-request-new", args=["aviva"])
    assert 'value="Morisons"' in signed_in.get(url, {"employer": "Morisons"}).content.decode()
    response = signed_in.post(url, FORM)
    request = PensionInformationRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("web:pension-request", args=[request.pk])
    page = signed_in.get(response["Location"]).content.decode()
    assert "AB123456C" in page and "29 February 1980" in page and "Aviva Master Trust" in page
    signed_in.post(reverse("web:pension-request-sent", args=[request.pk]), {"sent_on": "2026-04-06"})
    request.refresh_from_db()
    assert request.status == "sent" and str(request.reply_due_on) == "2026-05-04"
    assert "Reply due by 4 May 2026" in signed_in.get(reverse("web:pension-request", args=[request.pk])).content.decode()
    signed_in.post(reverse("web:pension-request-answered", args=[request.pk]), {"notes": "Pot found"})
    request.refresh_from_db()
    assert request.status == "answered" and request.reply_notes == "Pot found"


def test_a_second_request_starts_from_the_persons_own_details(signed_in, register, other_user):
    signed_in.post(reverse("web:pension-request-new", args=["aviva"]), FORM)
    page = signed_in.get(reverse("web:pension-request-new", args=["nest"]), {"employer": "Acme"}).content.decode()
    assert 'value="Ada Lovelace"' in page and 'value="AB123456C"' in page and 'value="Acme"' in page
    assert 'value="2001-04-06"' not in page  # dates belong to the other job
    other = Client()
    other.force_login(other_user)
    assert "Ada Lovelace" not in other.get(reverse("web:pension-request-new", args=["nest"])).content.decode()


@pytest.mark.parametrize("change, message", [
    ({"ni_number": "DA123456A"}, "never starts with D, F, I, Q, U or V"),
    ({"ni_number": "AB123456"}, "two letters, six digits"),
    ({"date_of_birth": "1980-02-30"}, "Enter a valid date"),
    ({"employment_end": "1999-01-01"}, "on or after the date you started"),
    ({"employment_start": "1979-01-01"}, "after you were born"),
])
def test_bad_details_are_shown_beside_the_field_and_nothing_is_stored(signed_in, register, change, message):
    response = signed_in.post(reverse("web:pension-request-new", args=["aviva"]), {**FORM, **change})
    assert response.status_code == 400 and message in response.content.decode()
    assert not PensionInformationRequest.objects.exists()


def test_someone_elses_request_is_a_404(signed_in, register, other_user, client):
    from pensions.info_requests.services import information_request_create

    theirs = information_request_create(user=other_user, scheme=PensionScheme.objects.get(register_id="nest"),
                                        details={"full_name": "Mallory"})
    for name in ("web:pension-request",):
        assert signed_in.get(reverse(name, args=[theirs.pk])).status_code == 404
    for name in ("web:pension-request-sent", "web:pension-request-answered", "web:pension-request-delete"):
        assert signed_in.post(reverse(name, args=[theirs.pk])).status_code == 404
    assert "Mallory" not in signed_in.get(reverse("web:pension-requests")).content.decode()
    assert PensionInformationRequest.objects.filter(pk=theirs.pk, status="draft").exists()


def test_overdue_requests_are_flagged_in_the_list(signed_in, register, user):
    from pensions.info_requests.services import information_request_create, information_request_mark_sent

    with time_machine.travel("2026-03-02 09:00 +00:00", tick=False):
        request = information_request_create(user=user, scheme=PensionScheme.objects.get(register_id="nest"),
                                             details={"full_name": "Ada"})
        information_request_mark_sent(request)
    with time_machine.travel("2026-04-01 09:00 +01:00", tick=False):
        assert "Reply overdue" in signed_in.get(reverse("web:pension-requests")).content.decode()


def test_admin_import_validates_upserts_and_reports(admin_client, db):
    entries = {"version": 1, "entries": [{"id": "acme-plan", "name": "Acme Plan", "kind": "occupational",
                                          "sources": [{"url": "https://example.org", "retrieved_on": "2026-12-02"}]}]}
    url = reverse("admin:pensions_pensionscheme_import")
    upload = io.BytesIO(json.dumps(entries).encode())
    upload.name = "register.json"
    page = admin_client.post(url, {"file": upload}).content.decode()
    assert "1 created, 0 updated, 0 unchanged" in page
    upload = io.BytesIO(json.dumps(entries).encode())
    upload.name = "register.json"
    assert "0 created, 0 updated, 1 unchanged" in admin_client.post(url, {"file": upload}).content.decode()
    bad = io.BytesIO(json.dumps({"version": 1, "entries": [{"id": "x"}]}).encode())
    bad.name = "bad.json"
    assert "was not imported" in admin_client.post(url, {"file": bad}).content.decode()
    assert PensionScheme.objects.count() == 1


def test_admin_refresh_and_pages_never_show_personal_details(admin_client, db, user):
    from pensions.info_requests.services import information_request_create

    admin_client.post(reverse("admin:pensions_pensionscheme_refresh"))
    assert PensionScheme.objects.count() >= 38
    request = information_request_create(user=user, scheme=PensionScheme.objects.get(register_id="nest"),
                                         details={"full_name": "Ada Lovelace", "ni_number": "AB123456C"})
    for url in (reverse("admin:pensions_pensioninformationrequest_changelist"),
                reverse("admin:pensions_pensioninformationrequest_change", args=[request.pk])):
        page = admin_client.get(url).content.decode()
        assert "AB123456C" not in page and "Lovelace" not in page
    assert admin_client.get(reverse("admin:pensions_pensionscheme_changelist")).status_code == 200
