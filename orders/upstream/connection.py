"""One HTTP choke point per upstream connection: a pooled ``requests.Session``, connect and read
time-outs on every call, bounded retries with backoff and jitter for safe calls only, and every
transport failure turned into ``UpstreamUnavailable``.

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
from requests.adapters import HTTPAdapter

from orders.upstream.errors import UpstreamUnavailable

logger = logging.getLogger("orders.upstream")

# Statuses that mean "try again later"; a safe (read-only) call is retried on them.
RETRY_STATUSES = frozenset({429, 502, 503, 504})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Never sleep longer than this for one Retry-After: a page must not hang on a busy upstream.
MAX_RETRY_AFTER = 5.0


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
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


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
        user_agent: str = "salesadmin/0.1",
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self.max_retries = max(0, max_retries)
        self.backoff = backoff
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
        """Send one request; returns the raw response (any status) and its duration in ms.

        Safe methods are retried on connection errors, time-outs and ``RETRY_STATUSES`` (honouring
        ``Retry-After``), at most ``max_retries`` times. Writes are never retried: a write whose
        answer is lost raises ``UpstreamUnavailable(outcome_unknown=True)``.
        """
        method = method.upper()
        retry = method in SAFE_METHODS if retry is None else retry
        attempts = 1 + (self.max_retries if retry else 0)
        url = self.url_for(path)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            started = time.perf_counter()
            try:
                response = self.session.request(
                    method, url, params=params, json=json, data=data, headers=headers, timeout=self.timeout,
                    proxies=self._proxies_for(url),
                )
            except requests.RequestException as exc:
                elapsed = (time.perf_counter() - started) * 1000
                not_sent = isinstance(exc, requests.ConnectTimeout) or _refused(exc)
                logger.warning("%s %s %s failed after %.0f ms: %s", self.name, method, url, elapsed, exc)
                if not last:
                    self._sleep(attempt, None)
                    continue
                raise UpstreamUnavailable(
                    _transport_message(exc),
                    outcome_unknown=method not in SAFE_METHODS and not not_sent,
                    upstream=self.name,
                    method=method,
                    path=path,
                ) from exc
            elapsed = (time.perf_counter() - started) * 1000
            logger.info(
                "%s %s %s -> %s in %.0f ms (trace %s)",
                self.name, method, response.url, response.status_code, elapsed,
                response.headers.get(trace_header, "-"),
            )
            if response.status_code in RETRY_STATUSES and not last:
                wait = parse_retry_after(response.headers.get("Retry-After"))
                if wait is None or wait <= MAX_RETRY_AFTER:
                    response.close()
                    self._sleep(attempt, wait)
                    continue
            return response, elapsed
        raise AssertionError("unreachable")  # pragma: no cover

    def _proxies_for(self, url: str) -> dict[str, str]:
        host = urlsplit(url).netloc
        proxies = self._proxies.get(host)
        if proxies is None:
            proxies = self._proxies[host] = requests.utils.get_environ_proxies(url)
        return proxies

    def _sleep(self, attempt: int, retry_after: float | None) -> None:
        if retry_after is not None:
            delay = retry_after
        else:
            # Exponential backoff with full jitter.
            delay = random.uniform(0, self.backoff * (2**attempt))
        time.sleep(min(delay, MAX_RETRY_AFTER))


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
