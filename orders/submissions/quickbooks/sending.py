"""Sending a QuickBooks submission: its one step (create the order), decided by what came back.

See the package docstring for the rules; this module carries them out for one run of one submission.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from orders import connections
from orders.erp.autofy import QuickBooksConnector, connector_for
from orders.erp.autofy.client import AGENT_OFFLINE_CODES
from orders.erp.errors import UpstreamError, UpstreamUnavailable
from orders.models import Submission, SubmissionAttempt, SubmissionStep
from orders.qbd_draft import draft_from_data
from orders.services import index
from orders.submissions.planning import clear_error
from orders.submissions.quickbooks import messages
from orders.submissions.quickbooks.form_errors import placed_reason, qbd_form_errors
from orders.submissions.quickbooks.reconciling import TooManyToCheck, find_marked
from orders.submissions.running import claimed, error_body, keep_attempt

State = Submission.State
StepState = SubmissionStep.State
Outcome = SubmissionAttempt.Outcome

# A manual run (the builder, an admin's "Try again") takes these; the worker also those whose claim lapsed.
RUNNABLE = (State.PENDING, State.FAILED, State.WAITING)
# While QuickBooks does not take the order, it is tried again this long after each try (the last one
# repeating), and sooner once QuickBooks answers anything again (``waiting``). AUTOFY.md §4.4: the PC may be
# off overnight or over a weekend.
RETRY_SCHEDULE = tuple(dt.timedelta(minutes=m) for m in (1, 5, 30, 120, 360, 720))
# After this long without QuickBooks taking it, a person decides (needs attention).
GIVE_UP_AFTER = dt.timedelta(hours=72)
# Outcomes of a call that may have created the order: the next send looks for it first.
MAY_HAVE_LANDED = (Outcome.UNKNOWN, Outcome.NOT_ACCEPTED)

logger = logging.getLogger(__name__)


def settle_seconds() -> float:
    """How long after the dashboard gave up on a write QuickBooks may still carry it out."""
    return float(settings.AUTOFY.get("SETTLE_SECONDS", 60))


def queue_seconds() -> float:
    """How long a request may wait in the agent's queue (and still be carried out) after it was sent."""
    return float(settings.AUTOFY.get("AGENT_QUEUE_SECONDS", 90))


def qbd_submission_run(*, submission: Submission, budget: float | None = None, attended: bool = False) -> Submission:
    """Send the submission's order to QuickBooks, or settle it; returns it updated.

    Does nothing when another run holds it, or when it succeeded, was closed or needs attention (unless
    ``attended``: someone put QuickBooks right and asks for another look). ``budget`` (seconds, a web
    request): no call is started once it is spent; the submission is then left ``pending``."""
    until = None if budget is None else time.monotonic() + budget
    runnable = RUNNABLE + ((State.NEEDS_ATTENTION,) if attended else ())
    with claimed(submission, runnable) as held:
        if held is None:
            submission.refresh_from_db()
            return submission
        if attended:
            held.waiting_since = None  # a person asked: the retry horizon starts again
        connection = connections.of_submission(held)
        with connections.using(connection):
            try:
                connector = connector_for(connection)
            except UpstreamError as error:  # the connection's key is not set
                _Run(held, None, until).refused(held.steps.get(), error)
            else:
                _Run(held, connector, until).run()
    return held


class _Run:
    def __init__(self, submission: Submission, connector: QuickBooksConnector | None, until: float | None) -> None:
        self.submission = submission
        self.connector = connector
        self.until = until

    def run(self) -> None:
        step = self.submission.steps.get()
        if step.state == StepState.SUCCEEDED:
            self.succeeded(step, step.response or {})
            return
        if needs_look(step):
            if step.settles_at is not None and timezone.now() < step.settles_at:
                self.wait(step, messages.in_doubt(None, step.settles_at), at=step.settles_at)
                return
            if not self.look(step):
                return
            if self.until is not None and time.monotonic() > self.until:
                self.submission.state = State.PENDING  # the next run sends it, without looking again
                self.submission.save()
                return
        self.send(step)

    # --- looking for the order (reconciling) ----------------------------------------------------------

    def look(self, step: SubmissionStep) -> bool:
        """Look for an order with the marker; True when none is there, so it may be sent (again)."""
        tag = marker_of(step)
        now = timezone.now()
        try:
            found = find_marked(self.connector, tag, sent_from=unlooked_from(step), now=now)
        except TooManyToCheck as many:
            self.attention(messages.too_many_to_check(many.args[0]))
            return False
        except UpstreamError as error:
            _attempt(step, Outcome.NOT_ACCEPTED, f"Looking for the order: {error.message}", status=error.status,
                     tracking_id=error.tracking_id, response=error_body(error))
            self.wait(step, messages.unchecked(error), error=error)
            return False
        if found.orders:
            note = (f"Looked for the marker among {found.seen} order(s) modified in QuickBooks: found "
                    + ", ".join(str(order.get("ID")) for order in found.orders) + ".")
        else:
            note = f"Looked for the marker among {found.seen} order(s) modified in QuickBooks: not there."
        _attempt(step, Outcome.CHECKED, note, status=found.status, tracking_id=found.request_id,
                 duration_ms=found.elapsed_ms, response=found.summary)
        if len(found.orders) > 1:
            step.note = note
            step.save(update_fields=["note"])
            self.attention(messages.several(list(found.orders), tag))
            return False
        if found.orders:
            step.note = messages.FOUND
            self.succeeded(step, found.orders[0])
            return False
        step.state = StepState.PENDING  # certainly not in QuickBooks: to be sent
        step.settles_at = None
        step.save(update_fields=["state", "settles_at"])
        return True

    # --- sending ------------------------------------------------------------------------------------

    def send(self, step: SubmissionStep) -> None:
        now = timezone.now()
        step.state = StepState.UNKNOWN  # write-ahead: from here on QuickBooks may have it
        step.attempts += 1
        step.attempted_at = now
        # Should this process die during the call, the order may land until the call would have timed out
        # (or left the agent's queue) and the settle period has passed.
        step.settles_at = now + dt.timedelta(seconds=max(_longest_call(), queue_seconds()) + settle_seconds())
        step.error = step.note = ""
        step.save()
        started = time.perf_counter()
        try:
            answer = self.connector.client.create_sales_order(step.request)
        except UpstreamError as error:
            step.duration_ms = (time.perf_counter() - started) * 1000
            self.failed(step, error)
            return
        step.http_status, step.duration_ms = answer.status, answer.elapsed_ms
        step.tracking_id, step.trace_id = answer.request_id[:100], answer.trace_id[:100]
        order = answer.objects[0] if answer.objects else None
        if not isinstance(order, dict) or not isinstance(order.get("ID"), str) or not order["ID"]:
            step.settles_at = None  # QuickBooks answered: nothing of this call is on its way any more
            step.error = "QuickBooks' answer did not say which order it created."
            step.response = answer.raw
            step.save()
            keep_attempt(step, Outcome.UNKNOWN)
            self.wait(step, messages.unreadable(), at=timezone.now())
            return
        self.succeeded(step, order, attempt=True)

    def failed(self, step: SubmissionStep, error: UpstreamError) -> None:
        step.http_status = error.status
        step.trace_id, step.tracking_id = error.trace_id[:100], error.tracking_id[:100]
        step.error = error.message
        step.response = error_body(error)
        if not isinstance(error, UpstreamUnavailable):
            self.refused(step, error)
        elif error.outcome_unknown:
            queued_until = step.attempted_at + dt.timedelta(seconds=queue_seconds())
            step.settles_at = max(timezone.now(), queued_until) + dt.timedelta(seconds=settle_seconds())
            step.save()
            keep_attempt(step, Outcome.UNKNOWN)
            offline = error.code.isdigit() and int(error.code) in AGENT_OFFLINE_CODES
            said = messages.waiting(error, in_doubt=True) if offline else messages.in_doubt(error, step.settles_at)
            self.wait(step, said, error=error, at=step.settles_at)
        else:
            step.state = StepState.FAILED  # not taken; looked for before the next send all the same
            step.settles_at = None
            step.save()
            keep_attempt(step, Outcome.NOT_ACCEPTED)
            self.wait(step, messages.waiting(error), error=error)

    def refused(self, step: SubmissionStep, error: UpstreamError) -> None:
        """A definite rejection: failed, mapped onto the form, never tried again by itself."""
        step.attempted_at = step.attempted_at or timezone.now()
        step.state = StepState.FAILED
        step.settles_at = None
        step.error = step.error or error.message
        step.save()
        keep_attempt(step, Outcome.FAILED)
        submission = self.submission
        submission.state = State.FAILED
        form_errors = qbd_form_errors(error, draft_from_data(submission.payload))
        submission.last_error = messages.rejected(error, placed_reason(form_errors))
        submission.last_tracking_id, submission.last_trace_id = error.tracking_id[:100], error.trace_id[:100]
        submission.form_errors = form_errors.as_json()
        submission.waiting_since = submission.next_attempt_at = None
        submission.save()

    # --- where the submission stands ----------------------------------------------------------------

    def succeeded(self, step: SubmissionStep, order: dict, *, attempt: bool = False) -> None:
        step.state = StepState.SUCCEEDED
        step.response = order
        step.settles_at = None
        step.error = ""
        step.save()
        if attempt:
            keep_attempt(step)
        submission = self.submission
        submission.upstream_ref = str(order.get("ID") or "")[:100]
        submission.state = State.SUCCEEDED
        submission.waiting_since = submission.next_attempt_at = None
        clear_error(submission)
        submission.save()
        if self.connector is not None and order.get("ID"):
            # Listed at once, as QuickBooks answered it: the user looks for it in the list next, and the
            # index's next sync would bring it only up to a minute later ("did it fail?"). The sync brings
            # it anyway should this fail: the order is made and recorded already.
            try:
                index.upsert(connections.of_submission(submission), [self.connector.summary_of(order)])
            except DatabaseError:
                logger.warning("Order %s not listed at once: the index could not be written", order.get("ID"),
                               exc_info=True)

    def wait(self, step: SubmissionStep, message: str, *, error: UpstreamError | None = None,
             at: dt.datetime | None = None) -> None:
        """Leave it to the worker: ``waiting``, to be tried again at ``at`` or by the retry schedule (and
        sooner once QuickBooks answers again); past ``GIVE_UP_AFTER``, a person decides."""
        submission = self.submission
        now = timezone.now()
        submission.waiting_since = submission.waiting_since or now
        if now - submission.waiting_since > GIVE_UP_AFTER:
            self.attention(messages.gave_up(GIVE_UP_AFTER.total_seconds() / 86400))
            return
        if at is None:
            tries = step.history.filter(attempted_at__gte=submission.waiting_since, outcome__in=MAY_HAVE_LANDED).count()
            delay = RETRY_SCHEDULE[min(max(tries - 1, 0), len(RETRY_SCHEDULE) - 1)]
            if error is not None and isinstance(error, UpstreamUnavailable) and error.retry_after:
                delay = max(delay, dt.timedelta(seconds=error.retry_after))
            at = now + delay
        submission.state = State.WAITING
        submission.next_attempt_at = at
        submission.last_error = message
        submission.last_tracking_id = error.tracking_id[:100] if error else ""
        submission.last_trace_id = error.trace_id[:100] if error else ""
        submission.form_errors = {}
        submission.save()

    def attention(self, message: str) -> None:
        submission = self.submission
        submission.state = State.NEEDS_ATTENTION
        submission.last_error = message
        submission.form_errors = {}
        submission.next_attempt_at = None
        submission.save()


# --- what the step's history says -------------------------------------------------------------------

def marker_of(step: SubmissionStep) -> str:
    return str(step.request.get("Other") or "")


def _since_last_look(step: SubmissionStep) -> list[SubmissionAttempt]:
    attempts = list(step.history.order_by("number"))
    looked = max((a.number for a in attempts if a.outcome == Outcome.CHECKED), default=0)
    return [attempt for attempt in attempts if attempt.number > looked]


def needs_look(step: SubmissionStep) -> bool:
    """Whether QuickBooks may hold the order from an earlier call that was not looked for since: a call in
    doubt (or one whose process died: the step still ``unknown``), or one QuickBooks did not take (the
    agent may have gone offline after saving it)."""
    return step.state == StepState.UNKNOWN or any(a.outcome in MAY_HAVE_LANDED for a in _since_last_look(step))


def unlooked_from(step: SubmissionStep) -> dt.datetime:
    """When the earliest call not looked for since was sent."""
    times = [a.attempted_at for a in _since_last_look(step)]
    if step.attempted_at is not None:
        times.append(step.attempted_at)
    return min(times, default=timezone.now())


def last_try(step: SubmissionStep) -> dt.datetime | None:
    """When QuickBooks was last asked about this order (sent or looked for)."""
    latest = step.history.order_by("-number").first()
    times = [t for t in (step.attempted_at, latest.attempted_at if latest else None) if t is not None]
    return max(times, default=None)


def _attempt(step: SubmissionStep, outcome: str, error: str, *, status: int | None = None, tracking_id: str = "",
             duration_ms: float | None = None, response=None) -> None:
    SubmissionAttempt.objects.create(
        step=step, number=step.history.count() + 1, attempted_at=timezone.now(), outcome=outcome,
        http_status=status, duration_ms=duration_ms, tracking_id=tracking_id[:100], error=error, response=response)


def _longest_call() -> float:
    return float(settings.AUTOFY.get("CONNECT_TIMEOUT", 0)) + float(settings.AUTOFY.get("READ_TIMEOUT", 0))
