"""The Autofy client against Autofy's envelope: success, errors inside an HTTP 200, every code's mapping
onto the ``UpstreamError`` family, retries, and the API key kept out of errors and logs."""

import json
import logging
from decimal import Decimal

import pytest
import requests

from orders.erp.autofy.client import AutofyClient
from orders.erp.errors import (
    UpstreamAuthError,
    UpstreamBusinessError,
    UpstreamConflict,
    UpstreamError,
    UpstreamForbidden,
    UpstreamNotFound,
    UpstreamUnavailable,
    UpstreamValidationError,
)

BASE = "https://autofy.example/v2/data"
ENDPOINT = "ep-1"
KEY = "secret-api-key-123"
ORDERS = f"{BASE}/{ENDPOINT}/SalesOrder"


@pytest.fixture
def client():
    return AutofyClient({
        "BASE_URL": BASE, "ENDPOINT_ID": ENDPOINT, "API_KEY": KEY, "NAME": "QuickBooks (test)",
        "CONNECT_TIMEOUT": 1, "READ_TIMEOUT": 1, "MAX_RETRIES": 2, "BACKOFF": 0.001,
        "RATE_LIMIT_PER_MINUTE": 100,
    })


def envelope(objects=(), *, errors=(), item_errors=None, more=None, has_errors=None, request_id="REQ1"):
    contents = [{"Object": obj, "Errors": None, "Self": "x", "Kind": "collection"} for obj in objects]
    for error in item_errors or ():
        contents.append({"Object": None, "Errors": [error], "Self": "x", "Kind": "collection"})
    return {"Self": "x", "Kind": "collection", "RequestId": request_id, "Page": 1, "MoreData": more,
            "HasErrors": bool(errors or item_errors) if has_errors is None else has_errors,
            "Contents": contents, "Errors": list(errors)}


def err(code, message="boom"):
    return {"Code": code, "Message": message}


def test_the_key_goes_in_a_header_and_the_endpoint_in_the_path(client, rsps):
    call = rsps.get(ORDERS, json=envelope([{"ID": "1-1"}], more=True))
    answer = client.list_sales_orders(page=2, page_size=50, modified_from="2026-01-11T16:08:00Z")
    request = call.calls[0].request
    assert request.headers["x-api-key"] == KEY
    assert request.headers["SchemaVersion"] == "20.04"
    assert request.url == f"{ORDERS}?page=2&pageSize=50&modTimeStart=2026-01-11T16%3A08%3A00Z"
    assert answer.objects == ({"ID": "1-1"},) and answer.more_data is True and answer.request_id == "REQ1"


def test_amounts_are_read_as_decimals(client, rsps):
    rsps.get(f"{ORDERS}/1-1", body=json.dumps(envelope([{"ID": "1-1", "Amount": 0.1}])),
             content_type="application/json")
    assert client.get_sales_order("1-1").objects[0]["Amount"] == Decimal("0.1")


def test_an_error_inside_a_200_is_a_failure(client, rsps):
    rsps.get(f"{ORDERS}/1-1", json=envelope(errors=[err(1300, "Unknown error")]))
    rsps.get(f"{ORDERS}/1-1", json=envelope(errors=[err(1300, "Unknown error")]))
    rsps.get(f"{ORDERS}/1-1", json=envelope(errors=[err(1300, "Unknown error")], request_id="REQ-LAST"))
    with pytest.raises(UpstreamUnavailable) as caught:
        client.get_sales_order("1-1")
    assert caught.value.status == 200 and caught.value.code == "1300"
    assert caught.value.tracking_id == "REQ-LAST"  # Autofy's RequestId, for admins


def test_an_object_error_inside_a_200_is_quickbooks_refusing(client, rsps):
    rsps.post(ORDERS, json=envelope(item_errors=[err(3140, 'There is an invalid reference to QuickBooks '
                                                           'Customer "Nobody" in the SalesOrder.')]))
    with pytest.raises(UpstreamValidationError) as caught:
        client._request("POST", "/SalesOrder", json={"Customer": {"FullName": "Nobody"}})
    error = caught.value
    assert error.code == "3140" and error.field_errors[0].path == "Customer"
    assert error.field_errors[0].keyword == "3140"


def test_has_errors_without_an_error_object_is_still_a_failure(client, rsps):
    rsps.get(f"{ORDERS}/1-1", json=envelope(has_errors=True))
    with pytest.raises(UpstreamError):
        client.get_sales_order("1-1")


def test_quickbooks_warnings_do_not_fail_a_read(client, rsps):
    body = envelope([{"ID": "1-1"}])
    body["Contents"][0]["Errors"] = [err(530, "a warning")]
    rsps.get(f"{ORDERS}/1-1", json=body)
    assert client.get_sales_order("1-1").objects == ({"ID": "1-1"},)


@pytest.mark.parametrize(("status", "code", "kind", "text"), [
    (401, 1400, UpstreamAuthError, "lacked the API key"),
    (401, 1401, UpstreamAuthError, "refused the API key"),
    (403, 1402, UpstreamForbidden, "endpoint id does not belong"),
    (401, 1403, UpstreamAuthError, "trial key has expired"),
    (403, 1404, UpstreamForbidden, "trial Autofy key cannot list"),
    (400, 1304, UpstreamError, "could not manage"),
    (404, 1507, UpstreamNotFound, "boom"),
    (409, 1800, UpstreamConflict, "boom"),
    (400, 4000, UpstreamError, "boom"),
])
def test_autofy_codes(client, rsps, status, code, kind, text):
    rsps.get(f"{ORDERS}/1-1", status=status, json=envelope(errors=[err(code)]))
    with pytest.raises(kind) as caught:
        client.get_sales_order("1-1")
    assert type(caught.value) is kind
    assert caught.value.code == str(code) and text in str(caught.value)
    assert caught.value.status == status


@pytest.mark.parametrize(("status", "code"), [(503, 1302), (503, 1600), (503, 1601), (503, 1602), (200, 1602)])
def test_the_agent_offline_is_unavailable(client, rsps, status, code):
    rsps.get(f"{ORDERS}/1-1", status=status, json=envelope(errors=[err(code)]))
    with pytest.raises(UpstreamUnavailable) as caught:
        client.get_sales_order("1-1")
    assert "QuickBooks is not reachable" in str(caught.value) and caught.value.code == str(code)
    assert len(rsps.calls) == 1  # an offline agent is not back in a second: not retried


def test_a_full_queue_is_retried_after_its_retry_after(client, rsps):
    rsps.get(f"{ORDERS}/1-1", status=503, json=envelope(errors=[err(1900, "queue full")]),
             headers={"Retry-After": "0"})
    rsps.get(f"{ORDERS}/1-1", json=envelope([{"ID": "1-1"}]))
    assert client.get_sales_order("1-1").objects == ({"ID": "1-1"},)
    assert len(rsps.calls) == 2


def test_a_full_queue_every_time_is_busy(client, rsps):
    rsps.get(f"{ORDERS}/1-1", status=503, json=envelope(errors=[err(1900)]), headers={"Retry-After": "0"})
    with pytest.raises(UpstreamUnavailable) as caught:
        client.get_sales_order("1-1")
    assert "busy" in str(caught.value) and caught.value.code == "1900"
    assert len(rsps.calls) == 3


def test_429_waits_for_the_reset_then_retries(client, rsps, monkeypatch):
    slept = []
    monkeypatch.setattr("orders.erp.autofy.throttle.time.sleep", slept.append)
    rsps.get(f"{ORDERS}/1-1", status=429, json=envelope(errors=[err(4000, "Rate limit")]),
             headers={"RateLimit-Limit": "100", "RateLimit-Remaining": "0", "RateLimit-Reset": "7",
                      "Retry-After": "7"})
    rsps.get(f"{ORDERS}/1-1", json=envelope([{"ID": "1-1"}]))
    assert client.get_sales_order("1-1").objects == ({"ID": "1-1"},)
    assert len(slept) == 1 and 5 < slept[0] <= 7  # the next turn waited out RateLimit-Reset, once


@pytest.mark.parametrize(("code", "kind"), [
    (3140, UpstreamValidationError), (3070, UpstreamValidationError), (3170, UpstreamConflict),
    (3171, UpstreamBusinessError), (3180, UpstreamBusinessError), (3200, UpstreamConflict),
    (3120, UpstreamNotFound), (3250, UpstreamBusinessError), (3260, UpstreamForbidden),
])
def test_quickbooks_codes_keep_their_code(client, rsps, code, kind):
    rsps.patch(ORDERS, json=envelope(item_errors=[err(code, "QuickBooks says no")]))
    with pytest.raises(kind) as caught:
        client._request("PATCH", "/SalesOrder", json={"ID": "1-1"})
    assert caught.value.code == str(code) and caught.value.status == 200
    if kind is UpstreamBusinessError:
        assert caught.value.types == (str(code),)


def test_a_write_answered_by_an_autofy_failure_may_have_happened(client, rsps):
    rsps.post(ORDERS, status=502, json=envelope(errors=[err(1301)]))
    with pytest.raises(UpstreamUnavailable) as caught:
        client._request("POST", "/SalesOrder", json={})
    assert caught.value.outcome_unknown and len(rsps.calls) == 1


def test_a_redirected_write_may_have_happened_and_is_not_followed(client, rsps):
    rsps.post(ORDERS, status=303, headers={"Location": f"{ORDERS}/1-1"})
    landed = rsps.get(f"{ORDERS}/1-1", json=envelope([{"TxnID": "1-1"}]))
    with pytest.raises(UpstreamUnavailable, match="redirect") as caught:
        client._request("POST", "/SalesOrder", json={})
    assert caught.value.outcome_unknown and landed.call_count == 0


def test_a_write_refused_because_the_agent_is_offline_did_not_happen(client, rsps):
    rsps.post(ORDERS, status=503, json=envelope(errors=[err(1302)]))
    with pytest.raises(UpstreamUnavailable) as caught:
        client._request("POST", "/SalesOrder", json={})
    assert not caught.value.outcome_unknown


def test_an_html_page_or_garbage_is_unavailable(client, rsps):
    rsps.get(f"{ORDERS}/1-1", body="<html>Bad gateway</html>", status=200, content_type="text/html")
    with pytest.raises(UpstreamUnavailable):
        client.get_sales_order("1-1")


def test_orders_by_id_counts_the_missing_ones(client, rsps):
    rsps.get(ORDERS, json=envelope([{"ID": "1-1"}], item_errors=[err(1507, "not found")]))
    answer = client.sales_orders_by_id(["1-1", "2-2"])
    assert answer.objects == ({"ID": "1-1"},) and answer.not_found == 1
    assert rsps.calls[0].request.url == f"{ORDERS}?Id=1-1&Id=2-2"


def test_the_key_never_appears_in_errors_or_logs(client, rsps, caplog):
    # Even an upstream that echoes the key back does not get it into an error or a log line.
    rsps.get(f"{ORDERS}/1-1", status=401, json=envelope(errors=[err(1401, f"Invalid key {KEY}")]))
    rsps.get(ORDERS, body=requests.ConnectionError("connection reset"))
    caplog.set_level(logging.DEBUG)
    errors = []
    for call in (lambda: client.get_sales_order("1-1"), lambda: client.list_sales_orders()):
        with pytest.raises(UpstreamError) as caught:
            call()
        errors.append(caught.value)
    for error in errors:
        assert KEY not in str(error) and KEY not in repr(error) and KEY not in error.body
        assert KEY not in error.message
    assert KEY not in caplog.text
