"""Project-level promises: deploy checks pass with production-like settings, docker-compose is
wired correctly, and the two README commands exist."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, env_overrides: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "DEBUG", "SANDBOX_", "SECRET_KEY", "FIELD_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_READ_DOT_ENV_FILE": "false", **env_overrides})
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 30 + "production-like-secret-key-for-check-deploy-0123456789",
    "FIELD_ENCRYPTION_KEY": "a-different-production-field-encryption-key-0123456789",
    "ACCOUNT_DIGEST_KEY": "a-third-production-key-for-account-digests-0123456789",
    "ALLOWED_HOSTS": "finance.example.com",
    "SANDBOX_ENABLED": "false",
}


def test_check_deploy_passes_with_production_like_env():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_rejects_dev_encryption_key():
    env = {**PRODUCTION_ENV}
    env.pop("FIELD_ENCRYPTION_KEY")
    result = run_manage("check", "--deploy", env_overrides=env)
    assert result.returncode != 0 and "integrations.E002" in result.stdout + result.stderr


def test_check_deploy_rejects_encryption_key_equal_to_secret_key():
    env = {**PRODUCTION_ENV, "FIELD_ENCRYPTION_KEY": PRODUCTION_ENV["SECRET_KEY"]}
    result = run_manage("check", "--deploy", env_overrides=env)
    assert result.returncode != 0 and "integrations.E003" in result.stdout + result.stderr


def test_debug_is_off_unless_set():
    code = "from django.conf import settings; print(settings.DEBUG, settings.SANDBOX_ENABLED)"
    result = run_manage("shell", "-c", code, env_overrides={})
    assert result.stdout.strip().splitlines()[-1] == "False False", result.stderr


def test_docker_compose_services_and_commands():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)
    assert "gunicorn config.wsgi" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A config worker")
    assert "beat" in services["beat"]["command"] and "DatabaseScheduler" in services["beat"]["command"]
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert services[name]["env_file"] == ".env"
    # The commands name things that exist in this project.
    assert (ROOT / "config" / "wsgi.py").exists() and (ROOT / "config" / "celery.py").exists()
    assert (ROOT / "Dockerfile").exists()


def test_readme_opens_with_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    head = readme[:1500]
    assert "make run" in head and "make test" in head
    makefile = (ROOT / "Makefile").read_text()
    assert "\nrun:" in makefile and "\ntest:" in makefile
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci and "postgres://postgres@127.0.0.1:5432/test" in ci


@pytest.mark.django_db
def test_no_missing_migrations():
    """The migrations describe the models exactly (docs/design/family-agnostic-core.md, step 0)."""
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:
        pytest.fail(f"models changed without a migration (run `manage.py makemigrations`):\n{out.getvalue()}"
                    f" (exit {exc.code})")
