"""Serve the sandbox to the platform's own HTTP clients inside this process, for `seed_demo`
before the web server is up: requests to SITE_URL are answered by Django's test Client instead
of the network. Only ever used by the dev seeding command (the sandbox is never a fallback)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.test import Client
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict


class InProcessAdapter(BaseAdapter):
    """A requests transport adapter that answers through Django's test Client (no socket)."""

    def __init__(self, host: str) -> None:
        super().__init__()
        self.client = Client(HTTP_HOST=host)

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        parts = urlsplit(request.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() not in ("content-type", "content-length", "host")}
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        answer = self.client.generic(request.method, path, data=body,
                                     content_type=request.headers.get("Content-Type", ""), headers=headers)
        response = requests.Response()
        response.status_code = answer.status_code
        response.headers = CaseInsensitiveDict(answer.headers.items())
        response._content = answer.content
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass


@contextmanager
def sandbox_in_process() -> Iterator[None]:
    """Inside the block, every requests Session sends SITE_URL's requests to this process."""
    site = settings.SITE_URL.rstrip("/")
    adapter = InProcessAdapter(urlsplit(site).netloc)
    original = requests.Session.get_adapter

    def get_adapter(self, url):
        return adapter if url.startswith(site + "/") else original(self, url)

    with mock.patch.object(requests.Session, "get_adapter", get_adapter):
        yield
