"""Browser tests: the real pages in Debian's Chromium, driven by Playwright, against a live server
whose upstream is the sandbox over HTTP."""

import os
import shutil

import pytest
from django.core.cache import cache

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make test` installs Debian's chromium.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def e2e_upstream(sandbox, settings):
    settings.TSO = {**settings.TSO, "API_BASE_URL": sandbox.api_url, "TOKEN_URL": sandbox.token_url,
                    "CLIENT_ID": sandbox.client_id, "CLIENT_SECRET": sandbox.client_secret}
    cache.clear()
    yield sandbox
    cache.clear()


@pytest.fixture
def page(browser, live_server, e2e_upstream, transactional_db):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()
