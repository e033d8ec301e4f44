"""What the services share: the pool a page's concurrent ERP calls run on (each call keeps its web
request's ERP budget) and cached ERP data, kept per connection."""

from __future__ import annotations

import contextvars
import logging
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.core.cache import cache

from orders import connections
from orders.erp import deadline

logger = logging.getLogger(__name__)


class _RequestPool(ThreadPoolExecutor):
    """Runs each call in a copy of the submitter's context: a call made for a web request keeps that
    request's ERP budget (its deadline and bulkhead permit, see ``orders.erp.deadline``)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)


# Upstream calls that a page needs at once run on this pool, so a page costs one round trip.
pool = _RequestPool(max_workers=16, thread_name_prefix="upstream")


def wait(future: Future):
    """The outcome of a call started on the pool (``start_order_list``…), waited for no longer than
    the web request's deadline allows: ``UpstreamUnavailable`` when it is not there by then."""
    return deadline.wait(future)


def scoped(key: str) -> str:
    """``key`` for the current connection: two companies never share cached data."""
    return f"{key}@{connections.cache_scope()}"


def cached(key: str, load):
    """The cached value of ``key`` (scoped to the current connection), loaded when missing."""
    key = scoped(key)
    value = cache.get(key)
    if value is None:
        value = load()
        cache.set(key, value, timeout=settings.REFERENCE_CACHE_SECONDS)
    return value

def normalized(value: str) -> str:
    return " ".join(value.split()).casefold()
