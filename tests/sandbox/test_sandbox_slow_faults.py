"""The faults of a slow or broken ERP: ``stall``, ``drip`` and ``huge`` (see ``sandbox.faults``)."""

import json
import time

import pytest
import requests

HUGE_BYTES = 5 * 1024 * 1024  # sandbox.faults.HUGE_BYTES (the sandbox is not an app of these settings)


def test_a_stall_answers_nothing_and_lets_go_when_the_client_hangs_up(sandbox):
    sandbox.fault("GET /salesorders", "stall", seconds=30)

    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        sandbox.api("GET", "/salesorders", timeout=(3, 0.5))
    assert time.monotonic() - started < 2
    # The sandbox noticed the hang-up: the call is logged as answered with nothing, long before 30 s.
    deadline = time.monotonic() + 5
    while not [c for c in sandbox.calls(sandbox.last_call_id() - 5) if c["fault"] == "stall"]:
        assert time.monotonic() < deadline, "the stalled call did not end when its client left"
        time.sleep(0.05)
    [call] = [c for c in sandbox.calls(sandbox.last_call_id() - 5) if c["fault"] == "stall"]
    assert call["status"] is None
    assert sandbox.api("GET", "/salesorders").status_code == 200  # one call only


def test_a_stall_ends_by_closing_the_connection(sandbox):
    sandbox.fault("GET /taxes", "stall", seconds=0.3)
    with pytest.raises(requests.exceptions.ConnectionError):
        sandbox.api("GET", "/taxes", timeout=(3, 5))


def test_a_drip_sends_the_headers_at_once_and_the_body_a_byte_at_a_time(sandbox):
    expected = sandbox.api("GET", "/taxes").content
    sandbox.fault("GET /taxes", "drip", seconds=0.002)

    started = time.monotonic()
    response = sandbox.api("GET", "/taxes", stream=True, timeout=(3, 0.5))  # no single read waits long
    assert time.monotonic() - started < 0.5
    assert response.headers["Content-Length"] == str(len(expected))
    first = response.raw.read(10)
    body = first + response.raw.read()
    assert time.monotonic() - started >= len(expected) * 0.002 * 0.9
    assert json.loads(body) == json.loads(expected)


def test_a_drip_defaults_to_a_byte_every_50_ms(sandbox):
    fault = sandbox.fault("GET /taxes", "drip")
    assert fault["seconds"] == 0.05
    sandbox.clear_faults()


def test_a_huge_answer_is_five_mb_of_valid_json_without_a_length(sandbox):
    sandbox.fault("GET /salesorders", "huge")

    response = sandbox.api("GET", "/salesorders", params={"limit": 5})
    assert response.status_code == 200
    assert "Content-Length" not in response.headers
    assert len(response.content) >= HUGE_BYTES
    orders = response.json()
    assert len(orders) > 1000 and {"id", "customer"} <= orders[-1].keys()


def test_a_huge_single_record_is_padded(sandbox):
    sandbox.fault("GET /salesorders/*", "huge")

    response = sandbox.api("GET", "/salesorders/1001")
    assert len(response.content) >= HUGE_BYTES
    assert response.json()["id"] == 1001
