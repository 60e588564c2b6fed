"""Integration health: the score formula, the per-connection and per-provider figures, the
person's API (404 for anyone else's), the operators' page, and query counts that do not grow
with the number of connections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from integrations_core.health.score import ScoreInputs, freshness, health_score
from integrations_core.health.selectors import (
    connection_health_build,
    connection_health_for_user,
    percentile,
    provider_health_list,
)
from integrations_core.models import BreakerState, ConnectionStatus, ProviderSetting, SyncOutcome, SyncRun

NOW = datetime(2026, 4, 5, 23, 30, tzinfo=UTC)  # a tax-year end, in BST


def inputs(**kw) -> ScoreInputs:
    values = {"status": ConnectionStatus.ACTIVE, "error_rate": 0.0, "last_synced_at": NOW - timedelta(hours=1),
              "consecutive_failures": 0, "expires_at": None}
    values.update(kw)
    return ScoreInputs(**values)


def test_a_healthy_connection_scores_one():
    score, factors = health_score(inputs(), NOW)
    assert score == 1.0 and factors == {"gate": 1.0, "consent": 1.0, "reliability": 1.0, "freshness": 1.0,
                                        "streak": 1.0}


def test_the_formula_weighs_each_input_as_documented():
    # error rate 0.2, 49 h since the last sync (freshness 0.5), 1 failure in a row (streak 0.5):
    # 0.5·0.8 + 0.25·0.5 + 0.25·0.5 = 0.65; status error halves it; consent ending in 3 days halves it again.
    score, factors = health_score(inputs(error_rate=0.2, last_synced_at=NOW - timedelta(hours=49),
                                         consecutive_failures=1), NOW)
    assert (score, factors["reliability"], factors["freshness"], factors["streak"]) == (0.65, 0.8, 0.5, 0.5)
    assert health_score(inputs(error_rate=0.2, last_synced_at=NOW - timedelta(hours=49), consecutive_failures=1,
                               status=ConnectionStatus.ERROR), NOW)[0] == 0.325
    assert health_score(inputs(error_rate=0.2, last_synced_at=NOW - timedelta(hours=49), consecutive_failures=1,
                               status=ConnectionStatus.ERROR, expires_at=NOW + timedelta(days=3)), NOW)[0] == pytest.approx(0.1625, abs=6e-4)


@pytest.mark.parametrize("status", [ConnectionStatus.REAUTH_REQUIRED, ConnectionStatus.EXPIRED,
                                    ConnectionStatus.REVOKED])
def test_a_connection_that_cannot_sync_scores_zero(status):
    assert health_score(inputs(status=status), NOW)[0] == 0.0


def test_freshness_edges():
    assert freshness(None, NOW) == 0.5
    assert freshness(NOW - timedelta(hours=26), NOW) == 1.0
    assert freshness(NOW - timedelta(hours=72), NOW) == 0.0
    assert freshness(NOW - timedelta(days=30), NOW) == 0.0
    assert health_score(inputs(error_rate=None), NOW)[1]["reliability"] == 1.0  # no runs yet


def test_percentiles_are_nearest_rank():
    values = [float(v) for v in range(1, 21)]
    assert (percentile(values, 50), percentile(values, 95), percentile([], 50), percentile([3.0], 95)) == \
        (10.0, 19.0, None, 3.0)


def _run(connection, outcome, *, seconds=2.0, code="", ago=timedelta(hours=1)):
    started = timezone.now() - ago
    return SyncRun.objects.create(user=connection.user, connection_type=ContentType.objects.get_for_model(connection),
                                  connection_id=connection.pk, provider=connection.provider, outcome=outcome,
                                  started_at=started, finished_at=started + timedelta(seconds=seconds),
                                  error_code=code)


@pytest.mark.django_db
def test_connection_health_counts_only_the_last_30_finished_runs(connection):
    for n in range(10):
        _run(connection, SyncOutcome.FAILED, seconds=100, code="provider_down", ago=timedelta(days=10, minutes=n))
    for n in range(30):
        _run(connection, SyncOutcome.SUCCEEDED if n % 5 else SyncOutcome.PARTIAL, seconds=n + 1,
             ago=timedelta(minutes=n + 1))
    _run(connection, SyncOutcome.SKIPPED, code="already_running")
    connection.last_synced_at = timezone.now()
    connection.save()
    [health] = connection_health_build([connection])
    assert health.runs == 30
    assert health.error_rate == pytest.approx(6 * 0.5 / 30)  # six partial runs, the old failures fall out
    assert (health.latency_p50, health.latency_p95) == (15.0, 29.0)
    assert health.score == pytest.approx(0.5 * 0.9 + 0.25 + 0.25, abs=0.001)


@pytest.mark.django_db
def test_health_queries_do_not_grow_with_connections(make_connection, user, django_assert_num_queries):
    from integrations_core.selectors import connection_models

    families = len(connection_models())
    first = make_connection()
    _run(first, SyncOutcome.SUCCEEDED)
    with django_assert_num_queries(families + 1):  # connections per family, then every run at once
        assert len(connection_health_for_user(user)) == 1
    for _ in range(6):
        _run(make_connection(), SyncOutcome.FAILED, code="provider_down")
    with django_assert_num_queries(families + 1):
        assert len(connection_health_for_user(user)) == 7


@pytest.mark.django_db
def test_provider_health_reports_rates_latency_errors_breaker_and_headroom(make_connection, fake_provider):
    one, two = make_connection(), make_connection(retry_after=timezone.now() + timedelta(hours=1))
    for n in range(8):
        _run(one, SyncOutcome.SUCCEEDED, seconds=n + 1)
    _run(two, SyncOutcome.FAILED, code="rate_limited", seconds=9)
    _run(two, SyncOutcome.FAILED, code="provider_down", seconds=10)
    _run(two, SyncOutcome.FAILED, code="provider_down", seconds=10, ago=timedelta(days=2))  # outside 24 h
    ProviderSetting.objects.create(provider="fakebank", breaker_state=BreakerState.OPEN,
                                   breaker_open_until=timezone.now() + timedelta(minutes=5))
    row = next(r for r in provider_health_list() if r.provider == "fakebank")
    assert (row.runs, row.success_rate, row.latency_p50, row.latency_p95) == (10, 0.8, 5.0, 10.0)
    assert row.error_mix == {"provider_down": 1, "rate_limited": 1}
    assert row.breaker_state == BreakerState.OPEN
    assert (row.connections, row.rate_limited, row.rate_limit_headroom) == (2, 1, 0.5)


@pytest.mark.django_db
def test_quota_left_today_comes_from_the_providers_own_ledger(make_user):
    from open_banking.models import BankConnection
    from open_banking.providers.gocardless.models import QuotaLedger

    owner = make_user()
    spent = BankConnection.objects.create(user=owner, provider="gocardless", status=ConnectionStatus.ACTIVE)
    fresh = BankConnection.objects.create(user=owner, provider="gocardless", status=ConnectionStatus.ACTIVE)
    today = timezone.now().date()
    QuotaLedger.objects.create(provider="gocardless", account_id="a1", connection=spent, scope="transactions",
                               day=today, successful_calls=3)
    QuotaLedger.objects.create(provider="gocardless", account_id="a1", connection=spent, scope="balances",
                               day=today, successful_calls=1)
    QuotaLedger.objects.create(provider="gocardless", account_id="a1", connection=fresh, scope="transactions",
                               day=today - timedelta(days=1), successful_calls=4)
    health = {h.connection.pk: h for h in connection_health_build([spent, fresh])}
    assert (health[spent.pk].quota_left_today, health[fresh.pk].quota_left_today) == (1, 4)
    assert health[spent.pk].daily_call_quota == 4
    gocardless = next(r for r in provider_health_list() if r.provider == "gocardless")
    assert gocardless.rate_limit_headroom == pytest.approx(5 / 8)


@pytest.mark.django_db
def test_the_api_shows_my_connections_health_and_404s_anyone_elses(api_client, make_connection, other_user):
    mine = make_connection(consecutive_failures=2, status=ConnectionStatus.ERROR)
    theirs = make_connection(owner=other_user)
    _run(mine, SyncOutcome.FAILED, code="provider_down")
    listed = api_client.get("/api/v1/health/connections/")
    assert listed.status_code == 200 and [row["id"] for row in listed.json()] == [str(mine.pk)]
    detail = api_client.get(f"/api/v1/health/connections/{mine.pk}/").json()
    assert detail["error_rate"] == 1.0 and detail["consecutive_failures"] == 2 and detail["status"] == "error"
    assert set(detail["score_inputs"]) == {"gate", "consent", "reliability", "freshness", "streak"}
    assert detail["score"] == round(0.5 * (0.5 * 0 + 0.25 * 0.5 + 0.25 / 3), 3)
    assert "access_token" not in str(detail) and "secret" not in str(detail).lower()
    assert api_client.get(f"/api/v1/health/connections/{theirs.pk}/").status_code == 404


@pytest.mark.django_db
def test_the_operators_health_page_lists_worst_first_and_filters(client, make_user, make_connection):
    admin_user = make_user("ops@example.com", is_staff=True, is_superuser=True)
    good = make_connection(institution_name="Good Bank", last_synced_at=timezone.now())
    bad = make_connection(institution_name="Broken Bank", status=ConnectionStatus.REAUTH_REQUIRED)
    client.force_login(admin_user)
    page = client.get("/admin/integrations_core/integrationhealth/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index(str(bad.pk)) < html.index(str(good.pk))
    filtered = client.get("/admin/integrations_core/integrationhealth/", {"status": "active"}).content.decode()
    assert str(good.pk) in filtered and str(bad.pk) not in filtered
    assert client.get("/admin/integrations_core/integrationhealth/", {"provider": "nosuch"}).status_code == 200
