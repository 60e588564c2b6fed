"""A fault login's failures are the sandbox's own warnings, not "ERROR Internal Server Error";
a real error in the sandbox is still an error."""

from __future__ import annotations

import logging

import pytest
from django.test import RequestFactory

from sandbox.logging import IntendedSandboxFaultFilter

from .test_faults import tl_account_call  # noqa: F401  (the fixture)


def _passes(record) -> bool:
    return IntendedSandboxFaultFilter().filter(record)


@pytest.mark.parametrize("username", ["error.provider_error", "error.flaky"])
def test_an_intended_fault_is_a_sandbox_warning_and_django_error_is_dropped(tl_account_call, caplog,  # noqa: F811
                                                                            username):
    call, _ = tl_account_call(username)
    with caplog.at_level(logging.WARNING):
        statuses = [call().status_code for _ in range(3)]
    assert 500 in statuses or 503 in statuses
    warnings = [r for r in caplog.records if r.name == "sandbox.faults"]
    assert warnings and all(r.levelno == logging.WARNING for r in warnings)
    assert "as the fault login asks" in warnings[0].getMessage()
    django_errors = [r for r in caplog.records if r.name == "django.request" and r.levelno >= logging.ERROR]
    assert django_errors and not any(_passes(r) for r in django_errors)  # logged by Django, dropped by the filter


def test_a_real_sandbox_error_still_logs_as_an_error():
    request = RequestFactory().get("/sandbox/truelayer/api/data/v1/accounts")
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s",
                               (request.path,), None)
    record.request = request
    assert _passes(record) and record.levelno == logging.ERROR


def test_the_dev_servers_access_line_for_a_sandbox_failure_is_a_warning():
    record = logging.LogRecord("django.server", logging.ERROR, __file__, 1, '"%s" %s %s',
                               ("GET /sandbox/truelayer/api/data/v1/accounts HTTP/1.1", "500", "77"), None)
    assert _passes(record) and record.levelname == "WARNING"
    other = logging.LogRecord("django.server", logging.ERROR, __file__, 1, '"%s" %s %s',
                              ("GET /my-accounts/ HTTP/1.1", "500", "77"), None)
    assert _passes(other) and other.levelname == "ERROR"
