"""Autofy's data API: ``/autofy/v2/data/{endpointID}/{Object}`` and ``…/{Object}/{ID}`` (production:
``https://api.getautofy.com/v2/data/…``).

A request passes, in order: the key and the endpoint (``gate.authenticate``: 1400-1403), the rate limit
(``gate.count_request``: 429, and the ``RateLimit-*`` headers on every answer from here on), the object
name, method, query and body (4xx, 4000; a trial key's unnamed GET 1404), then waits for the agent
(``gate.agent_turn``: offline, queue full 1900, waited too long 1600, slow) and is carried out.
"""

import json
import logging
import os
from collections.abc import Callable
from decimal import Decimal

from django.http import HttpRequest, HttpResponse

from sandbox.autofy import decisions, gate, lists, query, salesorders, writing
from sandbox.autofy.envelope import AutofyError, general_error

logger = logging.getLogger("sandbox")

BASE_PATH = "/autofy/v2/data"
OBJECT_NAMES = {name.casefold(): name for name in (decisions.SALES_ORDER, *decisions.LIST_OBJECTS)}


def canonical_object(name: str) -> str | None:
    """The object's name as Autofy spells it (names are matched without regard to case)."""
    return OBJECT_NAMES.get(name.casefold())


def data(request: HttpRequest, endpoint_id: str, object_name: str, object_id: str | None = None) -> HttpResponse:
    rate = turn = None
    try:
        knobs_now = gate.config()
        gate.authenticate(request, endpoint_id, knobs_now)
        rate = gate.count_request(endpoint_id, knobs_now)
        name = canonical_object(object_name)
        if name is None:
            raise general_error(f"Unknown object name '{object_name}'.", status=404)
        work = prepare(request, knobs_now, f"{BASE_PATH}/{endpoint_id}/{name}", name, object_id)
        with gate.agent_turn(endpoint_id, knobs_now) as turn:
            response = work()
    except AutofyError as failure:
        response = failure.response(request)
    except Exception:  # a bug of the stand-in: still Autofy's envelope, and a traceback in the log
        logger.exception("Unexpected error in %s %s", request.method, request.path)
        response = AutofyError(1303, "Internal server error.", status=500).response(request)
    if rate is not None:
        for header, value in rate.headers().items():
            response[header] = value
    # For the tests of "one at a time": which server process answered, and when the agent worked on it.
    response["X-Sandbox-Worker"] = str(os.getpid())
    if turn is not None and turn.ended is not None:
        response["X-Sandbox-Agent-Turn"] = f"{turn.began:.6f} {turn.ended:.6f}"
    return response


def prepare(request: HttpRequest, knobs_now, base: str, name: str, object_id: str | None) -> Callable[[], HttpResponse]:
    """Check what the platform checks before the agent is asked; return what the agent then does."""
    method = request.method
    if method == "GET":
        if object_id is not None:
            query.no_parameters(request)
            if name == decisions.SALES_ORDER:
                return lambda: salesorders.get_order(request, base, object_id)
            return lambda: lists.get_record(request, base, name, object_id)
        accepted = query.SALES_ORDER_PARAMETERS if name == decisions.SALES_ORDER else query.LIST_PARAMETERS
        parsed = query.parse(request, accepted)
        gate.require_named_get(knobs_now, parsed.named)
        if name == decisions.SALES_ORDER:
            return lambda: salesorders.list_orders(request, base, parsed)
        return lambda: lists.list_records(request, base, name, parsed)
    allowed = ("GET", "POST", "PATCH") if name == decisions.SALES_ORDER and object_id is None else (
        ("GET", "PATCH") if name == decisions.SALES_ORDER else ("GET",))
    if method not in allowed:
        raise general_error(f"{method} is not supported for {name}{' by ID' if object_id else ''}.", status=405,
                            headers={"Allow": ", ".join(allowed)})
    query.no_parameters(request)
    body = json_body(request)
    if method == "POST":
        return lambda: writing.create(request, base, body)
    return lambda: writing.update(request, base, body, object_id)


def json_body(request: HttpRequest):
    if not request.body.strip():
        return {}
    try:
        return json.loads(request.body, parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as problem:
        raise general_error(f"The request body is not valid JSON: {problem}") from None


def unknown_route(request: HttpRequest, rest: str = "") -> HttpResponse:
    return general_error(f"No route for {request.method} {request.path}.", status=404).response(request)


def fault_path(path: str) -> str | None:
    """The path faults are matched against: what follows ``/autofy/v2/data/{endpointID}``, the object
    name spelled as Autofy does (``/SalesOrder``, ``/SalesOrder/1A2B-1699999999``, ``/Customer``)."""
    parts = path.removeprefix(BASE_PATH + "/").split("/")
    if len(parts) < 2:
        return None
    parts[1] = canonical_object(parts[1]) or parts[1]
    return "/" + "/".join(parts[1:])
