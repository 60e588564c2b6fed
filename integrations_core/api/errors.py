"""One error format for the whole API:
{"error": {"code": "...", "message": "...", "fields": {"field": ["..."]}}}

`exception_handler` answers every error a DRF view raises in it, always as JSON (a `?format=csv`
export's 401, 404 or bad filter too); `handler404` and friends (config/urls.py) answer the errors
Django raises before or outside a DRF view (an unknown route, an id the URL pattern refuses) the
same way for every path under /api/."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

API_PREFIX = "/api/"


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "This action is unavailable right now. Try again shortly."
    default_code = "service_unavailable"


class InvalidCursor(exceptions.ValidationError):
    """A `cursor` that is not one this API handed out (or that was edited): 400, not a 500."""

    default_code = "invalid_cursor"
    default_message = "This cursor is not valid."
    cursor_message = "Not a cursor from this API: follow the `next` or `previous` link of a page."

    def __init__(self):
        super().__init__({"cursor": [self.cursor_message]})


def _flatten(detail) -> list[str]:
    if isinstance(detail, list):
        return [str(item) for item in detail]
    if isinstance(detail, dict):
        return [f"{k}: {', '.join(_flatten(v))}" for k, v in detail.items()]
    return [str(detail)]


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _answer_in_json(request) -> None:
    """Errors are JSON whatever format the client asked for (?format=csv included): a CSV file
    holding an error is not something a client can tell from data. The browsable API still shows
    the same JSON body inside its page."""
    if request is None:
        return
    renderer = getattr(request, "accepted_renderer", None)
    if not isinstance(renderer, JSONRenderer | BrowsableAPIRenderer):
        request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    _answer_in_json(context.get("request"))
    fields = {}
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.ValidationError):
        code = exc.default_code  # "invalid", or a subclass's own (invalid_cursor)
        detail = exc.detail
        if isinstance(detail, dict):
            fields = {k: _flatten(v) for k, v in detail.items() if k != "non_field_errors"}
            message = "; ".join(_flatten(detail.get("non_field_errors", []))) or getattr(
                exc, "default_message", "Some fields are not valid.")
        else:
            message = "; ".join(_flatten(detail))
    else:
        detail = getattr(exc, "detail", str(exc))
        codes = exc.get_codes() if hasattr(exc, "get_codes") else None
        if isinstance(codes, str):
            code = codes
        message = "; ".join(_flatten(detail))
    body = error_body(code, message, fields)
    return Response(body, status=response.status_code, headers={k: v for k, v in response.items()})


# --- Django's error views (config/urls.py), JSON under /api/ -----------------------------------
def _is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def handler400(request, exception=None):
    """SuspiciousOperation and friends; a body over DATA_UPLOAD_MAX_MEMORY_SIZE is one."""
    if _is_api(request):
        if isinstance(exception, RequestDataTooBig):
            return JsonResponse(error_body("payload_too_large", "The request body is too large."), status=413)
        return JsonResponse(error_body("bad_request", "The request could not be read."), status=400)
    return defaults.bad_request(request, exception)


def handler403(request, exception=None):
    if _is_api(request):
        return JsonResponse(error_body("permission_denied", "You do not have permission to perform this action."),
                            status=403)
    return defaults.permission_denied(request, exception)


def handler404(request, exception=None):
    """Unknown routes under /api/, and ids a route's pattern refuses (a non-UUID where a UUID
    belongs), answer the API's JSON 404 instead of the site's HTML page."""
    if _is_api(request):
        return JsonResponse(error_body("not_found", "Not found."), status=404)
    return defaults.page_not_found(request, exception)


def handler500(request):
    if _is_api(request):
        return JsonResponse(error_body("server_error", "Something went wrong on our side. Try again later."),
                            status=500)
    return defaults.server_error(request)
