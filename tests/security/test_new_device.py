"""A sign-in from a browser or app this account has not used before e-mails the owner; the same
browser (its signed device cookie) is known next time."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from security.models import KnownDevice

PASSWORD = "correct-horse-battery"
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


def login(client: Client, email: str):
    return client.post("/accounts/login/", {"login": email, "password": PASSWORD}, HTTP_USER_AGENT=CHROME)


def new_device_mails(email: str) -> list:
    return [m for m in mail.outbox if m.to == [email] and "New sign-in" in m.subject]


@pytest.mark.django_db
def test_first_sign_in_from_a_browser_sends_an_email_and_the_next_does_not(make_user):
    user = make_user("dev@example.com")
    browser = Client()
    response = login(browser, user.email)
    assert response.status_code == 302
    assert len(new_device_mails(user.email)) == 1
    assert "Chrome on Linux" in new_device_mails(user.email)[0].body
    cookie = response.cookies["device"]
    assert cookie["httponly"] and int(cookie["max-age"]) > 365 * 24 * 3600
    assert KnownDevice.objects.filter(user=user).count() == 1
    assert cookie.value not in {d.device_digest for d in KnownDevice.objects.all()}  # only its hash is stored

    browser.post("/accounts/logout/")
    login(browser, user.email)
    assert len(new_device_mails(user.email)) == 1  # the same browser is known

    login(Client(), user.email)  # another browser (or a cleared one)
    assert len(new_device_mails(user.email)) == 2


@pytest.mark.django_db
def test_a_tampered_device_cookie_counts_as_a_new_device(make_user):
    user = make_user("dev@example.com")
    browser = Client()
    value = login(browser, user.email).cookies["device"].value
    browser.post("/accounts/logout/")
    browser.cookies["device"] = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
    login(browser, user.email)
    assert len(new_device_mails(user.email)) == 2


@pytest.mark.django_db
def test_a_known_device_of_one_person_is_new_for_another(make_user):
    alice, bob = make_user("a@example.com"), make_user("b@example.com")
    browser = Client()
    login(browser, alice.email)
    browser.post("/accounts/logout/")
    login(browser, bob.email)
    assert len(new_device_mails(bob.email)) == 1


@pytest.mark.django_db
def test_signing_up_makes_this_browser_known_without_an_email():
    browser = Client()
    browser.post("/accounts/signup/", {"email": "new@example.com", "password1": "a-long-Passphrase-42",
                                       "password2": "a-long-Passphrase-42"})
    assert not new_device_mails("new@example.com")


@pytest.mark.django_db
def test_the_app_is_known_by_its_device_header(make_user):
    user = make_user("app@example.com")
    for _ in range(2):
        response = Client().post("/_allauth/app/v1/auth/login", {"email": user.email, "password": PASSWORD},
                                 content_type="application/json", HTTP_X_DEVICE_ID="install-0123456789abcdef")
        assert response.status_code == 200
    assert len(new_device_mails(user.email)) == 1
    Client().post("/_allauth/app/v1/auth/login", {"email": user.email, "password": PASSWORD},
                  content_type="application/json")
    assert len(new_device_mails(user.email)) == 2
