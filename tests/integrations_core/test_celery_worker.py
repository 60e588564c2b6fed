"""A task run by a real Celery worker process on Redis, against the real (PostgreSQL) database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection as db

from integrations_core.models import SyncOutcome, SyncRun

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (CI runs it on Redis)"),
    pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
                       reason="a worker process cannot share SQLite's in-memory test database"),
]


def database_url() -> str:
    s = db.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def worker():
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings", "DATABASE_URL": database_url(),
           "CELERY_TASK_ALWAYS_EAGER": "false",
           "INTEGRATION_PROVIDERS": "tests.integrations_core.fakes.FakeBankProvider"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue, "--loglevel=INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    yield proc, queue
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.mark.django_db(transaction=True)
def test_sync_task_runs_in_a_real_worker(worker, make_connection):
    from config.celery import app
    from integrations_core.tasks import sync_connection

    proc, queue = worker
    connection = make_connection()
    app.conf.task_always_eager = False
    try:
        sync_connection.apply_async(args=[connection._meta.label, str(connection.pk)], kwargs={"trigger": "manual"},
                                    queue=queue)
    finally:
        app.conf.task_always_eager = True
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run = SyncRun.objects.filter(connection_id=connection.pk).first()
        if run and run.outcome != SyncOutcome.RUNNING:
            break
        assert proc.poll() is None, proc.stdout.read()
        time.sleep(0.5)
    else:
        proc.terminate()
        pytest.fail("the worker never finished the sync:\n" + proc.communicate(timeout=20)[0])
    assert run.outcome == SyncOutcome.SUCCEEDED and run.trigger == "manual"
    assert connection.accounts.get().external_id == "acc-1"  # written by the worker process
