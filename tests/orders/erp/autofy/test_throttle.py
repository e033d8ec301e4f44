"""One call at a time per Autofy endpoint, from every process, under the rate limit: against the sandbox
over real HTTP (its agent answers one request at a time and counts the rate limit like Autofy)."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from orders.erp.autofy import throttle
from orders.erp.autofy.client import AutofyClient
from orders.erp.errors import UpstreamUnavailable

TURNS = Path(__file__).with_name("turns.py")
REPO = Path(__file__).resolve().parents[4]


def make_client(autofy, **config) -> AutofyClient:
    return AutofyClient({**settings.AUTOFY, "BASE_URL": f"{autofy.url}/autofy/v2/data", "API_KEY": autofy.autofy_key,
                         "ENDPOINT_ID": autofy.autofy_endpoint, "NAME": "QuickBooks (test)", "READ_TIMEOUT": 10,
                         "MAX_RETRIES": 0, **config})


@pytest.fixture
def client(autofy):
    client = make_client(autofy)
    client.throttle.reset()
    yield client
    client.throttle.reset()


def calls_since(autofy, since):
    return [call for call in autofy.calls(since) if "/autofy/" in call["path"]]


def test_remaining_zero_stops_calls_until_the_reset(autofy, client):
    autofy.autofy_configure(rate_limit=3)
    client.turn_wait = 0.5
    since = autofy.last_call_id()
    for _ in range(3):
        client.list_sales_orders(page_size=1)
    with pytest.raises(UpstreamUnavailable) as caught:
        client.list_sales_orders(page_size=1)  # the third answer said Remaining 0, Reset ~60 s
    assert "rate limit" in str(caught.value) and caught.value.retry_after > 50
    calls = calls_since(autofy, since)
    assert len(calls) == 3 and all(call["status"] == 200 for call in calls)  # the fourth was never sent


def test_a_429_blocks_the_endpoint_for_its_reset(autofy, client):
    autofy.autofy_configure(rate_limit=2)
    other = make_client(autofy)  # another client (process) filled the window without our knowing
    other.throttle = throttle.EndpointThrottle("someone else", per_minute=100, lease_seconds=10)
    other.list_sales_orders(page_size=1)
    other.list_sales_orders(page_size=1)
    client.turn_wait = 0.5
    since = autofy.last_call_id()
    with pytest.raises(UpstreamUnavailable) as caught:
        client.list_sales_orders(page_size=1)
    assert caught.value.status == 429 and caught.value.retry_after > 50
    with pytest.raises(UpstreamUnavailable):
        client.list_sales_orders(page_size=1)
    assert [call["status"] for call in calls_since(autofy, since)] == [429]  # then nothing more was sent


def test_the_clients_own_count_keeps_under_the_limit(autofy, client, monkeypatch):
    monkeypatch.setattr(throttle, "WINDOW_SECONDS", 1.0)
    client.throttle.per_minute = 2
    started = time.monotonic()
    for _ in range(4):
        client.list_sales_orders(page_size=1)
    assert time.monotonic() - started >= 0.9  # calls 3 and 4 waited for the window


def test_one_call_at_a_time_across_processes(autofy, client):
    autofy.autofy_configure(agent_latency_ms=150)
    location = settings.CACHES["default"].get("LOCATION", "")
    command = [sys.executable, str(TURNS), f"{autofy.url}/autofy/v2/data", location, "4"]
    processes = [subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
    spans = []
    for process in processes:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        spans.extend(json.loads(out.strip().splitlines()[-1]))
    spans.sort()
    assert len(spans) == 8
    for (_, end), (start, _) in zip(spans, spans[1:]):
        assert start >= end, "two processes had a call on the wire at once"


def test_a_turn_waits_no_longer_than_it_may(autofy, client):
    with throttle.exclusive("unrelated"):
        pass
    held = client.throttle._lock
    assert held.acquire(time.monotonic() + 1)
    try:
        client.turn_wait = 0.2
        started = time.monotonic()
        with pytest.raises(UpstreamUnavailable) as caught:
            client.list_sales_orders(page_size=1)
        assert "busy" in str(caught.value) and time.monotonic() - started < 1
    finally:
        held.release()
