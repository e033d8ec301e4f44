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


def test_seed_sandbox_if_empty_seeds_again_what_an_older_generator_made(sandbox, tmp_path):
    import sqlite3

    from sandbox.seed import SEED_VERSION

    database = tmp_path / "sandbox.sqlite3"
    with sqlite3.connect(sandbox.db_path) as source, sqlite3.connect(database) as copy:
        source.backup(copy)
    with sqlite3.connect(database) as old:  # as a sandbox seeded before accounts existed would be
        old.execute("UPDATE sandbox_seedstate SET version = 0")
        old.execute("DELETE FROM sandbox_account")

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sandbox.settings", "SANDBOX_DB": str(database)}
    seeding = subprocess.run([sys.executable, "-m", "django", "seed_sandbox", "--if-empty", "--anchor", "2026-11-16"],
                             env=env, text=True, capture_output=True, timeout=60)

    assert seeding.returncode == 0, seeding.stderr
    assert "older version of the seed: seeding it again" in seeding.stdout
    with sqlite3.connect(database) as seeded:
        assert seeded.execute("SELECT version FROM sandbox_seedstate").fetchone() == (SEED_VERSION,)
        assert seeded.execute("SELECT COUNT(*) FROM sandbox_account").fetchone()[0] > 0


def test_every_worker_sees_knobs_changed_through_another(sandbox, tmp_path):
    """Each worker process remembers the config, "no fault pending" and the tokens it checked; a change
    made through the control API must still reach every worker on its very next call."""
    import shutil
    import socket

    import sqlite3

    database = tmp_path / "sandbox.sqlite3"
    with sqlite3.connect(sandbox.db_path) as source, sqlite3.connect(database) as copy:
        source.backup(copy)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sandbox.settings", "SANDBOX_DB": str(database)}
    server = subprocess.Popen([sys.executable, "-m", "django", "runsandbox", "--port", str(port), "--workers", "3"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(f"{url}/_sandbox/state", timeout=2).raise_for_status()
                break
            except requests.RequestException:
                assert time.monotonic() < deadline, "the sandbox did not start"
                time.sleep(0.1)
        token = requests.post(f"{url}/oauth/token", timeout=5, data={
            "grant_type": "client_credentials", "client_id": sandbox.client_id, "client_secret": sandbox.client_secret,
            "login_organization": sandbox.organization}).json()["access_token"]

        def call() -> requests.Response:
            # A new connection each time: the kernel spreads them over the workers.
            return requests.get(f"{url}/v1/customers/10001", headers={"Authorization": f"Bearer {token}",
                                                                       "Connection": "close"}, timeout=10)

        assert all(call().status_code == 200 for _ in range(30))  # every worker has remembered its state

        requests.post(f"{url}/_sandbox/faults", json={"endpoint": "GET /customers/*", "fault": "500", "count": 4},
                      timeout=5).raise_for_status()
        assert [call().status_code for _ in range(6)] == [500, 500, 500, 500, 200, 200]

        requests.post(f"{url}/_sandbox/config", json={"denied_scopes": ["api.crm.customer:read"]}, timeout=5).raise_for_status()
        assert {call().status_code for _ in range(10)} == {403}
        requests.post(f"{url}/_sandbox/config", json={"denied_scopes": []}, timeout=5).raise_for_status()
        assert {call().status_code for _ in range(10)} == {200}

        requests.post(f"{url}/_sandbox/tokens/expire", timeout=5).raise_for_status()
        assert {call().status_code for _ in range(10)} == {401}
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(tmp_path, ignore_errors=True)
