"""bench/fleet.py's py-spy summary: collapsed stacks -> inclusive and self samples per function,
each function counted once per stack, paths shortened, thread and process frames left out."""

from __future__ import annotations

from bench.fleet import profile_summary

RAW = """\
process 1:"celery worker";thread (0x7f01);run (threading.py:975);sync (/srv/app/integrations_core/services/sync.py:120);execute (/venv/lib/python3.11/site-packages/django/db/backends/utils.py:100) 30
process 1:"celery worker";thread (0x7f01);run (threading.py:975);sync (/srv/app/integrations_core/services/sync.py:120);sync (/srv/app/integrations_core/services/sync.py:140) 10
thread (0x7f02);run (threading.py:975);log (/usr/lib/python3.11/logging/__init__.py:1500) 5
not a stack line
"""


def test_inclusive_and_self_samples_per_function():
    summary = profile_summary([RAW, RAW])
    assert summary["samples"] == 90
    inclusive = dict(summary["inclusive"])
    own = dict(summary["self"])
    assert inclusive["run (threading.py)"] == 90
    assert inclusive["sync (/srv/app/integrations_core/services/sync.py)"] == 80  # once per stack, though recursive
    assert inclusive["execute (django/db/backends/utils.py)"] == 60
    assert own == {"execute (django/db/backends/utils.py)": 60,
                   "sync (/srv/app/integrations_core/services/sync.py)": 20, "log (logging/__init__.py)": 10}
    assert not any(name.startswith(("thread", "process")) for name in inclusive)


def test_samples_by_the_task_celery_was_running():
    protected = "_install_stack_protection.<locals>.__protected_call__ (celery/app/trace.py:700)"
    raw = (f"run (threading.py:1);{protected};sync_connection (/x/integrations_core/tasks.py:40);"
           "connection_sync (/x/integrations_core/services/sync.py:9) 7\n"
           f"run (threading.py:1);{protected};recurring_detect_for_user (/x/transactions/tasks.py:40) 2\n"
           "run (threading.py:1);_epoll.poll (kombu/utils/eventio.py:83) 1\n")
    assert dict(profile_summary([raw])["by_task"]) == {"sync_connection": 7, "recurring_detect_for_user": 2,
                                                        "Celery itself (no task's code)": 1}
