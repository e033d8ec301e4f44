"""The worker's side: which of a company's submissions to send (or settle) now, and when QuickBooks last
answered.

What the dashboard knows of the agent comes from the index sync, which asks QuickBooks every minute
(``IndexSyncState``: when it last answered, the last error), and from this process's own calls. A waiting
submission is due

* never before its write in doubt has settled (``settles_at``);
* at once when QuickBooks answered anything since the submission last asked it ("once the agent answers
  again");
* else, while QuickBooks is known to be unreachable (the last sync failed after its last answer), not at
  all: retries are held rather than spent on an agent that is off;
* else when its retry time has come (``next_attempt_at``, the retry schedule).

Submissions are taken oldest first; the first that finds QuickBooks not taking calls ends the round (the
others would meet the same). A submission waiting longer than ``GIVE_UP_AFTER`` is left to a person.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from orders.erp.autofy import connector_for
from orders.erp.errors import UpstreamError
from orders.models import ErpConnection, IndexSyncState, Submission, SubmissionAttempt, SubmissionStep
from orders.submissions.quickbooks import messages
from orders.submissions.quickbooks.sending import GIVE_UP_AFTER, last_try, qbd_submission_run

logger = logging.getLogger("orders.submissions.quickbooks")

State = Submission.State
Outcome = SubmissionAttempt.Outcome
# A pending submission younger than this is being sent by the page that saved it.
PENDING_GRACE = dt.timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class Agent:
    """What the dashboard knows of a company's QuickBooks agent."""

    answered_at: dt.datetime | None  # when QuickBooks last answered a sync or a call of this process
    unreachable: bool  # the last sync failed after QuickBooks last answered

    @classmethod
    def of(cls, connection: ErpConnection) -> Agent:
        state = IndexSyncState.objects.filter(connection=connection).first()
        synced = state.agent_answered_at if state else None
        try:
            here = connector_for(connection).agent_answered_at
        except UpstreamError:
            here = None
        answered = max((t for t in (synced, here) if t is not None), default=None)
        failing = bool(state and state.last_error_at and (answered is None or state.last_error_at > answered))
        return cls(answered_at=answered, unreachable=failing)


def candidates(connection: ErpConnection, now: dt.datetime | None = None):
    """The company's submissions the worker may have to send or settle: waiting ones, pending ones no page
    is sending, ones whose run may have died (the claim decides), and failed ones still in doubt."""
    now = now or timezone.now()
    return (Submission.objects.filter(connection=connection)
            .filter(Q(state=State.WAITING) | Q(state=State.IN_PROGRESS)
                    | Q(state=State.PENDING, updated_at__lt=now - PENDING_GRACE)
                    | Q(state=State.FAILED, steps__state=SubmissionStep.State.UNKNOWN))
            .distinct().order_by("created_at"))


def due(submission: Submission, known: Agent, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    step = submission.steps.get()
    if step.settles_at is not None and now < step.settles_at:
        return False
    if submission.state != State.WAITING:
        return True
    asked = last_try(step)
    if known.answered_at is not None and (asked is None or known.answered_at > asked):
        return True
    if known.unreachable:
        return False
    return submission.next_attempt_at is None or now >= submission.next_attempt_at


@dataclass
class Round:
    sent: int = 0  # runs that ended with the order in QuickBooks
    waiting: int = 0  # runs that left it waiting
    held: int = 0  # not due
    failed: int = 0
    needs_attention: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def send_due(connection: ErpConnection) -> Round:
    """Send or settle the company's due submissions (see the module's docstring)."""
    result = Round()
    known = Agent.of(connection)
    for submission in candidates(connection):
        if _give_up(submission):
            result.needs_attention += 1
            continue
        if not due(submission, known):
            result.held += 1
            continue
        after = qbd_submission_run(submission=submission)
        if after.state == State.IN_PROGRESS:  # another run holds it
            result.held += 1
        elif after.state == State.SUCCEEDED:
            result.sent += 1
        elif after.state == State.FAILED:
            result.failed += 1
        elif after.state == State.NEEDS_ATTENTION:
            result.needs_attention += 1
        else:
            result.waiting += 1
            latest = SubmissionAttempt.objects.filter(step__submission=after).order_by("-attempted_at").first()
            if latest is not None and latest.outcome == Outcome.NOT_ACCEPTED:
                logger.info("QuickBooks of %s does not take calls now: the other submissions wait", connection.slug)
                break
    return result


def _give_up(submission: Submission) -> bool:
    """A submission waiting longer than ``GIVE_UP_AFTER`` (without a run to notice: QuickBooks was off all
    along) becomes one that needs attention; True when it did."""
    if submission.state != State.WAITING or submission.waiting_since is None:
        return False
    if timezone.now() - submission.waiting_since <= GIVE_UP_AFTER:
        return False
    with transaction.atomic():
        changed = Submission.objects.filter(pk=submission.pk, state=State.WAITING).update(
            state=State.NEEDS_ATTENTION, next_attempt_at=None, updated_at=timezone.now(),
            last_error=messages.gave_up(GIVE_UP_AFTER.total_seconds() / 86400))
    return bool(changed)


def has_work(connection: ErpConnection) -> bool:
    return candidates(connection).exists()
