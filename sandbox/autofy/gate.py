"""What a data request passes before QuickBooks sees it: the API key and endpoint, the rate limit, and the
agent (offline, one request at a time, slow).

* ``authenticate``: ``x-api-key`` missing (1400) or wrong (1401), a trial key that has expired (1403), an
  endpoint the key does not own (1402). The sandbox's key and endpoint are ``SANDBOX_AUTOFY_API_KEY`` and
  ``SANDBOX_AUTOFY_ENDPOINT_ID`` (``sandbox.settings``).
* ``count_request``: ``rate_limit`` requests per window per endpoint, counted in the database
  (``AgentRateWindow``) so that every server process shares one count.
* ``agent_turn``: the agent answers one request at a time per endpoint, across threads and processes:
  a request holds an exclusive ``flock`` on a file beside the database while the agent works on it
  (``agent_latency_ms``, then the handler). Others wait holding one of ``queue_limit`` queue slots (files
  too); with none free they answer 1900 at once, and after ``queue_wait_seconds`` 1600. A lock held by a
  process that dies is released by the kernel. With ``agent_offline`` every request answers the offline
  error at once.

The knobs are ``AutofyConfig``, read once per change of the sandbox's stamp (``sandbox.knobs``).
"""

import fcntl
import hashlib
import hmac
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.db import transaction

from sandbox import knobs
from sandbox.autofy import decisions
from sandbox.autofy.envelope import AutofyError, general_error
from sandbox.autofy.models import AgentRateWindow, AutofyConfig

QUEUE_POLL_SECONDS = 0.005

AGENT_MESSAGES = {
    1302: "Unable to retrieve token from agent. The agent is not connected to Autofy.",
    1600: "The agent did not answer the request.",
    1601: "The agent could not open the QuickBooks company file.",
    1602: "The agent lost its connection to QuickBooks.",
}


def config() -> AutofyConfig:
    """The agent's knobs, read once per stamp (see ``sandbox.knobs``)."""
    memory = knobs.current()
    if memory.autofy_config is None:
        memory.autofy_config = AutofyConfig.current()
    return memory.autofy_config


# --- The key and the endpoint ------------------------------------------------------------------------


def authenticate(request, endpoint_id: str, knobs_now: AutofyConfig) -> None:
    key = request.headers.get("x-api-key", "").strip()
    if not key:
        raise AutofyError(1400, "A required header was missing in your request: x-api-key.")
    if not hmac.compare_digest(key.encode(), settings.SANDBOX_AUTOFY_API_KEY.encode()):
        raise AutofyError(1401, "A required header was invalid in your request: x-api-key.")
    if knobs_now.key_kind == "trial_expired":
        raise AutofyError(1403, "Your trial use of this api key has expired.")
    if not hmac.compare_digest(endpoint_id.encode(), settings.SANDBOX_AUTOFY_ENDPOINT_ID.encode()):
        raise AutofyError(1402, "The endpoint you're trying to access does not belong to your app.")


def require_named_get(knobs_now: AutofyConfig, named: bool) -> None:
    """A trial key cannot list: its GETs must name an Id, a name or a number (1404)."""
    if knobs_now.key_kind == "trial" and not named:
        raise AutofyError(1404, "GET requests for your API key must specify either an Id, Name, or Number.")


# --- The rate limit ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateState:
    limit: int
    remaining: int
    reset: int  # whole seconds until the window ends

    def headers(self) -> dict[str, str]:
        return {"RateLimit-Limit": str(self.limit), "RateLimit-Remaining": str(self.remaining),
                "RateLimit-Reset": str(self.reset)}


def count_request(endpoint_id: str, knobs_now: AutofyConfig) -> RateState:
    """Count one request in the endpoint's window; over the limit raise the 429 answer (not counted)."""
    limit = knobs_now.rate_limit
    with transaction.atomic():
        now = time.time()
        window = AgentRateWindow.objects.select_for_update().filter(pk=endpoint_id).first()
        if window is None or now >= window.started + decisions.RATE_WINDOW_SECONDS:
            window = AgentRateWindow(endpoint_id=endpoint_id, started=now, count=0)
        reset = max(1, math.ceil(window.started + decisions.RATE_WINDOW_SECONDS - now))
        if window.count >= limit:
            state = RateState(limit, 0, reset)
            raise general_error(
                f"Too many requests: {limit} requests a minute are allowed for this endpoint. "
                f"Try again in {reset} seconds.",
                status=429, headers={**state.headers(), "Retry-After": str(reset)},
            )
        window.count += 1
        window.save()
    return RateState(limit, max(0, limit - window.count), reset)


def reset_rate_windows() -> None:
    AgentRateWindow.objects.all().delete()


# --- The agent ---------------------------------------------------------------------------------------


def _lock_path(endpoint_id: str, name: str) -> str:
    digest = hashlib.sha256(endpoint_id.encode()).hexdigest()[:12]
    return f"{settings.DATABASES['default']['NAME']}.autofy-{digest}.{name}.lock"


def _try_lock(file: IO) -> bool:
    try:
        fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _queue_slot(endpoint_id: str, slots: int) -> IO | None:
    """A free place in the queue (a locked file; closing it frees the place), or None when all are taken."""
    for index in range(slots):
        slot = open(_lock_path(endpoint_id, f"queue-{index}"), "a")
        if _try_lock(slot):
            return slot
        slot.close()
    return None


def _wait_for_agent(endpoint_id: str, agent: IO, knobs_now: AutofyConfig) -> None:
    slot = _queue_slot(endpoint_id, knobs_now.queue_limit)
    if slot is None:
        raise AutofyError(1900, "The agent's queue is full: it is busy, retry later.",
                          headers={"Retry-After": str(decisions.BUSY_RETRY_AFTER)})
    try:
        deadline = time.monotonic() + knobs_now.queue_wait_seconds
        while not _try_lock(agent):
            if time.monotonic() >= deadline:
                raise AutofyError(1600, "The agent did not answer in time: the request waited too long in its queue.")
            time.sleep(QUEUE_POLL_SECONDS)
    finally:
        slot.close()


@dataclass
class Turn:
    """When (epoch seconds) the agent began and ended its work on one request."""

    began: float
    ended: float | None = None


@contextmanager
def agent_turn(endpoint_id: str, knobs_now: AutofyConfig) -> Iterator[Turn]:
    """The agent's attention for one request: wait for it, take the agent's time, let the caller work."""
    if knobs_now.agent_offline:
        code = knobs_now.offline_code
        raise AutofyError(code, AGENT_MESSAGES.get(code, AGENT_MESSAGES[1600]), status=knobs_now.offline_status)
    with open(_lock_path(endpoint_id, "agent"), "a") as agent:
        if not _try_lock(agent):
            _wait_for_agent(endpoint_id, agent, knobs_now)
        turn = Turn(time.time())
        try:
            if knobs_now.agent_latency_ms:
                time.sleep(knobs_now.agent_latency_ms / 1000)
            yield turn
        finally:
            turn.ended = time.time()
            fcntl.flock(agent, fcntl.LOCK_UN)
