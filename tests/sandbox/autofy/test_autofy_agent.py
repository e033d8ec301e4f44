"""The agent: one request at a time per endpoint across the server's processes (others queue; a full
queue answers 1900), a slow agent, an agent that is offline."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.sandbox.autofy.helpers import envelope, objects, order_body, request_error, the_object


@pytest.fixture
def workers(sandbox_workers, autofy) -> str:
    """The Autofy data API of a server with three processes (``sandbox_workers``) on the same database."""
    return f"{sandbox_workers}/autofy/v2/data/{autofy.autofy_endpoint}"


def concurrently(calls: list) -> list:
    """Run each ``(delay, call)`` in its own thread, ``delay`` seconds after the start; their results."""
    def run(entry):
        delay, call = entry
        time.sleep(delay)
        return call()
    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def timed_get(url: str, key: str, path: str = "/Terms", **kwargs):
    def call():
        started = time.monotonic()
        # A new connection each time: the kernel spreads them over the processes.
        response = requests.get(url + path, headers={"x-api-key": key, "Connection": "close"}, timeout=30, **kwargs)
        return started, time.monotonic(), response
    return call


def agent_turn(response: requests.Response) -> tuple[float, float] | None:
    """When the agent worked on the request (the sandbox says so in a header of its own), or None."""
    value = response.headers.get("X-Sandbox-Agent-Turn")
    return tuple(map(float, value.split())) if value else None


def test_requests_to_one_endpoint_are_served_one_after_the_other_across_processes(autofy, workers):
    autofy.autofy_configure(agent_latency_ms=200)
    for _attempt in range(3):
        results = concurrently([(0.01 * index, timed_get(workers, autofy.autofy_key)) for index in range(8)])
        if len({response.headers["X-Sandbox-Worker"] for _, _, response in results}) >= 2:
            break
    else:
        pytest.fail("the kernel never spread the connections over the processes")
    assert all(response.status_code == 200 for _, _, response in results)
    turns = sorted(agent_turn(response) for _, _, response in results)
    # The agent takes 0.2 s a request and one request at a time: no two turns overlap.
    assert all(ended - began >= 0.2 for began, ended in turns)
    assert all(later[0] >= earlier[1] for earlier, later in zip(turns, turns[1:])), turns


def test_a_full_queue_answers_1900_at_once(autofy, workers):
    autofy.autofy_configure(agent_latency_ms=800, queue_limit=1)
    results = concurrently([(0.2 * index, timed_get(workers, autofy.autofy_key)) for index in range(3)])
    # Whichever reaches the agent first is served, the next waits its turn, the third finds the queue full.
    served = [response for _, _, response in results if response.status_code == 200]
    [refused] = [result for result in results if result[2].status_code != 200]
    first, second = sorted(agent_turn(response) for response in served)
    assert second[0] >= first[1] and second[1] - second[0] >= 0.8
    error = request_error(refused[2], 503)
    assert error["Code"] == 1900
    assert agent_turn(refused[2]) is None
    assert refused[2].headers["Retry-After"] == "5"
    assert refused[1] - refused[0] < 1.6  # at once, not after the two turns
    assert refused[2].headers["RateLimit-Limit"] == "100"


def test_a_request_that_waited_too_long_answers_1600(autofy, workers):
    autofy.autofy_configure(agent_latency_ms=1500, queue_wait_seconds=0.3)
    results = concurrently([(0.2 * index, timed_get(workers, autofy.autofy_key)) for index in range(2)])
    [served] = [response for _, _, response in results if response.status_code == 200]
    [waited] = [result for result in results if result[2].status_code != 200]
    assert request_error(waited[2], 503)["Code"] == 1600
    assert agent_turn(waited[2]) is None
    assert 0.3 <= waited[1] - waited[0] < 1.5  # it waited its 0.3 s, not the whole turn
    began, ended = agent_turn(served)
    assert ended - began >= 1.5


def test_a_queued_write_is_carried_out_even_when_its_client_stopped_waiting(autofy):
    autofy.autofy_configure(agent_latency_ms=700)
    body = order_body(autofy, Number="Q-LATE")
    url = autofy.autofy_url

    def give_up():
        try:
            requests.post(f"{url}/SalesOrder", json=body, headers={"x-api-key": autofy.autofy_key}, timeout=(3, 0.3))
        except requests.exceptions.ReadTimeout:
            return "gave up"
        return "answered"

    busy = timed_get(url, autofy.autofy_key)
    results = concurrently([(0, busy), (0.1, give_up)])
    assert results[1] == "gave up"
    autofy.autofy_configure(agent_latency_ms=0)
    deadline = time.monotonic() + 5
    while not objects(autofy.autofy("GET", "/SalesOrder", params={"number": "Q-LATE"})):
        assert time.monotonic() < deadline, "the queued write never landed"
        time.sleep(0.1)
    assert len(objects(autofy.autofy("GET", "/SalesOrder", params={"number": "Q-LATE"}))) == 1


def test_the_rate_limit_is_shared_by_the_processes(autofy, workers):
    autofy.autofy_configure(rate_limit=5)
    statuses = [requests.get(f"{workers}/Terms", headers={"x-api-key": autofy.autofy_key, "Connection": "close"},
                             timeout=10).status_code for _ in range(9)]
    assert statuses == [200] * 5 + [429] * 4


def test_a_slow_agent_takes_its_time_for_every_request(autofy):
    autofy.autofy_configure(agent_latency_ms=300)
    started = time.monotonic()
    slow = autofy.autofy("GET", "/Terms", params={"name": "Net 30"})
    assert time.monotonic() - started >= 0.3
    assert the_object(slow)["Name"] == "Net 30"
    autofy.autofy_configure(agent_latency_ms=0)
    quick = autofy.autofy("GET", "/Terms", params={"name": "Net 30"})
    began, ended = agent_turn(slow)
    assert ended - began >= 0.3
    assert agent_turn(quick)[1] - agent_turn(quick)[0] < ended - began


def test_an_offline_agent_answers_1302_at_once_until_it_is_back(autofy):
    autofy.autofy_configure(agent_offline=True, agent_latency_ms=2000)
    for method, path, body in (("GET", "/SalesOrder", None), ("GET", "/Customer", None),
                               ("POST", "/SalesOrder", {"Number": "OFF-1"})):
        started = time.monotonic()
        response = autofy.autofy(method, path, json=body)
        assert time.monotonic() - started < 1
        error = request_error(response, 503)
        assert error["Code"] == 1302 and "agent" in error["Message"].lower()
        assert "RateLimit-Remaining" in response.headers

    autofy.autofy_configure(agent_offline=False, agent_latency_ms=0)
    assert objects(autofy.autofy("GET", "/SalesOrder", params={"pageSize": 1}))
    assert objects(autofy.autofy("GET", "/SalesOrder", params={"number": "OFF-1"})) == []


def test_an_offline_agent_can_answer_1600_inside_a_200(autofy):
    autofy.autofy_configure(agent_offline=True, offline_code=1600, offline_status=200)
    body = envelope(autofy.autofy("GET", "/SalesOrder"))
    assert body["HasErrors"] is True and body["Contents"] == []
    assert [error["Code"] for error in body["Errors"]] == [1600]


def test_the_agent_knobs_are_validated(autofy):
    response = requests.post(f"{autofy.url}/_sandbox/autofy/config", json={"offline_code": 1234}, timeout=10)
    assert response.status_code == 400
    assert response.json()["error"]["payload"]["validationErrors"] == [{"path": "offline_code", "keyword": "enum"}]
    assert autofy.control("GET", "/autofy/config")["offline_code"] == 1302
