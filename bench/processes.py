"""Child processes for the benchmarks, and CPU accounting from /proc.

Each child leads its own process group, so a Celery worker's threads and a gunicorn master's
workers are stopped with it (SIGTERM, then SIGKILL): at the end, on errors and on Ctrl-C or
SIGTERM (which _terminate_as_interrupt turns into KeyboardInterrupt so finally blocks run)."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from bench.harness import ROOT

CLK_TCK = os.sysconf("SC_CLK_TCK")


class Processes:
    """Child processes, each the leader of its own process group (so a worker's threads and a
    gunicorn master's workers go with it), stopped by group: SIGTERM, then SIGKILL."""

    def __init__(self) -> None:
        self.logdir = Path(tempfile.mkdtemp(prefix="bench-fleet-"))
        self.children: list[tuple[str, subprocess.Popen, Path]] = []

    def start(self, name: str, args: list[str], env: dict) -> subprocess.Popen:
        log = self.logdir / f"{name}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        self.children.append((name, proc, log))
        return proc

    def dead(self) -> list[str]:
        return [name for name, proc, _ in self.children if proc.poll() is not None]

    def log(self, name: str) -> str:
        for child, _, path in self.children:
            if child == name:
                return path.read_text(errors="replace")
        return ""

    def tail(self, lines: int = 15) -> str:
        return "\n".join(f"--- {name} ({path}):\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
                         for name, _, path in self.children)

    def stop(self) -> None:
        for _, proc, _ in self.children:
            if proc.poll() is None:
                with _suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for _, proc, _ in self.children:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            with _suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # stragglers in the group, if any
            with _suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)

    def group_pids(self, name_prefix: str) -> list[int]:
        groups = {proc.pid for name, proc, _ in self.children if name.startswith(name_prefix)}
        return [pid for pid, stat in proc_stats().items() if int(stat[3]) in groups]  # field 5: process group


@contextmanager
def _suppress(*errors):
    try:
        yield
    except errors:
        pass


@contextmanager
def terminate_as_interrupt():
    """SIGTERM (a CI timeout, `kill`) unwinds like Ctrl-C, so the finally blocks stop the children."""
    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# --- CPU accounting from /proc ----------------------------------------------------------------------
def proc_stats() -> dict[int, list[str]]:
    """pid -> the fields of /proc/<pid>/stat after the command name (state, ppid, pgrp, ...)."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        comm_end = raw.rindex(")")
        out[int(entry)] = [raw[raw.index("(") + 1:comm_end], *raw[comm_end + 2:].split()]
    return out


def _cpu_seconds(pids: list[int], stats: dict) -> float:
    return sum((int(stats[p][12]) + int(stats[p][13])) / CLK_TCK for p in pids if p in stats)  # utime + stime


def _machine_busy() -> tuple[float, float]:
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / CLK_TCK, sum(fields) / CLK_TCK


def cpu_snapshot(procs: Processes) -> dict[str, float]:
    stats = proc_stats()
    postgres = [pid for pid, s in stats.items() if s[0] == "postgres"]
    redis_server = [pid for pid, s in stats.items() if s[0] == "redis-server"]
    busy, total = _machine_busy()
    return {"Celery workers (the platform)": _cpu_seconds(procs.group_pids("worker"), stats),
            "sandbox (the banks)": _cpu_seconds(procs.group_pids("sandbox"), stats),
            "PostgreSQL (all databases)": _cpu_seconds(postgres, stats),
            "Redis": _cpu_seconds(redis_server, stats), "this process": time.process_time(),
            "_busy": busy, "_total": total}
