"""The bulkhead, on the dashboard as it is served (``manage.py serve``: waitress, 8 threads): while more
slow ERP pages are in flight than the server has threads, the login page, static files and ``/healthz``
still answer at once, and every slow page ends by its deadline.

The served dashboard has its own SQLite database and file cache (in a temporary folder) and the
production time-outs (10 s read time-out, 2 retries): without the deadline and the bulkhead, ten stalled
order lists hold all eight threads for 30 s.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
DEADLINE = 2.0
THREADS = 8
SLOW_PAGES = 10
QUICK = 1.0  # seconds: what "at once" allows on a shared machine


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def served(sandbox_server, tmp_path_factory):
    var = tmp_path_factory.mktemp("served")
    (var / "staticfiles").mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "salesadmin.settings",
        "SALESADMIN_VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{var / 'db.sqlite3'}",  # never the database of the test run
        "REDIS_URL": "",
        "SANDBOX_URL": sandbox_server.url,
        "TSO_API_BASE_URL": sandbox_server.api_url,
        "TSO_TOKEN_URL": sandbox_server.token_url,
        "TSO_CLIENT_ID": sandbox_server.client_id,
        "TSO_CLIENT_SECRET": sandbox_server.client_secret,
        "TSO_ORGANIZATION_ID": sandbox_server.organization,
        "TSO_READ_TIMEOUT": "10",
        "TSO_MAX_RETRIES": "2",
        "ERP_PAGE_DEADLINE_SECONDS": str(DEADLINE),
        "ERP_BULKHEAD_THREADS": "5",
        "LOG_LEVEL": "ERROR",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, cwd=REPO, check=True, capture_output=True)
    subprocess.run([*manage, "demo_users"], env=env, cwd=REPO, check=True, capture_output=True)
    subprocess.run([*manage, "demo_connections"], env=env, cwd=REPO, check=True, capture_output=True)
    port = _free_port()
    log = open(var / "serve.log", "w")
    process = subprocess.Popen([*manage, "serve", "--port", str(port), "--threads", str(THREADS)],
                               env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        started = time.monotonic()
        while True:
            try:
                requests.get(f"{url}/accounts/login/", timeout=1).raise_for_status()
                break
            except requests.RequestException:
                if process.poll() is not None or time.monotonic() - started > 30:
                    raise RuntimeError(f"The dashboard did not start:\n{(var / 'serve.log').read_text()}")
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _signed_in(url: str) -> requests.cookies.RequestsCookieJar:
    with requests.Session() as session:
        login = session.get(f"{url}/accounts/login/", timeout=10)
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)[1]
        answer = session.post(f"{url}/accounts/login/", timeout=10,
                              data={"username": "sales", "password": "demo", "csrfmiddlewaretoken": csrf})
        assert answer.url.endswith("/c/nordlys/orders/"), "could not sign in as sales / demo"
        return session.cookies


def _timed_get(url: str, **kwargs) -> tuple[requests.Response, float]:
    started = time.monotonic()
    response = requests.get(url, timeout=60, **kwargs)
    return response, time.monotonic() - started


def test_pages_without_the_erp_stay_quick_while_slow_erp_pages_fill_the_server(served, sandbox):
    cookies = _signed_in(served)
    assert requests.get(f"{served}/c/nordlys/orders/", cookies=cookies, timeout=10).status_code == 200  # warm
    sandbox.fault("GET /salesorders", "stall", count=5 * SLOW_PAGES, seconds=30)

    with ThreadPoolExecutor(max_workers=SLOW_PAGES) as users:
        slow = [users.submit(_timed_get, f"{served}/c/nordlys/orders/", cookies=cookies) for _ in range(SLOW_PAGES)]
        time.sleep(0.5)  # the slow pages have taken the server's threads (or been told "busy")
        assert sum(not future.done() for future in slow) >= 5  # as many as the bulkhead lets wait
        quick = {
            "login page": _timed_get(f"{served}/accounts/login/"),
            "static file": _timed_get(f"{served}/static/css/app.css"),
            "healthz": _timed_get(f"{served}/healthz"),
        }
        pages = [future.result() for future in slow]

    for name, (response, elapsed) in quick.items():
        assert elapsed < QUICK, f"{name} took {elapsed:.1f} s while the ERP stalled"
        assert response.status_code in ((200, 503) if name == "healthz" else (200,)), name
    for response, elapsed in pages:
        assert elapsed < DEADLINE + 2, f"a slow page took {elapsed:.1f} s (deadline {DEADLINE} s)"
        assert response.status_code == 503
        assert "The ERP is not answering" in response.text
    assert sum(elapsed < 1 for _, elapsed in pages) >= SLOW_PAGES - 5  # told "busy" at once


def test_the_dashboard_answers_normally_once_the_erp_is_back(served, sandbox):
    cookies = _signed_in(served)
    response, elapsed = _timed_get(f"{served}/c/nordlys/orders/", cookies=cookies)
    assert response.status_code == 200
    assert elapsed < QUICK
