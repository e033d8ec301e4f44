"""Injected faults on Autofy paths (``"api": "autofy"``, matched after ``/autofy/v2/data/{endpointID}``),
latency, the failure rate and the call log."""

import json
import time

import pytest
import requests

from tests.sandbox.autofy.helpers import envelope, objects, order_body, request_error

HUGE_BYTES = 5 * 1024 * 1024


def orders_numbered(autofy, number: str) -> list[dict]:
    return objects(autofy.autofy("GET", "/SalesOrder", params={"number": number}))


def post_giving_up(autofy, body: dict, read_timeout: float):
    with pytest.raises((requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError)):
        requests.post(f"{autofy.autofy_url}/SalesOrder", json=body, headers={"x-api-key": autofy.autofy_key},
                      timeout=(3, read_timeout))


@pytest.mark.parametrize("kind, status, code", [("500", 500, 1303), ("503", 503, 1303), ("401", 401, 1401)])
def test_error_faults_answer_autofy_s_envelope_and_apply_nothing(autofy, kind, status, code):
    body = order_body(autofy, Number=f"F-{kind}")
    autofy.autofy_fault("POST /SalesOrder", kind, count=2, retry_after=4)
    for _ in range(2):
        response = autofy.autofy("POST", "/SalesOrder", json=body)
        assert request_error(response, status)["Code"] == code
        assert "RateLimit-Remaining" not in response.headers  # answered before Autofy's own checks
    if kind == "503":
        assert response.headers["Retry-After"] == "4"
    assert orders_numbered(autofy, f"F-{kind}") == []
    assert autofy.autofy("POST", "/SalesOrder", json=body).status_code == 200


def test_a_fault_s_code_can_be_chosen(autofy):
    autofy.autofy_fault("GET /SalesOrder", "503", code=1302)
    assert request_error(autofy.autofy("GET", "/SalesOrder"), 503)["Code"] == 1302


def test_a_200_carrying_errors_applies_nothing(autofy):
    body = order_body(autofy, Number="F-200")
    autofy.autofy_fault("POST /SalesOrder", "error_200", code=1600)
    answer = envelope(autofy.autofy("POST", "/SalesOrder", json=body))
    assert (answer["HasErrors"], answer["Contents"], [e["Code"] for e in answer["Errors"]]) == (True, [], [1600])
    assert orders_numbered(autofy, "F-200") == []

    autofy.autofy_fault("GET /Customer", "error_200")
    assert [e["Code"] for e in envelope(autofy.autofy("GET", "/Customer"))["Errors"]] == [1300]


def test_an_error_after_commit_applies_the_write_and_answers_an_error_in_a_200(autofy):
    body = order_body(autofy, Number="F-AFTER")
    autofy.autofy_fault("POST /SalesOrder", "error_after_commit")
    answer = envelope(autofy.autofy("POST", "/SalesOrder", json=body))
    assert answer["HasErrors"] is True and [e["Code"] for e in answer["Errors"]] == [1301]
    assert len(orders_numbered(autofy, "F-AFTER")) == 1


@pytest.mark.parametrize("code, status", [(1302, 503), (1600, 200)])
def test_offline_after_commit_applies_the_write_then_the_agent_stays_offline(autofy, code, status):
    body = order_body(autofy, Number=f"F-OFF{code}")
    autofy.autofy_configure(offline_code=code, offline_status=status)
    autofy.autofy_fault("POST /SalesOrder", "offline_after_commit")
    answer = envelope(autofy.autofy("POST", "/SalesOrder", json=body), status)
    assert answer["Contents"] == [] and [e["Code"] for e in answer["Errors"]] == [code]
    assert autofy.autofy_state()["config"]["agent_offline"] is True
    # The agent is off from now on: the order is there, but only once it is back can anyone see it.
    assert [e["Code"] for e in envelope(autofy.autofy("GET", "/SalesOrder", params={"number": f"F-OFF{code}"}),
                                        status)["Errors"]] == [code]
    autofy.autofy_configure(agent_offline=False)
    assert len(orders_numbered(autofy, f"F-OFF{code}")) == 1


def test_a_timed_out_write_is_not_applied(autofy):
    body = order_body(autofy, Number="F-TIMEOUT")
    autofy.autofy_fault("POST /SalesOrder", "timeout", seconds=0.8)
    post_giving_up(autofy, body, 0.2)
    time.sleep(1.0)
    assert orders_numbered(autofy, "F-TIMEOUT") == []


def test_a_late_commit_lands_after_the_client_gave_up(autofy):
    body = order_body(autofy, Number="F-LATE")
    autofy.autofy_fault("POST /SalesOrder", "late_commit", seconds=0.8)
    started = time.monotonic()
    post_giving_up(autofy, body, 0.2)
    assert orders_numbered(autofy, "F-LATE") == []
    while not orders_numbered(autofy, "F-LATE"):
        assert time.monotonic() - started < 5, "the late write never landed"
        time.sleep(0.1)
    assert len(orders_numbered(autofy, "F-LATE")) == 1


def test_a_slow_agent_finishes_a_write_its_client_stopped_waiting_for(autofy):
    body = order_body(autofy, Number="F-SLOW")
    autofy.autofy_configure(agent_latency_ms=800)
    post_giving_up(autofy, body, 0.2)
    autofy.autofy_configure(agent_latency_ms=0)
    deadline = time.monotonic() + 5
    while not orders_numbered(autofy, "F-SLOW"):
        assert time.monotonic() < deadline, "the slow agent never saved the order"
        time.sleep(0.1)


def test_a_dropped_connection_after_commit(autofy):
    body = order_body(autofy, Number="F-DROP")
    autofy.autofy_fault("POST /SalesOrder", "drop_after_commit")
    with pytest.raises(requests.exceptions.ConnectionError):
        autofy.autofy("POST", "/SalesOrder", json=body)
    assert len(orders_numbered(autofy, "F-DROP")) == 1


def test_a_malformed_answer_after_the_write(autofy):
    body = order_body(autofy, Number="F-BAD")
    autofy.autofy_fault("POST /SalesOrder", "malformed")
    response = autofy.autofy("POST", "/SalesOrder", json=body)
    assert response.status_code == 200
    with pytest.raises(ValueError):
        json.loads(response.content)
    assert len(orders_numbered(autofy, "F-BAD")) == 1


def test_an_html_error_page(autofy):
    autofy.autofy_fault("GET /SalesOrder/*", "html")
    [order] = objects(autofy.autofy("GET", "/SalesOrder", params={"pageSize": 1}))
    response = autofy.autofy("GET", f"/SalesOrder/{order['ID']}")
    assert response.status_code == 502 and response.headers["Content-Type"].startswith("text/html")


def test_a_stall_closes_the_connection_without_an_answer(autofy):
    autofy.autofy_fault("GET /Item", "stall", seconds=0.3)
    with pytest.raises(requests.exceptions.ConnectionError):
        autofy.autofy("GET", "/Item", timeout=(3, 5))


def test_a_drip_and_a_huge_answer(autofy):
    expected = envelope(autofy.autofy("GET", "/Terms"))
    autofy.autofy_fault("GET /Terms", "drip", seconds=0.0005)
    dripped = autofy.autofy("GET", "/Terms")
    assert [entry["Object"] for entry in dripped.json()["Contents"]] == \
        [entry["Object"] for entry in expected["Contents"]]

    autofy.autofy_fault("GET /Terms", "huge")
    huge = autofy.autofy("GET", "/Terms", stream=True)
    assert "Content-Length" not in huge.headers
    body = huge.raw.read()
    assert len(body) >= HUGE_BYTES
    assert json.loads(body)["Contents"]  # still valid JSON


def test_object_names_in_fault_paths_are_autofy_s_spelling(autofy):
    autofy.autofy_fault("GET /SalesOrder", "500")
    assert autofy.autofy("GET", "/salesorder").status_code == 500


def test_autofy_faults_and_24sevenoffice_faults_keep_to_their_api(autofy):
    autofy.fault("GET *", "500")  # a /v1 fault
    assert autofy.autofy("GET", "/Terms").status_code == 200
    assert autofy.api("GET", "/taxes").status_code == 500
    autofy.autofy_fault("GET *", "500")
    assert autofy.api("GET", "/taxes").status_code == 200
    assert autofy.autofy("GET", "/Terms").status_code == 500


def test_autofy_only_faults_are_refused_for_24sevenoffice(autofy):
    response = requests.post(f"{autofy.url}/_sandbox/faults", json={"endpoint": "GET /taxes", "fault": "error_200"},
                             timeout=10)
    assert response.status_code == 400
    faults = autofy.control("GET", "/faults")
    assert faults == []
    added = autofy.autofy_fault("POST /SalesOrder", "error_200", code=3170)
    assert (added["api"], added["code"], added["endpoint"]) == ("autofy", 3170, "POST /SalesOrder")


def test_latency_and_the_failure_rate_apply_to_autofy_calls(autofy):
    autofy.configure(latency_ms=300)
    started = time.monotonic()
    assert autofy.autofy("GET", "/Terms").status_code == 200
    assert time.monotonic() - started >= 0.3

    autofy.configure(latency_ms=0, failure_rate=1.0)
    response = autofy.autofy("GET", "/Terms")
    assert request_error(response, 503)["Code"] == 1303
    assert response.headers["Retry-After"] == "1"


def test_the_call_log_records_autofy_calls(autofy):
    since = autofy.last_call_id()
    autofy.autofy_fault("GET /Customer", "500")
    autofy.autofy("GET", "/Customer", params={"pageSize": 1})
    autofy.autofy("GET", "/Terms")
    calls = autofy.calls(since)
    prefix = f"/autofy/v2/data/{autofy.autofy_endpoint}"
    assert [(c["method"], c["path"], c["query"], c["status"], c["fault"]) for c in calls] == [
        ("GET", f"{prefix}/Customer", "pageSize=1", 500, "500"),
        ("GET", f"{prefix}/Terms", "", 200, None),
    ]
