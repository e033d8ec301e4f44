"""One HTTP choke point per upstream connection: a pooled ``requests.Session``, connect and read
time-outs on every call, bounded retries with backoff and jitter for safe calls only, and every
transport failure turned into ``UpstreamUnavailable``.

Inside a web request it also keeps to the request's budget (``orders.erp.deadline``): the
connection's bulkhead permit, and the page's deadline for every attempt, sleep and body. Answers are
read in pieces against the clock and a size cap, so a drip is cut and an oversize answer refused.

Upstream clients (``tso.py``, …) build on ``JsonConnection.send()`` and add their own
authentication and error-envelope mapping.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.sessions import merge_setting
from requests.structures import CaseInsensitiveDict

from orders.erp import deadline
from orders.erp.errors import UpstreamUnavailable
from orders.parsing import parse_whole

logger = logging.getLogger("orders.erp")

# Statuses that mean "try again later"; a safe (read-only) call is retried on them.
RETRY_STATUSES = frozenset({429, 502, 503, 504})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Never sleep longer than this for one Retry-After: a page must not hang on a busy upstream.
MAX_RETRY_AFTER = 5.0
# A retry is not started with less than this left of the page's deadline.
MIN_ATTEMPT_SECONDS = 0.1
# Answers are read in pieces of at most this size, the clock and the size cap checked in between.
CHUNK_BYTES = 64 * 1024
# An answer larger than this is not a real one (a 500-line order is about 200 KB).
DEFAULT_MAX_RESPONSE_BYTES = 2_000_000


@dataclass(frozen=True, slots=True)
class Response:
    """A successful upstream answer, with what admins and the submission log need to know."""

    method: str
    url: str
    path: str
    status: int
    data: Any
    headers: Mapping[str, str]
    trace_id: str
    elapsed_ms: float
    links: Mapping[str, str] = field(default_factory=dict)  # rel → absolute URL


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    seconds = parse_whole(value)
    if seconds is not None:
        return float(seconds)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class _TooSlow(requests.ReadTimeout):
    """The answer's body did not arrive in full by the deadline (a drip, or a stall half-way)."""


class _TooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size  # bytes announced or read so far


class JsonConnection:
    def __init__(
        self,
        *,
        name: str,
        base_url: str,
        connect_timeout: float,
        read_timeout: float,
        max_retries: int,
        backoff: float,
        pool_size: int = 16,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        bulkhead_permits: int | None = None,
        user_agent: str = "salesadmin/0.1",
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self.max_retries = max(0, max_retries)
        self.backoff = backoff
        self.max_response_bytes = max_response_bytes
        # How many web requests may wait on this upstream at once (None: no limit).
        self.bulkhead = deadline.Bulkhead(bulkhead_permits) if bulkhead_permits else None
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update({"Accept": "application/json", "User-Agent": user_agent})
        # Proxy settings come from the environment (HTTPS_PROXY, NO_PROXY…). requests re-reads them on
        # every call, which costs more than a loopback round trip; read them once per host instead.
        self.session.trust_env = False
        self._proxies: dict[str, dict[str, str]] = {}

    def url_for(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def relative(self, url: str) -> str | None:
        """``url`` (possibly relative to the API) as a path under the base URL, or None when it
        points anywhere else: a link from the upstream is only followed within the API."""
        absolute = urljoin(self.base_url + "/", url)
        if absolute == self.base_url or absolute.startswith(self.base_url + "/"):
            return absolute[len(self.base_url):]
        return None

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        retry: bool | None = None,
        trace_header: str = "X-Trace-Id",
    ) -> tuple[requests.Response, float]:
        """Send one request; returns the response (any status, its body read) and its duration in ms.

        Safe methods are retried on connection errors, time-outs and ``RETRY_STATUSES`` (honouring
        ``Retry-After``), at most ``max_retries`` times. Writes are never retried: a write whose
        answer is lost raises ``UpstreamUnavailable(outcome_unknown=True)``.

        Inside a web request the call first needs the connection's bulkhead permit ("busy" at once
        when none is free), and nothing (an attempt, a backoff, reading the body) goes past the
        page's deadline. Every answer must arrive in full within its attempt's connect + read
        time-outs, and at most ``max_response_bytes`` long: a larger one is a broken answer.
        """
        method = method.upper()
        retry = method in SAFE_METHODS if retry is None else retry
        attempts = 1 + (self.max_retries if retry else 0)
        url = self.url_for(path)
        about = {"upstream": self.name, "method": method, "path": path}
        budget = deadline.current()
        if budget is not None and self.bulkhead is not None and not budget.admit(self.bulkhead):
            logger.warning("%s %s %s not sent: %d requests already wait on it", self.name, method, url,
                           self.bulkhead.permits)
            raise UpstreamUnavailable("Too many pages are waiting on the ERP already. Try again in a moment.", **about)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            left = None if budget is None else budget.remaining()
            if left is not None and left <= 0:
                raise UpstreamUnavailable("The ERP took too long to answer.", **about)
            started = time.perf_counter()
            try:
                response = self._issue(method, url, params, json, data, headers, self._timeout(left))
                self._read(response, budget)
            except _TooLarge as exc:
                logger.warning("%s %s %s answered more than %d bytes (%d): refused", self.name, method, url,
                               self.max_response_bytes, exc.size)
                raise UpstreamUnavailable(
                    f"The ERP sent a broken answer (larger than {self.max_response_bytes // 1000:,} KB), "
                    "so the dashboard did not read it.",
                    # A write answered with nonsense may still have been carried out.
                    outcome_unknown=method not in SAFE_METHODS, **about,
                ) from None
            except requests.RequestException as exc:
                elapsed = (time.perf_counter() - started) * 1000
                not_sent = isinstance(exc, requests.ConnectTimeout) or _refused(exc)
                logger.warning("%s %s %s failed after %.0f ms: %s", self.name, method, url, elapsed, exc)
                if not last and self._pause(attempt, None, budget):
                    continue
                raise UpstreamUnavailable(
                    _transport_message(exc),
                    outcome_unknown=method not in SAFE_METHODS and not not_sent,
                    **about,
                ) from exc
            elapsed = (time.perf_counter() - started) * 1000
            logger.info(
                "%s %s %s -> %s in %.0f ms (trace %s)",
                self.name, method, response.url, response.status_code, elapsed,
                response.headers.get(trace_header, "-"),
            )
            if response.status_code in RETRY_STATUSES and not last:
                wait = parse_retry_after(response.headers.get("Retry-After"))
                if (wait is None or wait <= MAX_RETRY_AFTER) and self._pause(attempt, wait, budget):
                    response.close()
                    continue
            if 300 <= response.status_code < 400:
                # Not followed (``_issue``): an API does not redirect, and a write redirected to where it
                # landed ("303 See Other") may well have been carried out.
                raise UpstreamUnavailable(
                    f"The ERP answered with a redirect (HTTP {response.status_code}) instead of data.",
                    outcome_unknown=method not in SAFE_METHODS, status=response.status_code,
                    trace_id=response.headers.get(trace_header, ""), **about,
                )
            return response, elapsed
        raise AssertionError("unreachable")  # pragma: no cover

    def _issue(self, method: str, url: str, params, json, data, headers, timeout) -> requests.Response:
        """One attempt, its body not read yet. Built as ``requests.Session.request`` builds it (URL and
        parameters, the session's headers under the call's, the body) and sent through the session's
        adapter, without the rest of what ``Session.request`` does on every call: a cookie jar, hooks,
        environment settings and redirects. An ERP API reached with a bearer token needs none of them,
        and they cost about 0.6 ms of CPU a call, more than a loopback round trip. A redirect is
        therefore answered as it is (its status), not followed."""
        prepared = requests.PreparedRequest()
        prepared.prepare_method(method)
        prepared.prepare_url(url, params)
        prepared.prepare_headers(merge_setting(headers, self.session.headers, dict_class=CaseInsensitiveDict))
        prepared.prepare_body(data, None, json)
        prepared.prepare_hooks({})
        adapter = self.session.get_adapter(url)
        return adapter.send(prepared, stream=True, timeout=timeout, verify=self.session.verify,
                            cert=self.session.cert, proxies=self._proxies_for(url))

    def _timeout(self, left: float | None) -> tuple[float, float]:
        """This attempt's (connect, read) time-outs: the connection's, capped by the time left."""
        if left is None:
            return self.timeout
        connect, read = self.timeout
        return min(connect, left), min(read, left)

    def _read(self, response: requests.Response, budget: deadline.Budget | None) -> None:
        """Read the answer's body into ``response`` (``.content``, ``.text``, ``.json()`` then work as
        usual), piece by piece: requests' read time-out is per socket read, which a drip never trips.
        The body must be complete by the deadline (the page's, and this attempt's own connect + read
        time-outs) and at most ``max_response_bytes`` long (announced or read)."""
        try:
            announced = response.headers.get("Content-Length", "")
            if announced.isdigit() and int(announced) > self.max_response_bytes:
                raise _TooLarge(int(announced))
            ends = time.monotonic() + sum(self.timeout)
            if budget is not None:
                ends = min(ends, budget.expires_at)
            pieces: list[bytes] = []
            size = 0
            raw = response.raw
            while True:
                left = ends - time.monotonic()
                if left <= 0:
                    raise _TooSlow("The answer did not arrive in time.", request=response.request)
                # No single wait on the socket may go past the deadline either (a stall half-way).
                # Once the body is complete the connection is back in the pool: leave it alone.
                connection = raw.connection
                if connection is not None and connection.sock is not None:
                    connection.sock.settimeout(min(self.timeout[1], left))
                piece = raw.read1(CHUNK_BYTES, decode_content=True)
                if not piece:
                    break
                size += len(piece)
                if size > self.max_response_bytes:
                    raise _TooLarge(size)
                pieces.append(piece)
        except requests.RequestException:
            response.close()
            raise
        except urllib3.exceptions.ReadTimeoutError as exc:
            response.close()
            raise requests.ReadTimeout(exc, request=response.request) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            response.close()
            raise requests.ConnectionError(exc, request=response.request) from exc
        except BaseException:
            response.close()
            raise
        response._content = b"".join(pieces)  # what requests itself stores once it has read a body
        response._content_consumed = True

    def _proxies_for(self, url: str) -> dict[str, str]:
        host = urlsplit(url).netloc
        proxies = self._proxies.get(host)
        if proxies is None:
            proxies = self._proxies[host] = requests.utils.get_environ_proxies(url)
        return proxies

    def _pause(self, attempt: int, retry_after: float | None, budget: deadline.Budget | None) -> bool:
        """Wait before retry ``attempt + 1``; False (without waiting) when the page's deadline would
        leave no time for it."""
        if retry_after is not None:
            delay = retry_after
        else:
            # Exponential backoff with full jitter.
            delay = random.uniform(0, self.backoff * (2**attempt))
        delay = min(delay, MAX_RETRY_AFTER)
        if budget is not None and budget.remaining() - delay < MIN_ATTEMPT_SECONDS:
            return False
        time.sleep(delay)
        return True


def _refused(exc: requests.RequestException) -> bool:
    """True when the connection was never established, so nothing was sent."""
    text = repr(exc)
    return isinstance(exc, requests.ConnectionError) and (
        "NewConnectionError" in text or "Connection refused" in text or "NameResolutionError" in text
    )


def _transport_message(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.ConnectTimeout):
        return "The ERP could not be reached in time."
    if isinstance(exc, requests.Timeout):
        return "The ERP took too long to answer."
    if _refused(exc):
        return "The ERP could not be reached."
    return "The connection to the ERP broke before it answered."
