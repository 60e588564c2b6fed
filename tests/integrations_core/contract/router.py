"""Send a provider client's HTTP to the sandbox's views in-process: `responses` catches every
request to a made-up host and replays it through Django's test client, so the real client and
the real mock institution talk without a live server (one thread, one database transaction,
time_machine's clock on both sides). Tests add faults (answer instead of the sandbox) and
transforms (edit the sandbox's answer) and read `calls` (every answer the client got)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import responses
from django.test import Client

HOST = "http://sandbox.test"

Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Call:
    method: str
    path: str
    query: str
    status: int
    headers: dict[str, str]


@dataclass
class SandboxRouter:
    mock: responses.RequestsMock
    faults: list[Callable[[str, str], Answer | None]] = field(default_factory=list)
    transforms: list[Callable[[str, bytes], bytes]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._client = Client()
        self.mock.add_callback(responses.GET, re.compile(re.escape(HOST) + r"/.*"), callback=self._answer)

    def _answer(self, request) -> Answer:
        parts = urlsplit(request.url)
        answer = next((a for fault in self.faults if (a := fault(parts.path, parts.query)) is not None), None)
        if answer is None:
            headers = {"HTTP_AUTHORIZATION": request.headers["Authorization"]} if "Authorization" in request.headers else {}
            response = self._client.get(f"{parts.path}?{parts.query}" if parts.query else parts.path, **headers)
            body = response.content
            if response.status_code == 200:
                for transform in self.transforms:
                    body = transform(parts.path, body)
            answer = (response.status_code, {k: v for k, v in response.items() if k.lower().startswith("x-")
                                             or k.lower() == "content-type"}, body)
        status, headers, body = answer
        self.calls.append(Call("GET", parts.path, parts.query, status, headers))
        return status, headers, body

    def count(self, path_part: str, *, status: int | None = None) -> int:
        return sum(1 for c in self.calls if path_part in c.path and (status is None or c.status == status))

    def reset_calls(self) -> None:
        self.calls.clear()


def fail_when(match: Callable[[str, str], bool], status: int = 503, body: bytes = b'{"error": "down"}') -> Callable:
    """A fault: answer `status` to every request `match(path, query)` picks."""
    def fault(path: str, query: str) -> Answer | None:
        return (status, {"content-type": "application/json"}, body) if match(path, query) else None

    return fault
