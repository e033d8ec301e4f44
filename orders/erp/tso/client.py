"""Client for 24SevenOffice REST v1 ("Finago Office Public API").

Everything sent to 24SevenOffice goes through ``TwentyFourSevenClient._request``: bearer token from
client credentials (cached in Django's cache until shortly before it expires, so threads and
processes share it; refreshed once on a 401), the pooled connection with time-outs and safe retries,
and the mapping of the error envelope ``{"error": {"name", "message", "payload"}, "trackingId"}``
plus the ``X-Trace-Id`` header onto the ``UpstreamError`` family.

Endpoint methods return ``connection.Response`` objects (the JSON is in ``.data``); turning JSON into
domain objects is ``reading``'s job.
"""

from __future__ import annotations

import hashlib
import json as jsonlib
import logging
import re
import threading
import time
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import parse_qsl

import requests
from django.core.cache import cache

from orders.erp import deadline
from orders.erp.errors import (
    BusinessRuleError,
    FieldError,
    InvalidCursor,
    UpstreamAuthError,
    UpstreamBusinessError,
    UpstreamConflict,
    UpstreamError,
    UpstreamForbidden,
    UpstreamNotFound,
    UpstreamUnavailable,
    UpstreamValidationError,
)
from orders.erp.http import (
    DEFAULT_MAX_RESPONSE_BYTES,
    JsonConnection,
    Response,
    parse_retry_after,
)
from orders.parsing import parse_whole

logger = logging.getLogger("orders.erp.tso.client")

NAME = "24SevenOffice"
# Refresh a token this many seconds before the upstream says it expires.
TOKEN_EXPIRY_MARGIN = 60
# A token read from the cache is used this long by the process without asking the cache again. The cache
# holds a token no longer than TOKEN_EXPIRY_MARGIN before it expires, so it is still good for this long; a
# token the ERP refuses (401) is forgotten at once.
TOKEN_KEPT_SECONDS = 30
SCOPE_PATTERN = re.compile(r"api(?:\.[A-Za-z]+)+:(?:read|write|delete)")
# A cursor is a path and query as a URL carries them: printable ASCII, no spaces, not unbounded.
CURSOR_PATTERN = re.compile(r"/[!-~]{0,3999}")
# The query parameters of ``GET /salesorders`` (the API's own names): a cursor of the order list carries
# these and no others.
ORDER_LIST_PARAMS = frozenset({
    "limit", "continuationToken", "status", "date", "dateFrom", "dateTo", "customerId", "invoiceNumber",
    "createdFrom", "createdTo", "modifiedFrom", "modifiedTo",
})

# The scope each call needs (from the API documentation), named in a 403 when the ERP does not say.
SCOPES = {
    "salesorders": "api.invoicing.salesorder",
    "lines": "api.invoicing.salesorder.line",
    "customers": "api.crm.customer",
    "products": "api.product.product",
    "taxes": "api.accounting.tax",
    "accounts": "api.accounting.account",
    "salestypeOverrides": "api.product.salestype",
    "salestypes": "api.product.salestype",
    "dimensions": "api.accounting.dimension",
    "organization": "api.organization.person",
    "paymentmethods": "api.invoicing.paymentmethod",
}


def required_scope(method: str, path: str) -> str:
    parts = [part for part in path.split("?")[0].split("/") if part]
    if not parts:
        return ""
    resource = next((part for part in ("lines", "salestypeOverrides") if part in parts), parts[0])
    base = SCOPES.get(resource)
    if not base:
        return ""
    action = {"GET": "read", "DELETE": "delete"}.get(method.upper(), "write")
    return f"{base}:{action}"


class TwentyFourSevenClient:
    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        self.connection = JsonConnection(
            name=NAME,
            base_url=config["API_BASE_URL"],
            connect_timeout=config["CONNECT_TIMEOUT"],
            read_timeout=config["READ_TIMEOUT"],
            max_retries=config["MAX_RETRIES"],
            backoff=config["BACKOFF"],
            pool_size=config.get("POOL_SIZE", 16),
            max_response_bytes=config.get("MAX_RESPONSE_BYTES", DEFAULT_MAX_RESPONSE_BYTES),
            bulkhead_permits=config.get("BULKHEAD_THREADS"),
        )
        identity = f"{config['TOKEN_URL']}|{config['CLIENT_ID']}|{config['ORGANIZATION_ID']}"
        self._token_key = "tso:token:" + hashlib.sha256(identity.encode()).hexdigest()[:24]
        self._token_lock = threading.Lock()
        # The token as this process last had it, and until when (monotonic) to use it without asking the
        # cache: every ERP call needs it, and an order page makes three.
        self._kept_token: tuple[str, float] | None = None

    # --- authentication ----------------------------------------------------------------------

    def _token(self) -> str:
        kept = self._kept_token
        if kept is not None and time.monotonic() < kept[1]:
            return kept[0]
        token = cache.get(self._token_key)
        if token:
            self._keep_token(token, TOKEN_KEPT_SECONDS)
            return token
        # One fetch per process when many threads find the cache empty; a page waits for another
        # thread's fetch no longer than its own deadline.
        left = deadline.remaining()
        if not self._token_lock.acquire(timeout=-1 if left is None else max(0.0, left)):
            raise UpstreamUnavailable("The ERP's sign-in service took too long to answer.", upstream=NAME,
                                      method="POST", path="/oauth/token")
        try:
            token = cache.get(self._token_key)
            if token:
                return token
            token, expires_in = self._fetch_token()
            cache.set(self._token_key, token, timeout=max(1, expires_in - TOKEN_EXPIRY_MARGIN))
            self._keep_token(token, min(TOKEN_KEPT_SECONDS, expires_in - TOKEN_EXPIRY_MARGIN))
            return token
        finally:
            self._token_lock.release()

    def _keep_token(self, token: str, seconds: float) -> None:
        self._kept_token = (token, time.monotonic() + seconds)

    def forget_kept_token(self) -> None:
        """Ask the cache for the token on the next call (this process)."""
        self._kept_token = None

    def _forget_token(self, token: str) -> None:
        kept = self._kept_token
        if kept is not None and kept[0] == token:
            self._kept_token = None
        if cache.get(self._token_key) == token:
            cache.delete(self._token_key)

    def _fetch_token(self) -> tuple[str, int]:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.config["CLIENT_ID"],
            "client_secret": self.config["CLIENT_SECRET"],
            "audience": self.config["AUDIENCE"],
            "login_organization": self.config["ORGANIZATION_ID"],
        }
        url = self.config["TOKEN_URL"]
        response, _ = self.connection.send("POST", url, data=form, retry=True)
        trace_id = response.headers.get("X-Trace-Id", "")
        common = {"upstream": NAME, "method": "POST", "path": "/oauth/token", "trace_id": trace_id,
                  "status": response.status_code}
        if response.status_code in (400, 401, 403):
            raise UpstreamAuthError(
                "The ERP refused the dashboard's API credentials. Check TSO_CLIENT_ID, "
                "TSO_CLIENT_SECRET and TSO_ORGANIZATION_ID.",
                body=response.text, **common,
            )
        if response.status_code != 200:
            raise UpstreamUnavailable(
                f"The ERP's sign-in service answered HTTP {response.status_code}.",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
                body=response.text, **common,
            )
        try:
            body = response.json()
            token = body["access_token"]
            expires_in = int(body.get("expires_in") or 0)
        except (ValueError, KeyError, TypeError) as exc:
            raise UpstreamUnavailable(
                "The ERP's sign-in service answered something that is not a token.",
                body=response.text, **common,
            ) from exc
        if not isinstance(token, str) or not token:
            raise UpstreamUnavailable("The ERP's sign-in service sent an empty token.", **common)
        # No documented default: without an expiry, keep the token only briefly.
        return token, expires_in if expires_in > 0 else TOKEN_EXPIRY_MARGIN + 60

    # --- the choke point ---------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        method = method.upper()
        token = self._token()
        response, elapsed = self._send(method, path, token, params, json, headers)
        if response.status_code == 401:
            # Expired or revoked token: fetch a new one and try once more. A 401 means the request
            # was not carried out, so repeating it is safe even for writes.
            self._forget_token(token)
            token = self._token()
            response, elapsed = self._send(method, path, token, params, json, headers)
        return self._result(method, path, response, elapsed)

    def _send(self, method, path, token, params, json, headers):
        merged = {"Authorization": f"Bearer {token}"}
        if headers:
            merged.update(headers)
        return self.connection.send(method, path, params=params, json=json, headers=merged)

    def _result(self, method: str, path: str, response: requests.Response, elapsed: float) -> Response:
        status = response.status_code
        trace_id = response.headers.get("X-Trace-Id", "")
        if 200 <= status < 300:
            data = None
            if status != 204 and response.content:
                if "html" in response.headers.get("Content-Type", "").lower():
                    raise UpstreamUnavailable(
                        "The ERP answered with a web page instead of data.",
                        status=status, trace_id=trace_id, upstream=NAME, method=method, path=path,
                        body=response.text,
                    )
                try:
                    data = response.json()
                except ValueError as exc:
                    raise UpstreamUnavailable(
                        "The ERP answered with data the dashboard cannot read.",
                        # A write answered "success" with an unreadable body has most likely happened.
                        outcome_unknown=method not in ("GET", "HEAD"),
                        status=status, trace_id=trace_id, upstream=NAME, method=method, path=path,
                        body=response.text,
                    ) from exc
            links = {rel: link["url"] for rel, link in response.links.items() if "url" in link}
            return Response(
                method=method, url=response.url, path=path, status=status, data=data,
                headers=response.headers, trace_id=trace_id, elapsed_ms=elapsed, links=links,
            )
        raise self._error(method, path, response)

    def _error(self, method: str, path: str, response: requests.Response) -> UpstreamError:
        status = response.status_code
        envelope = _envelope(response)
        error = envelope.get("error") if isinstance(envelope.get("error"), dict) else {}
        name = str(error.get("name") or "")
        message = str(error.get("message") or "")
        payload = error.get("payload") if isinstance(error.get("payload"), dict) else {}
        common = {
            "status": status,
            "tracking_id": str(envelope.get("trackingId") or ""),
            "trace_id": response.headers.get("X-Trace-Id", ""),
            "upstream": NAME,
            "method": method,
            "path": path,
            "body": response.text,
        }
        if status == 400:
            if name == "ValidationError" or "validationErrors" in payload:
                return UpstreamValidationError(
                    message or None, field_errors=_field_errors(payload.get("validationErrors")), **common
                )
            errors = _business_errors(payload.get("errors"))
            text = "; ".join(e.message for e in errors if e.message) or message or None
            return UpstreamBusinessError(text, errors=errors, **common)
        if status == 401:
            return UpstreamAuthError(**common)
        if status == 403:
            match = SCOPE_PATTERN.search(message)
            scope = match.group(0) if match else required_scope(method, path)
            return UpstreamForbidden(
                f"The ERP integration lacks the permission (scope) {scope}." if scope else None,
                scope=scope, **common,
            )
        if status == 404:
            return UpstreamNotFound(message or None, **common)
        if status == 409:
            return UpstreamConflict(message or None, **common)
        if status == 429 or status >= 500:
            page = "html" in response.headers.get("Content-Type", "").lower()
            return UpstreamUnavailable(
                "The ERP answered with an error page." if page else
                ("The ERP is busy right now." if status in (429, 503) else "The ERP ran into an error."),
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
                # A write answered by 5xx may still have been applied.
                outcome_unknown=method not in ("GET", "HEAD") and status not in (429, 503),
                **common,
            )
        return UpstreamError(message or f"The ERP answered HTTP {status}.", **common)

    # --- endpoints -----------------------------------------------------------------------------

    def list_orders(self, params: Mapping[str, Any] | None = None, cursor: str | None = None, *,
                    page_sizes: Collection[int] = ()) -> Response:
        """One page of ``/salesorders``. ``cursor`` is a link from an earlier page, followed as given once
        checked: the collection's own query parameters only, and a ``limit`` among ``page_sizes`` (when
        given), so a link cannot ask the ERP for more than the pages offered."""
        if cursor:
            checked = self._checked_cursor(cursor, "/salesorders", params=ORDER_LIST_PARAMS, page_sizes=page_sizes)
            return self._request("GET", checked)
        return self._request("GET", "/salesorders", params=_clean(params))

    def get_order(self, order_id: int) -> Response:
        return self._request("GET", f"/salesorders/{int(order_id)}")

    def create_order(self, body: Mapping[str, Any]) -> Response:
        return self._request("POST", "/salesorders", json=body)

    def update_order(self, order_id: int, body: Mapping[str, Any]) -> Response:
        return self._request("PATCH", f"/salesorders/{int(order_id)}", json=body)

    def delete_order(self, order_id: int) -> Response:
        return self._request("DELETE", f"/salesorders/{int(order_id)}")

    def list_lines(self, order_id: int) -> Response:
        return self._request("GET", f"/salesorders/{int(order_id)}/lines")

    def create_line(self, order_id: int, body: Mapping[str, Any]) -> Response:
        return self._request("POST", f"/salesorders/{int(order_id)}/lines", json=body)

    def update_line(self, order_id: int, line_id: int, body: Mapping[str, Any]) -> Response:
        return self._request("PATCH", f"/salesorders/{int(order_id)}/lines/{int(line_id)}", json=body)

    def delete_line(self, order_id: int, line_id: int) -> Response:
        return self._request("DELETE", f"/salesorders/{int(order_id)}/lines/{int(line_id)}")

    def list_customers(self, params: Mapping[str, Any] | None = None, cursor: str | None = None) -> Response:
        if cursor:
            return self._request("GET", self._checked_cursor(cursor, "/customers"))
        return self._request("GET", "/customers", params=_clean(params))

    def get_customer(self, customer_id: int) -> Response:
        return self._request("GET", f"/customers/{int(customer_id)}")

    def list_products(self, params: Mapping[str, Any] | None = None) -> Response:
        return self._request("GET", "/products", params=_clean(params))

    def get_product(self, product_id: int) -> Response:
        return self._request("GET", f"/products/{int(product_id)}")

    def list_product_sales_type_overrides(self, product_id: int) -> Response:
        return self._request("GET", f"/products/{int(product_id)}/salestypeOverrides")

    def list_accounts(self) -> Response:
        return self._request("GET", "/accounts")

    def list_taxes(self) -> Response:
        return self._request("GET", "/taxes")

    def list_sales_types(self) -> Response:
        return self._request("GET", "/salestypes")

    def list_dimension_types(self) -> Response:
        return self._request("GET", "/dimensions")

    def list_dimension_elements(self, dimension_type: int, cursor: str | None = None) -> Response:
        path = f"/dimensions/{int(dimension_type)}/elements"
        if cursor:
            return self._request("GET", self._checked_cursor(cursor, path))
        return self._request("GET", path)

    def list_people(self, person_type: str | None = None) -> Response:
        return self._request("GET", "/organization/people", params=_clean({"personType": person_type}))

    def list_currencies(self) -> Response:
        return self._request("GET", "/currencies")

    def list_payment_methods(self) -> Response:
        return self._request("GET", "/paymentmethods")

    # --- paging --------------------------------------------------------------------------------

    def cursor_for(self, link: str | None) -> str | None:
        """An upstream ``Link`` URL as an opaque cursor (its path and query under the API)."""
        return self.connection.relative(link) if link else None

    def _checked_cursor(self, cursor: str, collection: str, *, params: Collection[str] | None = None,
                        page_sizes: Collection[int] = ()) -> str:
        """A cursor is a path under the API (from ``cursor_for``) within the listed collection. With
        ``params``, its query has only those parameters, each once, and its ``limit`` is one of
        ``page_sizes`` (when given). Anything else raises ``InvalidCursor`` before a call is made."""
        path, _, query = cursor.partition("?")
        if not CURSOR_PATTERN.fullmatch(cursor) or path != collection:
            raise InvalidCursor(upstream=NAME, path=cursor)
        if params is not None:
            try:
                pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=True,
                                  max_num_fields=len(params)) if query else []
            except ValueError as exc:
                raise InvalidCursor(upstream=NAME, path=cursor) from exc
            names = [name for name, _ in pairs]
            limit = dict(pairs).get("limit")
            if (len(set(names)) != len(names) or not set(names) <= set(params)
                    or (page_sizes and limit is not None and parse_whole(limit) not in page_sizes)):
                raise InvalidCursor(upstream=NAME, path=cursor)
        return cursor


def _clean(params: Mapping[str, Any] | None) -> dict[str, Any]:
    return {key: value for key, value in (params or {}).items() if value not in (None, "")}


def _envelope(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _field_errors(raw: Any) -> tuple[FieldError, ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(
        FieldError(path=str(item.get("path") or ""), keyword=str(item.get("keyword") or ""),
                   message=str(item.get("message") or ""))
        for item in raw
        if isinstance(item, dict)
    )


def _business_errors(raw: Any) -> tuple[BusinessRuleError, ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(
        BusinessRuleError(
            type=str(item.get("type") or ""),
            message=str(item.get("message") or ""),
            arguments=tuple(str(arg) for arg in item.get("arguments") or () if arg is not None),
        )
        for item in raw
        if isinstance(item, dict)
    )


def dumps(data: Any) -> str:
    """Pretty JSON for admins' raw view."""
    return jsonlib.dumps(data, indent=2, ensure_ascii=False, sort_keys=False, default=str)
