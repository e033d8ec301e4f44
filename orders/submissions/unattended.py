"""24SevenOffice submissions that nobody's page carries on: a write in doubt whose sender closed the page.

The builder page looks again by itself while it is open (README "Sending an order…"); once it is closed, the
worker does the same: ``settle_due`` runs, unattended, each submission stopped on a step in doubt whose settle
time has come (``orders.tasks.settle_submissions``, enqueued by ``manage.py index_scheduler`` each round while
there is one). It is the page's own run (``submission_run``): the ERP is checked first, and the submission
carries on from there; a run already holding it (the page) is left alone. Nothing that stopped for a person
(an ERP rejection, needs attention) is run, and nothing in doubt for longer than ``AT_MOST``: by then an admin
may have put the order into the ERP by hand (without the dashboard's marker, so a check would not find it),
and sending it again is theirs to decide ("Try again" in the journal).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db.models import Q, QuerySet
from django.utils import timezone

from orders.models import ErpConnection, Submission, SubmissionStep
from orders.submissions.running import submission_run, step_in_doubt

logger = logging.getLogger("orders.submissions")

State = Submission.State
StepState = SubmissionStep.State

AT_MOST = dt.timedelta(hours=24)


def due() -> QuerySet[Submission]:
    """24SevenOffice submissions of active companies stopped on a step in doubt whose settle time came within
    ``AT_MOST``; the least recently run first, so that one that cannot be settled does not hold the others up."""
    now = timezone.now()
    settled = Q(steps__state=StepState.UNKNOWN, steps__settles_at__lte=now, steps__settles_at__gte=now - AT_MOST)
    company = Q(connection__isnull=True) | Q(connection__kind=ErpConnection.Kind.TSO, connection__is_active=True)
    return Submission.objects.filter(company, settled, state=State.FAILED).distinct().order_by("updated_at")


def settle_due(limit: int = 50) -> dict[str, int]:
    """Run each due submission once (at most ``limit``); how they ended, by state ("error": a run that raised,
    logged, and the others still run)."""
    ended: dict[str, int] = {}
    for submission in due()[:limit]:
        if step_in_doubt(submission) is None:  # stopped on an earlier step: not a write in doubt
            continue
        try:
            outcome = submission_run(submission=submission).state
        except Exception:
            logger.exception("Submission %s, in doubt with nobody on its page, could not be run", submission.public_id)
            outcome = "error"
        ended[outcome] = ended.get(outcome, 0) + 1
        logger.info("Submission %s, in doubt with nobody on its page: %s", submission.public_id, outcome)
    return ended
