"""Planning a submission's steps, saving it before anything is sent, correcting it after a failure,
and closing it by hand."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from orders.domain import (
    OrderDraft,
)
from orders.erp.tso import payloads as tso_payloads
from orders import connections
from orders.models import Submission, SubmissionStep
from orders.submissions.data import draft_from_data, draft_to_data

State = Submission.State
StepState = SubmissionStep.State
Kind = SubmissionStep.Kind


# What the order header's properties are called on the builder, for messages.
HEADER_LABELS = {
    "deliveryDate": "delivery date",
    "deliveryCustomer": "delivery address",
    "salesType": "sales type",
    "ourReference": "our reference",
    "paymentMethod": "payment method",
    "invoice": "payment terms or distribution method",
    "currency": "currency",
    "accrual": "accrual",
}


class SubmissionConflict(Exception):
    """The submission cannot do what was asked in its current state; ``str()`` says why."""

# --- planning ---------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PlannedStep:
    kind: str
    request: dict[str, Any]
    line_index: int | None = None


def creation_status(draft: OrderDraft) -> str:
    """The status to create the order with: ``Draft`` when lines follow, else the target itself."""
    return "Draft" if draft.lines else draft.status


def plan(draft: OrderDraft, *, tag: str) -> list[PlannedStep]:
    """Every step that sends ``draft``, with the body each will send, in order."""
    created_as = creation_status(draft)
    steps = [PlannedStep(Kind.CREATE_ORDER, tso_payloads.order_body(draft, status=created_as, tag=tag))]
    steps += [
        PlannedStep(Kind.ADD_LINE, tso_payloads.line_body(line), line_index=index)
        for index, line in enumerate(draft.lines)
    ]
    if draft.status != created_as:
        steps.append(PlannedStep(Kind.SET_STATUS, tso_payloads.status_body(draft.status)))
    return steps


def _save_plan(submission: Submission, steps: list[PlannedStep], *, first_position: int = 0) -> None:
    SubmissionStep.objects.bulk_create(
        SubmissionStep(submission=submission, position=first_position + offset, kind=step.kind,
                       line_index=step.line_index, request=step.request)
        for offset, step in enumerate(steps)
    )


# --- start, revise ------------------------------------------------------------------------------------

def submission_token() -> str:
    """A fresh one-time token for a builder form."""
    return secrets.token_urlsafe(32)


def submission_start(*, user, token: str, draft: OrderDraft, source_order_id: int | None = None) -> Submission:
    """Save a new order with its planned steps, before anything is sent; idempotent per ``token``.

    The same token again returns the submission it created (nothing new is saved or planned), also
    when two requests race: the token is unique in the database and the loser of the race reads the
    winner's row. A token belongs to the user who first sent it (``PermissionDenied`` otherwise);
    it comes from ``submission_token()`` (the builder checks a posted one is at most 64 characters).
    ``source_order_id`` is the order a "Duplicate" started from.
    """
    def create() -> Submission:
        submission = Submission.objects.create(
            created_by=user, token=token, payload=draft_to_data(draft), target_status=draft.status,
            source_order_id=source_order_id, connection=connections.current(),
        )
        _save_plan(submission, plan(draft, tag=tso_payloads.marker(submission.public_id)))
        return submission

    return start_once(user=user, token=token, create=create)


def start_once(*, user, token: str, create: Callable[[], Submission]) -> Submission:
    """The submission of the builder form ``token``: the one it already made, else ``create()``'s (run in
    a transaction). Two requests racing with one token make one submission: the token is unique in the
    database and the loser reads the winner's row. ``PermissionDenied`` when the token is another user's."""
    existing = Submission.objects.filter(token=token).first()
    if existing is None:
        try:
            with transaction.atomic():
                return create()
        except IntegrityError:
            existing = Submission.objects.get(token=token)
    if existing.created_by_id != user.pk:
        raise PermissionDenied("This form belongs to another user.")
    return existing


def submission_revise(*, submission: Submission, draft: OrderDraft) -> Submission:
    """Replace a failed submission's draft with the user's corrections, keeping what is done.

    Steps that succeeded, or whose outcome is unknown, stay as they are; the rest are planned again
    from ``draft``. Once the order exists in the ERP, header corrections are sent with the final
    ``PATCH``; lines already there cannot be changed from here. Raises ``SubmissionConflict`` when
    the submission is not ``failed`` or the corrections would change what the ERP already has.
    """
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        if locked.state in (State.PENDING, State.IN_PROGRESS) and draft_from_data(locked.payload) == draft:
            return locked  # the same correction, sent twice (a double click): it is on its way
        if locked.state != State.FAILED:
            raise SubmissionConflict(
                f"This order is {locked.get_state_display().lower()}: it can only be corrected after a failure."
            )
        steps = list(locked.steps.order_by("position"))
        kept = [step for step in steps if step.state in (StepState.SUCCEEDED, StepState.UNKNOWN)]
        new = plan(draft, tag=tso_payloads.marker(locked.public_id))
        if kept:
            new = _replan_after(kept, new, draft, order_id=locked.upstream_order_id)
        locked.steps.exclude(pk__in=[step.pk for step in kept]).delete()
        _save_plan(locked, new, first_position=len(kept))
        locked.payload = draft_to_data(draft)
        locked.target_status = draft.status
        locked.state = State.PENDING
        clear_error(locked)
        locked.save()
    return locked


def _replan_after(kept: list[SubmissionStep], new: list[PlannedStep], draft: OrderDraft,
                  *, order_id: int | None) -> list[PlannedStep]:
    """The steps still to do once ``kept`` (a prefix of the plan: the order, its first lines, perhaps a
    status change, each done or in doubt) are: the remaining lines, then a ``PATCH`` with the status
    and header corrections when anything is left to change. Steps are counted by what they are."""
    where = f"order #{order_id}" if order_id else "order"
    sent_order = next(step for step in kept if step.kind == Kind.CREATE_ORDER).request
    kept_lines = [step for step in kept if step.kind == Kind.ADD_LINE]
    # The header as the ERP has it (or may have it): as created, then as each status change set it.
    header, status = dict(sent_order), sent_order["status"]
    for step in kept:
        if step.kind == Kind.SET_STATUS:
            header.update({key: value for key, value in step.request.items() if key != "status"})
            status = step.request["status"]
    new_lines = [step for step in new if step.kind == Kind.ADD_LINE]
    if len(new_lines) < len(kept_lines):
        raise SubmissionConflict(
            f"The ERP {where} already has {len(kept_lines)} line(s) from this form; remove lines in the ERP."
        )
    for step, wanted in zip(kept_lines, new_lines):
        if step.request != wanted.request:
            raise SubmissionConflict(
                f"Line {step.line_index + 1} is already in the ERP {where} and cannot be changed from here. "
                "Change it in the ERP, or put it back as it was."
            )
    wanted_header = tso_payloads.order_body(draft, status=sent_order["status"], tag=tag_of(sent_order))
    try:
        changes = tso_payloads.header_changes(header, wanted_header)
    except ValueError as exc:
        label = HEADER_LABELS.get(str(exc), str(exc))
        raise SubmissionConflict(
            f"The ERP {where} already has a {label} that cannot be removed from here; change it in the ERP."
        ) from exc
    remaining = new_lines[len(kept_lines):]
    if changes or draft.status != status:
        remaining.append(PlannedStep(Kind.SET_STATUS, tso_payloads.status_body(draft.status, changes)))
    return remaining


CLOSE_NOTE_MAX_LENGTH = 1000


def close_note_problem(note: str) -> str:
    """What is wrong with a closing note ("" when nothing)."""
    if not note.strip():
        return "Say what was done in the ERP, so the next person knows."
    if len(note.strip()) > CLOSE_NOTE_MAX_LENGTH:
        return f"Keep it to {CLOSE_NOTE_MAX_LENGTH:,} characters (it has {len(note.strip()):,}).".replace(",", " ")
    return ""


# What an admin may close (with a note of what they did in the ERP): a submission nobody is sending.
CLOSABLE = (State.FAILED, State.NEEDS_ATTENTION, State.WAITING)


def submission_close(*, submission: Submission, user, note: str) -> Submission:
    """Close a submission that failed, needs attention, or waits for QuickBooks: an admin settled it by
    hand in the ERP (``note`` says what they did). Nothing more is ever sent for it. Raises
    ``SubmissionConflict`` in any other state (one that is sending, done, or already closed)."""
    problem = close_note_problem(note)
    if problem:
        raise SubmissionConflict(problem)
    note = note.strip()
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        if locked.state not in CLOSABLE:
            raise SubmissionConflict(
                f"This order is {locked.get_state_display().lower()}: only one that failed or needs attention "
                "can be closed."
            )
        locked.state = State.CLOSED
        locked.closed_by = user
        locked.closed_at = timezone.now()
        locked.close_note = note
        locked.save()
    return locked


def tag_of(order_body: dict[str, Any]) -> str:
    return tso_payloads.marker_in(order_body.get("internalMemo")) or ""


def clear_error(submission: Submission) -> None:
    submission.last_error = ""
    submission.last_tracking_id = ""
    submission.last_trace_id = ""
    submission.form_errors = {}

