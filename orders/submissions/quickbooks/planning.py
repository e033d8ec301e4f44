"""Saving a QuickBooks order before anything is sent, and correcting it after QuickBooks refused it."""

from __future__ import annotations

from django.db import transaction

from orders.erp.autofy import payloads as autofy_payloads
from orders.models import ErpConnection, Submission, SubmissionAttempt, SubmissionStep
from orders.qbd_draft import QbOrderDraft, draft_from_data, draft_problems, draft_to_data
from orders.submissions.form_errors import FormErrors
from orders.submissions.planning import SubmissionConflict, clear_error, start_once

State = Submission.State
StepState = SubmissionStep.State
Outcome = SubmissionAttempt.Outcome


def _body(submission: Submission, draft: QbOrderDraft) -> dict:
    problems = draft_problems(draft)
    if problems:
        raise ValueError(f"The draft does not fit QuickBooks: {problems.as_json()}")
    return autofy_payloads.sales_order_body(draft, tag=autofy_payloads.marker(submission.public_id))


def qbd_submission_start(*, user, connection: ErpConnection, token: str, draft: QbOrderDraft,
                         source_order_id: str = "") -> Submission:
    """Save a new QuickBooks order (who, when, the builder's data and the exact body to send, marker
    included) before anything is sent; idempotent per ``token`` (the same form sent twice is the same
    submission, also when two requests race). ``source_order_id`` is the order a "Duplicate" started
    from. Raises ``ValueError`` for a draft ``draft_problems`` refuses (the builder checks first) and
    ``PermissionDenied`` for another user's token."""
    if connection.kind != ErpConnection.Kind.QBD_AUTOFY:
        raise ValueError(f"{connection.slug} is not a QuickBooks company.")

    def create() -> Submission:
        submission = Submission.objects.create(
            created_by=user, token=token, payload=draft_to_data(draft), target_status="",
            source_ref=str(source_order_id or "")[:100], connection=connection,
        )
        SubmissionStep.objects.create(submission=submission, position=0, kind=SubmissionStep.Kind.CREATE_ORDER,
                                      request=_body(submission, draft))
        return submission

    return start_once(user=user, token=token, create=create)


def qbd_submission_revise(*, submission: Submission, draft: QbOrderDraft) -> Submission:
    """Replace the order of a submission QuickBooks refused with the user's corrections; it is then
    ``pending``, to be sent again. The same corrections sent twice (a double click) return it as it is.

    Raises ``SubmissionConflict`` unless QuickBooks certainly does not have the order: the submission
    failed and its last call was refused (a rejection is definite, and no earlier call can have created
    the order, since the dashboard looks for one before every resend). A submission waiting for
    QuickBooks or in doubt cannot be changed: its order may be on its way."""
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        if locked.state in (State.PENDING, State.IN_PROGRESS, State.WAITING) and \
                draft_from_data(locked.payload) == draft:
            return locked
        step = locked.steps.get()
        last = step.history.order_by("-number").first()
        refused = step.state == StepState.FAILED and last is not None and last.outcome == Outcome.FAILED
        if locked.state != State.FAILED or not refused:
            raise SubmissionConflict(
                f"This order is {locked.get_state_display().lower()}: it can be corrected only after QuickBooks "
                "refused it." if locked.state != State.FAILED else
                "QuickBooks may already have this order: it is checked before anything else is sent.")
        step.request = _body(locked, draft)
        step.state = StepState.PENDING
        step.save(update_fields=["request", "state"])
        locked.payload = draft_to_data(draft)
        locked.state = State.PENDING
        locked.waiting_since = locked.next_attempt_at = None
        clear_error(locked)
        locked.save()
    return locked


def qbd_submission_draft(*, submission: Submission) -> QbOrderDraft:
    """The draft a submission sends (as last corrected)."""
    return draft_from_data(submission.payload)


def qbd_submission_form_errors(*, submission: Submission) -> FormErrors:
    """QuickBooks' refusal that stopped the submission, in the builder's terms (empty when none)."""
    return FormErrors.from_json(submission.form_errors or {})


def waiting_for_quickbooks(submission: Submission) -> bool:
    """Whether the submission is left to the worker: QuickBooks did not take it (the PC running it is off,
    it is busy) or it is in doubt and waits to be looked for. Nobody needs to act; the sender may leave."""
    return submission.state == State.WAITING
