"""Fleet: the daily sync of N sandbox connections (two accounts each), fanned out by
integrations_core.tasks.sync_due_connections to real Celery worker processes on Redis, against
the sandbox banks served over HTTP by gunicorn with SANDBOX_LATENCY_MS=100 on every call.

Everything runs on this machine: PostgreSQL, Redis, the sandbox server (the banks), the Celery
workers (the platform) and this process. The fleet is seeded as it stands after yesterday's sync
(bench/fleet_seed.py). Every process started here is stopped at the end, on errors and on
Ctrl-C (each runs in its own process group, which is what is signalled).

The workers' CPU is taken twice: when the last connection has synced (the window), and once the
follow-up tasks those syncs queued (recurring detection, budget alerts, reconciliation) have run
too (drained), so what a sync costs the platform is counted whole. With BENCH_FLEET_PROFILE=1
py-spy samples every worker process through the window (the thread holding the GIL only: one
waiting on the bank, the database or the GIL burns no CPU) and the report prints the top
entries, inclusive and self. The sampler's own CPU lands in "other jobs on the machine" and
slows the run: a profiled run's wall time is not the fleet's."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from bench.fleet_seed import COMBOS, fleet_books, seed_fleet
from bench.harness import ROOT, percentile, print_table
from bench.processes import Processes, cpu_snapshot, terminate_as_interrupt

LATENCY_MS = 100
DEFAULT_BROKER = "redis://127.0.0.1:6379/15"  # a Redis database of its own, flushed before and after
READY_TIMEOUT = 120
PROFILE_HZ = 50


# --- set-up -------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    auth = quote(s["USER"] or "postgres") + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def provider_settings(site: str) -> dict[str, str]:
    from django.conf import settings

    return {
        "TRUELAYER_AUTH_URL": f"{site}/sandbox/truelayer/auth", "TRUELAYER_API_URL": f"{site}/sandbox/truelayer/api",
        "TRUELAYER_CLIENT_ID": settings.SANDBOX_CLIENT_ID, "TRUELAYER_CLIENT_SECRET": settings.SANDBOX_CLIENT_SECRET,
        "GOCARDLESS_API_URL": f"{site}/sandbox/gocardless/api/v2",
        "GOCARDLESS_SECRET_ID": settings.SANDBOX_CLIENT_ID, "GOCARDLESS_SECRET_KEY": settings.SANDBOX_CLIENT_SECRET,
    }


def _child_env(site: str, broker: str, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SYNC_POST_IMPORT_HOOKS", "THROTTLE_USER")}
    env.update(provider_settings(site))
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_READ_DOT_ENV_FILE": "false", "DEBUG": "false",
        "DATABASE_URL": _database_url(), "REDIS_URL": broker, "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "false", "SECURE_SSL_REDIRECT": "false", "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "OAUTHLIB_INSECURE_TRANSPORT": "1",  # the sandbox's token endpoint is plain HTTP on loopback
        "DAILY_SYNC_JITTER_SECONDS": "0", "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


def _wait_http(url: str, procs: Processes, timeout: float) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if procs.dead():
            raise RuntimeError(f"{procs.dead()} exited during start-up:\n{procs.tail()}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout}s:\n{procs.tail()}")


def _wait_log(procs: Processes, names: list[str], marker: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if procs.dead():
            raise RuntimeError(f"{procs.dead()} exited during start-up:\n{procs.tail()}")
        if all(marker in procs.log(name) for name in names):
            return
        time.sleep(0.3)
    raise TimeoutError(f"workers not ready within {timeout}s:\n{procs.tail()}")


def _wait_db_idle(timeout: float = 15) -> None:
    """Until no other session uses the bench database (the children's connections are gone), so
    dropping it afterwards does not fail."""
    from django.db import connection

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND pid <> pg_backend_pid()")
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.2)


# --- the run ----------------------------------------------------------------------------------------
def _wait_for_runs(ids: list, since, procs: Processes, timeout: float) -> None:
    from integrations_core.models import SyncOutcome, SyncRun

    deadline, last_report = time.monotonic() + timeout, time.monotonic()
    while time.monotonic() < deadline:
        # Cheap on purpose (the started_at index, no list of ids): it runs beside the workers and
        # every CPU second it takes is one they lose. Only the fleet syncs in this database.
        done = (SyncRun.objects.filter(started_at__gte=since)
                .exclude(outcome__in=[SyncOutcome.RUNNING, SyncOutcome.QUEUED])
                .values("connection_id").distinct().count())
        if done >= len(ids):
            return
        if procs.dead():
            raise RuntimeError(f"{procs.dead()} died mid-run:\n{procs.tail()}")
        if time.monotonic() - last_report > 30:
            print(f"  ... {done:,} of {len(ids):,} connections synced")
            last_report = time.monotonic()
        time.sleep(2 if len(ids) > 200 else 0.5)
    raise TimeoutError(f"only some connections synced within {timeout}s:\n{procs.tail()}")


def _tasks_run(logs: str) -> Counter:
    return Counter(line.split("Task ")[1].split("[")[0] for line in logs.splitlines()
                   if " succeeded in " in line and "Task " in line)


def _wait_drained(redis_db, procs: Processes, timeout: float) -> bool:
    """Until no task is queued or running (kombu's Redis transport keeps a message in `unacked`
    until the task has finished, tasks being acknowledged late), or `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if redis_db.llen("celery") == 0 and redis_db.hlen("unacked") == 0:
            return True
        dead = [name for name in procs.dead() if not name.startswith("profiler")]  # those were stopped
        if dead:
            raise RuntimeError(f"{dead} died while draining:\n{procs.tail()}")
        time.sleep(0.5)
    return False


# --- the profile (BENCH_FLEET_PROFILE=1) -------------------------------------------------------------
def _profile_start(procs: Processes, workers: int) -> list[Path]:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    outs = []
    for k in range(workers):
        pid = next(proc.pid for name, proc, _ in procs.children if name == f"worker{k}")
        out = procs.logdir / f"worker{k}.pyspy.txt"
        # --nonblocking: the worker is never paused to be sampled, so the profile costs it nothing.
        # --gil: only the thread holding the GIL is sampled, so a thread waiting on the bank, the
        # database or a lock is not counted: the samples are where the workers' Python CPU goes.
        procs.start(f"profiler{k}", [spy, "record", "--pid", str(pid), "--rate", str(PROFILE_HZ), "--format", "raw",
                                     "--output", str(out), "--nonblocking", "--gil"], dict(os.environ))
        outs.append(out)
    time.sleep(1)  # attached before the fan-out
    return outs


def _profile_stop(procs: Processes, outs: list[Path]) -> dict:
    profilers = [proc for name, proc, _ in procs.children if name.startswith("profiler")]
    for proc in profilers:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
    for proc in profilers:
        proc.wait(timeout=60)
    return profile_summary([out.read_text() for out in outs if out.exists()])


_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")


def _frame_name(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    path = match["file"]
    if "site-packages/" in path:
        path = path.split("site-packages/", 1)[1]
    elif str(ROOT) + "/" in path:
        path = path.split(str(ROOT) + "/", 1)[1]
    else:
        path = re.sub(r"^.*/lib/python3\.\d+/", "", path)  # the standard library
    return f"{match['func']} ({path})"


def profile_summary(texts: list[str], top: int = 25) -> dict:
    """py-spy's raw (collapsed) stacks -> samples, and the top entries by inclusive and by self
    samples. A function counted once per stack however often it recurs in it."""
    inclusive: Counter = Counter()
    own: Counter = Counter()
    by_task: Counter = Counter()
    total = 0
    for text in texts:
        for line in text.splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            frames = [_frame_name(f) for f in stack.split(";") if f and not f.startswith("process ")
                      and not f.startswith("thread ")]
            if not frames:
                continue
            n = int(count)
            total += n
            for name in set(frames):
                inclusive[name] += n
            own[frames[-1]] += n
            # The task a sample belongs to: the frame Celery's tracer calls (`__protected_call__`).
            called = next((frames[i + 1] for i, f in enumerate(frames[:-1]) if f.startswith(_TASK_CALL)), None)
            by_task[called.split(" (")[0] if called else "Celery itself (no task's code)"] += n
    return {"samples": total, "inclusive": inclusive.most_common(top), "self": own.most_common(top),
            "by_task": by_task.most_common()}


_TASK_CALL = "_install_stack_protection.<locals>.__protected_call__"


def run(quick: bool) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        print("\nFleet benchmark skipped: worker processes need a shared PostgreSQL database (set DATABASE_URL)")
        return
    n, personas = (80, 1) if quick else (2000, 12)
    workers = int(os.environ.get("BENCH_FLEET_WORKERS", 2))
    threads = int(os.environ.get("BENCH_FLEET_THREADS", 12 if quick else 20))
    sandbox_workers = int(os.environ.get("BENCH_SANDBOX_WORKERS", 2))
    sandbox_threads = int(os.environ.get("BENCH_SANDBOX_THREADS", 12))
    broker = os.environ.get("BENCH_REDIS_URL", DEFAULT_BROKER)
    import redis

    try:
        redis_db = redis.Redis.from_url(broker, socket_timeout=3)
        redis_db.ping()
    except redis.RedisError as exc:
        print(f"\nFleet benchmark skipped: no Redis at {broker} ({exc})")
        return
    procs = Processes()
    with terminate_as_interrupt():
        try:
            result = _run(n, personas, workers, threads, sandbox_workers, sandbox_threads, broker, redis_db, procs)
        except BaseException:
            print(f"\nfleet benchmark failed; logs in {procs.logdir}")
            raise
        finally:
            procs.stop()
            redis_db.flushdb()
            _wait_db_idle()
    _report(result, quick)
    shutil.rmtree(procs.logdir, ignore_errors=True)  # kept when the run fails, for its logs


def _run(n, personas, workers, threads, sandbox_workers, sandbox_threads, broker, redis_db, procs) -> dict:
    from celery import Celery
    from django.test.utils import override_settings
    from django.utils import timezone

    from integrations_core.models import SyncRun
    from open_banking.models import BankAccount
    from sandbox.models import GoCardlessApiToken, TrueLayerToken

    redis_db.flushdb()
    port = _free_port()
    site = f"http://127.0.0.1:{port}"
    procs.start("sandbox", [
        sys.executable, "-m", "gunicorn", "config.wsgi:application", "-c", str(ROOT / "bench" / "fleet_gunicorn.py"),
        "--bind", f"127.0.0.1:{port}", "--workers", str(sandbox_workers), "--threads", str(sandbox_threads),
        "--timeout", "60", "--log-level", "warning"],
        _child_env(site, broker, SANDBOX_ENABLED="true", SANDBOX_LATENCY_MS=str(LATENCY_MS),
                   BENCH_FLEET_BOOKS=",".join(fleet_books(n, personas))))
    # The workers start while the fleet is seeded: nothing is queued for them until the fan-out.
    for k in range(workers):
        procs.start(f"worker{k}", [
            sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=threads", f"--concurrency={threads}",
            "-n", f"fleet{k}@%h", "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            _child_env(site, broker))
    started = time.monotonic()
    _wait_http(f"{site}/sandbox/", procs, READY_TIMEOUT)
    sandbox_ready = time.monotonic() - started

    os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"  # this process's template syncs, over loopback HTTP
    hooks = ["transactions.hooks.categorise_after_import"]
    with override_settings(**provider_settings(site), SYNC_POST_IMPORT_HOOKS=hooks):
        fleet = seed_fleet(n, personas)
    _wait_log(procs, [f"worker{k}" for k in range(workers)], "ready.", READY_TIMEOUT)

    profiles = _profile_start(procs, workers) if os.environ.get("BENCH_FLEET_PROFILE") == "1" else []
    before = cpu_snapshot(procs)
    since = timezone.now()
    start = time.monotonic()
    client = Celery(broker=broker)
    try:
        client.send_task("integrations_core.tasks.sync_due_connections")
    finally:
        client.close()
    _wait_for_runs(fleet.connection_ids, since, procs, timeout=240 if n <= 200 else 1500)
    wall = time.monotonic() - start
    after = cpu_snapshot(procs)
    profile = _profile_stop(procs, profiles) if profiles else None
    left_in_queue = redis_db.llen("celery")
    logs = "\n".join(procs.log(f"worker{k}") for k in range(workers))  # what had run by the window's end
    drain_started = time.monotonic()
    drained = _wait_drained(redis_db, procs, timeout=120 if n <= 200 else 900)
    drain_seconds = time.monotonic() - drain_started
    after_drain = cpu_snapshot(procs)

    runs = list(SyncRun.objects.filter(connection_id__in=fleet.connection_ids, started_at__gte=since)
                .order_by("started_at"))
    first = {}
    for run in runs:
        first.setdefault(run.connection_id, run)
    return {
        "n": n, "personas": personas, "workers": workers, "threads": threads, "wall": wall,
        "sandbox": (sandbox_workers, sandbox_threads, sandbox_ready), "fleet": fleet,
        "runs": list(first.values()), "all_runs": len(runs),
        "accounts": BankAccount.objects.filter(connection_id__in=fleet.connection_ids).count(),
        "refreshes": TrueLayerToken.objects.filter(created_at__gte=since).count(),
        "server_tokens": GoCardlessApiToken.objects.filter(created_at__gte=since).count(),
        "cpu": {k: after[k] - before[k] for k in before},
        "cpu_drained": {k: after_drain[k] - before[k] for k in before}, "drained": drained,
        "follow_ups_drained": _tasks_run("\n".join(procs.log(f"worker{k}") for k in range(workers))),
        "drain_seconds": drain_seconds, "profile": profile,
        "follow_ups": _tasks_run(logs),
        "left_in_queue": left_in_queue,
        "fan_out": next((float(line.split(" succeeded in ")[1].split("s:")[0]) for line in logs.splitlines()
                         if "sync_due_connections" in line and " succeeded in " in line), float("nan")),
        "last_finished": max(r.finished_at for r in first.values()) - since,
    }


def _report(r: dict, quick: bool) -> None:
    fleet, runs = r["fleet"], r["runs"]
    print(f"\nfleet seeded: {r['n']:,} connections ({r['personas']} personas x {len(COMBOS)} provider/bank pairs, "
          f"{r['accounts']:,} accounts, {fleet.cloned_rows:,} rows copied from {len(fleet.templates)} template "
          f"first syncs against the sandbox as it was yesterday); "
          + ", ".join(f"{k} {v:.1f}s" for k, v in fleet.seconds.items()))
    rows = []
    for provider in sorted({run.provider for run in runs}):
        mine = [run for run in runs if run.provider == provider]
        accounts = sum(len(run.account_results) for run in mine)
        durations = [(run.finished_at - run.started_at).total_seconds() for run in mine]
        outcomes = Counter(run.outcome for run in mine)
        rows.append([
            provider, len(mine), accounts, ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())),
            sum(run.provider_calls for run in mine) / max(1, accounts),
            sum(run.provider_calls for run in mine) / len(mine),
            percentile(durations, 50), percentile(durations, 95),
            sum(run.added for run in mine), sum(run.updated for run in mine), sum(run.removed for run in mine),
        ])
    wall = r["wall"]
    all_accounts = sum(len(run.account_results) for run in runs)
    rows.append(["all", len(runs), all_accounts, ", ".join(f"{k} {v}" for k, v in
                                                           sorted(Counter(run.outcome for run in runs).items())),
                 sum(run.provider_calls for run in runs) / max(1, all_accounts),
                 sum(run.provider_calls for run in runs) / max(1, len(runs)),
                 percentile([(x.finished_at - x.started_at).total_seconds() for x in runs], 50),
                 percentile([(x.finished_at - x.started_at).total_seconds() for x in runs], 95),
                 sum(x.added for x in runs), sum(x.updated for x in runs), sum(x.removed for x in runs)])
    sw, st, ready = r["sandbox"]
    print_table(
        f"Fleet: daily sync of {r['n']:,} sandbox connections, SANDBOX_LATENCY_MS={LATENCY_MS}, fan-out through "
        f"{r['workers']} Celery worker processes x {r['threads']} threads on Redis; sandbox: gunicorn {sw} x {st} "
        f"threads", ["provider", "connections", "accounts", "outcomes", "calls/account", "calls/connection",
                     "sync p50 s", "sync p95 s", "added", "updated", "removed"], rows)
    cpu = r["cpu"]
    busy = cpu.pop("_busy")
    total = cpu.pop("_total")
    print(f"wall time {wall:.1f}s ({r['last_finished'].total_seconds():.1f}s to the last SyncRun finished) = "
          f"{r['n'] / wall * 60:,.0f} connections/minute; target: {r['n']:,} in under 300 s"
          + ("" if quick else f" -> {'met' if wall < 300 else 'NOT met'}"))
    print(f"fan-out: sync_due_connections queued {r['n']:,} syncs in {r['fan_out']:.1f}s (alongside "
          f"the first syncs); TrueLayer token refreshes (auth server, not in provider_calls): {r['refreshes']:,}; "
          f"GoCardless server tokens minted: {r['server_tokens']}; runs recorded {r['all_runs']:,} "
          f"(retries add runs); follow-up tasks run: "
          + ", ".join(f"{k.rsplit('.', 1)[-1]} {v:,}" for k, v in sorted(r["follow_ups"].items()))
          + f"; left queued at the end: {r['left_in_queue']:,}")
    platform = cpu["Celery workers (the platform)"]
    print(f"CPU during the run: machine {busy:.0f}s busy of {total:.0f}s available ({busy / total:.0%}): "
          + ", ".join(f"{k} {v:.0f}s" for k, v in cpu.items())
          + f", other jobs on the machine {busy - sum(cpu.values()):.0f}s. Platform CPU per connection "
          f"{platform / r['n'] * 1000:.0f} ms, the banks' {cpu['sandbox (the banks)'] / r['n'] * 1000:.0f} ms")
    drained = r["cpu_drained"]["Celery workers (the platform)"]
    print(f"drained: the follow-up tasks left queued ran in {r['drain_seconds']:.1f}s more (tasks run in all: "
          + ", ".join(f"{k.rsplit('.', 1)[-1]} {v:,}" for k, v in sorted(r["follow_ups_drained"].items())) + ")"
          + ("" if r["drained"] else " (NOT drained by the timeout)")
          + f"; the workers' CPU with every follow-up counted {drained:.0f}s = {drained / r['n'] * 1000:.0f} ms "
          f"per connection; target <= 40 ms -> {'met' if drained / r['n'] <= 0.040 else 'NOT met'}")
    profile = r.get("profile")
    if profile and profile["samples"]:
        samples = profile["samples"]
        print_table(f"py-spy --gil, the Celery workers through the window: samples by task ({samples:,})",
                    ["task", "samples", "% of samples"],
                    [[name, count, 100 * count / samples] for name, count in profile["by_task"]])
        for kind in ("inclusive", "self"):
            print_table(f"py-spy --gil, the Celery workers through the window: top entries by {kind} samples "
                        f"({samples:,} samples at {PROFILE_HZ} Hz of the thread holding the GIL)",
                        ["function (file)", "samples", "% of samples"],
                        [[name, count, 100 * count / samples] for name, count in profile[kind]])
