"""Every page carries the Content-Security-Policy, and no template runs an inline script without
the request's nonce, so pages added later are held to the same policy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/api/docs/"]
SIGNED_IN = ["/my-accounts/", "/transactions/", "/budgets/", "/connections/", "/portfolio/", "/accounts/2fa/"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_public_pages_send_the_policy(client, path):
    response = client.get(path)
    policy = response.headers.get("Content-Security-Policy", "")
    # django-csp joins the directives in set order (it varies with hash seeds): script-src may end it.
    assert "default-src 'self'" in policy and re.search(r"script-src 'self'(;|$| 'nonce-)", policy), path
    assert "frame-ancestors 'none'" in policy


@pytest.mark.django_db
@pytest.mark.parametrize("path", SIGNED_IN)
def test_signed_in_pages_send_the_policy(client, user, path):
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200, path
    assert re.search(r"script-src 'self'(;|$| 'nonce-)", response.headers.get("Content-Security-Policy", ""))


@pytest.mark.django_db
def test_swagger_ui_is_served_locally_with_no_inline_script(client):
    page = client.get("/api/docs/").content.decode()
    assert "cdn" not in page.lower()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\b(?:src|nonce)=)(?![^>]*type=\"application/json\")[^>]*>", re.I)


def test_no_template_has_an_inline_script_without_the_nonce():
    offenders = []
    for folder in ("templates", "web", "sandbox", "security", "investments", "open_banking", "pensions"):
        for path in (ROOT / folder).rglob("*.html"):
            for n, line in enumerate(path.read_text().splitlines(), 1):
                if INLINE_SCRIPT.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{n}")
    assert not offenders, (
        "Inline <script> without a nonce is blocked by the Content-Security-Policy "
        "(config/settings.py CONTENT_SECURITY_POLICY). Move the code to a file under static/ and load it "
        'with <script src="{% static ... %}">, or add nonce="{{ request.csp_nonce }}" to the tag: '
        + ", ".join(offenders))


INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)


def test_no_template_has_an_inline_event_handler():
    """`onclick="..."` and friends are inline script that no nonce can allow."""
    offenders = []
    for folder in ("templates", "web", "sandbox", "security", "investments", "open_banking", "pensions"):
        for path in (ROOT / folder).rglob("*.html"):
            for n, line in enumerate(path.read_text().splitlines(), 1):
                if INLINE_HANDLER.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{n}")
    assert not offenders, ("Inline event handlers are blocked by the Content-Security-Policy: give the element a "
                           "data- attribute and attach the handler in static/web/app.js: " + ", ".join(offenders))
