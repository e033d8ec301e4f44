"""Running a submission's steps against the ERP: claiming it, performing each step with a write-ahead
mark, waiting for a write in doubt to settle, and recording every attempt.

Never raced: a write whose outcome is unknown may still land in the ERP after the dashboard gave up
on it (a slow ERP finishing its work). So a step in doubt gets ``settles_at``: the moment after which
the first write can no longer land (when the dashboard stopped waiting, plus the ERP's settle
period, ``TSO_SETTLE_SECONDS``). Before then it is neither checked nor sent again; after, the ERP is
checked (``reconciling``), and only when it shows the write did not happen is it sent again, with
``settles_at`` checked once more just before. After such a resend the ERP is looked at once more for
a duplicate, which is removed where the ERP allows it.

One runner at a time: a run claims the submission in a short transaction on its row
(``select_for_update``) by moving it to ``in_progress`` with its holder, "<host>:<pid>:<nonce>". A
second run leaves a claimed submission alone, unless the claim lapsed: no progress for ``RUN_LEASE``,
or a holder on this host whose process is gone (a crashed or restarted web process), which is taken
over at once.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.utils import timezone

from orders.erp.errors import UpstreamError
from orders.erp.http import Response
from orders.erp.tso import get_client
from orders.erp.tso import reading as tso_reading
from orders.erp.tso.client import TwentyFourSevenClient
from orders import connections
from orders.models import Submission, SubmissionAttempt, SubmissionStep
from orders.submissions.form_errors import form_errors_from
from orders.submissions.messages import (
    failure_message,
    is_rejection,
    outcome_unknown,
    settling_message,
    unchecked_message,
)
from orders.submissions.planning import clear_error
from orders.submissions.reconciling import Reconciled, reconcile, remove_duplicates

State = Submission.State
StepState = SubmissionStep.State
Kind = SubmissionStep.Kind
Outcome = SubmissionAttempt.Outcome

# A claim on a running submission lapses after this long without progress (a holder elsewhere that
# may have crashed; a holder on this host whose process is gone is taken over at once).
RUN_LEASE = dt.timedelta(minutes=2)


# --- who holds a claim ------------------------------------------------------------------------------

_HOST = socket.gethostname()
_identity: tuple[int, str] = (0, "")
_running: set[int] = set()  # submissions this process is running now
_running_lock = threading.Lock()


def holder() -> str:
    """This process as a claim's holder: "<host>:<pid>:<nonce>" (a new nonce in a forked child)."""
    global _identity
    pid = os.getpid()
    if _identity[0] != pid:
        _identity = (pid, secrets.token_hex(6))
    return f"{_HOST}:{pid}:{_identity[1]}"


def holder_gone(claimed_by: str, submission_id: int) -> bool:
    """True when the claim's holder certainly no longer runs the submission: a process on this host
    that has exited, an earlier process that had the same pid, or this very process when none of its
    threads runs it. A holder on another host cannot be checked from here (the lease applies)."""
    host, _, rest = claimed_by.partition(":")
    pid_text, _, nonce = rest.partition(":")
    if host != _HOST or not pid_text.isascii() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        with _running_lock:
            return claimed_by != holder() or submission_id not in _running
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):
        return False
    return False


def claim_lapsed(submission: Submission) -> bool:
    return submission.updated_at < timezone.now() - RUN_LEASE or holder_gone(submission.claimed_by, submission.pk)


# --- running --------------------------------------------------------------------------------------

def submission_run(*, submission: Submission, attended: bool = False, budget: float | None = None) -> Submission:
    """Send the submission's unfinished steps, in order; returns it updated.

    Does nothing when another run holds it, when it succeeded or was closed, or when it needs
    attention, unless ``attended`` (someone put the ERP right and asks for another check). Stops at
    the first failure with ``state`` ``failed`` (or ``needs_attention``), ``last_error`` in plain words
    and ``form_errors`` for an ERP rejection; a step in doubt that has not settled yet stops it too
    (``failed``, with ``settles_at`` on the step). ``budget`` (seconds, for a web request): once it is
    spent no further step is started and the submission is left ``pending`` for the next run.
    """
    until = None if budget is None else time.monotonic() + budget
    runnable = (State.PENDING, State.FAILED, State.NEEDS_ATTENTION) if attended else (State.PENDING, State.FAILED)
    with claimed(submission, runnable) as held:
        if held is None:
            submission.refresh_from_db()
            return submission
        with connections.using(connections.of_submission(held)):
            _run_steps(held, get_client(), until)
    return held


@contextmanager
def claimed(submission: Submission, runnable: tuple[str, ...]) -> Iterator[Submission | None]:
    """The submission claimed for this run (None when another run holds it, or it is in none of the
    ``runnable`` states); released at the end of the block. A run that leaves it ``in_progress`` (an
    unexpected error escaped) leaves it failed and runnable again."""
    held = _claim(submission, runnable)
    if held is None:
        yield None
        return
    try:
        yield held
    finally:
        with _running_lock:
            _running.discard(held.pk)
        if held.state == State.IN_PROGRESS:
            held.state = State.FAILED
            held.last_error = "Sending stopped unexpectedly. Nothing was lost."
            held.save()


def _claim(submission: Submission, runnable: tuple[str, ...]) -> Submission | None:
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        if locked.state == State.IN_PROGRESS:
            if not claim_lapsed(locked):
                return None
        elif locked.state not in runnable:
            return None
        locked.state = State.IN_PROGRESS
        locked.claimed_by = holder()
        locked.save(update_fields=["state", "claimed_by", "updated_at"])
        with _running_lock:
            _running.add(locked.pk)
    return locked


def _run_steps(submission: Submission, client: TwentyFourSevenClient, until: float | None) -> None:
    for number, step in enumerate(submission.steps.exclude(state=StepState.SUCCEEDED).order_by("position")):
        if number and until is not None and time.monotonic() > until:
            submission.state = State.PENDING  # the next run carries on from here
            clear_error(submission)
            submission.save()
            return
        if not _perform(submission, step, client):
            return
    submission.state = State.SUCCEEDED
    clear_error(submission)
    submission.save()


def _perform(submission: Submission, step: SubmissionStep, client: TwentyFourSevenClient) -> bool:
    """Do one step; True when it is done and the run may go on."""
    after_doubt = step.state == StepState.UNKNOWN
    if after_doubt:
        if _unsettled(submission, step):
            return False
        try:
            found = reconcile(submission, step, client)
        except UpstreamError as error:
            _stop(submission, step, error, unchecked_message(submission, step, error))
            return False
        _keep_repairs(step, found.repairs)
        if found.outcome == "applied" and not _record_success(submission, step, found.data):
            found = Reconciled("unclear", note="The ERP shows the record without an id. Nothing more was sent; "
                                               "check the order in the ERP.")
        step.note = found.note
        step.settles_at = None if found.outcome == "applied" else step.settles_at
        step.save()
        if found.outcome == "unclear":
            _stop(submission, step, None, found.note, state=State.NEEDS_ATTENTION)
            return False
        if found.outcome == "applied":
            return True
        if _unsettled(submission, step):  # checked again just before anything is sent again
            return False

    now = timezone.now()
    step.state = StepState.UNKNOWN  # write-ahead: from here on the ERP may have it
    step.attempts += 1
    step.attempted_at = now
    # Should this process die during the call, the write may land until the call would have timed out
    # and the ERP's settle period has passed.
    step.settles_at = now + dt.timedelta(seconds=_longest_call(client) + settle_seconds(client))
    step.error = ""
    step.save()
    started = time.perf_counter()
    try:
        response = _send(submission, step, client)
    except UpstreamError as error:
        unknown = outcome_unknown(error)
        step.state = StepState.UNKNOWN if unknown else StepState.FAILED
        step.settles_at = _settles_after(error, client) if unknown else None
        step.duration_ms = (time.perf_counter() - started) * 1000
        _record_error(step, error)
        keep_attempt(step)
        _stop(submission, step, error, failure_message(submission, step, error))
        return False
    step.http_status = response.status
    step.duration_ms = response.elapsed_ms
    step.trace_id = response.trace_id
    step.tracking_id = ""
    step.note = ""
    step.settles_at = None  # the ERP answered: nothing of this write is still on its way
    if not _record_success(submission, step, response.data):
        step.state = StepState.UNKNOWN
        step.error = "The ERP's answer did not say which record it created."
        step.response = response.data
        step.save()
        keep_attempt(step)
        _stop(submission, step, None, "The ERP answered without the new record's id. Nothing was lost: the "
                                      "dashboard checks the ERP before it sends anything again.")
        return False
    step.save()
    keep_attempt(step)
    if after_doubt:
        # The first write was not in the ERP when it was checked; should it have landed since, the
        # ERP now has it twice. Look once more, and remove the extra where the ERP allows it.
        try:
            repaired = remove_duplicates(submission, step, client)
        except UpstreamError as error:
            _stop(submission, step, error, unchecked_message(submission, step, error, after_resend=True),
                  state=State.NEEDS_ATTENTION)
            return False
        _keep_repairs(step, repaired.repairs)
        if repaired.outcome == "unclear":
            step.note = repaired.note
            step.save()
            _stop(submission, step, None, repaired.note, state=State.NEEDS_ATTENTION)
            return False
    return True


def settle_seconds(client: TwentyFourSevenClient) -> float:
    """How long after the dashboard gave up on a write the ERP may still carry it out."""
    return float(client.config.get("SETTLE_SECONDS", 30))


def _longest_call(client: TwentyFourSevenClient) -> float:
    return float(client.config.get("CONNECT_TIMEOUT", 0)) + float(client.config.get("READ_TIMEOUT", 0))


def _settles_after(error: UpstreamError, client: TwentyFourSevenClient) -> dt.datetime | None:
    """When a write that failed with ``error`` can no longer land: at once when the ERP answered
    success (it is done, only its answer was unreadable), else after the settle period."""
    if error.status is not None and 200 <= error.status < 300:
        return None
    return timezone.now() + dt.timedelta(seconds=settle_seconds(client))


def _unsettled(submission: Submission, step: SubmissionStep) -> bool:
    """Stop (True) while the step's earlier write may still land in the ERP."""
    if step.settles_at is None or timezone.now() >= step.settles_at:
        return False
    _stop(submission, step, None, settling_message(submission, step))
    return True


def keep_attempt(step: SubmissionStep, outcome: str | None = None) -> None:
    """Add the step's latest attempt, as its fields now show it, to its history (its outcome the step's
    state unless ``outcome`` says otherwise)."""
    SubmissionAttempt.objects.create(
        step=step, number=step.history.count() + 1, attempted_at=step.attempted_at, outcome=outcome or step.state,
        http_status=step.http_status, duration_ms=step.duration_ms, trace_id=step.trace_id,
        tracking_id=step.tracking_id, error=step.error, response=step.response,
    )


def _keep_repairs(step: SubmissionStep, repairs) -> None:
    """Record each duplicate removed from the ERP in the step's history, with the removed record."""
    for repair in repairs:
        SubmissionAttempt.objects.create(
            step=step, number=step.history.count() + 1, attempted_at=timezone.now(), outcome=Outcome.REPAIRED,
            http_status=repair.response.status, duration_ms=repair.response.elapsed_ms,
            trace_id=repair.response.trace_id, error=repair.description, response=repair.record,
        )


def _send(submission: Submission, step: SubmissionStep, client: TwentyFourSevenClient) -> Response:
    if step.kind == Kind.CREATE_ORDER:
        return client.create_order(step.request)
    if step.kind == Kind.ADD_LINE:
        return client.create_line(submission.upstream_order_id, step.request)
    return client.update_order(submission.upstream_order_id, step.request)


def _record_success(submission: Submission, step: SubmissionStep, data: Any) -> bool:
    """Mark ``step`` done with the ERP's record ``data``; False when the record has no id to go on."""
    record = data if isinstance(data, dict) else {}
    new_id = tso_reading.integer(record.get("id"))
    if step.kind != Kind.SET_STATUS and new_id is None:
        return False
    if step.kind == Kind.CREATE_ORDER:
        submission.upstream_order_id = new_id
    elif step.kind == Kind.ADD_LINE:
        step.upstream_line_id = new_id
    step.state = StepState.SUCCEEDED
    step.response = data
    step.error = ""
    submission.save()  # also renews the run's claim
    return True


def _record_error(step: SubmissionStep, error: UpstreamError) -> None:
    step.http_status = error.status
    step.trace_id = error.trace_id
    step.tracking_id = error.tracking_id
    step.error = error.message
    step.response = error_body(error)
    step.save()


def error_body(error: UpstreamError) -> Any:
    """The ERP's error body as JSON when it was JSON, else its text (kept for admins)."""
    if not error.body:
        return None
    try:
        return json.loads(error.body)
    except ValueError:
        return error.body


def _stop(submission: Submission, step: SubmissionStep, error: UpstreamError | None, message: str,
          *, state: str = State.FAILED) -> None:
    submission.state = state
    submission.last_error = message
    submission.last_tracking_id = error.tracking_id if error else ""
    submission.last_trace_id = error.trace_id if error else ""
    rejected = error is not None and is_rejection(error)
    submission.form_errors = form_errors_from(error, line_index=step.line_index).as_json() if rejected else {}
    submission.save()


# --- what the pages ask about a submission -----------------------------------------------------------

def first_unfinished_step(submission: Submission) -> SubmissionStep | None:
    """Where a stopped submission carries on from."""
    return submission.steps.exclude(state=StepState.SUCCEEDED).order_by("position").first()


def step_in_doubt(submission: Submission) -> SubmissionStep | None:
    """The step a stopped submission is waiting to settle or check (its first unfinished step, when
    the ERP may have carried it out), else None."""
    step = first_unfinished_step(submission)
    return step if step is not None and step.state == StepState.UNKNOWN else None


def progress(submission: Submission) -> tuple[int, int]:
    """(steps done, steps in all)."""
    states = list(submission.steps.values_list("state", flat=True))
    return sum(state == StepState.SUCCEEDED for state in states), len(states)
