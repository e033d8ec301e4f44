"""Trace ids, injected faults, latency, the failure rate and the call log."""

import json
import time
import uuid

import pytest
import requests

ORDER = {"customer": {"id": 10002, "name": "Bølgen & Moi AS"}}


def orders_of(sandbox, reference: str) -> list[dict]:
    orders = sandbox.api("GET", "/salesorders", params={"customerId": 10002, "limit": 1000}).json()
    return [o for o in orders if o.get("referenceNumber") == reference]


def new_reference() -> str:
    return f"PO-{uuid.uuid4().hex[:12]}"


# --- Trace ids -------------------------------------------------------------------------------------


def test_every_response_has_its_own_trace_id(sandbox):
    responses = [
        sandbox.api("GET", "/taxes"),
        sandbox.api("GET", "/salesorders/999999"),
        sandbox.api("GET", "/nowhere"),
        sandbox.api("DELETE", "/taxes"),
        requests.get(f"{sandbox.api_url}/taxes", timeout=10),
        requests.post(sandbox.token_url, data={"grant_type": "client_credentials"}, timeout=10),
        requests.get(f"{sandbox.url}/_sandbox/state", timeout=10),
    ]
    trace_ids = [response.headers["X-Trace-Id"] for response in responses]
    assert all(len(trace_id) == 32 for trace_id in trace_ids)
    assert len(set(trace_ids)) == len(trace_ids)
    for response in responses[1:5]:
        assert response.status_code >= 400
        assert response.json()["trackingId"] not in trace_ids


def test_keep_alive_connections_are_reused(sandbox):
    with requests.Session() as session:
        first = session.get(f"{sandbox.url}/_sandbox/state", timeout=10, stream=True)
        local_port = first.raw.connection.sock.getsockname()[1]
        first.content
        second = session.get(f"{sandbox.url}/_sandbox/state", timeout=10, stream=True)
        assert second.raw.connection.sock.getsockname()[1] == local_port
        assert second.headers.get("Connection") != "close"
        second.content


# --- Faults ----------------------------------------------------------------------------------------


def test_a_timeout_fault_outlasts_a_short_read_timeout_and_then_passes(sandbox):
    sandbox.fault("GET /salesorders", "timeout", seconds=1)

    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        sandbox.api("GET", "/salesorders", timeout=(3, 0.3))
    assert time.monotonic() - started < 0.9
    assert sandbox.api("GET", "/salesorders").status_code == 200


def test_a_timed_out_write_is_not_applied(sandbox):
    reference = new_reference()
    sandbox.fault("POST /salesorders", "timeout", seconds=0.8)

    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(f"{sandbox.api_url}/salesorders", json={**ORDER, "referenceNumber": reference},
                      headers={"Authorization": f"Bearer {sandbox.token()}"}, timeout=(3, 0.2))
    time.sleep(1.0)  # past the server's sleep
    assert orders_of(sandbox, reference) == []


def test_a_late_commit_lands_after_the_client_gave_up(sandbox):
    reference = new_reference()
    sandbox.fault("POST /salesorders", "late_commit", seconds=0.8)

    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(f"{sandbox.api_url}/salesorders", json={**ORDER, "referenceNumber": reference},
                      headers={"Authorization": f"Bearer {sandbox.token()}"}, timeout=(3, 0.2))
    # Not there yet when the client gives up: a check now would find nothing...
    assert orders_of(sandbox, reference) == []
    # ...but the ERP finishes the write later all the same.
    while not orders_of(sandbox, reference):
        assert time.monotonic() - started < 5, "the late write never landed"
        time.sleep(0.1)
    assert time.monotonic() - started >= 0.8
    assert len(orders_of(sandbox, reference)) == 1


def test_a_patient_client_gets_the_answer_after_the_timeout_fault(sandbox):
    reference = new_reference()
    sandbox.fault("POST /salesorders", "timeout", seconds=0.3)

    started = time.monotonic()
    response = sandbox.api("POST", "/salesorders", json={**ORDER, "referenceNumber": reference})
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.3
    assert [o["id"] for o in orders_of(sandbox, reference)] == [response.json()["id"]]


def test_a_500_fault_applies_to_the_next_count_calls(sandbox):
    sandbox.fault("GET /taxes", "500", count=2)

    for _ in range(2):
        response = sandbox.api("GET", "/taxes")
        assert response.status_code == 500
        assert response.json()["error"]["name"] == "InternalServerError"
        assert response.json()["trackingId"]
    assert sandbox.api("GET", "/taxes").status_code == 200


def test_a_503_fault_says_when_to_retry(sandbox):
    sandbox.fault("GET /salesorders/*", "503", retry_after=7)

    response = sandbox.api("GET", "/salesorders/1001")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "7"
    assert response.json()["error"]["name"] == "ServiceUnavailableError"


def test_a_401_fault_looks_like_an_expired_token(sandbox):
    sandbox.fault("GET /customers", "401")

    response = sandbox.api("GET", "/customers")
    assert response.status_code == 401
    assert response.json()["error"] == {"name": "UnauthorizedError", "message": "The access token has expired"}
    assert sandbox.api("GET", "/customers").status_code == 200  # the token itself is still good


def test_a_404_fault_is_a_record_gone_and_only_for_v1(sandbox):
    sandbox.fault("GET /customers/10006", "404")

    response = sandbox.api("GET", "/customers/10006")
    assert response.status_code == 404 and response.json()["error"]["name"] == "NotFoundError"
    assert sandbox.api("GET", "/customers/10006").status_code == 200  # once
    refused = requests.post(f"{sandbox.url}/_sandbox/faults", timeout=5,
                            json={"api": "autofy", "endpoint": "GET /SalesOrder", "fault": "404"})
    assert refused.status_code == 400  # Autofy says "not found" inside its envelope (1507), never with a 404


def test_a_malformed_fault_answers_200_with_broken_json(sandbox):
    sandbox.fault("GET /salesorders", "malformed")

    response = sandbox.api("GET", "/salesorders")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


def test_an_html_fault_is_a_502_page(sandbox):
    sandbox.fault("* /salesorders/*", "html")

    response = sandbox.api("PATCH", "/salesorders/1001", json={"memo": "x"})
    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<h1>502 Bad Gateway</h1>" in response.text
    assert response.headers["X-Trace-Id"]


def test_drop_after_commit_applies_the_write_but_sends_nothing(sandbox):
    reference = new_reference()
    sandbox.fault("POST /salesorders", "drop_after_commit")

    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(f"{sandbox.api_url}/salesorders", json={**ORDER, "referenceNumber": reference},
                      headers={"Authorization": f"Bearer {sandbox.token()}"}, timeout=10)

    assert len(orders_of(sandbox, reference)) == 1
    [call] = [c for c in sandbox.calls(sandbox.last_call_id() - 3) if c["fault"] == "drop_after_commit"]
    assert (call["method"], call["path"], call["status"]) == ("POST", "/v1/salesorders", None)


def test_drop_after_commit_on_a_read_just_drops(sandbox):
    sandbox.fault("GET /taxes", "drop_after_commit")
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{sandbox.api_url}/taxes", headers={"Authorization": f"Bearer {sandbox.token()}"}, timeout=10)
    assert sandbox.api("GET", "/taxes").status_code == 200


def test_faults_match_method_and_glob(sandbox):
    sandbox.fault("* /customers/*", "500", count=5)

    assert sandbox.api("GET", "/customers").status_code == 200  # the list is not /customers/<something>
    assert sandbox.api("GET", "/customers/10001").status_code == 500
    assert sandbox.control("GET", "/faults")[0]["count"] == 4

    sandbox.clear_faults()
    assert sandbox.control("GET", "/faults") == []
    assert sandbox.api("GET", "/customers/10001").status_code == 200


def test_a_fault_request_is_validated(sandbox):
    response = requests.post(f"{sandbox.url}/_sandbox/faults", json={"endpoint": "GET /taxes", "fault": "boom"},
                             timeout=10)
    assert response.status_code == 400
    assert response.json()["error"]["payload"]["validationErrors"] == [{"path": "fault", "keyword": "enum"}]


# --- Latency, failure rate, call log ---------------------------------------------------------------


def test_latency_delays_api_and_token_calls(sandbox):
    sandbox.configure(latency_ms=300)

    started = time.monotonic()
    sandbox.token()
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    assert sandbox.api("GET", "/taxes").status_code == 200
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    sandbox.state()  # the control API is not delayed
    assert time.monotonic() - started < 0.3


def test_a_failure_rate_of_one_fails_every_api_call(sandbox):
    sandbox.token()
    sandbox.configure(failure_rate=1.0)
    token = sandbox.token()  # the token endpoint is not subject to the failure rate

    for path in ("/taxes", "/salesorders", "/customers/10001"):
        response = requests.get(f"{sandbox.api_url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert response.status_code == 503
        assert response.json()["error"]["name"] == "ServiceUnavailableError"
        assert response.headers["Retry-After"] == "1"
    assert sandbox.state()["counts"]["salesOrders"] >= 520


def test_the_call_log_counts_upstream_calls(sandbox):
    sandbox.token()
    since = sandbox.last_call_id()
    sandbox.fault("POST /salesorders", "500")

    assert sandbox.api("POST", "/salesorders", json=ORDER).status_code == 500
    assert sandbox.api("GET", "/organization/people", params={"personType": "Organization"}).status_code == 200

    calls = sandbox.calls(since)
    assert [(c["method"], c["path"], c["query"], c["status"], c["fault"]) for c in calls] == [
        ("POST", "/v1/salesorders", "", 500, "500"),
        ("GET", "/v1/organization/people", "personType=Organization", 200, None),
    ]
    assert calls[0]["id"] > since
