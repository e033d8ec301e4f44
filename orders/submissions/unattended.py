"""24SevenOffice submissions that nobody's page carries on: a write in doubt whose sender closed the page.

The builder page looks again by itself while it is open (README "Sending an order…"); once it is closed, the
worker does the same: ``settle_due`` runs, unattended, each submission stopped on a step in doubt whose settle
time has come (``orders.tasks.settle_submissions``, enqueued by ``manage.py index_scheduler`` each round while
there is one). It is the page's own run (``submission_run``): the ERP is checked first, and the submission
carries on from there; a run already holding it (the page) is left alone. Nothing that stopped for a person
(an ERP rejection, needs attention) is run.
"""

from __future__ import annotations

import logging

from django.db.models import Q, QuerySet
from django.utils import timezone

from orders.models import ErpConnection, Submission, SubmissionStep
from orders.submissions.running import submission_run

logger = logging.getLogger("orders.submissions")

State = Submission.State
StepState = SubmissionStep.State


def due() -> QuerySet[Submission]:
    """24SevenOffice submissions stopped on a step in doubt whose settle time has come, oldest first."""
    settled = Q(steps__state=StepState.UNKNOWN) & (Q(steps__settles_at__lte=timezone.now())
                                                   | Q(steps__settles_at__isnull=True))
    return (Submission.objects.filter(state=State.FAILED)
            .filter(Q(connection__isnull=True) | Q(connection__kind=ErpConnection.Kind.TSO))
            .filter(settled).distinct().order_by("created_at"))


def settle_due(limit: int = 50) -> dict[str, int]:
    """Run each due submission once (at most ``limit``); how they ended, by state."""
    ended: dict[str, int] = {}
    for submission in due()[:limit]:
        after = submission_run(submission=submission)
        ended[after.state] = ended.get(after.state, 0) + 1
        logger.info("Submission %s, in doubt with nobody on its page: %s", submission.public_id, after.state)
    return ended
