"""The rate limit: 100 requests a minute per endpoint, the RateLimit-* headers on every answer, 429
past it; turned down, up and reset through the control API."""

import requests

from tests.sandbox.autofy.helpers import create, objects, order_body, request_error

RATE_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")


def remaining(response: requests.Response) -> int:
    return int(response.headers["RateLimit-Remaining"])


def test_every_answer_counts_down_the_limit(autofy):
    first = autofy.autofy("GET", "/SalesOrder", params={"pageSize": 1})
    order_id = objects(first)[0]["ID"]
    answers = [
        first,
        autofy.autofy("GET", f"/SalesOrder/{order_id}"),
        autofy.autofy("GET", "/SalesOrder/FFFF-1700000000"),  # 1507
        autofy.autofy("GET", "/Customer", params={"pageSize": 2}),
        autofy.autofy("GET", "/SalesOrder", params={"bogus": 1}),  # 4000
        autofy.autofy("POST", "/SalesOrder", json=order_body(autofy, Customer={"FullName": "Nobody"})),  # 3140
        autofy.autofy("GET", "/Nothing"),  # unknown object
    ]
    for answer in answers:
        assert answer.headers["RateLimit-Limit"] == "100"
        assert 1 <= int(answer.headers["RateLimit-Reset"]) <= 60
    counts = [remaining(answer) for answer in answers]
    # order_body() looked the customer and the chair up: two more requests.
    assert counts == [99, 98, 97, 96, 95, 92, 91]


def test_refused_keys_do_not_count_and_carry_no_rate_headers(autofy):
    before = remaining(autofy.autofy("GET", "/Terms"))
    for _ in range(3):
        refused = autofy.autofy("GET", "/Terms", headers={"x-api-key": "wrong"})
        assert refused.status_code == 401 and not set(RATE_HEADERS) & set(refused.headers)
    assert remaining(autofy.autofy("GET", "/Terms")) == before - 1


def test_past_the_limit_the_answer_is_429_until_the_window_ends(autofy):
    autofy.autofy_configure(rate_limit=3)
    assert [remaining(autofy.autofy("GET", "/Terms")) for _ in range(3)] == [2, 1, 0]

    refused = autofy.autofy("GET", "/Terms")
    error = request_error(refused, 429)
    assert error["Code"] == 4000 and "3 requests a minute" in error["Message"]
    assert refused.headers["RateLimit-Remaining"] == "0"
    assert refused.headers["Retry-After"] == refused.headers["RateLimit-Reset"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert autofy.autofy("POST", "/SalesOrder", json={}).status_code == 429  # writes too

    # A refused request does not count: raising the limit gives exactly the difference.
    autofy.autofy_configure(rate_limit=5)
    assert [autofy.autofy("GET", "/Terms").status_code for _ in range(3)] == [200, 200, 429]


def test_the_control_api_starts_a_new_window(autofy):
    autofy.autofy_configure(rate_limit=1)
    assert autofy.autofy("GET", "/Terms").status_code == 200
    assert autofy.autofy("GET", "/Terms").status_code == 429
    autofy.control("POST", "/autofy/rate-limit/reset")
    answer = autofy.autofy("GET", "/Terms")
    assert (answer.status_code, answer.headers["RateLimit-Reset"], remaining(answer)) == (200, "60", 0)


def test_a_429_changes_nothing(autofy):
    autofy.autofy_configure(rate_limit=0)
    refused = autofy.autofy("POST", "/SalesOrder", json={"Customer": {"FullName": "Addison Dental Group"},
                                                        "Number": "RL-429", "Date": "2026-11-20",
                                                        "ItemLines": [{"Item": {"FullName": "Assembly"}}]})
    assert request_error(refused, 429)["Code"] == 4000
    autofy.autofy_configure(rate_limit=100)
    assert objects(autofy.autofy("GET", "/SalesOrder", params={"number": "RL-429"})) == []
    assert create(autofy, Number="RL-430")["Number"] == "RL-430"
