"""What the user reads about a step that failed, in plain words."""

from __future__ import annotations

from orders.domain import (
    STATUS_LABELS,
)
from orders.models import Submission, SubmissionStep
from orders.upstream.errors import (
    UpstreamBusinessError,
    UpstreamError,
    UpstreamUnavailable,
    UpstreamValidationError,
)

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
    """What happened, what is safe, and what to do next, for a step that failed with ``error``."""
    reason = _sentence(error.message)
    unknown = outcome_unknown(error)
    rejected = is_rejection(error)
    if step.kind == Kind.CREATE_ORDER:
        if unknown:
            return (f"The ERP did not confirm that it created the order. {reason} Nothing was lost: press Try again. "
                    "The dashboard checks the ERP first and will not create the order twice.")
        if rejected:
            return (f"The ERP did not accept the order. {reason} Nothing was created in the ERP: correct what "
                    "is marked on the form and send again.")
        return f"The order could not be sent to the ERP. {reason} Nothing was lost: press Try again."
    created = f"The order was created in the ERP (#{submission.upstream_order_id})"
    if step.kind == Kind.ADD_LINE:
        number = step.line_index + 1
        if unknown:
            return (f"{created}, but the ERP did not confirm line {number}. {reason} Nothing was lost: press Try again "
                    f"to continue from line {number}; the dashboard checks the ERP first and will not add it twice.")
        if rejected:
            return (f"{created}, but the ERP did not accept line {number}. {reason} Correct line {number} and send "
                    "again to continue from there.")
        return (f"{created}, but line {number} could not be added. {reason} Nothing was lost: press Try again to "
                f"continue from line {number}.")
    status = _status_label(step.request.get("status", ""))
    if unknown:
        return (f"{created} with all its lines, but the ERP did not confirm the status {status}. {reason} "
                "Nothing was lost: press Try again; the dashboard checks the order's status first.")
    if rejected:
        return (f"{created} with all its lines, but the ERP would not set it to {status}. {reason} Correct the "
                "form and send again.")
    return (f"{created} with all its lines, but its status could not be set to {status}. {reason} Nothing was "
            "lost: press Try again.")


def _sentence(text: str) -> str:
    """The ERP's messages often lack a full stop; ours follow them with another sentence."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def unchecked_message(submission: Submission, step: SubmissionStep, error: UpstreamError) -> str:
    what = {
        Kind.CREATE_ORDER: "whether the order was created",
        Kind.ADD_LINE: f"whether line {(step.line_index or 0) + 1} was added",
        Kind.SET_STATUS: "whether the status was set",
    }[step.kind]
    return (f"The dashboard must check {what} before sending it again, but could not reach the ERP. "
            f"{_sentence(error.message)} Nothing was lost: press Try again.")
