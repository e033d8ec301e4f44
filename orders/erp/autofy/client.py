"""Client for Autofy's data API (QuickBooks Desktop through the Autofy agent).

Everything sent to Autofy goes through ``AutofyClient._request``: the ``x-api-key`` header and the
endpoint id in the path, the endpoint's turn (``throttle``: one call at a time from every process,
under the rate limit), the pooled connection with its time-outs (``orders.erp.http``), Autofy's own
retries, and the envelope ``{Self, Kind, RequestId, Page, MoreData, HasErrors, Contents: [{Object,
Errors}], Errors}`` read for every status: an HTTP 200 can carry a failure. Every code becomes one of
the ``UpstreamError`` family, with Autofy's ``RequestId`` as its tracking id and the code kept.

Methods return ``Answer`` objects (the objects found, paging, the request id); turning objects into
domain types is ``reading``'s job. The API key is never logged and never part of an error: any text the
upstream sends back is scrubbed of it.
"""

from __future__ import annotations

import json as jsonlib
import logging
import random
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import requests

from orders.erp import deadline
from orders.erp.autofy.throttle import EndpointThrottle
from orders.erp.errors import (
    BusinessRuleError,
    FieldError,
    UpstreamAuthError,
    UpstreamBusinessError,
    UpstreamConflict,
    UpstreamError,
    UpstreamForbidden,
    UpstreamNotFound,
    UpstreamUnavailable,
    UpstreamValidationError,
)
from orders.erp.http import JsonConnection, parse_retry_after

logger = logging.getLogger("orders.erp.autofy.client")

NAME = "QuickBooks"
SALES_ORDER = "SalesOrder"
SCHEMA_VERSION = "20.04"  # pins the field names (AUTOFY.md §1.1)
# A page of 100 orders with many lines is well over the 2 MB that is plenty for one 24SevenOffice answer.
DEFAULT_MAX_RESPONSE_BYTES = 8_000_000
# Outside a web request, how long a call may wait for its turn at the endpoint (other calls, the rate limit).
DEFAULT_TURN_WAIT_SECONDS = 120.0
# Never wait longer than this between two attempts of one read (a web request waits less: its deadline).
MAX_RETRY_WAIT_SECONDS = 10.0

OFFLINE_MESSAGE = ("QuickBooks is not reachable: the PC running QuickBooks and the Autofy agent is off, "
                   "or the agent is not connected.")
BUSY_MESSAGE = "QuickBooks is busy with other requests. Try again in a moment."

# Autofy's codes (AUTOFY.md §1.7) and QuickBooks' own (3xxx), by what they mean to the dashboard.
AUTH_CODES = {1400: "The request to Autofy lacked the API key.",
              1401: "Autofy refused the API key. Check the connection's API key.",
              1403: "The Autofy trial key has expired. Set a production API key for the connection."}
FORBIDDEN_CODES = {1402: "The endpoint id does not belong to the Autofy API key. Check the connection's endpoint_id.",
                   1404: "A trial Autofy key cannot list records (Autofy error 1404). Set a production API key."}
CONFIG_CODES = {1304: "Autofy could not manage the connection's user. Check the connection in Autofy."}
AGENT_OFFLINE_CODES = frozenset({1302, 1600, 1601, 1602})
AGENT_BUSY_CODES = frozenset({1900})
AUTOFY_FAILURE_CODES = frozenset({1300, 1301, 1303})
NOT_FOUND_CODES = frozenset({1507, 3000, 3120})
ALREADY_EXISTS_CODES = frozenset({1800})
QB_VALIDATION_CODES = frozenset({3020, 3070, 3100, 3140})
QB_CONFLICT_CODES = {3170: "Someone has this order open in QuickBooks. Try again once it is closed there.",
                     3200: "The order was changed in QuickBooks since it was read. Reload it and try again."}
QB_FORBIDDEN_CODES = frozenset({3260})
# Codes a read is tried again on: Autofy's own hiccups and a full queue (an offline agent is not back in a second).
RETRY_CODES = AUTOFY_FAILURE_CODES | AGENT_BUSY_CODES
# A write answered with these was not carried out: the agent was not reached, or refused it at once.
NOT_SENT_CODES = frozenset({1302, 1900}) | set(AUTH_CODES) | set(FORBIDDEN_CODES)
# QuickBooks names the field it refused in its message; the dashboard maps that onto the form.
FIELD_IN_MESSAGE = (re.compile(r'in the field "([A-Za-z0-9]+)"'), re.compile(r"reference to QuickBooks ([A-Za-z]+)"))


@dataclass(frozen=True, slots=True)
class Problem:
    """One error object of the envelope (``{"Code", "Message"}``, read defensively)."""

    code: int | None
    message: str

    @property
    def is_warning(self) -> bool:
        """QuickBooks' statuses below 1000 are information and warnings: the data is still returned."""
        return self.code is not None and self.code < 1000


@dataclass(frozen=True, slots=True)
class Answer:
    """A successful Autofy answer."""

    method: str
    path: str
    status: int
    objects: tuple[dict, ...]
    page: int | None
    more_data: bool
    request_id: str
    trace_id: str
    elapsed_ms: float
    raw: dict = field(repr=False, default_factory=dict)
    # The objects of a list by ``Id`` that were not found (``not_found_ok``).
    not_found: int = 0


class AutofyClient:
    def __init__(self, config: Mapping[str, Any], throttle: EndpointThrottle | None = None) -> None:
        self.name = config.get("NAME") or NAME
        self.endpoint_id = str(config["ENDPOINT_ID"])
        self._api_key = str(config["API_KEY"])
        base = config["BASE_URL"].rstrip("/")
        self.max_retries = max(0, int(config.get("MAX_RETRIES", 2)))
        self.backoff = float(config.get("BACKOFF", 0.5))
        self.turn_wait = float(config.get("TURN_WAIT_SECONDS", DEFAULT_TURN_WAIT_SECONDS))
        self.connection = JsonConnection(
            name=self.name,
            base_url=f"{base}/{quote(self.endpoint_id, safe='')}",
            connect_timeout=config["CONNECT_TIMEOUT"],
            read_timeout=config["READ_TIMEOUT"],
            max_retries=0,  # retried here, each attempt taking its own turn at the endpoint
            backoff=self.backoff,
            pool_size=config.get("POOL_SIZE", 4),
            max_response_bytes=config.get("MAX_RESPONSE_BYTES", DEFAULT_MAX_RESPONSE_BYTES),
            bulkhead_permits=config.get("BULKHEAD_THREADS"),
        )
        self.connection.session.headers.update({"SchemaVersion": SCHEMA_VERSION})
        self.throttle = throttle or EndpointThrottle(
            f"{base}|{self.endpoint_id}",
            per_minute=int(config.get("RATE_LIMIT_PER_MINUTE", 100)),
            lease_seconds=float(config["CONNECT_TIMEOUT"]) + float(config["READ_TIMEOUT"]) + 15,
            label=self.name,
        )
        # When QuickBooks (the agent) last answered this process: time.time(), or None.
        self.agent_answered_at: float | None = None

    # --- the choke point -----------------------------------------------------------------------

    def _request(self, method: str, path: str, *, params: Mapping[str, Any] | Iterable | None = None,
                 json: Any = None, not_found_ok: bool = False) -> Answer:
        method = method.upper()
        safe = method == "GET"
        attempts = 1 + (self.max_retries if safe else 0)
        for attempt in range(attempts):
            try:
                with self.throttle.turn(wait=self._turn_wait()) as turn:
                    response, elapsed = self.connection.send(
                        method, path, params=params, json=json, headers={"x-api-key": self._api_key}, retry=False)
                    turn.observe(response.status_code, response.headers)
                return self._result(method, path, response, elapsed, not_found_ok=not_found_ok)
            except UpstreamUnavailable as exc:
                if not safe or attempt == attempts - 1 or not self._worth_retrying(exc):
                    raise
                # After a 429 the next turn itself waits for the window to reset.
                if exc.status != 429 and not self._pause(attempt, exc.retry_after):
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _turn_wait(self) -> float:
        left = deadline.remaining()
        return self.turn_wait if left is None else max(0.0, left)

    @staticmethod
    def _worth_retrying(exc: UpstreamUnavailable) -> bool:
        if exc.status == 429:
            return True  # the turn waits for the window to reset (or gives up at the deadline)
        if exc.code:
            return exc.code.isdigit() and int(exc.code) in RETRY_CODES
        return exc.status is None or exc.status in (502, 503, 504)  # transport failures, gateway errors

    def _pause(self, attempt: int, retry_after: float | None) -> bool:
        delay = retry_after if retry_after is not None else random.uniform(0, self.backoff * (2**attempt))
        limit = MAX_RETRY_WAIT_SECONDS
        left = deadline.remaining()
        if left is not None:
            limit = min(limit, left - 0.1)
        if delay > limit:
            return False
        time.sleep(delay)
        return True

    def _result(self, method: str, path: str, response: requests.Response, elapsed: float, *,
                not_found_ok: bool) -> Answer:
        status = response.status_code
        trace_id = response.headers.get("X-Trace-Id", "")
        envelope = _envelope(response)
        request_id = _text(envelope.get("RequestId")) if envelope else ""
        common = {"status": status, "tracking_id": request_id, "trace_id": trace_id, "upstream": self.name,
                  "method": method, "path": path, "body": self._scrub(response.text)}
        if envelope is None:
            if 200 <= status < 300:
                html = "html" in response.headers.get("Content-Type", "").lower()
                raise UpstreamUnavailable(
                    "QuickBooks answered with a web page instead of data." if html
                    else "QuickBooks answered with data the dashboard cannot read.",
                    outcome_unknown=method != "GET", **common,
                )
            raise self._error(None, response, common)
        top = [problem for problem in _problems(envelope.get("Errors")) if not problem.is_warning]
        objects, item_problems, not_found = [], [], 0
        for item in envelope.get("Contents") or ():
            if not isinstance(item, dict):
                continue
            problems = [problem for problem in _problems(item.get("Errors")) if not problem.is_warning]
            if not problems and isinstance(item.get("Object"), dict):
                objects.append(item["Object"])
            elif not_found_ok and problems and all(p.code in NOT_FOUND_CODES for p in problems):
                not_found += 1
            elif problems:
                item_problems.extend(problems)
        problems = top + item_problems
        if 200 <= status < 300 and not problems:
            if envelope.get("HasErrors") is True and not objects and not not_found:
                problems = [Problem(None, "QuickBooks reported an error without saying which.")]
            else:
                self.agent_answered_at = time.time()
                more = envelope.get("MoreData")
                return Answer(method=method, path=path, status=status, objects=tuple(objects),
                              page=envelope.get("Page") if isinstance(envelope.get("Page"), int) else None,
                              more_data=more is True, request_id=request_id, trace_id=trace_id,
                              elapsed_ms=elapsed, raw=envelope, not_found=not_found)
        if item_problems and not top:
            # QuickBooks itself looked at the request and refused it: the agent answered.
            self.agent_answered_at = time.time()
        raise self._error(problems[0] if problems else None, response, common)

    def _error(self, problem: Problem | None, response: requests.Response, common: dict) -> UpstreamError:
        status = response.status_code
        method = common["method"]
        code = problem.code if problem else None
        message = self._scrub(problem.message) if problem else ""
        common = {**common, "code": str(code) if code is not None else ""}
        write = method != "GET"
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status == 429:
            reset = parse_retry_after(response.headers.get("RateLimit-Reset"))
            return UpstreamUnavailable("QuickBooks' rate limit is reached. Try again in a minute.",
                                       retry_after=reset if reset is not None else retry_after, **common)
        if code in AUTH_CODES:
            return UpstreamAuthError(AUTH_CODES[code], **common)
        if code in FORBIDDEN_CODES:
            return UpstreamForbidden(FORBIDDEN_CODES[code], **common)
        if code in CONFIG_CODES:
            return UpstreamError(CONFIG_CODES[code], **common)
        if code in AGENT_OFFLINE_CODES:
            # 1600: the request waited in the agent's queue, which still carries it out.
            return UpstreamUnavailable(OFFLINE_MESSAGE, outcome_unknown=write and code != 1302,
                                       retry_after=retry_after, **common)
        if code in AGENT_BUSY_CODES:
            return UpstreamUnavailable(BUSY_MESSAGE, retry_after=retry_after, **common)
        if code in AUTOFY_FAILURE_CODES:
            return UpstreamUnavailable("Autofy ran into an error talking to QuickBooks.", outcome_unknown=write,
                                       retry_after=retry_after, **common)
        if code in NOT_FOUND_CODES:
            return UpstreamNotFound(message or None, **common)
        if code in ALREADY_EXISTS_CODES:
            return UpstreamConflict(message or "The record already exists in QuickBooks.", **common)
        if code in QB_CONFLICT_CODES:
            return UpstreamConflict(QB_CONFLICT_CODES[code], **common)
        if code in QB_VALIDATION_CODES:
            return UpstreamValidationError(
                message or None, field_errors=(FieldError(path=_field_in(message), keyword=str(code), message=message),),
                **common)
        if code in QB_FORBIDDEN_CODES:
            return UpstreamForbidden(message or None, **common)
        if code is not None and 3000 <= code < 4000:
            return UpstreamBusinessError(message or None, errors=(BusinessRuleError(type=str(code), message=message),),
                                         **common)
        if status in (401,):
            return UpstreamAuthError(**common)
        if status == 403:
            return UpstreamForbidden(message or None, **common)
        if status == 404:
            return UpstreamNotFound(message or None, **common)
        if status >= 500 or (200 <= status < 300 and code is None):
            return UpstreamUnavailable(
                "QuickBooks answered with an error page." if "html" in response.headers.get("Content-Type", "")
                else "Autofy ran into an error talking to QuickBooks.",
                outcome_unknown=write and status not in (503,), retry_after=retry_after, **common)
        return UpstreamError(message or f"Autofy answered HTTP {status}.", **common)

    def _scrub(self, text: str) -> str:
        """Upstream text without the API key (should an upstream ever echo it)."""
        return text.replace(self._api_key, "[api key]") if self._api_key and text else text

    # --- endpoints -----------------------------------------------------------------------------

    def list_sales_orders(self, *, page: int = 1, page_size: int = 100, modified_from: str | None = None,
                          modified_to: str | None = None, deleted: bool = False) -> Answer:
        """One page of sales orders, in the order QuickBooks made them; ``modified_from``/``modified_to``
        are ISO 8601 UTC times (``2026-01-11T16:08:00Z``); with ``deleted`` the orders deleted in
        QuickBooks' last 90 days (the times then apply to their deletion)."""
        params = {"page": int(page), "pageSize": int(page_size)}
        if modified_from:
            params["modTimeStart"] = modified_from
        if modified_to:
            params["modTimeEnd"] = modified_to
        if deleted:
            params["isDeleted"] = "true"
        return self._request("GET", f"/{SALES_ORDER}", params=params)

    def sales_orders_by_id(self, ids: Iterable[str]) -> Answer:
        """The orders with these ids (``Id`` repeated); those QuickBooks does not have are counted in
        ``not_found`` rather than raised."""
        return self._request("GET", f"/{SALES_ORDER}", params=[("Id", str(i)) for i in ids], not_found_ok=True)

    def get_sales_order(self, order_id: str) -> Answer:
        return self._request("GET", f"/{SALES_ORDER}/{quote(str(order_id), safe='')}")

    def create_sales_order(self, body: Mapping[str, Any]) -> Answer:
        """``POST /SalesOrder`` with the bare order object (AUTOFY.md §1.9: no wrapper). Sent once, never
        retried here or by the HTTP layer: a POST is not safe to repeat (a write whose answer is lost raises
        ``UpstreamUnavailable`` with ``outcome_unknown``). The new order is ``objects[0]`` (``Contents[0].
        Object``, an inference: ``orders.submissions.quickbooks`` still looks for its marker when in doubt)."""
        return self._request("POST", f"/{SALES_ORDER}", json=dict(body))

    def update_sales_order(self, body: Mapping[str, Any]) -> Answer:
        """``PATCH /SalesOrder`` with ``ID``, ``EditSequence`` and the fields to change (never retried: a
        write whose answer is lost raises ``UpstreamUnavailable`` with ``outcome_unknown``)."""
        return self._request("PATCH", f"/{SALES_ORDER}", json=dict(body))

    def list_objects(self, object_name: str, *, page: int = 1, page_size: int = 100, **params: Any) -> Answer:
        """One page of a reference list (``Customer``, ``Currency``…); ``params`` are Autofy's own names."""
        return self._request("GET", f"/{quote(object_name, safe='')}",
                             params={"page": int(page), "pageSize": int(page_size), **params})

    def objects_by_id(self, object_name: str, ids: Iterable[str]) -> Answer:
        """The records of a list with these ids (``Id`` repeated); those QuickBooks does not have are
        counted in ``not_found`` rather than raised."""
        return self._request("GET", f"/{quote(object_name, safe='')}", params=[("Id", str(i)) for i in ids],
                             not_found_ok=True)

    def get_object(self, object_name: str, object_id: str) -> Answer:
        return self._request("GET", f"/{quote(object_name, safe='')}/{quote(str(object_id), safe='')}")


def _envelope(response: requests.Response) -> dict | None:
    """The answer's envelope, or None when it is not one (not JSON, an HTML page, another shape)."""
    if "html" in response.headers.get("Content-Type", "").lower():
        return None
    try:
        # Numbers with a fraction as Decimal: money never passes through a binary float.
        body = jsonlib.loads(response.content, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(body, dict) or not ({"Contents", "Errors", "HasErrors"} & set(body)):
        return None
    return body


def _problems(raw: Any) -> list[Problem]:
    """The error objects of an ``Errors`` list. Their shape is not documented (AUTOFY.md §1.12.1): a code
    under ``Code`` (or ``code``/``ErrorCode``), a number or digits, and a message."""
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        return []
    problems = []
    for entry in raw:
        if isinstance(entry, str):
            problems.append(Problem(None, entry))
            continue
        if not isinstance(entry, dict):
            continue
        folded = {str(key).casefold(): value for key, value in entry.items()}
        code = next((folded[k] for k in ("code", "errorcode", "statuscode") if folded.get(k) is not None), None)
        message = next((folded[k] for k in ("message", "errormessage", "statusmessage") if folded.get(k)), "")
        problems.append(Problem(_code(code), _text(message)))
    return problems


def _code(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else None


def _text(value: Any) -> str:
    return "" if value is None else str(value)[:2000]


def _field_in(message: str) -> str:
    for pattern in FIELD_IN_MESSAGE:
        match = pattern.search(message)
        if match:
            return match[1]
    return ""
