"""The management commands: ``runsandbox`` (start, serve, stop on SIGTERM) and ``seed_sandbox --if-empty``."""

import os
import re
import signal
import subprocess
import sys
import time

import requests


def command(sandbox, *args: str, **options) -> subprocess.Popen:
    """Start ``python -m django <args>`` with the sandbox's settings, on the test server's database."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sandbox.settings", "SANDBOX_DB": str(sandbox.db_path)}
    return subprocess.Popen([sys.executable, "-m", "django", *args], env=env, text=True, **options)


def test_runsandbox_starts_quickly_serves_and_stops_on_sigterm(sandbox):
    started = time.monotonic()
    server = command(sandbox, "runsandbox", "--port", "0", stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        match = re.fullmatch(r"Sandbox listening on (http://127\.0\.0\.1:\d+)\n", server.stdout.readline())
        assert match
        assert requests.get(f"{match[1]}/_sandbox/state", timeout=5).status_code == 200
        assert time.monotonic() - started < 3

        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=5) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_seed_sandbox_if_empty_leaves_existing_data_alone(sandbox):
    order = sandbox.api("POST", "/salesorders", json={"customer": {"id": 10001, "name": "Ærø Bøker AS"}}).json()

    seeding = command(sandbox, "seed_sandbox", "--if-empty", stdout=subprocess.PIPE)
    output, _ = seeding.communicate(timeout=30)

    assert seeding.returncode == 0
    assert "already has data" in output
    assert sandbox.api("GET", f"/salesorders/{order['id']}").status_code == 200
