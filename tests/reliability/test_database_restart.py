"""A web process whose database connection was cut (a PostgreSQL restart) serves the next
request: with CONN_MAX_AGE connections persist between requests, and CONN_HEALTH_CHECKS makes
Django test a reused connection before the first query of a request and reconnect if it is dead.
The worker side is tests/reliability/test_worker_crash.py::
test_database_connections_cut_mid_sync_and_between_syncs."""

from __future__ import annotations

import psycopg
import pytest
from django.db import close_old_connections
from django.db import connection as db

from .conftest import database_url, needs_postgres

pytestmark = [needs_postgres, pytest.mark.django_db(transaction=True)]


def cut(pid: int) -> None:
    with psycopg.connect(database_url().replace("postgres://", "postgresql://"), autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]


def test_request_after_the_connection_was_cut_is_served(api_client, bank_data):
    assert db.settings_dict["CONN_MAX_AGE"] > 0 and db.settings_dict["CONN_HEALTH_CHECKS"]
    with db.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    cut(pid)
    close_old_connections()  # what Django does when a request starts (the test client skips it)
    response = api_client.get("/api/v1/open-banking/transactions/")
    assert response.status_code == 200 and len(response.json()["results"]) == len(bank_data["txns"])
    with db.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid, "a new connection"
