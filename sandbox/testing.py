"""Click through the mock bank's pages from code, the way a person would in a browser.

    location = complete_bank_dialog(requests.Session(), auth_link, username="john", institution="monzo")
    # -> "http://127.0.0.1:8000/integrations/truelayer/callback/?code=...&state=..."  (TrueLayer)
    # -> "http://127.0.0.1:8000/integrations/gocardless/callback/?ref=..."             (GoCardless)

Works with a `requests.Session` (real HTTP, e.g. against pytest's live_server) or Django's
test `Client`. It follows redirects inside the sandbox and stops before the final redirect
back to the client, returning that URL."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class BankDialogError(AssertionError):
    """The pages did not go where expected (bad login, used link...); carries the page text."""


def _is_requests(http: Any) -> bool:
    return hasattr(http, "mount")


def _get(http: Any, url: str) -> tuple[str, str]:
    if _is_requests(http):
        response = http.get(url)
        return response.url, response.text
    response = http.get(url, follow=True)
    return response.wsgi_request.build_absolute_uri(), response.content.decode()


def _post(http: Any, url: str, page: str, data: dict[str, str], *, follow: bool) -> tuple[int, str, str]:
    """Returns (status, url, body); for an unfollowed redirect `url` is its Location."""
    if token := CSRF_FIELD.search(page):
        data = {**data, "csrfmiddlewaretoken": token.group(1)}
    if _is_requests(http):
        response = http.post(url, data=data, headers={"Referer": url}, allow_redirects=follow)
        location = response.headers.get("Location", response.url)
        return response.status_code, urljoin(url, location), response.text
    response = http.post(url, data=data, follow=follow)
    if follow:
        return response.status_code, response.wsgi_request.build_absolute_uri(), response.content.decode()
    return response.status_code, urljoin(url, response.get("Location", url)), response.content.decode()


def complete_bank_dialog(http: Any, url: str, *, username: str = "john", password: str = "password",
                         institution: str = "monzo", allow: bool = True) -> str:
    """From a TrueLayer auth link or a GoCardless requisition link to the redirect back to the
    client. `institution` is a sandbox slug, used only where the page shows a bank picker."""
    page_url, page = _get(http, url)
    if 'name="username"' not in page:
        raise BankDialogError(f"Expected the bank's login page at {page_url}:\n{page[:2000]}")
    login = {"username": username, "password": password}
    if 'name="institution"' in page:
        login["institution"] = institution
    _, page_url, page = _post(http, page_url, page, login, follow=True)
    if 'name="decision"' not in page:
        raise BankDialogError(f"Login did not reach the consent page ({page_url}):\n{page[:2000]}")
    status, location, _ = _post(http, page_url, page, {"decision": "allow" if allow else "deny"}, follow=False)
    if status != 302:
        raise BankDialogError(f"Consent did not redirect (HTTP {status})")
    return location
