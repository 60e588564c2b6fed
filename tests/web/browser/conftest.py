"""Browser tests: Playwright for Python driving Debian's Chromium against the app served by
pytest-django's live_server, with the sandbox banks standing in for TrueLayer and GoCardless.

Without Chromium (or Playwright) these tests are skipped with the reason; CI installs Chromium
and sets BROWSER_TESTS_REQUIRED=1, which turns a missing browser into a failure instead."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command

# Playwright's sync API keeps an event loop on the test thread; Django's ORM refuses to run on a
# thread with a running loop unless told it is safe (it is: nothing here is async).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
# `UPDATE_DOCS_SCREENSHOTS=1 pytest tests/web/browser` refreshes the README's curated pictures.
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 375, "height": 812}
PASSWORD = "a-long-Passphrase-42"


def _missing() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed: `.venv/bin/pip install -e '.[dev]'`"
    if not os.path.exists(CHROMIUM):
        return (f"no Chromium at {CHROMIUM}: install Debian's (`apt-get install chromium`) to run the browser "
                "tests (.ci/run does)")
    return ""


@pytest.fixture(scope="package")
def browser():
    reason = _missing()
    if reason:
        if os.environ.get("BROWSER_TESTS_REQUIRED") == "1":
            pytest.fail(f"browser tests are required here but cannot run: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def sandbox_site(live_server, settings, monkeypatch) -> str:
    """Point both providers, and the OAuth redirect URIs, at the live server's sandbox."""
    site = live_server.url
    settings.SITE_URL = site
    settings.TRUELAYER_AUTH_URL = f"{site}/sandbox/truelayer/auth"
    settings.TRUELAYER_API_URL = f"{site}/sandbox/truelayer/api"
    settings.TRUELAYER_CLIENT_ID = settings.SANDBOX_CLIENT_ID
    settings.TRUELAYER_CLIENT_SECRET = settings.SANDBOX_CLIENT_SECRET
    settings.TRUELAYER_PROVIDERS = "uk-cs-mock uk-ob-all uk-oauth-all"
    settings.GOCARDLESS_API_URL = f"{site}/sandbox/gocardless/api/v2"
    settings.GOCARDLESS_SECRET_ID = settings.SANDBOX_CLIENT_ID
    settings.GOCARDLESS_SECRET_KEY = settings.SANDBOX_CLIENT_SECRET
    settings.SANDBOX_SLOW_MS = 50
    settings.SANDBOX_RETRY_AFTER_SECONDS = 3600
    settings.SYNC_POST_IMPORT_HOOKS = ["transactions.hooks.categorise_after_import"]
    # oauthlib refuses plain-HTTP token endpoints unless told this is a test bench.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    call_command("seed_institutions", "--skip-remote", stdout=io.StringIO())
    return site


@pytest.fixture
def one_attempt(monkeypatch):
    """Run each queued sync once, inline, as a worker's first attempt would (no eager retries), so
    the state a person sees between attempts is what the page shows."""
    from integrations_core.services.sync import connection_sync_by_id

    def run_once(*, args, kwargs, countdown=0):
        connection_sync_by_id(args[0], args[1], **kwargs)

    monkeypatch.setattr("integrations_core.tasks.sync_connection.apply_async", run_once)


@pytest.fixture
def page(browser, sandbox_site):
    # Reduced motion switches chart animations off, so screenshots show the finished charts.
    context = browser.new_context(base_url=sandbox_site, viewport=DESKTOP, accept_downloads=True,
                                  locale="en-GB", timezone_id="Europe/London", reduced_motion="reduce")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))

    def console(msg) -> None:
        # A form re-rendered with its errors answers 400 (as the API would); Chromium logs that
        # status for the page itself. Only a failed *sub*resource is an error in the page.
        own_page = msg.text.startswith("Failed to load resource") and msg.location.get("url") == tab.url
        if msg.type == "error" and not own_page:
            errors.append(msg.text)

    tab.on("console", console)
    yield tab
    context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


@pytest.fixture
def shot(page) -> Callable[..., Path]:
    """shot("03-connections") saves a full-page PNG under test-artifacts/screenshots/; with
    docs="connections" it is also the README's docs/screenshots/connections.png (when asked)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    update_docs = os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1"

    def take(name: str, *, full_page: bool = True, docs: str = "") -> Path:
        # Nothing may stick out sideways (a phone-width page must not scroll horizontally).
        try:
            # A function (not an expression string): Playwright evaluates a string with eval, which the
            # Content-Security-Policy forbids.
            page.wait_for_function("() => document.documentElement.scrollWidth <= window.innerWidth", timeout=3000)
        except Exception:
            print(page.evaluate("""() => [...document.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 15).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""))
            raise
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        if docs and update_docs:
            DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOCS_SCREENSHOTS / f"{docs}.png")
        return path

    return take


@pytest.fixture
def logged_in(page, make_user):
    """A person with an account, logged in through the real login form."""
    user = make_user("sam@example.com", password=PASSWORD)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Your money", exact=True).wait_for()  # the home screen
    return user
