"""QuickBooks' answers: JSON with money as numbers (written digit for digit, never through a
float), the `time` stamp every answer carries, and Fault bodies in Intuit's shape."""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import HttpResponse

from sandbox import clock

from .books import stamp

MONEY_KEYS = {"Amount", "TotalAmt", "Balance", "HomeTotalAmt", "UnitPrice"}
_EXACT = re.compile(r'"\\u0000(-?[0-9.]+)\\u0000"')


def _money(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _money(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_money(v) for v in value]
    if key in MONEY_KEYS and isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return value
    return value


def dumps(payload: Any) -> str:
    def tag(value: Any) -> str:
        if isinstance(value, Decimal):
            return f"\u0000{value}\u0000"
        raise TypeError(type(value).__name__)

    return _EXACT.sub(r"\1", json.dumps(_money(payload), default=tag))


def answer(payload: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    body = {**payload, "time": stamp(clock.now())}
    response = HttpResponse(dumps(body), status=status, content_type="application/json")
    response["intuit_tid"] = "sandbox-" + clock.now().strftime("%H%M%S%f")
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def fault(status: int, code: str, message: str, detail: str = "", fault_type: str = "ValidationFault",
          headers: dict[str, str] | None = None) -> HttpResponse:
    error = {"Message": message, "Detail": detail or message, "code": code}
    return answer({"Fault": {"Error": [error], "type": fault_type}}, status=status, headers=headers)


def authentication_failed() -> HttpResponse:
    return fault(401, "3200", "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                 "Token expired or invalid", fault_type="AUTHENTICATION")


def throttled(retry_after: int) -> HttpResponse:
    return fault(429, "003001", "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                 "The request limit was reached.", fault_type="ThrottleExceeded",
                 headers={"Retry-After": str(retry_after)})
