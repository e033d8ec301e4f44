"""Sending the QuickBooks builder's order (``orders.submissions.quickbooks``), as the 24SevenOffice builder
sends its own: the checked form is saved as a submission before QuickBooks is called (its one-time token makes
a double click the same order), sent within the page's budget, then

* succeeded: the new order's page (and Back leads there, not to an empty form);
* waiting for QuickBooks (the agent or its PC is off): the submission's page says so; the dashboard sends it
  when QuickBooks answers again, the sender may leave;
* refused by QuickBooks: the builder again with each error next to its field or line, nothing typed lost.
"""

from __future__ import annotations

import functools

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh, push_url

from orders import submissions
from orders.context_processors import is_admin
from orders.models import Submission
from orders.paths import order_path
from orders.qbd_draft import draft_problems, draft_to_data
from orders.submissions import quickbooks as qbd_submissions
from orders.submissions.quickbooks import messages as qbd_messages
from orders.views import builder_common as common
from orders.views.common import HtmxHttpRequest

# The page's budget for sending (as the 24SevenOffice builder's), and how long a second click waits for the
# first one's outcome.
SEND_BUDGET_SECONDS = 5.0
SENDING_WAIT_SECONDS = 5.0
SENDING_POLL_SECONDS = 0.2


def new_token() -> str:
    return submissions.submission_token()


def draft_data(draft) -> dict:
    return draft_to_data(draft)


def order_id_of(submission: Submission) -> str:
    """The TxnID of the order a submission made, once known."""
    return submission.upstream_ref


def source_of(submission: Submission) -> str:
    """The TxnID of the order a submission was duplicated from, if any."""
    return submission.source_ref


def form_errors(submission: Submission):
    return qbd_submissions.qbd_submission_form_errors(submission=submission)


def finished(request: HtmxHttpRequest, submission: Submission) -> HttpResponse:
    """A sent (or closed) submission opened or sent again: say so, and go to its order."""
    order_id = order_id_of(submission)
    if submission.state == Submission.State.CLOSED:
        messages.info(request, f"An admin closed this order after settling it in QuickBooks: {submission.close_note}")
        return common.redirect_to(request, order_path("orders:detail", order_id) if order_id
                                  else order_path("orders:list"))
    messages.info(request, "This form was already sent: it is the order below. To make another order, start a new one.")
    return common.redirect_to(request, order_path("orders:detail", order_id) if order_id else order_path("orders:list"))


def banner(submission: Submission | None, user=None) -> dict | None:
    """What the builder says above the form about a stored submission that has not reached QuickBooks (yet)."""
    if submission is None or submission.state in common.FINISHED_STATES:
        return None
    state = submission.state
    found = {"kind": state, "message": submission.last_error, "tracking_id": submission.last_tracking_id,
             "trace_id": submission.last_trace_id, "order_id": "", "submission": submission, "poll": None,
             "action": None}
    if qbd_submissions.waiting_for_quickbooks(submission):
        found.update(kind="waiting", title="Waiting for QuickBooks", poll=common.POLL_LONGEST_SECONDS,
                     message=submission.last_error or (
                         "The PC running QuickBooks is not answering. The order is kept and the dashboard sends it "
                         "as soon as QuickBooks answers again."))
        found["message"] = (f"{found['message']} {qbd_messages.LEAVE} It is sent as shown below, which cannot be "
                            "changed meanwhile.")
    elif state in (Submission.State.IN_PROGRESS, Submission.State.PENDING):
        found.update(kind="sending", title="Sending to QuickBooks…", poll=common.POLL_SENDING_SECONDS,
                     message="This page updates by itself.")
    elif state == Submission.State.NEEDS_ATTENTION:
        found.update(title="This order needs a person to look at it",
                     action="recheck" if user is not None and common.may_open(user, submission) else None)
    elif submission.form_errors:  # corrected on the form, then sent with "Send again"
        found.update(title="QuickBooks refused the order")
    else:
        found.update(title="The order did not reach QuickBooks", action="retry")
    # While it is on its way or waits, the form is shown as it will be sent, not for changing (no send button).
    found["locked"] = found["kind"] in ("sending", "waiting", Submission.State.NEEDS_ATTENTION)
    return found


def send_label(submission: Submission | None, found: dict | None) -> str | None:
    """The action bar's send button (as the 24SevenOffice builder's ``_send_label``)."""
    if submission is None:
        return "Create order"
    kind = found["kind"] if found else None
    if kind in ("sending", "waiting", Submission.State.NEEDS_ATTENTION):
        return None
    return None if found and found.get("action") == "retry" else "Send again"


def submit(request: HtmxHttpRequest, builder, *, token: str, source_order_id: str, submission: Submission | None,
           render) -> HttpResponse:
    """Check the form, save the submission (before any call to QuickBooks), send it, and show the outcome."""
    render_again = functools.partial(render, request, builder, token=token, source_order_id=source_order_id,
                                     submission=submission, region="builder-body" if request.htmx else None,
                                     dirty=True)
    if not builder.is_valid():
        return render_again()
    draft = builder.draft()
    problems = draft_problems(draft)  # what the form's own checks do not cover, should there be any
    if problems:
        builder.add_erp_errors(problems)
        return render_again()
    return common.send_draft(request, SENDING, draft, token=token, source_order_id=source_order_id,
                             submission=submission, render_again=render_again)


def send(submission: Submission, *, attended: bool = False) -> Submission:
    submission = qbd_submissions.qbd_submission_run(submission=submission, budget=SEND_BUDGET_SECONDS, attended=attended)
    return common.wait_while_sending(submission, seconds=SENDING_WAIT_SECONDS, poll=SENDING_POLL_SECONDS)


def after_sending(request: HtmxHttpRequest, submission: Submission) -> HttpResponse:
    """The new order's page once sent; else the stored submission's builder with what happened."""
    if submission.state == Submission.State.SUCCEEDED:
        return _sent(request, submission)
    if submission.state in common.FINISHED_STATES:
        return finished(request, submission)
    url = common.builder_url(submission)
    if not request.htmx:
        return redirect(url)
    from orders.views import qbd_builder

    return push_url(qbd_builder._builder_page(request, submission, region="builder-body"), url)


def _sent(request: HtmxHttpRequest, submission: Submission) -> HttpResponse:
    order_id = order_id_of(submission)
    lines = len((submission.payload or {}).get("lines") or ())
    messages.success(request, f"The order was created in QuickBooks with {lines} line{'' if lines == 1 else 's'}.")
    response = common.redirect_to(request, order_path("orders:detail", order_id))
    if request.htmx:
        response[common.SENT_FORM_HEADER] = common.builder_url(submission)
    return response


SENDING = common.Sending(
    start=lambda request, token, draft, source: qbd_submissions.qbd_submission_start(
        user=request.user, connection=request.erp_connection, token=token, draft=draft, source_order_id=source),
    revise=lambda submission, draft: qbd_submissions.qbd_submission_revise(submission=submission, draft=draft),
    draft_of=lambda submission: qbd_submissions.qbd_submission_draft(submission=submission),
    send=lambda submission: send(submission),
    finished=lambda request, submission: finished(request, submission),
    after_sending=lambda request, submission: after_sending(request, submission),
    # One waiting for QuickBooks is the worker's to send: sent again, it is only shown.
    left_to_the_worker=qbd_submissions.waiting_for_quickbooks,
)


@require_POST
def submission_check(request: HtmxHttpRequest, submission_id) -> HttpResponse:
    """The builder page's own look at a stored submission (htmx polls it; without JavaScript "Check now"):
    carries on sending one that is pending or being sent; with ``recheck``, one that needs attention. One
    waiting for QuickBooks is shown as it is now (the worker sends it); a refusal is left for the user to
    correct on the form."""
    submission = common.owned_submission(request, submission_id)
    if submission.state not in common.FINISHED_STATES:
        attended = "recheck" in request.POST and submission.state == Submission.State.NEEDS_ATTENTION
        # One waiting for QuickBooks is the worker's to send (by its schedule): the page only looks.
        runnable = submission.state in (Submission.State.PENDING, Submission.State.IN_PROGRESS)
        if attended or runnable:
            submission = send(submission, attended=attended)
    if submission.state in common.FINISHED_STATES or not request.htmx:
        return after_sending(request, submission)
    if submission.form_errors:  # QuickBooks refused something: the whole page shows it on its fields
        return HttpResponseClientRefresh()
    found = banner(submission, request.user)
    reload, heading = common.look_outcome(request, found)
    if reload:
        return HttpResponseClientRefresh()  # the form is to be locked or unlocked
    context = {"banner": found, "show_upstream": is_admin(request.user), "heading_oob": heading,
               "submission": submission,
               "builder_url": common.builder_url(submission), "check_url": common.check_url(submission),
               "erp_name": "QuickBooks"}
    return render(request, f"{common.PARTS}#builder-banner", context)
