"""Helpers for the Autofy stand-in's tests: read the envelope, look records up, make an order."""

from decimal import Decimal

import requests

CUSTOMER = "Addison Dental Group"  # Chicago (10.25 % combined tax), taxable, $25,000 credit limit
CHAIR = "Task Chair TC-100"  # inventory, $189.00, taxable


def envelope(response: requests.Response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    body = response.json(parse_float=Decimal)
    assert set(body) == {"Self", "Kind", "RequestId", "Page", "MoreData", "HasErrors", "Contents", "Errors"}
    return body


def objects(response: requests.Response) -> list[dict]:
    """The objects of a successful answer (HTTP 200, no errors anywhere)."""
    body = envelope(response)
    assert body["HasErrors"] is False and body["Errors"] == [], body
    assert all(entry["Errors"] is None for entry in body["Contents"]), body
    return [entry["Object"] for entry in body["Contents"]]


def the_object(response: requests.Response) -> dict:
    [found] = objects(response)
    return found


def object_error(response: requests.Response) -> dict:
    """QuickBooks' refusal of a write: HTTP 200, HasErrors, one Contents item with no object and one error."""
    body = envelope(response)
    assert body["HasErrors"] is True and body["Errors"] == []
    [entry] = body["Contents"]
    assert entry["Object"] is None
    [error] = entry["Errors"]
    return error


def request_error(response: requests.Response, status: int) -> dict:
    """An error about the request: the status given, the error in the top-level Errors, no Contents."""
    body = envelope(response, status)
    assert body["HasErrors"] is True and body["Contents"] == []
    [error] = body["Errors"]
    return error


def find(autofy, kind: str, name: str) -> dict:
    return the_object(autofy.autofy("GET", f"/{kind}", params={"name": name}))


def ref(autofy, kind: str, name: str) -> dict:
    found = find(autofy, kind, name)
    return {"ID": found["ID"], "FullName": found["FullName"]}


def order_body(autofy, *, customer: str = CUSTOMER, lines: list[dict] | None = None, **fields) -> dict:
    body = {"Customer": ref(autofy, "Customer", customer), "Date": "2026-11-20",
            "ItemLines": lines if lines is not None else [{"Item": ref(autofy, "Item", CHAIR), "Quantity": 2}]}
    body.update(fields)
    return body


def create(autofy, **kwargs) -> dict:
    return the_object(autofy.autofy("POST", "/SalesOrder", json=order_body(autofy, **kwargs)))


def get_order(autofy, order_id: str) -> dict:
    return the_object(autofy.autofy("GET", f"/SalesOrder/{order_id}"))


def patch(autofy, body: dict) -> requests.Response:
    return autofy.autofy("PATCH", "/SalesOrder", json=body)


def D(value) -> Decimal:  # noqa: N802 (reads like the numbers it makes)
    return Decimal(str(value))
