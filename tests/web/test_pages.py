"""Every page: login required, one layout, landmarks and labels, allauth styled to match."""

from __future__ import annotations

import re

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db

PAGES = ["/connections/", "/my-accounts/", "/transactions/", "/budgets/", "/transactions/export.csv"]


def test_the_home_page_invites_people_in_and_shows_members_their_money(client, web):
    from django.test import Client

    page = Client().get("/").content.decode()
    assert "Create an account" in page and 'href="/accounts/signup/"' in page
    home = web.get("/")
    assert home.status_code == 200 and "Your money" in home.content.decode()


@pytest.mark.parametrize("url", PAGES)
def test_pages_need_a_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", PAGES[:4])
def test_pages_share_one_accessible_layout(web, url):
    page = web.get(url).content.decode()
    for landmark in ('<header class="site-header">', '<nav class="site-nav" aria-label="Main">', '<main id="content"',
                     "<footer", 'class="skip-link" href="#content"', '<html lang="en-GB">',
                     'name="viewport" content="width=device-width, initial-scale=1"', 'name="csrf-token"',
                     'aria-current="page"', "/static/web/app.css"):
        assert landmark in page, landmark
    assert page.count("<h1") == 1


@pytest.mark.parametrize(("url", "labels"), [
    ("/accounts/login/", ['for="id_login"', 'for="id_password"']),
    ("/accounts/signup/", ['for="id_email"', 'for="id_password1"', 'for="id_password2"']),
])
def test_allauth_pages_use_the_layout_with_labelled_fields(client, url, labels):
    page = client.get(url).content.decode()
    assert '<main id="content" class="page page--auth"' in page and 'class="card narrow auth"' in page
    for label in labels:
        assert label in page


def test_log_out_is_a_post_from_every_page(web):
    page = web.get("/my-accounts/").content.decode()
    assert '<form class="site-logout" method="post" action="/accounts/logout/">' in page
    assert web.post("/accounts/logout/").status_code == 302
    assert web.get("/my-accounts/").status_code == 302


def test_sign_up_lands_on_the_home_screen(client):
    response = client.post("/accounts/signup/", {"email": "new@example.com", "password1": "a-long-Passphrase-42",
                                                 "password2": "a-long-Passphrase-42"}, follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/confirm-email/"
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mail.outbox[-1].body, re.M).group(1)
    response = client.post("/accounts/confirm-email/", {"code": code}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "No accounts yet" in response.content.decode()  # the balances tile, empty


def test_static_files_are_served_locally(client):
    for path in ("/static/web/app.css", "/static/web/app.js", "/static/web/charts.js",
                 "/static/vendor/chartjs/chart.umd.min.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        b"".join(response.streaming_content) if response.streaming else response.content
    assert client.get("/favicon.ico").status_code == 301
