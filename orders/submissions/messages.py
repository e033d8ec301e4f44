"""What the user reads about a step that failed, in plain words."""

from __future__ import annotations

from django.utils import timezone

from orders.domain import (
    STATUS_LABELS,
)
from orders.erp.errors import (
    UpstreamBusinessError,
    UpstreamError,
    UpstreamUnavailable,
    UpstreamValidationError,
)
from orders.models import Submission, SubmissionStep

State = Submission.State
StepState = SubmissionStep.State
Kind = SubmissionStep.Kind


# --- plain words -------------------------------------------------------------------------------------

def outcome_unknown(error: UpstreamError) -> bool:
    """Whether a failed write may have been applied: its answer was lost (the client's
    ``outcome_unknown``), or the ERP answered success in a form that cannot be read."""
    if not isinstance(error, UpstreamUnavailable):
        return False
    return error.outcome_unknown or (error.status is not None and 200 <= error.status < 300)


def _status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def is_rejection(error: UpstreamError) -> bool:
    return isinstance(error, (UpstreamValidationError, UpstreamBusinessError))


def failure_message(submission: Submission, step: SubmissionStep, error: UpstreamError) -> str:
    """What happened and what is safe, for a step that failed with ``error``. Stored, and read in the
    builder and in the journal: a page's own next step (the builder's "press Try again") is the page's
    to add. Where only the form can put it right, the message says so, for the journal's readers too."""
    reason = _sentence(error.message)
    unknown = outcome_unknown(error)
    rejected = is_rejection(error)
    if step.kind == Kind.CREATE_ORDER:
        if unknown:
            return (f"The ERP did not confirm that it created the order. {reason} The dashboard checks the ERP "
                    "before it sends anything again, so the order cannot be created twice.")
        if rejected:
            return (f"The ERP did not accept the order. {reason} Nothing was created in the ERP: correct what "
                    "is marked on the form and send again.")
        return f"The order could not be sent to the ERP. {reason} Nothing was lost."
    created = f"The order was created in the ERP (#{submission.upstream_order_id})"
    if step.kind == Kind.ADD_LINE:
        number = step.line_index + 1
        if unknown:
            return (f"{created}, but the ERP did not confirm line {number}. {reason} The dashboard checks the "
                    f"order's lines before it sends line {number} again, so it cannot be added twice.")
        if rejected:
            return (f"{created}, but the ERP did not accept line {number}. {reason} Correct line {number} and send "
                    "again to continue from there.")
        return f"{created}, but line {number} could not be added. {reason} Nothing was lost."
    status = _status_label(step.request.get("status", ""))
    if unknown:
        return (f"{created} with all its lines, but the ERP did not confirm the status {status}. {reason} "
                "The dashboard checks the order's status before it sends it again.")
    if rejected:
        return (f"{created} with all its lines, but the ERP would not set it to {status}. {reason} Correct the "
                "form and send again.")
    return f"{created} with all its lines, but its status could not be set to {status}. {reason} Nothing was lost."


def _sentence(text: str) -> str:
    """The ERP's messages often lack a full stop; ours follow them with another sentence."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _what(step: SubmissionStep) -> str:
    return {
        Kind.CREATE_ORDER: "whether the order was created",
        Kind.ADD_LINE: f"whether line {(step.line_index or 0) + 1} was added",
        Kind.SET_STATUS: "whether the status was set",
    }[step.kind]


def unchecked_message(submission: Submission, step: SubmissionStep, error: UpstreamError, *,
                      after_resend: bool = False) -> str:
    """The ERP could not be asked about a step in doubt (before sending it again, or, with
    ``after_resend``, when looking for a duplicate once it was sent again)."""
    if after_resend:
        return (f"The ERP did not answer when the dashboard looked for a duplicate after checking {_what(step)}. "
                f"{_sentence(error.message)} Nothing more was sent; check the order in the ERP for a duplicate.")
    return (f"The dashboard must check {_what(step)} before sending it again, but could not reach the ERP. "
            f"{_sentence(error.message)} Nothing was lost.")


def settling_message(submission: Submission, step: SubmissionStep) -> str:
    """A step in doubt whose first write may still land in the ERP (until ``step.settles_at``)."""
    when = timezone.localtime(step.settles_at).strftime("%H:%M:%S")
    return (f"The ERP has not confirmed {_what(step).removeprefix('whether ')} and may still be working on it. To "
            f"be sure nothing is sent twice, the dashboard checks the ERP at {when} and then carries on.")
