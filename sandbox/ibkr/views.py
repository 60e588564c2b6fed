"""The IBKR Flex Web Service (version 3): `SendRequest?t=&q=&v=3` answers a reference code,
`GetStatement?t=&q=<reference>&v=3` answers 1019 ("Statement generation in progress") the first
time it is asked for a reference and the statement after that, as IBKR's own service does while
it builds a report. Errors are 200s with a `<FlexStatementResponse>` envelope, as at IBKR.

Any token works, except the fault tokens (`sandbox/credentials.py`): `error.invalid_token`
(1015), `error.expired` (1012), `error.rate_limit` (1018), `error.generating` (GetStatement
answers 1019 forever) and `error.malformed` (a statement cut off mid-element). The query id
must be the sandbox's (1014 otherwise). A reference lives in the cache for 15 minutes."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from sandbox import clock
from sandbox.credentials import IBKR_FAULT_TOKENS, sandbox_ibkr_query_id
from sandbox.faults import with_latency

from .statement import statement_context

REFERENCE_TTL = 15 * 60
ET = ZoneInfo("America/New_York")
MESSAGES = {
    "1012": "Token has expired.",
    "1014": "Query is invalid.",
    "1015": "Token is invalid.",
    "1017": "Reference code is invalid.",
    "1018": "Too many requests have been made from this token. Please try again shortly.",
    "1019": "Statement generation in progress. Please try again shortly.",
    "1020": "Invalid request or unable to validate request.",
}
_TOKEN_FAULTS = {"error.invalid_token": "1015", "error.expired": "1012", "error.rate_limit": "1018"}


def _timestamp(now: datetime) -> str:
    local = now.astimezone(ET)
    return local.strftime("%d %B, %Y %I:%M %p ") + local.tzname()


def _xml(body: str) -> HttpResponse:
    return HttpResponse(body, content_type="text/xml;charset=UTF-8")


def _envelope(**fields: str) -> HttpResponse:
    inner = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields.items())
    return _xml(f'<?xml version="1.0" encoding="UTF-8"?>\n<FlexStatementResponse timestamp="'
                f'{escape(_timestamp(clock.now()))}">{inner}</FlexStatementResponse>')


def _fail(code: str) -> HttpResponse:
    return _envelope(Status="Fail", ErrorCode=code, ErrorMessage=MESSAGES[code])


def _token_problem(request: HttpRequest) -> tuple[str, HttpResponse | None]:
    token = request.GET.get("t", "")
    if not token or request.GET.get("v") != "3" or not request.GET.get("q"):
        return token, _fail("1020")
    if token in _TOKEN_FAULTS:
        return token, _fail(_TOKEN_FAULTS[token])
    if token.startswith("error.") and token not in IBKR_FAULT_TOKENS:
        return token, _fail("1015")  # a mistyped fault token must not pass as a healthy one
    return token, None


def _key(reference: str) -> str:
    return f"sandbox:ibkr:reference:{reference}"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@require_GET
@with_latency
def send_request(request: HttpRequest) -> HttpResponse:
    token, problem = _token_problem(request)
    if problem:
        return problem
    if request.GET["q"] != sandbox_ibkr_query_id():
        return _fail("1014")
    reference = str(secrets.randbelow(9 * 10**9) + 10**9)
    cache.set(_key(reference), {"token": _token_hash(token), "polls": 0}, REFERENCE_TTL)
    url = request.build_absolute_uri(reverse("sandbox:ibkr:get-statement"))
    return _envelope(Status="Success", ReferenceCode=reference, Url=url)


def _attrs(line: dict[str, str]) -> str:
    return mark_safe(" ".join(f'{k}="{escape(v)}"' for k, v in line.items() if v not in ("", None)))  # noqa: S308


def render_statement() -> str:
    context = statement_context(clock.now(), clock.today())
    for section in ("cash_report", "open_positions", "trades", "corporate_actions", "cash_transactions"):
        context[section] = [_attrs(line) for line in context[section]]
    return render_to_string("sandbox/ibkr/statement.xml", context)


@require_GET
@with_latency
def get_statement(request: HttpRequest) -> HttpResponse:
    token, problem = _token_problem(request)
    if problem:
        return problem
    key = _key(request.GET["q"])
    state = cache.get(key)
    if state is None or state["token"] != _token_hash(token):
        return _fail("1017")
    if state["polls"] == 0 or token == "error.generating":
        cache.set(key, {**state, "polls": state["polls"] + 1}, REFERENCE_TTL)
        return _fail("1019")
    body = render_statement()
    if token == "error.malformed":
        body = body[: len(body) // 2]
    return _xml(body)
