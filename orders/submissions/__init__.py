"""Sending a new order to the ERP so that it is never lost and never created twice.

Where things are: ``data`` (the builder's data ↔ ``OrderDraft``), ``planning`` (the steps, start,
revise, close), ``running`` (claiming, running, settling), ``reconciling`` (what became of a
write in doubt; removing duplicates), ``messages`` (plain words),
``form_errors`` (ERP rejections onto the builder's fields), ``duplicate`` ("Duplicate" on an order).

In 24SevenOffice a new order with lines is several calls that can fail half-way: ``POST /salesorders``,
one ``POST /salesorders/{id}/lines`` per line, then a ``PATCH`` that sets the target status. So:

1. ``submission_start`` saves the whole form (who, when, the payload) and the planned steps with the
   exact body each will send, in one transaction, **before** any upstream call. The builder form's
   one-time token is unique: the same form sent twice (double click, double submit, back and submit
   again) returns the same ``Submission``.
2. ``submission_run`` performs the unfinished steps in order and stops at the first failure, with a
   plain-words message and, for an ERP rejection, the errors mapped onto the builder's fields
   (``FormErrors``). Running again continues from the first unfinished step.
3. ``submission_revise`` takes the corrected form after a failure: steps already done stay done, the
   rest is planned again (header corrections travel with the final ``PATCH``).

Which status the order is created with: ``Draft`` whenever it has lines, then the target status is
set by the final ``PATCH`` after the last line (a confirmed or invoiced order should not change under
the ERP's feet, ``Invoice`` needs lines, and the ERP checks the sales type's project/department rule
when the status is set). An order without lines is created with its target status directly, so a
rejection (for example ``NoLines`` for ``Invoice``) arrives before anything exists in the ERP.

Never twice. Before each write a step is marked ``unknown`` (write-ahead), so even a crash mid-call
leaves a trace. A write whose answer is lost (time-out after sending, dropped connection, 5xx: the
client's ``UpstreamUnavailable.outcome_unknown``, or a success answer that cannot be read) stays
``unknown``. It is never raced: a slow ERP may still carry it out after the dashboard stopped waiting,
so nothing is checked or sent again before the step's ``settles_at`` (when the dashboard gave up,
plus ``TSO_SETTLE_SECONDS``; for a crash mid-call, the call's time-outs plus that). Then the ERP is
checked (``reconciling``):

* create the order: every order this dashboard creates ends its ``internalMemo`` with a marker,
  ``[sa:<the submission's public id as 32 hex digits>]`` on its own line. Reconciling lists the
  customer's orders of that date created since the submission (with an hour's margin for clock skew)
  and looks for the marker. ``internalMemo`` was chosen because it is stored as sent, returned by
  both the order and the order list, never printed on the invoice, and belongs to the company
  rather than to the customer (``referenceNumber`` is the customer's PO number; ``memo`` is printed).
  Trade-offs: the marker takes 38 of the memo's 300 characters (the builder allows
  ``tso_payloads.USER_INTERNAL_MEMO_MAX_LENGTH``); staff see it in the ERP; someone who deletes it in
  the ERP between the lost answer and the retry defeats the check (then a second order can be
  created). "Duplicate" strips it from the copied memo.
* add line *n*: re-read the order's lines; the lines not confirmed by earlier steps are the
  candidates. None: send it. Copies of this line only: it was added (extra copies are removed).
  Anything else (someone edited the order in the ERP meanwhile): stop and ask a person.
* set the status: re-read the order; already at the target status (from another status): done. A
  ``PATCH`` is idempotent, so otherwise it is sent again.

A step that was sent again after doubt is followed by one more look for a duplicate of it, and a
duplicate is removed where that is safe (an empty, not invoiced order; a copy of a line): an invoiced
order is never touched. Every removal is kept in the step's history with the removed record.

When the ERP cannot settle the question (marked orders that cannot be removed, unexpected lines, the
order deleted), the submission becomes ``needs_attention`` and nothing more is sent. Someone then puts
the ERP right and either has it checked again (``submission_run(..., attended=True)``: the step in
doubt is reconciled once more), or an admin closes it with a note of what they did by hand
(``submission_close``).

One runner at a time: ``submission_run`` claims the submission in a short transaction on its row
(``select_for_update``; SQLite's immediate transactions serialise the same way) by moving it to
``in_progress`` with its holder (host, process id, a per-process nonce), then makes the calls outside
any transaction. A second run finds it ``in_progress`` and leaves it alone, unless the holder is a
process of this host that is gone (taken over at once) or the claim made no progress for
``RUN_LEASE``. A run with a ``budget`` (a web request) starts no step once the budget is spent and
leaves the submission ``pending`` for the next run.

Field-name contract with the builder
------------------------------------
``draft_to_data``/``draft_from_data`` convert between an ``OrderDraft`` and the builder's data (the
JSON a submission stores and the form is filled from); ``FormErrors`` uses the same names.

Order fields: ``customer_id``, ``customer_name``, ``customer_organization_number``,
``customer_invoice_emails`` (a list of addresses), ``customer_gln``, ``customer_street``,
``customer_postal_code``, ``customer_postal_area``, ``customer_city``, ``customer_country_subdivision``,
``customer_country_code``, ``delivery_same_as_customer`` (bool), ``delivery_customer_id``,
``delivery_name``, ``delivery_street``, ``delivery_postal_code``, ``delivery_postal_area``,
``delivery_city``, ``delivery_country_subdivision``, ``delivery_country_code``, ``date``,
``delivery_date`` (ISO dates), ``status``, ``currency_code``, ``currency_rate`` (decimal string),
``sales_type_id``, ``our_reference_id``, ``your_reference``, ``reference_number``,
``payment_terms_type`` ("" for none), ``payment_terms_value`` (days, or an ISO date for ``FixedDate``),
``distribution_method``, ``memo``, ``internal_memo``.
Dimension rows (list ``dimensions``): ``dimension_type``, ``dimension_value``, ``dimension_name``.
Line rows (list ``lines``): ``type``, ``product_id``, ``product_number``, ``description``,
``quantity``, ``price``, ``discount_rate``, ``tax_id`` (plus ``tax_number``, ``tax_rate`` for the
totals); amounts are decimal strings.

``FormErrors``: ``fields`` (order field name → messages), ``lines`` (line index → line field name →
messages), ``dimension_rows`` (row index → ``dimension_type``/``dimension_value`` → messages),
``sections`` (``customer``, ``lines``, ``dimensions``, ``general`` → messages, for what belongs to a
part of the form rather than one field), and the ERP's ``tracking_id``/``trace_id``. Indexes count
from 0, as in the ERP's paths; messages count rows from 1, as people do.
"""

from orders.submissions.data import (
    CUSTOMER_FIELDS,
    DELIVERY_FIELDS,
    draft_from_data,
    draft_to_data,
    submission_draft,
)
from orders.submissions.duplicate import CUSTOMER_GONE, copy_for_today, draft_from_order
from orders.submissions.form_errors import (
    FormErrors,
    form_errors_from,
    submission_form_errors,
)
from orders.submissions.messages import failure_message, outcome_unknown
from orders.submissions.planning import (
    CLOSABLE,
    CLOSE_NOTE_MAX_LENGTH,
    PlannedStep,
    SubmissionConflict,
    close_note_problem,
    creation_status,
    plan,
    submission_close,
    submission_revise,
    submission_start,
    submission_token,
)
from orders.submissions.reconciling import same_line
from orders.submissions.running import (
    RUN_LEASE,
    first_unfinished_step,
    progress,
    step_in_doubt,
    submission_run,
)

__all__ = [
    "CLOSABLE", "CLOSE_NOTE_MAX_LENGTH", "CUSTOMER_FIELDS", "DELIVERY_FIELDS", "RUN_LEASE", "FormErrors", "PlannedStep",
    "SubmissionConflict", "close_note_problem", "creation_status", "draft_from_data", "draft_from_order",
    "copy_for_today", "CUSTOMER_GONE",
    "draft_to_data", "failure_message", "first_unfinished_step", "form_errors_from", "outcome_unknown", "plan", "same_line",
    "submission_close", "submission_draft", "submission_form_errors", "submission_revise", "submission_run",
    "submission_start", "submission_token", "progress", "step_in_doubt",
]
