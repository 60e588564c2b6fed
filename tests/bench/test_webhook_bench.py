"""The webhook benchmark (bench/webhooks.py) still runs, at a tiny size: what it stores,
processes and syncs, never how fast."""

from __future__ import annotations

import pytest

from bench import webhooks


@pytest.mark.django_db(transaction=True)  # the path runs on commit, as in production
def test_webhook_bench_processes_every_delivery_once_and_syncs_each_connection():
    result = webhooks.measure(deliveries=30, connections=3)
    assert result["statuses"] == {202: 30} and result["processed"] == 30
    assert result["replay_status"] == 409
    assert result["syncs"] == 3 and result["rows"] == 3 * 10  # one debounced sync per connection
    assert len(result["to_synced"]) == 3
