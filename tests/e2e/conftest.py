"""Browser tests: the real pages in Debian's Chromium, driven by Playwright, against a live server
whose upstream is the sandbox over HTTP."""

import functools
import os
import re
import shutil
from pathlib import Path

import pytest
from django.core.cache import cache

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]


# Assertions wait as long as actions do: on a loaded machine (CI beside other work) one htmx round trip
# has taken longer than Playwright's 5 s default for ``expect``.
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
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
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


# --- Accessibility: axe-core in the page --------------------------------------------------------------

REPO = Path(__file__).resolve().parents[2]
# axe-core from npm (package.json; `make test` installs it). Evaluated through the DevTools protocol,
# which the page's Content-Security-Policy does not govern: the policy stays as it is served.
AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]


@functools.cache
def _axe_source() -> str:
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS.relative_to(REPO)} is missing: `make test` installs it (npm ci).")
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page) -> list[dict]:
    """What axe-core finds wrong on the page as it is now (the rules of ``AXE_TAGS``)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    return page.evaluate("(options) => window.axe.run(document, options)", options)["violations"]


def describe_violations(violations: list[dict]) -> str:
    """Each rule broken, with the distinct places (rows of a table alike counted once) and why."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        places: dict[tuple[str, str], list[str]] = {}
        for node in violation["nodes"]:
            where = re.sub(r":nth-child\(\d+\)|:nth-of-type\(\d+\)", "", " ".join(map(str, node["target"])))
            why = node["failureSummary"].splitlines()[-1].strip()
            places.setdefault((where, re.sub(r"[0-9.]+:1|#[0-9a-f]{6}", "…", why)), []).append(why)
        for (where, _), whys in list(places.items())[:8]:
            lines.append(f"    {where} (×{len(whys)}): {whys[0]}")
        if len(places) > 8:
            lines.append(f"    … and {len(places) - 8} more places")
    return "\n".join(lines)


def check_accessible(page, what: str = "") -> None:
    """axe-core finds no violation of WCAG 2.x A/AA or its best practices on the page as it is now."""
    violations = axe_violations(page)
    assert not violations, f"{what or page.url}:\n{describe_violations(violations)}"


@pytest.fixture
def assert_accessible():
    """``assert_accessible(page, what="")``: axe-core finds no violation on the page as it is now (the
    test modules are imported on their own, so the helper comes as a fixture)."""
    return check_accessible
