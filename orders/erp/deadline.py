"""How long a web request may wait on the ERP, and how many requests may wait on one ERP at once.

Every web request runs inside a ``Budget`` (``orders.middleware.ErpBudgetMiddleware`` opens it with
``ERP_PAGE_DEADLINE_SECONDS``), held in a context variable:

* **The deadline.** ``JsonConnection.send`` caps each attempt's connect and read time-outs by the time
  left, never sleeps (backoff, ``Retry-After``) past it and cuts a slow body at it, so all of a page's
  ERP calls (retries, the token and reading the answers included) end by the deadline.
* **The bulkhead.** A request's first call to an ERP connection takes one of that connection's
  permits (``Bulkhead``) and keeps it until the request ends, so at most ``permits`` server threads
  are ever tied up waiting on one ERP. When none is free within ``Bulkhead.wait`` seconds the call
  fails at once as "busy" (and so does every later call of that request to that connection). Pages
  that never call the ERP (login, static files, the submissions list) never touch a permit.

A page's concurrent calls run on ``orders.services.pool``, which runs each call in a copy of its
submitter's context, so they share the request's budget and its permit. Code outside a web request
(management commands, background threads started without a copied context) has no budget: only the
per-call time-outs apply and no permit is needed. Work meant to outlive its request therefore belongs
on a thread of its own, not on that pool.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from orders.erp.errors import UpstreamUnavailable

T = TypeVar("T")

# How long a request waits for a free permit before its page says "busy".
BULKHEAD_WAIT_SECONDS = 0.25
# How much longer than its deadline a request waits for a call started on the pool: the call itself
# gives up at the deadline; this only covers a call still queued behind other pages' calls.
POOL_GRACE_SECONDS = 1.0


class Bulkhead:
    """Permits for the requests waiting on one upstream connection at a time."""

    def __init__(self, permits: int, wait: float = BULKHEAD_WAIT_SECONDS) -> None:
        self.permits = permits
        self.wait = wait
        self._semaphore = threading.BoundedSemaphore(permits)

    def acquire(self, timeout: float) -> bool:
        return self._semaphore.acquire(timeout=max(0.0, timeout))

    def release(self) -> None:
        self._semaphore.release()


class Budget:
    """One web request's deadline (``time.monotonic()`` based) and the permits it holds."""

    __slots__ = ("expires_at", "_lock", "_held", "_refused", "_closed")

    def __init__(self, seconds: float) -> None:
        self.expires_at = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._held: list[Bulkhead] = []
        self._refused: set[Bulkhead] = set()
        self._closed = False

    def remaining(self) -> float:
        return self.expires_at - time.monotonic()

    def admit(self, bulkhead: Bulkhead) -> bool:
        """Whether this request may call the connection ``bulkhead`` guards: True once it holds a
        permit, False when none was free in time. Once the request is over, a call of it still left
        on the pool goes ahead without a permit (one taken then would never be given back); it
        holds no server thread, and the deadline still ends it."""
        with self._lock:
            if bulkhead in self._refused:
                return False
            if self._closed or bulkhead in self._held:
                return True
            if bulkhead.acquire(min(bulkhead.wait, self.remaining())):
                self._held.append(bulkhead)
                return True
            self._refused.add(bulkhead)
            return False

    def close(self) -> None:
        """The request is over: give its permits back."""
        with self._lock:
            self._closed = True
            held, self._held = self._held, []
        for bulkhead in held:
            bulkhead.release()


_budget: ContextVar[Budget | None] = ContextVar("erp_budget", default=None)


def current() -> Budget | None:
    """The running web request's budget; None outside a web request."""
    return _budget.get()


def remaining() -> float | None:
    """Seconds left for the running web request's ERP calls; None outside a web request."""
    budget = _budget.get()
    return None if budget is None else budget.remaining()


@contextmanager
def budget(seconds: float) -> Iterator[Budget]:
    """Run the block (a web request) with a budget of ``seconds`` for its ERP calls."""
    opened = Budget(seconds)
    token = _budget.set(opened)
    try:
        yield opened
    finally:
        _budget.reset(token)
        opened.close()


def wait(future: Future[T]) -> T:
    """``future.result()`` for a call started on the upstream pool, waiting no longer than the
    running request's deadline (and ``POOL_GRACE_SECONDS``): a page never outwaits its deadline, even
    when its calls are queued behind other pages' slow ones."""
    left = remaining()
    if left is None:
        return future.result()
    try:
        return future.result(timeout=max(0.0, left) + POOL_GRACE_SECONDS)
    except TimeoutError:
        future.cancel()
        raise UpstreamUnavailable("The ERP took too long to answer.") from None
