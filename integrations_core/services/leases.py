"""The sync lease: at most one sync of a connection runs at a time.

- Every attempt takes the lease with a fresh random token, by a conditional UPDATE that only
  succeeds while no live lease exists. A redelivered Celery message (same task id) is a new
  attempt like any other: it cannot enter while the first holder is alive.
- The lease is short (SYNC_LOCK_TTL_SECONDS) and renewed while the sync runs: by a heartbeat
  thread, and at the sync's own checkpoints (between provider calls, before every HTTP attempt,
  before a token refresh). A live holder keeps it; a killed worker's lease lapses within the TTL.
- A holder that finds its token gone (its lease lapsed and another sync took it) stops at the
  next checkpoint with LeaseLost and writes nothing more.
- Releasing clears the token, the expiry and the run id; a lease that lapsed with a run id still
  set was held by a worker that died (services/schedule.py closes that run)."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.db.models import Q
from django.utils import timezone

from integrations_core.models import Connection

logger = logging.getLogger(__name__)


class LeaseLost(Exception):
    """This sync's lease lapsed and another sync took it: stop, write nothing more."""


def lease_ttl() -> timedelta:
    return timedelta(seconds=settings.SYNC_LOCK_TTL_SECONDS)


def lease_renew_interval() -> float:
    return float(getattr(settings, "SYNC_LOCK_RENEW_SECONDS", settings.SYNC_LOCK_TTL_SECONDS / 4))


def connection_lock_acquire(connection: Connection, *, run_id=None) -> str | None:
    """Take the connection's sync lease with a fresh token. Returns the token, or None if a
    live lease exists (whoever holds it, even an earlier delivery of the same task)."""
    token = uuid.uuid4().hex
    now = timezone.now()
    free = Q(sync_lock_expires_at__isnull=True) | Q(sync_lock_expires_at__lt=now)
    taken = type(connection).objects.filter(pk=connection.pk).filter(free).update(
        sync_lock_token=token, sync_lock_expires_at=now + lease_ttl(), sync_lock_run_id=run_id,
        sync_queued_until=None)
    return token if taken else None


def connection_lock_renew(connection: Connection, token: str) -> bool:
    """Extend our lease. False if it is no longer ours (it lapsed and another sync took it);
    a lapsed lease nobody took is still ours, since any other taker replaces the token."""
    return bool(type(connection).objects.filter(pk=connection.pk, sync_lock_token=token).update(
        sync_lock_expires_at=timezone.now() + lease_ttl()))


def connection_lock_release(connection: Connection, token: str) -> None:
    type(connection).objects.filter(pk=connection.pk, sync_lock_token=token).update(
        sync_lock_token="", sync_lock_expires_at=None, sync_lock_run_id=None)
    # Keep the in-memory object in step, so a later full save() cannot write the lease back.
    if connection.sync_lock_token == token:
        connection.sync_lock_token, connection.sync_lock_expires_at, connection.sync_lock_run_id = "", None, None


class Lease:
    """A held lease and its heartbeat. `beat()` is the checkpoint the sync calls often: it
    renews at most every SYNC_LOCK_RENEW_SECONDS and raises LeaseLost once the lease is gone."""

    def __init__(self, connection: Connection, token: str) -> None:
        self.connection, self.token = connection, token
        self._renewed = time.time()
        self._lost = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def lost(self) -> bool:
        return self._lost.is_set()

    def beat(self, *, force: bool = False) -> None:
        """A checkpoint. `force`: the next step must run on a lease that is surely ours (spending
        a rotating refresh token, writing the outcome). A lease renewed less than half a renewal
        interval ago is: it has at least TTL minus that left (52 s of 60 by default), nobody can
        take a lease before it expires, and our own token is only cleared by our release. So
        `force` renews only past that, and a sync of a few hundred milliseconds writes its lease
        once (when taking it) instead of at every forced checkpoint."""
        if self._lost.is_set():
            raise LeaseLost()
        # Wall-clock time, like the expiry the database holds.
        interval = lease_renew_interval() / 2 if force else lease_renew_interval()
        if time.time() - self._renewed < interval:
            return
        if not connection_lock_renew(self.connection, self.token):
            self._lost.set()
            raise LeaseLost()
        self._renewed = time.time()

    # --- the heartbeat thread -------------------------------------------------------------
    def start_heartbeat(self) -> None:
        """Renew from a thread while the sync blocks in a long call. Only in autocommit (a
        worker): inside a transaction (tests) the thread's own database connection could not
        see uncommitted rows, and the checkpoints alone keep the lease."""
        if transaction.get_connection().in_atomic_block or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._heartbeat, name=f"sync-lease-{self.connection.pk}",
                                        daemon=True)
        self._thread.start()

    def stop_heartbeat(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _heartbeat(self) -> None:
        # Never renew past the task's hard time limit: a sync stuck for good must not hold the
        # lease for ever just because this thread is alive.
        deadline = time.monotonic() + settings.CELERY_TASK_TIME_LIMIT
        try:
            while not self._stop.wait(lease_renew_interval()) and time.monotonic() < deadline:
                try:
                    if not connection_lock_renew(self.connection, self.token):
                        self._lost.set()
                        return
                except DatabaseError as exc:  # a blip: the next beat tries again
                    logger.warning("lease renewal failed connection=%s: %s", self.connection.pk,
                                   type(exc).__name__)
        finally:
            connections.close_all()  # this thread's own database connection
