"""What the order builders of every ERP share (``builder`` for 24SevenOffice, ``qbd_builder`` for QuickBooks):
their addresses, who may open a stored submission, the form's one-time token, the answer of only the rows a
line action changed, and waiting for a run another request started."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django_htmx.http import HttpResponseClientRedirect

from orders import connections, submissions
from orders.context_processors import is_admin
from orders.erp.errors import UpstreamError, UpstreamNotFound
from orders.forms import MAX_LINES
from orders.models import Submission
from orders.parsing import parse_index
from orders.paths import order_path
from orders.views.common import describe_error

logger = logging.getLogger(__name__)

PARTS = "orders/_builder_parts.html"  # the templates' parts every ERP's builder shares
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# Answer header of a sent order (htmx): the address its form's history entry gets.
SENT_FORM_HEADER = "X-Sent-Form-Url"
# Adding, duplicating or removing a line on a long order: builder.js asks (request header) for only the
# rows that changed, and the answer says which (``row_change``), so that the browser morphs those rows
# into the table rather than swapping every line in again.
ROWS_HEADER = "X-Builder-Rows"
ROW_ACTIONS = frozenset({"add_line", "duplicate_line", "remove_line"})
# A stored submission in these states is not shown in the builder again: it leads to its order.
FINISHED_STATES = frozenset({Submission.State.SUCCEEDED, Submission.State.CLOSED})
# Polling a submission that is being sent, or that waits to be checked: how soon to look again.
POLL_SENDING_SECONDS = 1
# What a banner shows while the form is locked (both builders): the dashboard sends or checks the order, it waits
# for QuickBooks, or a person must look first.
LOCKED_KINDS = frozenset({"sending", "checking", "waiting", Submission.State.NEEDS_ATTENTION})


def look_outcome(request, banner: dict) -> tuple[bool, bool]:
    """(reload, heading) for the banner's own look (``shown``: the kind the page showed): the page loads again
    when its form is to be locked or unlocked; while it stays locked the look answers the banner, and the
    heading with it when the kind changed (waiting for QuickBooks, then being sent by the worker)."""
    shown = request.POST.get("shown")
    if shown is None:
        return False, False
    return (shown in LOCKED_KINDS) != bool(banner.get("locked")), shown != banner["kind"]
POLL_LONGEST_SECONDS = 30


def builder_url(submission: Submission | None, page: str = "new") -> str:
    """The builder's URL (``page`` "new"), or its customer or product search ("new_customers",
    "new_products"), for a new order or for the stored ``submission``."""
    if submission is None:
        return order_path(f"orders:{page}")
    return order_path(f"orders:{page}_for_submission", submission.public_id)


def check_url(submission: Submission | None) -> str | None:
    return order_path("orders:check", submission.public_id) if submission else None


def may_open(user, submission: Submission) -> bool:
    return submission.created_by_id == user.pk or is_admin(user)


def same_company(request: HttpRequest, submission: Submission) -> None:
    """A submission opens (and is sent) only under its own company: 404 elsewhere."""
    company = connections.of_submission(submission)
    if company is None or company.pk != request.erp_connection.pk:
        raise Http404("This order was made for another company.")


def owned_submission(request: HttpRequest, submission_id) -> Submission:
    """The submission ``submission_id`` if the user may open it (its owner or an admin)."""
    submission = get_object_or_404(Submission, public_id=submission_id)
    same_company(request, submission)
    if not may_open(request.user, submission):
        raise PermissionDenied("Only the person who sent this order, or an admin, can open it.")
    return submission


def posted_token(post: QueryDict) -> str:
    """The form's one-time token; a fresh one when it is missing or malformed."""
    token = post.get("token", "")
    return token if TOKEN.match(token) else submissions.submission_token()


def row_change(action: str, value: str, before: int, after: int) -> dict | None:
    """Which line a row action added (``{"added": index}``) or removed (``{"removed": index}``), the
    first row the answer holds (``first``: the one before it, whose move buttons may change; every row
    after it is answered, renumbered) and how many lines there are now (``count``). None when the whole
    lines region changes: the table appears or goes, the order reaches its most lines or leaves them
    (every row's Duplicate button), or nothing happened."""
    full = MAX_LINES
    if before == 0 or after == 0 or (before >= full) != (after >= full):
        return None
    if after == before + 1:
        change = {"added": before if action == "add_line" else parse_index(value, before) + 1}
    elif after == before - 1:
        change = {"removed": parse_index(value, before)}
    else:
        return None
    index = change.get("added", change.get("removed"))
    return {**change, "first": max(0, index - 1), "count": after}


def redirect_to(request, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def wait_while_sending(submission: Submission, *, seconds: float, poll: float) -> Submission:
    """A submission another request is running (a double click): wait a little for its outcome."""
    deadline = time.monotonic() + seconds
    while submission.state == Submission.State.IN_PROGRESS and time.monotonic() < deadline:
        time.sleep(poll)
        submission.refresh_from_db()
    return submission


def duplicate_failed(request, error: UpstreamError, order_id, *, erp: str) -> HttpResponse:
    """The order "Duplicate" names could not be read: our 404 page when the ERP (``erp``: its owner's words,
    e.g. "24SevenOffice") has no such order, else the error page (503)."""
    if isinstance(error, UpstreamNotFound):
        return render(request, "404.html", {
            "title": f"Order {order_id} does not exist",
            "message": f"{erp} has no sales order with id {order_id} to duplicate.",
            "back_url": order_path("orders:list"),
        }, status=404)
    logger.warning("Order %s could not be read to duplicate: %r", order_id, error)
    return render(request, "orders/order_error.html", {
        "order_id": order_id, "error": describe_error(error), "back_url": order_path("orders:list"),
    }, status=503)


@dataclass(frozen=True, slots=True)
class Sending:
    """How one ERP's builder saves and sends its order (``orders.submissions`` for 24SevenOffice,
    ``orders.submissions.quickbooks`` for QuickBooks), and what its page shows after."""

    start: Callable[..., Submission]  # (request, token, draft, source order) → a new one, saved before any call
    revise: Callable[..., Submission]  # (submission, draft) → the corrected one
    draft_of: Callable[[Submission], object]  # the draft a submission sends
    send: Callable[[Submission], Submission]  # run it within the page's budget
    finished: Callable[..., HttpResponse]  # (request, submission) → a sent or closed one: its order
    after_sending: Callable[..., HttpResponse]  # (request, submission) → the order, or the form with what happened
    left_to_the_worker: Callable[[Submission], bool] = lambda submission: False


def send_draft(request, sending: Sending, draft, *, token: str, source_order_id, submission: Submission | None,
               render_again: Callable[..., HttpResponse]) -> HttpResponse:
    """Save the checked form as a submission (before any call to the ERP) and send it; then its order, or the
    builder again with what happened. The token makes a repeated submit the same order; the same form sent
    again unchanged (whatever the spelling of its numbers) carries the submission on rather than correcting
    it; a correction after a refusal revises it."""
    submission = submission or Submission.objects.filter(token=token).first()
    if submission is not None:
        same_company(request, submission)
    try:
        if submission is None:
            submission = sending.start(request, token, draft, source_order_id)
        elif not may_open(request.user, submission):
            raise PermissionDenied("This form belongs to another user.")
        elif submission.state in FINISHED_STATES:  # sent twice: a double click, back and submit
            return sending.finished(request, submission)
        elif submission.state == Submission.State.FAILED and not _unchanged(sending, submission, draft):
            submission = sending.revise(submission, draft)
        elif sending.left_to_the_worker(submission):  # nothing to do but say so
            return sending.after_sending(request, submission)
        submission = sending.send(submission)
    except submissions.SubmissionConflict as conflict:
        return render_again(banner={"kind": "conflict", "title": "These changes cannot be sent",
                                    "message": str(conflict)})
    return sending.after_sending(request, submission)


def _unchanged(sending: Sending, submission: Submission, draft) -> bool:
    """Whether ``draft`` is the order the submission sends: the same values, however they are spelled
    (``2385`` and ``2385.00`` are one price)."""
    try:
        return sending.draft_of(submission) == draft
    except ValueError:
        return False
