"""Send the Plaid client's POSTs to the sandbox's mock Plaid in-process (as contract/router.py
does for GET providers): the real client and the real mock talk without a live server."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import responses
from django.test import Client

HOST = "http://plaid.sandbox.test"


def plaid_sandbox_settings(settings, *, host: str = HOST) -> None:
    """Point the Plaid provider at the mock Plaid served by `PlaidRouter` (no latency, no retries,
    no webhook URL): the settings every Plaid test against the sandbox starts from."""
    settings.PLAID_URL = host
    settings.PLAID_LINK_URL = "http://testserver/sandbox/plaid/link/"
    settings.PLAID_CLIENT_ID = settings.SANDBOX_CLIENT_ID = "sandbox-client"
    settings.PLAID_SECRET = settings.SANDBOX_CLIENT_SECRET = "sandbox-secret"
    settings.PLAID_WEBHOOK_URL = ""
    settings.SANDBOX_LATENCY_MS = 0
PREFIX = "/sandbox/plaid/api"


@dataclass
class PlaidRouter:
    mock: responses.RequestsMock
    calls: list[tuple[str, int, bytes]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._client = Client()
        self.mock.add_callback(responses.POST, re.compile(re.escape(HOST) + r"/.*"), callback=self._answer)

    def _answer(self, request):
        path = urlsplit(request.url).path
        headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in request.headers.items()
                   if k.lower().startswith("plaid")}
        response = self._client.post(PREFIX + path, data=request.body, content_type="application/json", **headers)
        self.calls.append((path, response.status_code, response.content))
        return response.status_code, {"Content-Type": "application/json"}, response.content

    def count(self, path: str, status: int | None = None) -> int:
        return sum(1 for p, s, _ in self.calls if p == path and (status is None or s == status))


def link_through(client: Client, url: str, *, username: str = "user_good", institution: str = "") -> dict[str, str]:
    """Go through the mock Link page at `url`; the callback's query (public_token, state)."""
    parts = urlsplit(url)
    page = parts.path + "?" + parts.query
    assert client.get(page).status_code == 200
    form = {"username": username, "password": "pass_good"}
    if institution:
        form["institution"] = institution
    answer = client.post(page, form)
    assert answer.status_code == 302, answer.content[:500]
    return {k: v[0] for k, v in parse_qs(urlsplit(answer["Location"]).query).items()}
