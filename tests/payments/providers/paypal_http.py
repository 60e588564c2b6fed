"""Send the PayPal client's HTTP (GET and POST) to the sandbox's PayPal views in-process, like
tests/integrations_core/contract/router.py does for GET-only mocks: `responses` catches every
request to HOST and replays it through Django's test client (headers and body as sent). Tests
add faults (answer instead of the sandbox) and read `calls`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import responses
from django.test import Client

HOST = "http://paypal.sandbox.test"
BASE = f"{HOST}/sandbox/paypal"
SECRET = "sandbox-paypal-secret"

Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, list[str]]
    status: int
    body: bytes


@dataclass
class PayPalRouter:
    mock: responses.RequestsMock
    faults: list[Callable[[str, str, dict], Answer | None]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._client = Client()
        for method in (responses.GET, responses.POST):
            self.mock.add_callback(method, re.compile(re.escape(HOST) + r"/.*"), callback=self._answer)

    def _answer(self, request) -> Answer:
        parts = urlsplit(request.url)
        query = parse_qs(parts.query)
        answer = next((a for fault in self.faults if (a := fault(request.method, parts.path, query)) is not None),
                      None)
        if answer is None:
            headers = {k: v for k, v in request.headers.items()
                       if k.lower() not in ("content-length", "content-type", "host")}
            body = request.body or b""
            body = body.encode() if isinstance(body, str) else body
            path = f"{parts.path}?{parts.query}" if parts.query else parts.path
            response = self._client.generic(request.method, path, data=body,
                                            content_type=request.headers.get("Content-Type", ""), headers=headers)
            answer = (response.status_code, {k: v for k, v in response.items()
                                             if k.lower() in ("content-type", "retry-after")}, response.content)
        status, headers, body = answer
        self.calls.append(Call(request.method, parts.path, query, status, body))
        return status, headers, body

    def count(self, path_part: str, *, status: int | None = None) -> int:
        return sum(1 for c in self.calls if path_part in c.path and (status is None or c.status == status))


def answer_when(match: Callable[[str, str], bool], status: int, body: bytes, headers=None) -> Callable:
    def fault(method: str, path: str, query: dict) -> Answer | None:
        return (status, {"content-type": "application/json", **(headers or {})}, body) if match(method, path) else None

    return fault
