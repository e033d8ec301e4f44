"""What the services share: the pool a page's concurrent ERP calls run on (each call keeps its web
request's ERP budget) and cached ERP data, kept per connection."""

from __future__ import annotations

import contextvars
import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.core.cache import cache

from orders import connections
from orders.erp import deadline

logger = logging.getLogger(__name__)


# What a call started on the pool carries over from the code that started it: the web request's ERP
# budget (deadline and bulkhead permit, ``orders.erp.deadline``) and the connection it works on.
CARRIED: tuple[contextvars.ContextVar, ...] = (deadline._budget, connections._current)


class _RequestPool(ThreadPoolExecutor):
    """Runs each call with the submitter's ``CARRIED`` context variables, in the worker thread's own
    context otherwise.

    Not in a copy of the submitter's whole context: Django keeps each thread's cache clients in
    context-local storage that a copy made in another thread does not show, so every call run in a
    copy built a new cache client, and with Redis a new client is a new connection pool, a new TCP
    connection and a read of the package's metadata (about 5 ms of CPU a detail page, whose three
    calls each read the ERP token from the cache). In the worker's own context they are kept."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        carried = tuple((variable, variable.get()) for variable in CARRIED)
        return super().submit(_run_with, carried, fn, args, kwargs)


def _run_with(carried, fn, args, kwargs):
    tokens = [(variable, variable.set(value)) for variable, value in carried]
    try:
        return fn(*args, **kwargs)
    finally:
        for variable, token in reversed(tokens):
            variable.reset(token)


# Upstream calls that a page needs at once run on this pool, so a page costs one round trip.
pool = _RequestPool(max_workers=16, thread_name_prefix="upstream")


def wait(future: Future):
    """The outcome of a call started on the pool (``start_order_list``…), waited for no longer than
    the web request's deadline allows: ``UpstreamUnavailable`` when it is not there by then."""
    return deadline.wait(future)


def scoped(key: str) -> str:
    """``key`` for the current connection: two companies never share cached data."""
    return f"{key}@{connections.cache_scope()}"


# What ``cached`` reads from the shared cache is kept in this process too, for KEPT_SECONDS: reference
# data and the customer choices are read on nearly every page, and each read from Redis is a round trip
# and the unpickling of every item (0.1-0.4 ms a page, more with thousands of customers). Nothing
# replaces them in the shared cache before they expire (REFERENCE_CACHE_SECONDS), so a process is at
# most KEPT_SECONDS behind the others.
KEPT_SECONDS = 30.0
_KEPT_MAX = 2000
_kept: dict[str, tuple[float, Any]] = {}


def kept(key: str) -> Any | None:
    """The value this process kept for ``key`` (a scoped key) in the last KEPT_SECONDS, else None."""
    found = _kept.get(key)
    if found is None or time.monotonic() - found[0] > KEPT_SECONDS:
        return None
    return found[1]


def keep(key: str, value: Any) -> None:
    if len(_kept) >= _KEPT_MAX:
        _kept.clear()
    _kept[key] = (time.monotonic(), value)


def forget_kept() -> None:
    """Read everything from the shared cache again (this process)."""
    _kept.clear()


def cached(key: str, load):
    """The cached value of ``key`` (scoped to the current connection), loaded when missing."""
    key = scoped(key)
    value = kept(key)
    if value is not None:
        return value
    value = cache.get(key)
    if value is None:
        value = load()
        cache.set(key, value, timeout=settings.REFERENCE_CACHE_SECONDS)
    keep(key, value)
    return value


def normalized(value: str) -> str:
    return " ".join(value.split()).casefold()
