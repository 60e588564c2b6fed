"""Error reports without secrets: the 500 e-mail to ADMINS and the HTML report.

Django hides settings and request headers whose names look secret, and the variables of
functions marked @sensitive_variables. That is not enough here: a crash deep inside a provider
call shows every frame's locals (requests builds `{"Authorization": "Bearer <token>"}` several
frames down), and the request part shows the query string and POST body (an OAuth callback's
`code` and `state`). This filter also hides values under secret-looking names at any depth,
scrubs token-shaped text (the log redaction patterns) from everything else, and the reporter
cleans the query string. Like Django's own filter it only acts when DEBUG is off.

Enabled by DEFAULT_EXCEPTION_REPORTER and DEFAULT_EXCEPTION_REPORTER_FILTER in settings."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from .logging import redact

SENSITIVE_NAME = re.compile(r"API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|COOKIE|CREDENTIAL|VERIFIER|SESSION"
                            r"|^code$|^state$|^ref$", re.I)
_MAX_DEPTH = 6


class _Shown:
    """A value already rendered (and scrubbed): the report prints it as it is."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _clean_query(query: str, substitute: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, substitute if SENSITIVE_NAME.search(k) else v) for k, v in pairs], safe="*")


class SecretsExceptionReporterFilter(SafeExceptionReporterFilter):
    hidden_settings = SENSITIVE_NAME

    def cleanse(self, name: Any, value: Any, depth: int = 0) -> Any:
        if isinstance(name, str) and name and SENSITIVE_NAME.search(name):
            return self.cleansed_substitute
        if depth > _MAX_DEPTH:
            return _Shown("…")
        if isinstance(value, dict):
            return {k: self.cleanse(k, v, depth + 1) for k, v in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            cleaned = [self.cleanse("", v, depth + 1) for v in value]
            return tuple(cleaned) if isinstance(value, tuple) else cleaned
        if isinstance(value, str):
            return redact(value)
        if isinstance(value, bytes):
            return redact(value.decode("utf-8", "replace"))
        if value is None or isinstance(value, bool | int | float):
            return value
        try:
            return _Shown(redact(repr(value)))
        except Exception:  # noqa: BLE001 - a broken __repr__ must not break the report
            return _Shown(f"<{type(value).__name__} (unprintable)>")

    def get_traceback_frame_variables(self, request, tb_frame):
        variables = super().get_traceback_frame_variables(request, tb_frame)
        if not self.is_active(request):
            return variables
        return [(name, value if isinstance(value, str) and value == self.cleansed_substitute
                 else self.cleanse(name, value)) for name, value in variables]

    def get_post_parameters(self, request):
        params = super().get_post_parameters(request)
        if request is None or not self.is_active(request) or not params:
            return params
        cleaned = params.copy()
        for key in cleaned:
            if SENSITIVE_NAME.search(key):
                cleaned[key] = self.cleansed_substitute
            else:
                cleaned.setlist(key, [redact(v) if isinstance(v, str) else v for v in cleaned.getlist(key)])
        return cleaned

    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        if not self.is_active(request):
            return meta
        cleaned = {k: redact(v) if isinstance(v, str) else v for k, v in meta.items()}
        if isinstance(meta.get("QUERY_STRING"), str):
            cleaned["QUERY_STRING"] = _clean_query(meta["QUERY_STRING"], self.cleansed_substitute)
        return cleaned


class SecretsExceptionReporter(ExceptionReporter):
    """Django's reporter, with the request's GET parameters and URI cleaned by the filter."""

    def get_traceback_data(self):
        data = super().get_traceback_data()
        if self.request is None or not self.filter.is_active(self.request):
            return data
        substitute = self.filter.cleansed_substitute
        data["request_GET_items"] = [(k, substitute if SENSITIVE_NAME.search(k) else redact(v))
                                     for k, v in self.request.GET.items()]
        uri = data.get("request_insecure_uri", "")
        if "?" in uri:
            base, query = uri.split("?", 1)
            data["request_insecure_uri"] = f"{base}?{_clean_query(query, substitute)}"
        return data
