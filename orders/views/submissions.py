"""The submissions journal and the failed orders, for admins: inspect, send again, close.

Both ERPs' submissions are listed together; a QuickBooks one (``orders.submissions.quickbooks``) is sent
again with its own runner, shows its marker, the order found or made by its TxnID, and, while it waits for
QuickBooks, when QuickBooks last answered. Orders waiting for QuickBooks are not "failed": nobody needs to
act (the worker sends them), so they are counted apart on the failed orders' page and not in its badge."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from orders import connections, submissions
from orders.context_processors import is_admin
from orders.erp.autofy import reading as autofy_reading
from orders.forms import qbd_state
from orders.forms.qbd_builder import figures
from orders.models import ErpConnection, Submission, SubmissionStep
from orders.services import qbd_builder as qbd_services
from orders.submissions import quickbooks
from orders.views.builder import SEND_BUDGET_SECONDS, send
from orders.views.common import HtmxHttpRequest, post_or_back, pretty_json

logger = logging.getLogger(__name__)

# --- submissions (admins) --------------------------------------------------------------------------
#
# Admins see every order sent from the builder, find the ones that did not reach the ERP, open them
# in the builder to fix them, or try again. Sales users do not see these pages: they come back to
# their own unfinished order through the builder's address for it (``/orders/new/<submission>/``),
# which the builder shows after a failure.

SUBMISSIONS_PER_PAGE = 50
# States that need someone to act, highlighted in the list.
ATTENTION_STATES = frozenset({Submission.State.FAILED, Submission.State.NEEDS_ATTENTION})


def _require_admin(request: HttpRequest) -> None:
    if not is_admin(request.user):
        raise PermissionDenied("Only admins can see the submissions.")


def _visible(request: HttpRequest):
    """The submissions of the companies the admin sees: another company's do not exist for them (404)."""
    return Submission.objects.filter(connections.submissions_visible_to(request.user))


@require_GET
def failed_orders(request: HtmxHttpRequest) -> HttpResponse:
    """What admins come for: the orders that did not reach the ERP (failed, or needing a person)."""
    _require_admin(request)
    rows = (_visible(request).select_related("created_by", "connection").prefetch_related("steps")
            .filter(state__in=ATTENTION_STATES).order_by("-created_at"))
    page = Paginator(rows, SUBMISSIONS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": _summaries(page.object_list),
        "failed_view": True,
        "waiting_count": _visible(request).filter(state=Submission.State.WAITING).count(),
    }
    return render(request, "orders/submission_list.html", context)


@require_GET
def submission_list(request: HtmxHttpRequest) -> HttpResponse:
    _require_admin(request)
    state = request.GET.get("state", "")
    if state not in Submission.State.values:
        state = ""
    rows = (_visible(request).select_related("created_by", "connection").prefetch_related("steps")
            .order_by("-created_at"))
    if state:
        rows = rows.filter(state=state)
    page = Paginator(rows, SUBMISSIONS_PER_PAGE).get_page(request.GET.get("page"))
    counts = dict(_visible(request).values_list("state").annotate(count=Count("id")).order_by())
    tabs = [{"value": "", "label": "All", "count": sum(counts.values()), "active": not state}] + [
        {"value": value, "label": label, "count": counts.get(value, 0), "active": value == state}
        for value, label in Submission.State.choices
    ]
    context = {
        "page": page,
        "rows": _summaries(page.object_list),
        "tabs": tabs,
        "state": state,
    }
    return render(request, "orders/submission_list.html", context)


def _is_quickbooks(submission: Submission) -> bool:
    return submission.connection_id is not None and submission.connection.kind == ErpConnection.Kind.QBD_AUTOFY


def _summaries(submissions_shown) -> list[dict]:
    references: dict = {}  # each company's, read once for the page
    return [_submission_summary(submission, references) for submission in submissions_shown]


def _in_doubt(submission: Submission) -> bool:
    """A 24SevenOffice submission stopped on a write in doubt: it is checked by itself (the sender's page, or
    the worker once its settle time has come: ``submissions.unattended``), not failed. From its prefetched
    steps when they are."""
    if submission.state != Submission.State.FAILED:
        return False
    steps = sorted(submission.steps.all(), key=lambda step: step.position)
    first = next((step for step in steps if step.state != SubmissionStep.State.SUCCEEDED), None)
    return first is not None and first.state == SubmissionStep.State.UNKNOWN


def _submission_summary(submission: Submission, references: dict | None = None) -> dict:
    """What the list shows of one submission, read from its stored builder data (a QuickBooks order's
    total from the order QuickBooks made: QuickBooks prices what the form leaves to it)."""
    payload = submission.payload or {}
    if _is_quickbooks(submission):
        return _quickbooks_summary(submission, payload, {} if references is None else references)
    try:
        gross = submissions.submission_draft(submission=submission).totals().gross
    except ValueError:
        gross = None  # stored data that is not a valid draft: shown without a total
    checking = _in_doubt(submission)
    return {
        "submission": submission,
        "state_class": "in_progress" if checking else submission.state,
        "state_label": "Being checked" if checking else submission.get_state_display(),
        "customer": payload.get("customer_name") or "—",
        "lines": len(payload.get("lines") or ()),
        "gross": gross,
        "currency": payload.get("currency_code") or "NOK",
        "attention": submission.state in ATTENTION_STATES,
        "erp": "the ERP",
        "target": submission.target_status,
        "order_id": submission.upstream_order_id,
        "order_label": f"#{submission.upstream_order_id}",
        "what": submission.last_error,
    }


def _quickbooks_summary(submission: Submission, payload: dict, references: dict) -> dict:
    steps = list(submission.steps.all())
    made = steps[0].response if steps and steps[0].state == "succeeded" else None
    order = autofy_reading.read_summary(made) if isinstance(made, dict) else None
    home = str((submission.connection.settings or {}).get("home_currency") or "USD")
    if order is not None:
        gross, currency = order.total, order.currency_code
    else:
        gross, currency = _entered_total(submission, payload, references)
    return {
        "submission": submission,
        "customer": payload.get("customer_name") or "—",
        "lines": len(payload.get("lines") or ()),
        "gross": gross,
        # The journal mixes companies: every amount says its currency (the company's own list leaves out the home one).
        "currency": currency or home,
        "attention": submission.state in ATTENTION_STATES,
        "quickbooks": True,
        "erp": "QuickBooks",
        "target": "",
        "order_id": submission.upstream_ref,
        "order_label": f"No. {order.number}" if order is not None and order.number else submission.upstream_ref,
        "state_class": submission.state, "state_label": submission.get_state_display(),
        "marker": str(steps[0].request.get("Other") or "") if steps else "",
        "what": submission.last_error,
    }


def _entered_total(submission: Submission, payload: dict, references: dict):
    """(total, currency code or "" for the home currency) of an order QuickBooks has not made (waiting,
    refused, in doubt), worked out as the builder does: the same rules and local reference lists (as they are
    now) that QuickBooks' own figures are checked against (``orders.qbd_amounts``). No total (None) rather than
    a wrong one when the order leaves anything to QuickBooks' defaults (no sales tax item, a line without a
    price or a tax code, a group without its lines: the builder never sends such data), when the local lists
    cannot tell its tax (a tax item or code they do not know), or when the stored data cannot be read."""
    connection = submission.connection
    reference = references.get(connection.pk)
    if reference is None:
        reference = references[connection.pk] = qbd_services.amounts_reference(connection)
    try:
        state = qbd_state.state_from_data(payload)
        worked_out = figures(state, reference)
        lookups = reference.lookups
        complete = (bool(state.get("item_sales_tax_id")) and lookups is not None
                    and worked_out.totals.tax_rate is not None
                    and _priced_here(worked_out.lines, state["lines"], lookups.taxable))
    except (TypeError, ValueError, KeyError, AttributeError, ArithmeticError) as error:
        logger.warning("Submission %s: its stored order cannot be priced: %r", submission.public_id, error)
        return None, ""
    return (worked_out.totals.total if complete else None), worked_out.currency_code


def _priced_here(priced, rows, taxable_codes) -> bool:
    """Every line (a group's sub-lines, at least one) has its amount, and a tax code the local lists know, in
    the order as stored."""
    for line, row in zip(priced, rows, strict=True):
        if line.kind == "group":
            subs = row.get("sub_lines") or ()
            if not subs or not _priced_here(line.sub_lines, subs, taxable_codes):
                return False
        elif line.kind != "subtotal" and (line.amount is None or not _known_code(row, taxable_codes)):
            return False
    return True


def _known_code(row, taxable_codes) -> bool:
    """The line's tax code is one the SalesTaxCode list says is taxed or not (by its ID or its name)."""
    code_id, name = str(row.get("tax_code_id") or ""), str(row.get("tax_code_name") or "").casefold()
    return bool(code_id) and (code_id in taxable_codes or bool(name) and name in taxable_codes)


@require_GET
def submission_detail(request: HtmxHttpRequest, submission_id) -> HttpResponse:
    _require_admin(request)
    return _submission_page(request, submission_id)


def _submission_page(request: HtmxHttpRequest, submission_id, *, close_error: str = "",
                     close_note: str = "") -> HttpResponse:
    submission = get_object_or_404(_visible(request).select_related("created_by", "closed_by", "connection"),
                                   public_id=submission_id)
    steps = []
    for step in submission.steps.order_by("position").prefetch_related("history"):
        history = list(step.history.all())
        steps.append({
            "step": step,
            "label": str(step).rsplit(" (", 1)[0],
            "request_json": pretty_json(step.request),
            "response_json": None if step.response is None else pretty_json(step.response),
            # Every attempt (and every look in the ERP), newest first, once there was more than one.
            "history": history[::-1] if len(history) > 1 or step.attempts > 1 else [],
        })
    State = Submission.State
    summary = _submission_summary(submission)
    waiting = submission.state == State.WAITING
    context = {
        **summary,
        "steps": steps,
        "attention": submission.state in ATTENTION_STATES,
        "can_retry": submission.state in (State.FAILED, State.PENDING, State.IN_PROGRESS, State.WAITING),
        "retry_label": "Send now" if waiting else "Try again",
        "can_open": submission.state not in (State.SUCCEEDED, State.CLOSED),
        "can_recheck": submission.state == State.NEEDS_ATTENTION,
        "recheck_label": "Check QuickBooks again" if summary.get("quickbooks") else "Check the ERP again",
        "can_close": submission.state in submissions.CLOSABLE,
        "waiting": waiting,
        "agent": quickbooks.Agent.of(submission.connection) if summary.get("quickbooks") else None,
        "close_error": close_error,
        "close_note": close_note,
        # Opened from "Failed orders": back there, not to every submission.
        "from_failed": request.GET.get("from") == "failed",
    }
    return render(request, "orders/submission_detail.html", context, status=400 if close_error else 200)


def _back_to_detail(request: HtmxHttpRequest, submission: Submission) -> HttpResponse:
    """The submission's page again after an action, still leading back to the failed orders when it was
    opened from them (``?from=failed``, the only value kept)."""
    url = reverse("submissions:detail", kwargs={"submission_id": submission.public_id})
    return redirect(f"{url}?from=failed" if request.GET.get("from") == "failed" else url)


def _back_to_submission(request: HttpRequest, submission_id) -> str:
    """Where a submission action's address opened leads (admins only): its page, still leading back to the
    failed orders when it was opened from them."""
    _require_admin(request)
    url = reverse("submissions:detail", kwargs={"submission_id": submission_id})
    return f"{url}?from=failed" if request.GET.get("from") == "failed" else url


post_or_back_to_submission = post_or_back(_back_to_submission)


@post_or_back_to_submission
def submission_retry(request: HtmxHttpRequest, submission_id) -> HttpResponse:
    """"Try again" on the submission's page: continue from its first unfinished step. For one that
    needs attention ("Check the ERP again", once an admin put the ERP right), the step in doubt is
    checked against the ERP once more before anything is sent."""
    _require_admin(request)
    submission = get_object_or_404(_visible(request).select_related("connection"), public_id=submission_id)
    attended = submission.state == Submission.State.NEEDS_ATTENTION
    if _is_quickbooks(submission):
        submission = quickbooks.qbd_submission_run(submission=submission, attended=attended,
                                                   budget=SEND_BUDGET_SECONDS)
        where = f"it is order {_submission_summary(submission)['order_label']} in QuickBooks"
    else:
        submission = send(submission, attended=attended)
        where = f"order #{submission.upstream_order_id} is in 24SevenOffice"
    if submission.state == Submission.State.SUCCEEDED:
        messages.success(request, f"Sent: {where}.")
    elif submission.state == Submission.State.IN_PROGRESS:
        messages.info(request, "It is still being sent. Look again in a moment.")
    elif submission.state == Submission.State.WAITING:
        messages.info(request, submission.last_error)
    else:
        messages.error(request, f"Still not sent. {submission.last_error}")
    return _back_to_detail(request, submission)


@post_or_back_to_submission
def submission_close(request: HtmxHttpRequest, submission_id) -> HttpResponse:
    """"Close" on the submission's page: an admin settled it by hand in the ERP and says how."""
    _require_admin(request)
    submission = get_object_or_404(_visible(request), public_id=submission_id)
    note = request.POST.get("note", "")
    problem = submissions.close_note_problem(note)
    if problem:  # shown next to the note, with what was typed
        return _submission_page(request, submission_id, close_error=problem, close_note=note)
    try:
        submissions.submission_close(submission=submission, user=request.user, note=note)
    except submissions.SubmissionConflict as conflict:  # e.g. closed or sent meanwhile by someone else
        messages.error(request, str(conflict))
        return _back_to_detail(request, submission)
    messages.success(request, "Closed. Nothing more will be sent for this order.")
    return _back_to_detail(request, submission)

