"""Signing up with an e-mail that already has an account looks exactly like a new sign-up, in
the browser and in the app; the owner gets an e-mail instead (allauth's enumeration prevention
with mandatory verification by code)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

PASSWORD = "a-long-Passphrase-42"


def _web_signup(email: str):
    client = Client()
    response = client.post("/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD},
                           follow=True)
    return client, response


def _shape(response) -> tuple:
    """What a visitor can see: where they end up, the status and the page, the e-mail itself blanked."""
    page = re.sub(r"[\w.+-]+@example\.com", "EMAIL", response.content.decode())
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    page = re.sub(r'content="[A-Za-z0-9]{40,}"', "", page)
    page = re.sub(r'nonce="[^"]+"', "", page)
    return response.redirect_chain, response.status_code, page


@pytest.mark.django_db
def test_web_signup_with_an_existing_email_looks_like_a_new_one(make_user):
    make_user("taken@example.com")
    _, taken = _web_signup("taken@example.com")
    _, new = _web_signup("fresh@example.com")
    assert _shape(taken) == _shape(new)
    assert taken.redirect_chain[-1][0] == "/accounts/confirm-email/"
    assert "already" not in taken.content.decode().lower()
    # One account per address still; the owner is told someone tried.
    assert get_user_model().objects.filter(email__iexact="taken@example.com").count() == 1
    to_owner = [m for m in mail.outbox if m.to == ["taken@example.com"]]
    assert len(to_owner) == 1 and "already" in to_owner[0].body.lower()


@pytest.mark.django_db
def test_a_new_signup_is_finished_with_the_emailed_code():
    client, response = _web_signup("fresh@example.com")
    assert client.get("/my-accounts/").status_code == 302  # not signed in until the code is typed
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mail.outbox[-1].body, re.M).group(1)
    done = client.post("/accounts/confirm-email/", {"code": code}, follow=True)
    assert done.redirect_chain[-1][0] == "/"  # the home screen


def _app_signup(email: str):
    return Client().post("/_allauth/app/v1/auth/signup", {"email": email, "password": PASSWORD},
                         content_type="application/json")


@pytest.mark.django_db
def test_app_signup_with_an_existing_email_looks_like_a_new_one(make_user):
    make_user("taken@example.com")
    taken, new = _app_signup("taken@example.com"), _app_signup("fresh@example.com")
    assert taken.status_code == new.status_code == 401
    def strip(body: dict) -> dict:
        body = dict(body)
        body["meta"] = {k: v for k, v in body.get("meta", {}).items() if k != "session_token"}
        return body
    assert strip(taken.json()) == strip(new.json())
    assert any(f["id"] == "verify_email" and f.get("is_pending") for f in taken.json()["data"]["flows"])
