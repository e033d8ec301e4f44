"""Running a submission's steps against the ERP, claiming it, and reconciling a step whose outcome
is unknown."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from orders.models import Submission, SubmissionAttempt, SubmissionStep
from orders.submissions.form_errors import form_errors_from
from orders.submissions.messages import (
    failure_message,
    is_rejection,
    outcome_unknown,
    unchecked_message,
)
from orders.submissions.planning import clear_error, tag_of
from orders.upstream import get_client, tso_json, tso_payloads
from orders.upstream.connection import Response
from orders.upstream.errors import (
    UpstreamError,
    UpstreamNotFound,
)
from orders.upstream.tso import TwentyFourSevenClient

State = Submission.State
StepState = SubmissionStep.State
Kind = SubmissionStep.Kind


# A claim on a running submission lapses after this long without progress (a crashed worker).
RUN_LEASE = dt.timedelta(minutes=2)
# Reconciling a lost "create order" looks this far before the submission for the ERP's createdAt.
CLOCK_MARGIN = dt.timedelta(hours=1)
# At most this many pages of the customer's orders are searched for the marker.
RECONCILE_PAGES = 20

# --- running --------------------------------------------------------------------------------------------

def submission_run(*, submission: Submission, attended: bool = False) -> Submission:
    """Send the submission's unfinished steps, in order; returns it updated.

    Does nothing when another run holds it, when it succeeded or was closed, or when it needs
    attention, unless ``attended`` (an admin put the ERP right and asks for another check). Stops at the
    first failure with ``state`` ``failed`` (or ``needs_attention``), ``last_error`` in plain words and
    ``form_errors`` for an ERP rejection. A step is sent again only when it definitely failed (the
    ERP refused it or never got it) or the ERP shows it did not apply it (see the module docstring).
    """
    claimed = _claim(submission, attended=attended)
    if claimed is None:
        submission.refresh_from_db()
        return submission
    try:
        _run_steps(claimed, get_client())
    finally:
        if claimed.state == State.IN_PROGRESS:  # an unexpected error escaped: leave it retryable
            claimed.state = State.FAILED
            claimed.last_error = "Sending stopped unexpectedly. Nothing was lost: press Try again."
            claimed.save()
    return claimed


def _claim(submission: Submission, *, attended: bool = False) -> Submission | None:
    runnable = (State.PENDING, State.FAILED, State.NEEDS_ATTENTION) if attended else (State.PENDING, State.FAILED)
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        stale = locked.state == State.IN_PROGRESS and locked.updated_at < timezone.now() - RUN_LEASE
        if locked.state not in runnable and not stale:
            return None
        locked.state = State.IN_PROGRESS
        locked.save(update_fields=["state", "updated_at"])
    return locked


def _run_steps(submission: Submission, client: TwentyFourSevenClient) -> None:
    for step in submission.steps.exclude(state=StepState.SUCCEEDED).order_by("position"):
        if not _perform(submission, step, client):
            return
    submission.state = State.SUCCEEDED
    clear_error(submission)
    submission.save()


@dataclass(frozen=True, slots=True)
class Reconciled:
    """What re-reading the ERP said about a step whose outcome was unknown."""

    outcome: str  # "applied" | "absent" | "unclear"
    data: Any = None  # the record that shows it was applied
    note: str = ""


def _perform(submission: Submission, step: SubmissionStep, client: TwentyFourSevenClient) -> bool:
    """Do one step; True when it is done and the run may go on."""
    if step.state == StepState.UNKNOWN:
        try:
            found = _reconcile(submission, step, client)
        except UpstreamError as error:
            _stop(submission, step, error, unchecked_message(submission, step, error))
            return False
        if found.outcome == "applied" and not _record_success(submission, step, found.data):
            found = Reconciled("unclear", note="The ERP shows the record without an id. Nothing more was sent; "
                                               "check the order in the ERP.")
        step.note = found.note
        step.save()
        if found.outcome == "unclear":
            _stop(submission, step, None, found.note, state=State.NEEDS_ATTENTION)
            return False
        if found.outcome == "applied":
            return True

    step.state = StepState.UNKNOWN  # write-ahead: from here on the ERP may have it
    step.attempts += 1
    step.attempted_at = timezone.now()
    step.error = ""
    step.save()
    started = time.perf_counter()
    try:
        response = _send(submission, step, client)
    except UpstreamError as error:
        step.state = StepState.UNKNOWN if outcome_unknown(error) else StepState.FAILED
        step.duration_ms = (time.perf_counter() - started) * 1000
        _record_error(step, error)
        _keep_attempt(step)
        _stop(submission, step, error, failure_message(submission, step, error))
        return False
    step.http_status = response.status
    step.duration_ms = response.elapsed_ms
    step.trace_id = response.trace_id
    step.tracking_id = ""
    step.note = ""
    if not _record_success(submission, step, response.data):
        step.state = StepState.UNKNOWN
        step.error = "The ERP's answer did not say which record it created."
        step.response = response.data
        step.save()
        _keep_attempt(step)
        _stop(submission, step, None, "The ERP answered without the new record's id. Nothing was lost: press "
                                      "Retry; the dashboard checks the ERP first and will not send it twice.")
        return False
    step.save()
    _keep_attempt(step)
    return True


def _keep_attempt(step: SubmissionStep) -> None:
    """Add the step's latest attempt, as its fields now show it, to its history."""
    SubmissionAttempt.objects.create(
        step=step, number=step.attempts, attempted_at=step.attempted_at, outcome=step.state,
        http_status=step.http_status, duration_ms=step.duration_ms, trace_id=step.trace_id,
        tracking_id=step.tracking_id, error=step.error, response=step.response,
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
    new_id = tso_json.integer(record.get("id"))
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
    step.response = _error_body(error)
    step.save()


def _error_body(error: UpstreamError) -> Any:
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



# --- reconciling a step whose outcome is unknown ----------------------------------------------------

def _reconcile(submission: Submission, step: SubmissionStep, client: TwentyFourSevenClient) -> Reconciled:
    try:
        if step.kind == Kind.CREATE_ORDER:
            return _reconcile_order(submission, step, client)
        if step.kind == Kind.ADD_LINE:
            return _reconcile_line(submission, step, client)
        return _reconcile_status(submission, step, client)
    except UpstreamNotFound:
        return Reconciled("unclear", note=(
            f"Order #{submission.upstream_order_id} is no longer in the ERP. Nothing more was sent; "
            "check the ERP before creating the order again."
        ))


def _reconcile_order(submission: Submission, step: SubmissionStep, client: TwentyFourSevenClient) -> Reconciled:
    tag = tag_of(step.request)
    params = {
        "customerId": step.request["customer"]["id"],
        "date": step.request.get("date"),
        "createdFrom": (submission.created_at - CLOCK_MARGIN).isoformat(),
        "limit": 100,
    }
    response = client.list_orders(params)
    matches: list[dict[str, Any]] = []
    for _ in range(RECONCILE_PAGES):
        if not isinstance(response.data, list):
            raise tso_json.nonsense("an order list")
        matches += [
            order for order in response.data
            if isinstance(order, dict) and tso_payloads.marker_in(order.get("internalMemo")) == tag
        ]
        following = client.cursor_for(response.links.get("next"))
        if not following:
            break
        response = client.list_orders(cursor=following)
    else:
        return Reconciled("unclear", note=(
            "The dashboard could not tell whether the ERP created this order: the customer has too many "
            "orders to check. Nothing more was sent; look for it in the ERP."
        ))
    if not matches:
        return Reconciled("absent")
    if len(matches) == 1:
        return Reconciled("applied", matches[0],
                          "The ERP's answer was lost; the order was found in the ERP by its marker.")
    numbers = ", ".join(f"#{order.get('id')}" for order in matches)
    return Reconciled("unclear", note=(
        f"The ERP has {len(matches)} orders from this form ({numbers}). Nothing more was sent; "
        "delete the extra ones in the ERP."
    ))


def _reconcile_line(submission: Submission, step: SubmissionStep, client: TwentyFourSevenClient) -> Reconciled:
    raw = client.list_lines(submission.upstream_order_id).data
    if not isinstance(raw, list):
        raise tso_json.nonsense("order lines")
    confirmed = set(
        submission.steps.filter(kind=Kind.ADD_LINE, state=StepState.SUCCEEDED)
        .values_list("upstream_line_id", flat=True)
    )
    others = [line for line in raw if tso_json.integer(_dict(line).get("id")) not in confirmed]
    if not others:
        return Reconciled("absent")
    if len(others) == 1 and same_line(others[0], step.request):
        return Reconciled("applied", others[0], "The ERP's answer was lost; the line was found on the order.")
    return Reconciled("unclear", note=(
        f"Order #{submission.upstream_order_id} has lines in the ERP that this form did not add, so the "
        f"dashboard cannot tell whether line {step.line_index + 1} is there. Nothing more was sent; check "
        "the order in the ERP."
    ))


def _reconcile_status(submission: Submission, step: SubmissionStep, client: TwentyFourSevenClient) -> Reconciled:
    order = _dict(client.get_order(submission.upstream_order_id).data)
    created_as = submission.steps.get(kind=Kind.CREATE_ORDER).request.get("status")
    target = step.request["status"]
    if order.get("status") == target and created_as != target:
        return Reconciled("applied", order, "The ERP's answer was lost; the order already had its new status.")
    return Reconciled("absent")  # a PATCH is idempotent: sending it again is safe


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def same_line(raw: Any, body: Mapping[str, Any]) -> bool:
    """True when the ERP's line ``raw`` is what ``body`` (a ``line_body``) asked for."""
    line = tso_json.line(raw)
    product = _dict(body.get("product")).get("id")
    checks = [line.type == body.get("type")]
    if "description" in body:
        checks.append(line.description == body["description"].strip())
    if product is not None:
        checks.append(line.product_id == product)
    for key, attribute in (("quantity", "quantity"), ("price", "price"), ("discountRate", "discount_rate")):
        if key in body:
            checks.append(getattr(line, attribute) == Decimal(str(body[key])))
    return all(checks)
