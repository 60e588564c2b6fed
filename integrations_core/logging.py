"""A logging filter that scrubs anything shaped like a secret from log records, as a last line
of defence: code logs ids and outcomes only, but a library might log a URL or a body."""

from __future__ import annotations

import logging
import re

_PATTERNS = [
    (re.compile(r"(?i)(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), r"\1 [redacted]"),
    (re.compile(r"(?i)((?:access|refresh|id)_token|client_secret|secret_key|secret_id|code_verifier|"
                r"password|api_key|authorization)(['\"]?\s*[:=]\s*['\"]?)[^'\"&\s,}]+"), r"\1\2[redacted]"),
    # Authorisation codes and states travel in callback query strings and form bodies...
    (re.compile(r"((?:^|[?&])(?:code|state|ref|t)=)[^&\s]+"), r"\1[redacted]"),
    # ...and in the dicts and JSON bodies libraries log at DEBUG ({'code': ..., "access": ...}).
    (re.compile(r"""(['"](?:code|state|ref|access|refresh)['"]\s*:\s*['"])[^'"]+"""), r"\1[redacted]"),
    # ...and in free text (requests-oauthlib: "Re-using previously supplied state <state>").
    (re.compile(r"(?i)(\bstate\s+)[A-Za-z0-9._~-]{16,}"), r"\1[redacted]"),
    (re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+"), "[redacted-jwt]"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string should still log something
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True
