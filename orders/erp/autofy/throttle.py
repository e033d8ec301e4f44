"""One Autofy endpoint, one request at a time, under its rate limit: from every thread and process.

QuickBooks Desktop answers one request at a time per company file, and Autofy allows 100 requests a
minute per endpoint (AUTOFY.md §1.8). So every call to an endpoint takes its **turn**:

* **One at a time.** A lock per endpoint, held while the call is on the wire. In production it lives in
  Redis (``REDIS_URL``, the server the cache uses), so web and worker processes on every host share
  it; a lock whose holder died expires after its lease (the call's own time-outs plus a margin). In
  development (the file cache) it is an ``flock`` on a file beside the cache's files: every process on
  the machine shares it, and the kernel releases it when its holder dies.
* **Under the rate limit.** Holding the lock, a turn reads the endpoint's shared rate state (in Django's
  cache): the start times of the last minute's calls and a "blocked until". It waits until fewer than
  ``per_minute`` calls started in the last ``WINDOW_SECONDS`` and the block is over, then records its
  own start. Each answer's ``RateLimit-Remaining``/``RateLimit-Reset`` (and a 429's) are noted: with
  nothing remaining, or refused for the limit, the endpoint is blocked for ``Reset`` seconds.

A turn waits at most ``wait`` seconds in all (the page's deadline in a web request); past it the call is
not sent and ``UpstreamUnavailable`` says QuickBooks is busy, with how long to wait.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

from orders.erp.errors import UpstreamUnavailable
from orders.parsing import parse_whole

logger = logging.getLogger("orders.erp.autofy.throttle")

# The window the client counts its calls in: a little longer than Autofy's minute, so that calls the
# client sees as a minute apart are never inside one of Autofy's windows (network delays differ).
WINDOW_SECONDS = 61.0
# How often a waiting turn looks at the lock again.
POLL_SECONDS = 0.01
# The rate state outlives any window; kept a while in the cache.
STATE_TTL_SECONDS = 600
BUSY_MESSAGE = "QuickBooks is busy with other requests right now. Try again in a moment."


class Turn:
    """A call's turn at the endpoint: ``observe`` the answer's rate headers."""

    def __init__(self, throttle: EndpointThrottle, state: dict) -> None:
        self._throttle = throttle
        self._state = state

    def observe(self, status: int, headers: Mapping[str, str]) -> None:
        reset = _seconds(headers.get("RateLimit-Reset"))
        remaining = parse_whole(str(headers.get("RateLimit-Remaining", "")).strip())
        if status == 429:
            wait = reset if reset is not None else _seconds(headers.get("Retry-After"))
            self._block(wait if wait is not None else WINDOW_SECONDS)
        elif remaining == 0 and reset is not None:
            self._block(reset)

    def _block(self, seconds: float) -> None:
        until = time.time() + min(seconds, WINDOW_SECONDS)
        self._state["blocked_until"] = max(self._state.get("blocked_until", 0.0), until)
        logger.info("%s: rate limit reached, no calls for %.0f s", self._throttle.label, seconds)


class EndpointThrottle:
    def __init__(self, key: str, *, per_minute: int, lease_seconds: float, label: str = "Autofy") -> None:
        digest = hashlib.sha256(key.encode()).hexdigest()[:24]
        self.label = label
        self.per_minute = max(1, per_minute)
        self.lease_seconds = lease_seconds
        self._state_key = f"autofy:rate:{digest}"
        self._lock = _lock_for(f"autofy-endpoint-{digest}", lease_seconds)

    @contextmanager
    def turn(self, *, wait: float) -> Iterator[Turn]:
        """The block runs when it is this call's turn: the endpoint's lock held, the rate limit kept.
        Raises ``UpstreamUnavailable`` (nothing sent) when that takes longer than ``wait`` seconds."""
        ends = time.monotonic() + max(0.0, wait)
        if not self._lock.acquire(ends):
            raise UpstreamUnavailable(BUSY_MESSAGE, upstream=self.label, retry_after=1.0)
        try:
            state = cache.get(self._state_key) or {}
            delay = self._delay(state, time.time())
            if delay > 0:
                if time.monotonic() + delay > ends:
                    raise UpstreamUnavailable(
                        "QuickBooks' rate limit is reached. Try again in a minute.",
                        upstream=self.label, retry_after=delay,
                    )
                time.sleep(delay)
            now = time.time()
            state["starts"] = [t for t in state.get("starts", ()) if t > now - WINDOW_SECONDS] + [now]
            turn = Turn(self, state)
            try:
                yield turn
            finally:
                cache.set(self._state_key, state, timeout=STATE_TTL_SECONDS)
        finally:
            self._lock.release()

    def _delay(self, state: dict, now: float) -> float:
        """Seconds to wait before the next call may start."""
        delay = max(0.0, state.get("blocked_until", 0.0) - now)
        starts = sorted(t for t in state.get("starts", ()) if t > now - WINDOW_SECONDS)
        if len(starts) >= self.per_minute:
            # The oldest call that keeps the window full must leave it first.
            delay = max(delay, starts[len(starts) - self.per_minute] + WINDOW_SECONDS - now)
        return delay

    def reset(self) -> None:
        """Forget the rate state (tests)."""
        cache.delete(self._state_key)


def _seconds(value) -> float | None:
    whole = parse_whole(str(value or "").strip())
    return None if whole is None else float(whole)


# --- The lock ---------------------------------------------------------------------------------------


class _FileLock:
    """An exclusive ``flock`` on a file: shared by every thread and process on this machine, released
    by the kernel when its holder dies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()

    def acquire(self, ends: float) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+b")  # noqa: SIM115 - held until release()
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= ends:
                    handle.close()
                    return False
                time.sleep(POLL_SECONDS)
                continue
            self._local.handle = handle
            return True

    def extend(self) -> None:
        """Nothing to do: a file lock has no lease."""

    def release(self) -> None:
        handle = self._local.handle
        self._local.handle = None
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        handle.close()


class _RedisLock:
    """A lock in Redis with a lease: shared by every process on every host that uses the server."""

    def __init__(self, name: str, lease_seconds: float) -> None:
        self.name = name
        self.lease_seconds = lease_seconds
        self._local = threading.local()

    def acquire(self, ends: float) -> bool:
        lock = _redis().lock(self.name, timeout=self.lease_seconds, sleep=POLL_SECONDS,
                             blocking_timeout=max(0.0, ends - time.monotonic()) or 0.001, thread_local=False)
        if not lock.acquire():
            return False
        self._local.lock = lock
        return True

    def release(self) -> None:
        lock = self._local.lock
        self._local.lock = None
        try:
            lock.release()
        except Exception:  # the lease ran out and someone else holds it now: not ours to release
            logger.warning("Autofy lock %s expired before it was released", self.name)

    def extend(self) -> None:
        """Start the lease again (work that holds the lock a long time calls this as it goes)."""
        lock = getattr(self._local, "lock", None)
        if lock is not None:
            lock.reacquire()


_redis_client = None


def _redis():
    global _redis_client
    if _redis_client is None:
        import redis

        _redis_client = redis.Redis.from_url(settings.REDIS_URL)
    return _redis_client


def _lock_for(name: str, lease_seconds: float) -> _FileLock | _RedisLock:
    if settings.REDIS_URL:
        return _RedisLock(f"salesadmin:lock:{name}", lease_seconds)
    return _FileLock(lock_directory() / f"{name}.lock")


def lock_directory() -> Path:
    """Where file locks live: beside the file cache's files (its ``clear()`` leaves them alone), else in
    the temporary directory."""
    location = settings.CACHES["default"].get("LOCATION")
    if settings.CACHES["default"]["BACKEND"].endswith("FileBasedCache") and location:
        return Path(location) / "locks"
    return Path(tempfile.gettempdir()) / f"salesadmin-locks-{os.getuid()}"


class Held:
    """What ``exclusive`` yields: whether the lock was obtained, and ``extend()`` to renew its lease."""

    def __init__(self, lock: _FileLock | _RedisLock, held: bool) -> None:
        self._lock = lock
        self.held = held

    def extend(self) -> None:
        if self.held:
            self._lock.extend()


@contextmanager
def exclusive(name: str, *, wait: float = 0.0, lease_seconds: float = 300) -> Iterator[Held]:
    """A named lock across processes (Redis or a file, as above), for work that must not run twice at
    once (one connection's sync). A Redis lock's lease must be renewed (``extend()``) more often than
    ``lease_seconds`` by work that takes longer."""
    lock = _lock_for("x-" + hashlib.sha256(name.encode()).hexdigest()[:24], lease_seconds)
    held = Held(lock, lock.acquire(time.monotonic() + wait))
    try:
        yield held
    finally:
        if held.held:
            lock.release()
