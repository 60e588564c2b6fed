"""Fault injection, chosen by the login name the person types at the mock bank (as TrueLayer's
own mock users do). Each protocol renders a fault in its own error format; this module only
decides *whether* and *which* fault applies, and owns the timing knobs.

Timing settings are read on every call, so tests and benchmarks can change them on the fly:
SANDBOX_LATENCY_MS (every API call), SANDBOX_SLOW_MS (`error.slow`),
SANDBOX_RETRY_AFTER_SECONDS (the Retry-After sent with `error.rate_limit`)."""

from __future__ import annotations

import functools
import logging
import time
from enum import StrEnum

from django.conf import settings
from django.db import transaction
from django.db.models import F

from .models import Consent

logger = logging.getLogger("sandbox.faults")

FAULT_PREFIX = "error."
FLAKY_EVERY = 3  # `error.flaky` fails the 3rd, 6th, 9th... data call of a consent


class Fault(StrEnum):
    PROVIDER_ERROR = "provider_error"  # every data call fails with a 5xx
    RATE_LIMIT = "rate_limit"  # every data call is refused with 429 and Retry-After
    SLOW = "slow"  # every data call takes SANDBOX_SLOW_MS longer
    EXPIRED = "expired"  # the bank has withdrawn consent: refresh and data calls are refused
    MALFORMED = "malformed"  # 200 with a body that is not valid JSON
    FLAKY = "flaky"  # one data call in three fails with 503


FAULT_LOGINS = tuple(f"{FAULT_PREFIX}{fault}" for fault in Fault)

# A body cut off mid-string, the way a dropped proxy connection delivers it.
MALFORMED_BODY = '{"results": [{"account_id": "a1", "display_name": "Curr'


def fault_for(username: str) -> Fault | None:
    if not username.startswith(FAULT_PREFIX):
        return None
    try:
        return Fault(username.removeprefix(FAULT_PREFIX))
    except ValueError:
        return None


def is_known_login(username: str) -> bool:
    """Any name is a normal user, except a mistyped fault login, which would otherwise
    silently behave as a healthy bank."""
    return not username.startswith(FAULT_PREFIX) or fault_for(username) is not None


def _sleep_ms(milliseconds: float) -> None:
    if milliseconds > 0:
        time.sleep(milliseconds / 1000)


def with_latency(view):
    """Adds settings.SANDBOX_LATENCY_MS to every call of an API view (for benchmarks)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        _sleep_ms(getattr(settings, "SANDBOX_LATENCY_MS", 0))
        response = view(request, *args, **kwargs)
        fault = getattr(response, "sandbox_fault", "")
        if fault:
            # The fault was asked for (a fault login): say so as the sandbox's own warning, and
            # mark the request so Django does not log it as "ERROR Internal Server Error"
            # (sandbox/logging.py drops that record).
            request.sandbox_fault = fault
            logger.warning("sandbox fault %s: %s %s answered %s, as the fault login asks", fault, request.method,
                           request.path, response.status_code)
        return response

    return wrapper


def intended(response, fault: Fault):
    """Mark a response as a fault the login asked for (with_latency logs it as such)."""
    response.sandbox_fault = str(fault)
    return response


def slow_down() -> None:
    _sleep_ms(getattr(settings, "SANDBOX_SLOW_MS", 3000))


def retry_after_seconds() -> int:
    return int(getattr(settings, "SANDBOX_RETRY_AFTER_SECONDS", 60))


def count_data_call(consent: Consent) -> int:
    """Counts a data call against the consent and returns its 1-based number. The counter
    lives in the database so the web server and the worker share one sequence."""
    with transaction.atomic():
        Consent.objects.filter(pk=consent.pk).update(data_calls=F("data_calls") + 1)
        return Consent.objects.filter(pk=consent.pk).values_list("data_calls", flat=True).get()


def flaky_call_fails(call_number: int) -> bool:
    return call_number % FLAKY_EVERY == 0
