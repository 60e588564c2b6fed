from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from open_banking.models import Institution

from .conftest import GC_API
from .providers.contract import load_payload


def test_seed_is_idempotent_and_merges_sandbox_and_gocardless(db, rsps, settings):
    settings.SANDBOX_ENABLED = True
    rsps.post(f"{GC_API}/token/new/", json=load_payload("gocardless", "token_new"))
    rsps.get(f"{GC_API}/institutions/", json=load_payload("gocardless", "institutions"))
    call_command("seed_institutions", stdout=StringIO())
    counts = {p: Institution.objects.filter(provider=p).count() for p in ("truelayer", "gocardless", "plaid")}
    assert counts["truelayer"] >= 1 and counts["gocardless"] >= 2
    # The seeds' five US banks are reached through Plaid, under Plaid's institution ids.
    assert sorted(Institution.objects.filter(provider="plaid").values_list("name", flat=True)) == [
        "American Express", "Bank of America", "Capital One", "Chase", "Wells Fargo"]
    assert Institution.objects.get(provider="plaid", name="Chase").external_id == "ins_56"
    monzo = Institution.objects.get(provider="gocardless", external_id="MONZO_MONZGB2L")
    assert (monzo.transaction_total_days, monzo.max_access_valid_for_days) == (730, 180)
    assert Institution.objects.filter(provider="truelayer", external_id="ob-monzo").exists()
    out = StringIO()
    call_command("seed_institutions", stdout=out)
    assert Institution.objects.count() == sum(counts.values())
    assert "0 created, 0 updated" in out.getvalue()


def test_seed_without_gocardless_secrets_uses_the_sandbox_only(db, settings):
    settings.GOCARDLESS_SECRET_ID = ""
    out = StringIO()
    call_command("seed_institutions", stdout=out)
    assert "gocardless: not configured" in out.getvalue()
    assert Institution.objects.filter(provider="truelayer").exists()


def test_weekly_task_runs_the_seed(db, rsps):
    from open_banking.tasks import refresh_institutions

    rsps.post(f"{GC_API}/token/new/", json=load_payload("gocardless", "token_new"))
    rsps.get(f"{GC_API}/institutions/", json=load_payload("gocardless", "institutions"))
    assert "gocardless[gb] gocardless: 1 created, 1 updated" in refresh_institutions()
