"""Sending a new order to QuickBooks Desktop (through Autofy) so that it is never lost and never made twice.

Where things are: ``planning`` (start, revise, the draft, ``waiting_for_quickbooks``), ``sending`` (a run),
``reconciling`` (looking for the order by its marker), ``form_errors`` (QuickBooks' refusals onto the
builder's fields), ``messages`` (plain words), ``waiting`` (what the worker sends when; ``orders.tasks``).

QuickBooks makes a sales order with all its lines in one call (``POST /SalesOrder``), so a submission has
one step, "create the order". What can go wrong is that call's answer, and the agent: a desktop program on
the customer's PC, off overnight, busy, queueing requests (AUTOFY.md §1.8, §3, §4.4). So:

1. **Saved first.** ``qbd_submission_start`` saves who, when, the builder's data (``qbd_draft.draft_to_data``)
   and the exact body (``orders.erp.autofy.payloads``, marker in ``Other``) in one transaction, before any
   call. The builder form's one-time token makes a double submit the same submission.
2. **Write-ahead.** Before the call the step is marked ``unknown`` with ``settles_at`` (the call's time-outs,
   or the agent's queue, plus ``AUTOFY["SETTLE_SECONDS"]``), so a process dying mid-call leaves a trace.
   Every call is kept (``SubmissionAttempt``), and every look too.
3. **Decided by what came back** (the Autofy client's error classes):

   * a definite rejection (QuickBooks' 3xxx, Autofy's 1400-1404, a body refused): ``failed``, mapped onto the
     field or line it concerns (``FormErrors``), never tried again by itself; the user corrects it
     (``qbd_submission_revise``) and sends again;
   * not taken (the agent offline, busy, the rate limit, connection refused, a 503 before handling):
     ``waiting`` ("Waiting for QuickBooks"), tried again by the worker;
   * in doubt (a time-out or a dropped connection after sending, a 5xx without an answer, 1300/1301, 1600
     from the agent's queue, a success answer without the order's ID): ``waiting`` too, with the step
     ``unknown``: nothing is sent before it has settled and been looked for.
4. **Looked for before any resend.** Whenever an earlier call may have made the order — one in doubt, and
   also one *not taken*, since an agent that goes offline right after QuickBooks saved an order answers as
   an offline agent — the next run first reads QuickBooks' orders modified from that call less 10 minutes
   to now plus 10 (``reconciling``), every page, for the marker: one found → succeeded with its ``ID``; none
   (and QuickBooks has just answered that look) → sent again; more than one → needs attention, with the IDs
   as evidence. The look is one or a few GETs; after a rejection none is needed (QuickBooks refuses a whole
   order or saves it).
5. **Waiting, and the worker.** A waiting submission shows "Waiting for QuickBooks" and "It will be sent when the
   PC running QuickBooks answers", and the sender may leave. ``orders.tasks.send_submissions`` (enqueued by
   ``index_scheduler`` every round and after every index sync that reached QuickBooks) sends the due ones
   (``waiting``): at once when QuickBooks has answered anything since the submission last asked it, never
   while QuickBooks is known to be unreachable, else by ``RETRY_SCHEDULE`` (1, 5, 30 minutes, 2, 6, then
   every 12 hours). After ``GIVE_UP_AFTER`` (72 hours) a person decides (needs attention); "Check
   QuickBooks again" (``attended``) starts afresh.

One run at a time: the 24SevenOffice runner's claim (``orders.submissions.running.claimed``). An admin may
close a failed, waiting or needs-attention submission with a note (``orders.submissions.submission_close``).

Names the builder uses: ``qbd_submission_start``, ``qbd_submission_run``, ``qbd_submission_revise``,
``qbd_submission_draft``, ``qbd_submission_form_errors``, ``waiting_for_quickbooks``; the new order's TxnID
is ``Submission.upstream_ref`` once known (the order a "Duplicate" came from, ``source_ref``).
"""

from orders.submissions.quickbooks.form_errors import qbd_form_errors
from orders.submissions.quickbooks.planning import (
    qbd_submission_draft,
    qbd_submission_form_errors,
    qbd_submission_revise,
    qbd_submission_start,
    waiting_for_quickbooks,
)
from orders.submissions.quickbooks.sending import GIVE_UP_AFTER, RETRY_SCHEDULE, qbd_submission_run
from orders.submissions.quickbooks.waiting import Agent, has_work, send_due

__all__ = [
    "GIVE_UP_AFTER", "RETRY_SCHEDULE", "Agent", "has_work", "qbd_form_errors", "qbd_submission_draft",
    "qbd_submission_form_errors", "qbd_submission_revise", "qbd_submission_run", "qbd_submission_start",
    "send_due", "waiting_for_quickbooks",
]
