"""One error format for the whole API:
{"error": {"code": "...", "message": "...", "fields": {"field": ["..."]}}}"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "This action is unavailable right now. Try again shortly."
    default_code = "service_unavailable"


def _flatten(detail) -> list[str]:
    if isinstance(detail, list):
        return [str(item) for item in detail]
    if isinstance(detail, dict):
        return [f"{k}: {', '.join(_flatten(v))}" for k, v in detail.items()]
    return [str(detail)]


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    fields = {}
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid"
        detail = exc.detail
        if isinstance(detail, dict):
            fields = {k: _flatten(v) for k, v in detail.items() if k != "non_field_errors"}
            message = "; ".join(_flatten(detail.get("non_field_errors", []))) or "Some fields are not valid."
        else:
            message = "; ".join(_flatten(detail))
    else:
        detail = getattr(exc, "detail", str(exc))
        codes = exc.get_codes() if hasattr(exc, "get_codes") else None
        if isinstance(codes, str):
            code = codes
        message = "; ".join(_flatten(detail))
    body = {"error": {"code": code, "message": message, "fields": fields}}
    return Response(body, status=response.status_code, headers={k: v for k, v in response.items()})
