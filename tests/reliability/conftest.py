"""Fixtures for the reliability and security tests. The provider doubles (`responses`, the
recorded payloads, the scriptable fake bank) are the ones the other suites use."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection as db

from tests.integrations_core.conftest import connection, fake_provider, make_connection  # noqa: F401
from tests.open_banking.conftest import bank_data, clear_cache, provider_settings, rsps  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
ON_SQLITE = django_settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")

needs_postgres = pytest.mark.skipif(ON_SQLITE, reason="needs PostgreSQL (CI runs it on PostgreSQL)")
needs_worker = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(not django_settings.REDIS_URL, reason="needs REDIS_URL (CI runs it on Redis)"),
    needs_postgres,
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, interval: float = 0.1, proc=None):
    """Poll until predicate() is truthy; fail (with the worker's output, if any) after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the process exited while waiting for {what}:\n{read_output(proc)}")
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {what}" + (f":\n{read_output(proc)}" if proc else ""))


def read_output(proc) -> str:
    try:
        return Path(proc.args_log).read_text()[-6000:]
    except (AttributeError, OSError):
        return ""


def stop(proc, sig_kill: bool = False) -> None:
    if proc.poll() is None:
        proc.kill() if sig_kill else proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def database_url() -> str:
    s = db.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def redis_server():
    """A throwaway redis-server on a free loopback port, killed at teardown."""
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1)

    def up():
        try:
            return client.ping()
        except redis.ConnectionError:
            return False

    wait_for(up, 10, "redis-server to start", proc=proc)
    proc.url, proc.client = f"redis://127.0.0.1:{port}/0", client
    yield proc
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture
def worker_factory(tmp_path, redis_server):
    """Start real Celery worker processes (solo pool, one private queue) against the test
    database, on a private Redis (so nothing else on the machine that flushes or restores the
    shared Redis can touch their messages); every one started is killed at teardown."""
    queue = f"reliability-{uuid.uuid4().hex[:8]}"
    started = []

    def start(**extra_env):
        log = tmp_path / f"worker-{len(started)}.log"
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings", "DATABASE_URL": database_url(),
               "CELERY_TASK_ALWAYS_EAGER": "false", "REDIS_URL": redis_server.url,
               "CELERY_BROKER_URL": redis_server.url, **extra_env}
        with open(log, "w") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue,
                 "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
                 "-n", f"{queue}-{len(started)}@%h"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, text=True)
        proc.args_log = str(log)
        started.append(proc)
        return proc

    start.queue, start.broker_url = queue, redis_server.url
    yield start
    for proc in started:
        stop(proc, sig_kill=True)


@pytest.fixture
def send_task(worker_factory):
    """Publish a task to the workers' broker even though the suite runs tasks eagerly."""
    from config.celery import app

    def send(task, *, queue: str, args, kwargs=None):
        app.conf.task_always_eager = False
        try:
            with app.connection_for_write(worker_factory.broker_url) as connection:
                return task.apply_async(args=args, kwargs=kwargs or {}, queue=queue, connection=connection)
        finally:
            app.conf.task_always_eager = True

    return send
