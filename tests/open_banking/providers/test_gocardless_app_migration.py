"""Step 2 of docs/design/family-agnostic-core.md: ServerToken and QuotaLedger moved from
`open_banking` to the `gocardless` app in state only (open_banking 0007, gocardless 0001).
Rows written before the move are read through the new models afterwards, the encrypted token
still decrypts, and migrating back leaves the rows where they were."""

from __future__ import annotations

import datetime

import pytest
from django.apps import apps as global_apps
from django.core import checks
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from integrations_core.checks import check_provider_apps_installed

BEFORE = [("open_banking", "0006_sync_leases_and_schedule")]
AFTER = [("open_banking", "0007_gocardless_tables_to_own_app"), ("gocardless", "0001_initial")]
CONTENT_TYPES = ("contenttypes", "0002_remove_content_type_name")
TOKEN = "gc-access-token-SECRET-migrated"


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    # contenttypes 0002 is not an ancestor of open_banking 0006: add it so ContentType has no `name`.
    return executor.loader.project_state([*targets, CONTENT_TYPES]).apps


def _leaves():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_gocardless_tables_survive_the_move_and_back():
    try:
        old = _migrate(BEFORE)
        ContentType = old.get_model("contenttypes", "ContentType")
        # As on a database made before the move: the content types are open_banking's.
        ContentType.objects.filter(app_label="gocardless").delete()
        for model in ("servertoken", "quotaledger"):
            ContentType.objects.get_or_create(app_label="open_banking", model=model)
        old_ct_ids = dict(ContentType.objects.filter(app_label="open_banking", model__in=["servertoken", "quotaledger"])
                          .values_list("model", "id"))
        token = old.get_model("open_banking", "ServerToken").objects.create(
            key="k-migrated", provider="gocardless", access_token=TOKEN, refresh_token="gc-refresh-SECRET")
        ledger = old.get_model("open_banking", "QuotaLedger").objects.create(
            provider="gocardless", account_id="acc-1", scope="transactions", day=datetime.date(2026, 12, 1),
            successful_calls=3)
        with connection.cursor() as cursor:
            cursor.execute("SELECT access_token FROM open_banking_servertoken WHERE id = %s", [token.pk])
            assert TOKEN not in str(cursor.fetchone()[0])  # stored encrypted

        _migrate(AFTER)
        from open_banking.providers.gocardless.models import QuotaLedger, ServerToken

        assert ServerToken._meta.db_table == "open_banking_servertoken"
        row = ServerToken.objects.get(pk=token.pk)
        assert (row.key, row.access_token, row.refresh_token) == ("k-migrated", TOKEN, "gc-refresh-SECRET")
        assert QuotaLedger.objects.get(pk=ledger.pk).successful_calls == 3
        new = _migrate(AFTER)
        moved = dict(new.get_model("contenttypes", "ContentType").objects
                     .filter(app_label="gocardless", model__in=["servertoken", "quotaledger"]).values_list("model", "id"))
        assert moved == old_ct_ids  # same rows, so permissions and admin log entries follow

        back = _migrate(BEFORE)
        assert back.get_model("open_banking", "ServerToken").objects.get(pk=token.pk).access_token == TOKEN
        assert back.get_model("open_banking", "QuotaLedger").objects.get(pk=ledger.pk).successful_calls == 3
        assert dict(back.get_model("contenttypes", "ContentType").objects
                    .filter(app_label="open_banking", model__in=["servertoken", "quotaledger"])
                    .values_list("model", "id")) == old_ct_ids
    finally:
        _migrate(_leaves())
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.clear_cache()


def test_gocardless_app_is_installed_and_checked(monkeypatch):
    assert global_apps.get_app_config("gocardless").name == "open_banking.providers.gocardless"
    assert check_provider_apps_installed(None) == []
    configs = [c for c in global_apps.get_app_configs() if c.label != "gocardless"]
    monkeypatch.setattr(global_apps, "get_app_configs", lambda: configs)
    errors = check_provider_apps_installed(None)
    assert [(e.id, e.obj) for e in errors] == [("integrations.E004", "open_banking.providers.gocardless")]
    assert all(isinstance(e, checks.Error) for e in errors)
