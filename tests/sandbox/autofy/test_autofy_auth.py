"""The API key and the endpoint (1400-1404), object names and methods."""

import pytest
import requests

from tests.sandbox.autofy.helpers import envelope, objects, request_error


def test_a_request_without_the_key_is_1400(autofy):
    response = requests.get(f"{autofy.autofy_url}/SalesOrder", timeout=10)
    error = request_error(response, 401)
    assert error["Code"] == 1400
    assert "x-api-key" in error["Message"]
    assert "RateLimit-Remaining" not in response.headers


def test_an_empty_key_is_missing_too(autofy):
    response = autofy.autofy("GET", "/SalesOrder", headers={"x-api-key": ""})
    assert request_error(response, 401)["Code"] == 1400


def test_a_wrong_key_is_1401(autofy):
    response = autofy.autofy("GET", "/SalesOrder", headers={"x-api-key": "TEST-not-ours"})
    assert request_error(response, 401)["Code"] == 1401


@pytest.mark.parametrize("endpoint", ["someone-elses-endpoint", "SANDBOX-ENDPOINT"])
def test_an_endpoint_the_key_does_not_own_is_1402(autofy, endpoint):
    response = requests.get(f"{autofy.url}/autofy/v2/data/{endpoint}/SalesOrder",
                            headers={"x-api-key": autofy.autofy_key}, timeout=10)
    error = request_error(response, 403)
    assert error["Code"] == 1402
    assert "RateLimit-Remaining" not in response.headers


def test_an_expired_trial_key_is_1403_everywhere(autofy):
    autofy.autofy_configure(key_kind="trial_expired")
    for path in ("/SalesOrder", "/Customer", "/SalesOrder/1A00-1700000000"):
        assert request_error(autofy.autofy("GET", path), 401)["Code"] == 1403


def test_a_trial_key_cannot_list_but_can_get_by_id_number_or_name(autofy):
    [first] = objects(autofy.autofy("GET", "/SalesOrder", params={"pageSize": 1}))
    autofy.autofy_configure(key_kind="trial")

    for path in ("/SalesOrder", "/Customer", "/Item"):
        error = request_error(autofy.autofy("GET", path), 403)
        assert error["Code"] == 1404
        assert error["Message"] == "GET requests for your API key must specify either an Id, Name, or Number."
    assert objects(autofy.autofy("GET", "/SalesOrder", params={"Id": first["ID"]}))[0]["ID"] == first["ID"]
    assert objects(autofy.autofy("GET", "/SalesOrder", params={"number": first["Number"]}))
    assert objects(autofy.autofy("GET", f"/SalesOrder/{first['ID']}"))
    assert objects(autofy.autofy("GET", "/Customer", params={"name": "Addison Dental Group"}))


def test_object_names_ignore_case(autofy):
    [order] = objects(autofy.autofy("GET", "/salesorder", params={"pageSize": 1}))
    assert objects(autofy.autofy("GET", f"/SALESORDER/{order['ID']}"))[0]["ID"] == order["ID"]
    assert objects(autofy.autofy("GET", "/customer", params={"pageSize": 1}))


def test_an_unknown_object_name_is_a_404_with_4000(autofy):
    error = request_error(autofy.autofy("GET", "/Invoice"), 404)
    assert error["Code"] == 4000
    assert "Invoice" in error["Message"]


def test_an_unknown_route_under_autofy_answers_the_envelope(autofy):
    response = requests.get(f"{autofy.url}/autofy/v2/meta/SalesOrder", headers={"x-api-key": autofy.autofy_key},
                            timeout=10)
    assert request_error(response, 404)["Code"] == 4000


@pytest.mark.parametrize("method, path, allowed", [
    ("DELETE", "/SalesOrder", "GET, POST, PATCH"),
    ("PUT", "/SalesOrder", "GET, POST, PATCH"),
    ("DELETE", "/SalesOrder/1A00-1700000000", "GET, PATCH"),
    ("POST", "/SalesOrder/1A00-1700000000", "GET, PATCH"),
    ("POST", "/Customer", "GET"),
    ("PATCH", "/Item", "GET"),
])
def test_autofy_has_no_delete_and_the_lists_are_read_only(autofy, method, path, allowed):
    response = autofy.autofy(method, path, json={})
    assert request_error(response, 405)["Code"] == 4000
    assert response.headers["Allow"] == allowed


def test_every_answer_has_its_own_request_id(autofy):
    ids = {envelope(autofy.autofy("GET", "/SalesOrder", params={"pageSize": 1}))["RequestId"] for _ in range(3)}
    ids.add(envelope(requests.get(f"{autofy.autofy_url}/SalesOrder", timeout=10), 401)["RequestId"])
    assert len(ids) == 4
    assert all(len(request_id) == 32 and request_id == request_id.upper() for request_id in ids)
