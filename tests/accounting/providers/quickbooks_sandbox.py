"""The QuickBooks provider against the sandbox's mock QuickBooks, in-process: `responses`
catches every request to QBO_HOST and replays it through Django's test client (GET and POST,
headers and body), so the real provider, client and mock talk without a live server, on one
clock (time_machine) and in one database transaction. Faults answer instead of the mock."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

import responses
from django.test import Client

QBO_HOST = "http://qbo.test"
PREFIX = "/sandbox/quickbooks"
REDIRECT_URI = "http://testserver/integrations/quickbooks/callback/"
VERIFIER_TOKEN = "test-verifier-token-0123"


def quickbooks_sandbox_settings(settings) -> None:
    settings.QUICKBOOKS_AUTH_URL = f"http://testserver{PREFIX}/appcenter/connect/oauth2"
    settings.QUICKBOOKS_TOKEN_URL = f"{QBO_HOST}{PREFIX}/oauth/oauth2/v1/tokens/bearer"
    settings.QUICKBOOKS_REVOKE_URL = f"{QBO_HOST}{PREFIX}/developer/v2/oauth2/tokens/revoke"
    settings.QUICKBOOKS_API_URL = f"{QBO_HOST}{PREFIX}/api"
    settings.QUICKBOOKS_CLIENT_ID = settings.SANDBOX_CLIENT_ID = "sandbox-client"
    settings.QUICKBOOKS_CLIENT_SECRET = settings.SANDBOX_CLIENT_SECRET = "sandbox-secret"
    settings.QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN = VERIFIER_TOKEN
    settings.SANDBOX_LATENCY_MS = 0
    settings.PROVIDER_HTTP_RETRIES = 0


@dataclass
class Call:
    method: str
    path: str
    query: dict
    status: int


@dataclass
class QuickBooksRouter:
    mock: responses.RequestsMock
    faults: list[Callable[[str, str], tuple[int, dict, bytes] | None]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    drop_next_token_answer: bool = False  # the answer is made, then lost on the way back

    def __post_init__(self) -> None:
        self._client = Client()
        for method in (responses.GET, responses.POST):
            self.mock.add_callback(method, re.compile(re.escape(QBO_HOST) + r"/.*"), callback=self._answer)

    def _answer(self, request):
        parts = urlsplit(request.url)
        answer = next((a for f in self.faults if (a := f(request.method, parts.path)) is not None), None)
        if answer is None:
            headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in request.headers.items()
                       if k.lower() in ("authorization", "accept")}
            path = f"{parts.path}?{parts.query}" if parts.query else parts.path
            body = request.body or b""
            if isinstance(body, str):
                body = body.encode()
            response = self._client.generic(request.method, path, data=body,
                                            content_type=request.headers.get("Content-Type", ""), **headers)
            answer = (response.status_code, {k: v for k, v in response.items()
                                             if k.lower() in ("content-type", "retry-after")}, response.content)
        self.calls.append(Call(request.method, parts.path, parse_qs(parts.query), answer[0]))
        if self.drop_next_token_answer and parts.path.endswith("/tokens/bearer"):
            self.drop_next_token_answer = False
            import requests

            raise requests.ConnectionError("the answer was lost on the way back")
        return answer

    def count(self, part: str, status: int | None = None) -> int:
        return sum(1 for c in self.calls if part in c.path and (status is None or c.status == status))


def connect_link_code(client: Client, auth_url: str, *, username: str = "qbo-owner") -> dict[str, str]:
    """Through the mock connect page: the callback's query (code, state, realmId)."""
    parts = urlsplit(auth_url)
    page = f"{parts.path}?{parts.query}"
    assert client.get(page).status_code == 200
    answer = client.post(page, {"username": username, "action": "connect"})
    assert answer.status_code == 302, answer.content[:500]
    return {k: v[0] for k, v in parse_qs(urlsplit(answer["Location"]).query).items()}


def auth_url(state: str = "state-1") -> str:
    from django.conf import settings

    return settings.QUICKBOOKS_AUTH_URL + "?" + urlencode({
        "client_id": "sandbox-client", "response_type": "code", "scope": "com.intuit.quickbooks.accounting",
        "redirect_uri": REDIRECT_URI, "state": state})
