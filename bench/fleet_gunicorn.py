"""gunicorn settings for the fleet benchmark's sandbox server (started by bench/fleet.py).

The app is loaded once in the master, which builds the fleet's personas' statements before the
workers fork (they inherit them): the sandbox generates a person's whole history on first use,
~0.3 s of CPU each, which is the mock bank's cost and not the platform's."""

import os

preload_app = True
worker_class = "gthread"
keepalive = 30  # the provider clients keep their connection open across a sync's calls
graceful_timeout = 5


def when_ready(server):
    from django.utils import timezone

    from sandbox.data import build_book

    for item in filter(None, os.environ.get("BENCH_FLEET_BOOKS", "").split(",")):
        slug, username = item.split(":")
        build_book(slug, username, timezone.localdate())
    server.log.info("built %s statements", len(os.environ.get("BENCH_FLEET_BOOKS", "").split(",")))
