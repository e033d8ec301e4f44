"""Changes the dashboard makes to orders that already exist in the ERP (``OrderAction``): recorded before
the ERP is called, carried out once, every attempt kept.

The ideas are the submission engine's (``orders.submissions.running``), for a single write:

* **Recorded first.** The action, with the exact request body, is saved before the call; the form's
  one-time token is unique, so a double click or a repeated POST finds the same action and changes
  nothing twice.
* **One sender.** A run claims the action (``select_for_update``, holder "<host>:<pid>:<nonce>"); a
  claim lapses after ``RUN_LEASE`` without progress.
* **A lost answer is settled by reading, never by resending.** Before the call the action is marked
  ``in_doubt``; an answer that is lost leaves it so, with ``settles_at`` (the ERP may still carry the
  write out until then). After that the order is read again: the change is there (done), not there and
  the order otherwise untouched (not done: nothing was changed, the user may ask again, which is a new
  action), or unclear (someone else changed the order: it needs a decision). Nothing is ever sent again
  for an action; asking again is a new action with a new token, from the order as it is now.

Each ERP brings a ``Performer`` (``orders.actions.tso``, ``orders.actions.qbd``): how to send the
request, how to read the order to settle a doubt, and how to put its refusals in plain words.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import IntegrityError, transaction
from django.db import connection as db_connection
from django.utils import timezone

from orders.erp.errors import UpstreamError
from orders.models import ErpConnection, OrderAction, OrderActionAttempt
from orders.submissions.messages import outcome_unknown
from orders.submissions.running import RUN_LEASE, error_body, holder

State = OrderAction.State
Outcome = OrderActionAttempt.Outcome

# What the order page's timeline shows at most.
TIMELINE_LENGTH = 50


@dataclass(frozen=True, slots=True)
class Sent:
    """The ERP's answer to the write."""

    status: int
    data: Any
    tracking_id: str
    trace_id: str
    elapsed_ms: float


@dataclass(frozen=True, slots=True)
class Check:
    """What reading the order again says about a write in doubt."""

    outcome: str  # "applied" | "absent" | "unclear"
    note: str
    changes: tuple[tuple[str, str, str], ...] = ()


class Performer(Protocol):
    erp: str  # the ERP's name as the user reads it

    def send(self, action: OrderAction) -> Sent: ...

    def check(self, action: OrderAction) -> Check: ...

    def explain(self, action: OrderAction, error: UpstreamError) -> str: ...

    def stale(self, action: OrderAction, error: UpstreamError) -> tuple[tuple[str, str, str], ...] | None:
        """For a refusal because the order changed meanwhile: what changed (else None)."""

    def settle_seconds(self) -> float: ...

    def longest_call(self) -> float: ...


# --- recording ----------------------------------------------------------------------------------------

def find(token: str) -> OrderAction | None:
    return OrderAction.objects.filter(token=token).first() if token else None


def record(*, connection: ErpConnection, order_id: str, kind: str, target: dict, user, token: str,
           request: dict | None, seen_version: str = "", state: str = State.PENDING,
           changes: list | tuple = (), error: str = "") -> tuple[OrderAction, bool]:
    """Save the action before anything is sent; (the action, created). The same token again is the same
    action (created False), whatever else is sent with it."""
    try:
        with transaction.atomic():
            action = OrderAction.objects.create(
                connection=connection, order_id=str(order_id), kind=kind, target=target, created_by=user,
                token=token, request=request, seen_version=seen_version[:100], state=state,
                changes=[list(row) for row in changes], last_error=error)
    except IntegrityError:
        existing = find(token)
        if existing is None:
            raise
        return existing, False
    return action, True


def timeline(connection: ErpConnection, order_id: str) -> list[OrderAction]:
    """What the dashboard did to the order, newest first, with every attempt."""
    if not _any_action(connection, str(order_id)):
        return []
    return list(OrderAction.objects.filter(connection=connection, order_id=str(order_id))
                .select_related("created_by").prefetch_related("attempts")[:TIMELINE_LENGTH])


def _any_action(connection: ErpConnection | None, order_id: str) -> bool:
    """Whether the dashboard did anything to the order. Most orders it never touched: this plain query
    (on the ``action_by_order`` index) costs about 0.05 ms of CPU, the ORM's full one about 0.9 ms, most
    of it building the query, on every order page."""
    if connection is None:
        return False
    meta = OrderAction._meta
    quote = db_connection.ops.quote_name
    sql = (f"SELECT 1 FROM {quote(meta.db_table)} WHERE {quote(meta.get_field('connection').column)} = %s "
           f"AND {quote(meta.get_field('order_id').column)} = %s LIMIT 1")
    with db_connection.cursor() as cursor:
        cursor.execute(sql, [connection.pk, order_id])
        return cursor.fetchone() is not None


def being_checked(actions: list[OrderAction]) -> OrderAction | None:
    """The newest of ``actions`` whose outcome is still being checked (sent, no answer, not settled yet). While
    there is one, no other change is offered or taken on the order: it may still be made, and a second change
    decided on the order as the page showed it could repeat it or work against it."""
    return next((a for a in actions if a.in_doubt and a.state in (State.PENDING, State.IN_PROGRESS)), None)


def in_doubt_on(connection: ErpConnection, order_id: str) -> list[OrderAction]:
    """The order's actions in doubt, newest first."""
    return list(OrderAction.objects.filter(connection=connection, order_id=str(order_id), in_doubt=True,
                                           state__in=(State.PENDING, State.IN_PROGRESS)))


def redo(action: OrderAction) -> bool:
    """Decide an action that waits for the user's decision by doing it again (the caller records the new one);
    True when it was waiting, once: a second "Do it again" (another tab, Back) finds it decided."""
    return _decide(action, State.REDONE, "Done again on the order as it was then: see the newer entry.")


def cancel(action: OrderAction) -> bool:
    """Give up an action that waits for the user's decision (a stale edit); True when it was one."""
    return _decide(action, State.CANCELLED, "Cancelled: the order was left as it is.")


def _decide(action: OrderAction, state: str, note: str) -> bool:
    """Settle an action that waits for the user's decision as ``state``, once (its row locked)."""
    with transaction.atomic():
        locked = OrderAction.objects.select_for_update().get(pk=action.pk)
        if locked.state != State.NEEDS_ATTENTION or locked.in_doubt:
            return False
        locked.state, locked.note = state, note
        locked.save(update_fields=["state", "note", "updated_at"])
    action.refresh_from_db()
    return True


# --- running ------------------------------------------------------------------------------------------

def run(action: OrderAction, performer: Performer) -> OrderAction:
    """Carry the action out (or settle its doubt); returns it updated. Does nothing for an action that
    is finished, claimed by a live run, or in doubt and not yet settled."""
    claimed = _claim(action)
    if claimed is None:
        action.refresh_from_db()
        return action
    try:
        if not claimed.in_doubt:
            _send(claimed, performer)
        if claimed.in_doubt and not _unsettled(claimed):
            _settle(claimed, performer)
    finally:
        if claimed.state == State.IN_PROGRESS:  # in doubt and waiting, or an unexpected error escaped
            claimed.state = State.PENDING
        claimed.claimed_by = ""
        claimed.save()
    return claimed


def settle_due(actions: list[OrderAction], performer_for) -> None:
    """Settle the actions in doubt among ``actions`` whose time has come (the order page does this as
    it is shown: reading only, nothing is sent)."""
    for action in actions:
        if action.in_doubt and action.state == State.PENDING and not _unsettled(action):
            updated = run(action, performer_for(action))
            action.__dict__.update({k: v for k, v in updated.__dict__.items() if not k.startswith("_")})


def _claim(action: OrderAction) -> OrderAction | None:
    with transaction.atomic():
        locked = OrderAction.objects.select_for_update().get(pk=action.pk)
        if locked.state == State.IN_PROGRESS:
            if locked.updated_at >= timezone.now() - RUN_LEASE:
                return None
        elif locked.state != State.PENDING:
            return None
        locked.state = State.IN_PROGRESS
        locked.claimed_by = holder()
        locked.save(update_fields=["state", "claimed_by", "updated_at"])
    return locked


def _unsettled(action: OrderAction) -> bool:
    return action.settles_at is not None and timezone.now() < action.settles_at


def _send(action: OrderAction, performer: Performer) -> None:
    now = timezone.now()
    # Write-ahead: from here on the ERP may have it. Should this process die during the call, the write
    # may land until the call would have timed out and the settle period has passed.
    action.in_doubt = True
    action.settles_at = now + dt.timedelta(seconds=performer.longest_call() + performer.settle_seconds())
    action.save()
    started = time.perf_counter()
    try:
        sent = performer.send(action)
    except UpstreamError as error:
        elapsed = (time.perf_counter() - started) * 1000
        unknown = outcome_unknown(error)
        _keep_error(action, error)
        if unknown:
            answered = error.status is not None and 200 <= error.status < 300
            action.settles_at = None if answered else timezone.now() + dt.timedelta(seconds=performer.settle_seconds())
            action.last_error = (f"{performer.erp} did not confirm the change. The dashboard reads the order again "
                                 "before anything else is done, so the change cannot be made twice.")
            _attempt(action, Outcome.UNKNOWN, error=error.message, duration_ms=elapsed, status=error.status,
                     response=action.response)
            return
        action.in_doubt = False
        action.settles_at = None
        changes = performer.stale(action, error)
        if changes is not None:
            action.state = State.NEEDS_ATTENTION
            action.changes = [list(row) for row in changes]
        else:
            action.state = State.FAILED
        action.last_error = performer.explain(action, error)
        _attempt(action, Outcome.FAILED, error=error.message, duration_ms=elapsed, status=error.status,
                 response=action.response)
        return
    action.in_doubt = False
    action.settles_at = None
    action.state = State.SUCCEEDED
    action.response = sent.data
    action.http_status = sent.status
    action.tracking_id = sent.tracking_id[:100]
    action.trace_id = sent.trace_id[:100]
    action.last_error = ""
    _attempt(action, Outcome.SUCCEEDED, duration_ms=sent.elapsed_ms, status=sent.status, response=sent.data)


def _settle(action: OrderAction, performer: Performer) -> None:
    try:
        found = performer.check(action)
    except UpstreamError as error:
        action.last_error = (f"The dashboard must read the order again to know whether the change was made, but "
                             f"{performer.erp} did not answer ({error.message}). It looks again when the page is "
                             "shown; nothing is sent meanwhile.")
        _attempt(action, Outcome.FAILED, error=f"Checking: {error.message}", status=error.status)
        return
    action.in_doubt = False
    action.settles_at = None
    action.note = found.note
    if found.outcome == "applied":
        action.state = State.SUCCEEDED
        action.last_error = ""
    elif found.outcome == "absent":
        action.state = State.FAILED
        action.last_error = found.note
    else:
        action.state = State.NEEDS_ATTENTION
        action.changes = [list(row) for row in found.changes]
        action.last_error = found.note
    _attempt(action, Outcome.CHECKED, error=found.note)


def _keep_error(action: OrderAction, error: UpstreamError) -> None:
    action.http_status = error.status
    action.tracking_id = error.tracking_id[:100]
    action.trace_id = error.trace_id[:100]
    action.response = error_body(error)


def _attempt(action: OrderAction, outcome: str, *, error: str = "", duration_ms: float | None = None,
             status: int | None = None, response: Any = None) -> None:
    action.save()
    OrderActionAttempt.objects.create(
        action=action, number=action.attempts.count() + 1, attempted_at=timezone.now(), outcome=outcome,
        http_status=status, duration_ms=duration_ms, trace_id=action.trace_id, tracking_id=action.tracking_id,
        error=error, response=response)

