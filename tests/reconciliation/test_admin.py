"""Operators see matches and runs read-only; matches come from the engine or the person."""

from __future__ import annotations

from datetime import date

import pytest

from reconciliation.models import ReconMatch
from reconciliation.services.engine import reconciliation_run

pytestmark = pytest.mark.django_db


def test_matches_and_runs_are_listed_read_only(client, make_user, user, fake_items):
    fake_items.payout(user, 1, date.today(), "120.00")
    fake_items.credit(user, 1, date.today(), "120.00")
    reconciliation_run(user)
    staff = make_user("ops@example.com", is_staff=True, is_superuser=True)
    client.force_login(staff)
    match = ReconMatch.objects.get(user=user)
    assert client.get("/admin/reconciliation/reconmatch/").status_code == 200
    assert client.get(f"/admin/reconciliation/reconmatch/{match.pk}/change/").status_code == 200
    assert client.get("/admin/reconciliation/reconrun/").status_code == 200
    assert client.get("/admin/reconciliation/reconmatch/add/").status_code == 403
