"""Every method of a provider client's HTTP, sent to the sandbox's views in-process (the GET-only
contract router's sibling): `responses` catches requests to HOST and replays them, headers and
body included, through Django's test client. `faults` may answer instead; `calls` lists what
the client got."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import responses
from django.test import Client

HOST = "http://sandbox.test"
METHODS = (responses.GET, responses.POST, responses.PUT, responses.DELETE)


@dataclass
class Call:
    method: str
    path: str
    query: str
    status: int
    headers: dict


@dataclass
class SandboxHttp:
    mock: responses.RequestsMock
    faults: list[Callable] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._client = Client()
        for method in METHODS:
            self.mock.add_callback(method, re.compile(re.escape(HOST) + r"/.*"), callback=self._answer)

    def _answer(self, request):
        parts = urlsplit(request.url)
        answer = next((a for fault in self.faults if (a := fault(request.method, parts.path, parts.query)) is not None),
                      None)
        if answer is None:
            headers = {k: v for k, v in request.headers.items()
                       if k.lower() not in ("content-type", "content-length", "host")}
            body = request.body or b""
            if isinstance(body, str):
                body = body.encode()
            response = self._client.generic(request.method, f"{parts.path}?{parts.query}" if parts.query else parts.path,
                                            data=body, content_type=request.headers.get("Content-Type", ""),
                                            headers=headers)
            answer = (response.status_code, {k: v for k, v in response.items()
                                             if k.lower().startswith(("x-", "retry-after", "content-type"))},
                      response.content)
        status, headers, body = answer
        self.calls.append(Call(request.method, parts.path, parts.query, status, headers))
        return status, headers, body

    def count(self, path_part: str, *, method: str | None = None) -> int:
        return sum(1 for c in self.calls if path_part in c.path and (method is None or c.method == method))
