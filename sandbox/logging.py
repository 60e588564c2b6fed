"""Keep the sandbox's intended failures out of the error log: a fault login's 500 or 503 is the
sandbox doing its job, already logged as a `sandbox.faults` warning (sandbox/faults.py), so
Django's "ERROR django.request Internal Server Error" for it is dropped, and the dev server's
access line for it is a warning, not an error. A real sandbox bug is not marked and still logs
as ERROR with its traceback."""

from __future__ import annotations

import logging


class IntendedSandboxFaultFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if record.name == "django.request" and getattr(request, "sandbox_fault", ""):
            return False
        if record.name == "django.server" and record.levelno >= logging.ERROR and "/sandbox/" in record.getMessage():
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True
