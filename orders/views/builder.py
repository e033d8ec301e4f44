"""The order builder: the page, its htmx regions and its searches, and sending an order. A QuickBooks
company's builder, at the same addresses, is ``qbd_builder`` (``quickbooks_by`` hands its requests there)."""

from __future__ import annotations

import functools
import json
import logging

from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import (
    HttpResponseClientRefresh,
    push_url,
    reswap,
    retarget,
    trigger_client_event,
)

from orders import forms, services, submissions
from orders.context_processors import is_admin
from orders.erp.errors import (
    UpstreamError,
    UpstreamNotFound,
)
from orders.erp.tso import payloads as tso_payloads
from orders.models import Submission, SubmissionStep
from orders.parsing import parse_id, parse_index, parse_signed_id, parse_whole
from orders.paths import order_path
from orders.templatetags.builder_tags import amounts_shown
from orders.views import builder_common
from orders.views.builder_common import (
    FINISHED_STATES,
    POLL_LONGEST_SECONDS,
    POLL_SENDING_SECONDS,
    ROW_ACTIONS,
    ROWS_HEADER,
    SENT_FORM_HEADER,
    look_outcome,
)
from orders.views.builder_common import builder_url as _builder_url
from orders.views.builder_common import check_url as _check_url
from orders.views.builder_common import may_open as _may_open
from orders.views.builder_common import owned_submission as _owned_submission
from orders.views.builder_common import posted_token as _posted_token
from orders.views.builder_common import redirect_to as _redirect
from orders.views.builder_common import row_change as _row_change
from orders.views import qbd_builder, qbd_sending, unsent
from orders.views.common import HtmxHttpRequest, describe_error, quickbooks_by, tso_only
from orders.views.unsent import keeps_unsent_form

logger = logging.getLogger(__name__)

# --- the order builder ---------------------------------------------------------------------------
#
# One template serves the page and every fragment: ``orders/order_builder.html``, whose partials are
# named after the id of their root element. The builder's state travels in the form (see
# ``orders.forms``): each named button is an action on it, answered with the whole page (a POST
# without JavaScript) or, for htmx, with the region the action changed.

BUILDER = "orders/order_builder.html"
PARTS = "orders/_builder_parts.html"  # what every ERP's builder shares (the alert, the banner…)
# A request that sends an order starts no new step after this long: a long order goes on in the
# next request (the page polls), so no page waits on the ERP for long.
SEND_BUDGET_SECONDS = 5.0
# How long a request waits for a run of the same submission that another request started (a double
# click) before it shows "still sending" (and the page polls); and how often it looks.
SENDING_WAIT_SECONDS = 5.0
SENDING_POLL_SECONDS = 0.2

LINE_ACTIONS = ("add_line", "remove_line", "duplicate_line", "move_line_up", "move_line_down", "pick_product")
# Every named button of the builder, in the order a POST is checked for them, and the region an
# htmx request for it swaps. Without a button (Enter in a field), the page is shown again.
REGIONS = {
    "submit": "builder-body",
    "recalculate": "builder-totals",
    **dict.fromkeys(LINE_ACTIONS, "builder-lines"),
    "search_product": "builder-lines",
    "refresh_lines": "builder-lines",
    "add_dimension": "builder-dimensions",
    "remove_dimension": "builder-dimensions",
    "refresh_dimensions": "builder-dimensions",
    "pick_customer": "builder-customer",
    "search_customer": "builder-customer",
    "pick_delivery_customer": "builder-delivery",
    "search_delivery_customer": "builder-delivery",
    "pick_currency": "builder-currency",
    "pick_sales_type": "builder-lines",
    "refresh": "builder-body",
}
# Actions sent by a drop-down whose region is re-rendered: the drop-down gets the focus back.
REFOCUS_ACTIONS = frozenset({"refresh_lines", "refresh_dimensions", "pick_currency"})
# Regions after which the totals (and the total in the action bar) are swapped in too.
TOTALS_FOLLOW = frozenset({"builder-lines", "builder-currency"})


def _action(post: QueryDict) -> tuple[str, str]:
    for name in REGIONS:
        if name in post:
            return name, post.get(name, "")
    return "refresh", ""


def _index(value: str, rows: list) -> int | None:
    return parse_index(value, len(rows))


@keeps_unsent_form
@quickbooks_by(qbd_builder.order_new)
@tso_only
@require_http_methods(["GET", "POST"])
def order_new(request: HtmxHttpRequest, submission_id=None) -> HttpResponse:
    """The order builder: ``/orders/new/`` (``?from=<order id>`` to duplicate an order) and
    ``/orders/new/<submission>/`` (a submission that did not reach the ERP, to fix and send again).
    Opened after signing in again, it shows the form posted while signed out, unsent (``unsent``)."""
    submission = _owned_submission(request, submission_id) if submission_id else None
    if submission and submission.state in FINISHED_STATES:
        return _finished(request, submission)
    post = request.POST
    if request.method == "GET":
        post = unsent.take(request, actions=REGIONS)
        if post is None:
            return _builder_page(request, submission)
    elif "recalculate" in post and request.htmx:
        return _recalculated(request)

    state = forms.state_from_post(post)
    token = submission.token if submission else _posted_token(post)
    source_order_id = submission.source_order_id if submission else _posted_id(post, "source_order_id")
    try:
        reference = services.builder_reference(dimension_types=_dimension_types(state))
    except UpstreamError as error:
        logger.warning("Builder reference data unavailable: %r", error)
        return _builder_unavailable(request, state, token, source_order_id, submission, error)

    action, value = _action(post)
    if action == "submit":
        return _submit(request, state, reference, token=token, source_order_id=source_order_id,
                       submission=submission)
    lines_before = len(state["lines"])
    extra = _apply(action, value, state, reference)
    builder = forms.OrderBuilder(state, reference, validate=False, may_invoice=is_admin(request.user))
    wider = extra.pop("region", None)  # an action that changed more than its own region says so
    region = (wider or REGIONS[action]) if request.htmx else None
    change = _row_change(action, value, lines_before, len(state["lines"])) if (
        region == "builder-lines" and request.headers.get(ROWS_HEADER) and action in ROW_ACTIONS) else None
    if change is not None:
        region, extra["first_row"] = "builder-rows", change["first"]
    response = _render_builder(request, builder, token=token, source_order_id=source_order_id,
                               submission=submission, region=region, dirty=True, **extra)
    if change is not None:
        response[ROWS_HEADER] = json.dumps(change)
        response = reswap(response, "builder-rows settle:0ms")  # builder.js's htmx extension morphs them
    if request.htmx and wider:  # swapped where it belongs, not into the button's own region
        response = reswap(retarget(response, f"#{wider}"), "outerHTML")
    # Focus where the action leaves the user; a drop-down that re-rendered its region keeps it.
    focus = extra.get("focus") or (request.htmx.trigger if action in REFOCUS_ACTIONS else None)
    if request.htmx and focus:
        trigger_client_event(response, "builder:focus", {"id": focus, "target": "body"}, after="settle")
    return response


def _apply(action: str, value: str, state: dict, reference: services.BuilderReference) -> dict:
    """Carry out a builder action on ``state``; returns what the page shows besides the state
    (search results, a message for the section, which element to focus)."""
    lines, dimensions = state["lines"], state["dimensions"]
    tax_id = forms.default_tax_id(reference.tax_codes)
    index = _index(value, lines)
    if action == "add_line" and len(lines) < forms.MAX_LINES:
        lines.append(forms.blank_line(tax_id=tax_id))
        return {"focus": f"id_lines-{len(lines) - 1}-product_query"}
    if action == "remove_line" and index is not None:
        del lines[index]
        return {"focus": f"id_lines-{min(index, len(lines) - 1)}-description" if lines else "add-line"}
    if action == "duplicate_line" and index is not None and len(lines) < forms.MAX_LINES:
        lines.insert(index + 1, dict(lines[index]))
        return {"focus": f"id_lines-{index + 1}-description"}
    if action in ("move_line_up", "move_line_down") and index is not None:
        moved = forms.move(lines, index, -1 if action == "move_line_up" else 1)
        return {"focus": f"{action.replace('_line', '').replace('_', '-')}-{moved}"}
    if action == "search_product" and index is not None:
        return {"product_search": _product_search(index, lines[index].get("product_query", ""))}
    if action == "pick_product":
        return _pick_product(value, state, tax_id)
    if action == "add_dimension" and len(dimensions) < forms.MAX_DIMENSIONS:
        dimensions.append(forms.blank_dimension())
        return {"focus": f"id_dimensions-{len(dimensions) - 1}-dimension_type"}
    if action == "remove_dimension" and (row := _index(value, dimensions)) is not None:
        del dimensions[row]
        return {"focus": "add-dimension"}
    if action in ("search_customer", "search_delivery_customer"):
        who = "delivery" if action == "search_delivery_customer" else "customer"
        return {f"{who}_search": _customer_search(state.get(f"{who}_query", ""))}
    if action in ("pick_customer", "pick_delivery_customer") and (customer_id := parse_id(value)) is not None:
        return _pick_customer(customer_id, state, delivery=action == "pick_delivery_customer")
    if action == "pick_currency":
        state["currency_rate"] = forms.currency_rate_for(state["currency_code"], reference.currencies)
    if action == "pick_sales_type":
        return _follow_sales_type(state)
    return {}


def _customer_search(query: str) -> dict | None:
    """What a customer search box shows under it (None for an empty query: nothing)."""
    if not query.strip():
        return None
    try:
        return {"query": query, "results": services.customer_search(query=query)}
    except UpstreamError as error:
        logger.warning("Customer search failed: %r", error)
        return {"query": query, "error": True}


def _product_search(index: int, query: str) -> dict | None:
    """What line ``index``'s product search box shows under it (None for an empty query)."""
    if not query.strip():
        return None
    try:
        return {"index": index, "query": query, "results": services.product_search(query=query)}
    except UpstreamError as error:
        logger.warning("Product search failed: %r", error)
        return {"index": index, "query": query, "error": True}


def _pick_customer(customer_id: int, state: dict, *, delivery: bool) -> dict:
    section = "delivery" if delivery else "customer"
    try:
        customer = services.customer_detail(customer_id=customer_id)
    except UpstreamNotFound:
        return {"notes": {section: "That customer is no longer in the ERP: search again."}}
    except UpstreamError as error:
        logger.warning("Customer %s could not be read: %r", customer_id, error)
        return {"notes": {section: "The ERP did not answer, so the customer was not filled in. Try again."}}
    if delivery:
        forms.fill_delivery(state, customer)
        return {"focus": "id_delivery_name"}
    changed = forms.fill_customer(state, customer)
    extra: dict = {"focus": "id_customer_name"}
    if changed:
        extra["notes"] = {"customer_changed": f"With the customer, this changed too: {'; '.join(changed)}."}
        extra["region"] = "builder-body"  # what changed with it lies outside the customer's section
    return extra


def _pick_product(value: str, state: dict, tax_id: int | None) -> dict:
    line, _, product = value.partition(":")
    index, product_id = _index(line, state["lines"]), parse_id(product)
    if index is None or product_id is None:
        return {}
    try:
        found = services.product_line(product_id=product_id, sales_type_id=_sales_type_id(state))
    except UpstreamError as error:
        logger.warning("Product %s could not be read: %r", product_id, error)
        message = ("That product is no longer in the ERP." if isinstance(error, UpstreamNotFound)
                   else "The ERP did not answer, so the product was not filled in. Try again.")
        return {"notes": {"lines": f"Line {index + 1}: {message}"}}
    forms.fill_product(state["lines"][index], found.product, currency_rate=state["currency_rate"],
                       tax_id=found.tax_id, default_tax_id=tax_id)
    extra: dict = {"focus": f"id_lines-{index}-quantity"}
    if found.tax_id is None:
        extra["notes"] = {"lines": f"Line {index + 1}: the ERP did not say which tax code {found.product.name} "
                                   "takes, so the line kept its own. Check it before you send the order."}
    return extra


def _sales_type_id(state: dict) -> int | None:
    return parse_signed_id(str(state.get("sales_type_id") or ""))


def _follow_sales_type(state: dict) -> dict:
    """After the sales type changed: the product lines whose tax code is still the one their product
    brought get the tax code of the account the new sales type posts them to."""
    following = [row for row in state["lines"] if forms.follows_sales_type(row)]
    if not following:
        return {}
    try:
        taxes = services.posting_tax_ids(product_ids=[parse_id(row["product_id"]) for row in following],
                                         sales_type_id=_sales_type_id(state))
    except UpstreamError as error:
        logger.warning("Tax codes for the sales type could not be looked up: %r", error)
        return {"notes": {"lines": "The ERP did not answer, so the lines' tax codes were not updated for the "
                                   "new sales type. Check them, or choose the sales type again."}}
    for row in following:
        tax = taxes.get(parse_id(row["product_id"]))
        if tax is not None:
            row["tax_id"] = row["auto_tax_id"] = str(tax)
    return {}


def _dimension_types(state: dict) -> set[int]:
    kinds = (parse_whole(str(row["dimension_type"])) for row in state["dimensions"])
    return {kind for kind in kinds if kind is not None}


def _posted_id(post: QueryDict, name: str) -> int | None:
    return parse_id(post.get(name, ""))


def _builder_page(request: HtmxHttpRequest, submission: Submission | None, region: str | None = None) -> HttpResponse:
    """The builder as first shown: a new order, a duplicate (``?from=``), or a stored submission
    with what stopped it (the whole page, or its ``region`` for htmx)."""
    source_order_id = _posted_id(request.GET, "from")
    refreshed: tuple[str, ...] | None = ()
    if submission is not None:
        state = forms.state_from_data(submission.payload)
        source_order_id = submission.source_order_id
    elif source_order_id is not None:
        try:
            draft, refreshed = submissions.copy_for_today(order_id=source_order_id)
        except UpstreamError as error:
            return builder_common.duplicate_failed(request, error, source_order_id, erp="24SevenOffice")
        state = forms.state_from_data(submissions.draft_to_data(draft))
    else:
        state = None
    try:
        reference = services.builder_reference(dimension_types=_dimension_types(state) if state else ())
    except UpstreamError as error:
        logger.warning("Builder reference data unavailable: %r", error)
        return _builder_unavailable(request, state, None, source_order_id, submission, error)
    if state is None:
        state = forms.blank_state(day=timezone.localdate(), tax_id=forms.default_tax_id(reference.tax_codes))
    token = submission.token if submission else submissions.submission_token()
    notes = {}
    if submission is None and source_order_id is not None:
        notes["customer_changed"] = _refreshed_note(refreshed, source_order_id)
    if submission is None and source_order_id is not None and forms.due_date_passed(state):
        notes["terms"] = (f"The original order was due on a fixed date, {state['payment_terms_value']}, which is "
                          "before this copy's date: choose a new due date or other payment terms.")
    builder = forms.OrderBuilder(state, reference, validate=submission is not None,
                                 may_invoice=is_admin(request.user))
    if submission is not None:
        builder.is_valid()
        builder.add_erp_errors(submissions.submission_form_errors(submission=submission))
    # Like every page, answered with "no-store" (salesadmin.security): Back after sending loads the
    # address builder.js gave this form's history entry, which leads to the order it made.
    return _render_builder(request, builder, token=token, source_order_id=source_order_id,
                           submission=submission, region=region, notes=notes)


def _refreshed_note(refreshed: tuple[str, ...] | None, source_order_id: int) -> str | None:
    """What the copy's customer details are, when they are not simply the original's."""
    if refreshed is None:
        return (f"The customer's current record could not be read, so the details are as they were on order "
                f"#{source_order_id}: check them before sending.")
    if refreshed == submissions.CUSTOMER_GONE:
        return (f"The customer of order #{source_order_id} is no longer in 24SevenOffice: choose the customer "
                "this order is for.")
    if not refreshed:
        return None
    changed = " and ".join((", ".join(refreshed[:-1]), refreshed[-1])) if len(refreshed) > 1 else refreshed[0]
    return (f"The customer's details are from their current record: {changed} changed since order "
            f"#{source_order_id}.")


def _render_builder(request: HtmxHttpRequest, builder: forms.OrderBuilder, *, token: str,
                    source_order_id: int | None, submission: Submission | None, region: str | None = None,
                    status: int = 200, dirty: bool = False, **extra) -> HttpResponse:
    """The builder page, or the partial ``region`` of it (with the totals after it when they changed)."""
    context = {
        "builder": builder,
        "order_form": builder.order,
        "token": token,
        "unsent_owner": functools.partial(unsent.owner_token, request.user),  # signed when the form head renders
        "source_order_id": source_order_id,
        "submission": submission,
        "banner": (banner := extra.pop("banner", None) or _banner(submission, request.user)),
        "send_label": _send_label(submission, banner),
        "check_url": _check_url(submission),
        "builder_url": _builder_url(submission),
        "customers_url": _builder_url(submission, "new_customers"),
        "products_url": _builder_url(submission, "new_products"),
        "figures": builder.figures,
        "customer_fields": [builder.order[name] for name in forms.CUSTOMER_FORM_FIELDS],
        "delivery_fields": [builder.order[name] for name in forms.DELIVERY_FORM_FIELDS],
        "tax_choices": [(str(tax.id), forms.tax_label(tax)) for tax in builder.reference.tax_codes],
        "currency": builder.state.get("currency_code") or "NOK",
        "memo_max": tso_payloads.USER_INTERNAL_MEMO_MAX_LENGTH,
        "memo_total": tso_payloads.INTERNAL_MEMO_MAX_LENGTH,
        "memo_reserved": tso_payloads.INTERNAL_MEMO_MAX_LENGTH - tso_payloads.USER_INTERNAL_MEMO_MAX_LENGTH,
        "max_lines": forms.MAX_LINES,
        "dirty": dirty,
        "notes": {},
        "show_upstream": is_admin(request.user),
        **extra,
    }
    if region is None:
        return render(request, BUILDER, context, status=status)
    content = render_to_string(f"{BUILDER}#{region}", context, request=request)
    if region in TOTALS_FOLLOW or region == "builder-rows":
        content += render_to_string(f"{BUILDER}#totals-oob", context, request=request)
    return HttpResponse(content, status=status)


def _recalculated(request: HtmxHttpRequest) -> HttpResponse:
    """The totals and each line's amounts for the lines as typed (htmx): computed on the server with
    ``orders.money``, rendering only the amounts, so a long order answers quickly."""
    lines = forms.lines_from_post(request.POST, forms.AMOUNT_SOURCES)
    try:
        tax_codes = services.reference("tax_codes")
    except UpstreamError as error:
        logger.warning("Tax codes unavailable for the totals: %r", error)
        tax_codes, unavailable = (), True
    else:
        unavailable = False
    shown = [request.POST.get(f"lines-{index}-shown") for index in range(len(lines))]  # None: not known
    figures = forms.figures(lines, tax_codes, shown=[value or "" for value in shown])
    context = {
        "figures": figures,
        # Only the lines whose amounts differ from what their cell shows (see ``line_amounts``). A text
        # line has no amount inputs, so it sends none. A line being typed keeps its last amounts.
        "amount_rows": [
            (index, f"lines-{index}-quantity" not in request.POST, amounts)
            for index, amounts in enumerate(figures.lines)
            if shown[index] != amounts_shown(amounts)
        ],
        # A number out of its field's bounds says so next to it at once (``builder.js`` clears the
        # message when the field is typed in again).
        "live_errors": [
            (f"id_lines-{index}-{name}_error", message)
            for index, fields in forms.live_line_errors(lines).items() for name, message in fields.items()
        ],
        "currency": request.POST.get("currency_code") or "NOK",
        "totals_unavailable": unavailable,
    }
    return render(request, f"{BUILDER}#recalculated", context)


def _builder_unavailable(request: HtmxHttpRequest, state: dict | None, token: str | None,
                         source_order_id: int | None, submission: Submission | None,
                         error: UpstreamError) -> HttpResponse:
    """The ERP's reference lists cannot be read, so the builder cannot be shown. After a POST the
    page keeps what was typed (in hidden fields) and "Try again" sends it again."""
    context = {
        "error": describe_error(error),
        "hidden_state": forms.state_to_post(state) if state and token else None,
        "token": token,
        "source_order_id": source_order_id,
        "builder_url": _builder_url(submission),
        "back_url": order_path("orders:list"),
    }
    if request.htmx:
        response = render(request, f"{PARTS}#builder-alert", context)
        return reswap(retarget(response, "#builder-alert"), "outerHTML")
    return render(request, "orders/builder_unavailable.html", context, status=503)




def _finished(request: HtmxHttpRequest, submission: Submission) -> HttpResponse:
    """A sent (or closed) submission opened or sent again: say so, and go to its order."""
    order_id = submission.upstream_order_id
    if submission.state == Submission.State.CLOSED:
        messages.info(request, f"An admin closed this order after settling it in the ERP: {submission.close_note}")
        return _redirect(request, order_path("orders:detail", order_id) if order_id else order_path("orders:list"))
    messages.info(request, f"This form was already sent: it is order #{order_id}. To make another order, "
                           "start a new one.")
    return _redirect(request, order_path("orders:detail", order_id))


def _banner(submission: Submission | None, user=None) -> dict | None:
    """What the builder says above the form about a stored submission that has not reached the ERP
    (yet): what is true now, and the one thing to do, or that the page does by itself (``poll``: the
    seconds after which it looks again)."""
    if submission is None or submission.state in FINISHED_STATES:
        return None
    state = submission.state
    banner = {
        "kind": state, "message": submission.last_error, "tracking_id": submission.last_tracking_id,
        "trace_id": submission.last_trace_id, "order_id": submission.upstream_order_id,
        "submission": submission, "poll": None, "action": None,
    }
    doubt = submissions.step_in_doubt(submission) if state == Submission.State.FAILED else None
    if state in (Submission.State.IN_PROGRESS, Submission.State.PENDING):
        done, total = submissions.progress(submission)
        banner.update(kind="sending", title="Sending to 24SevenOffice…", poll=POLL_SENDING_SECONDS,
                      message=f"{done} of {total} steps done. This page updates by itself.")
    elif doubt is not None:
        wait = (doubt.settles_at - timezone.now()).total_seconds() if doubt.settles_at else 0
        banner.update(kind="checking", title="Checking with 24SevenOffice",
                      poll=min(POLL_LONGEST_SECONDS, max(POLL_SENDING_SECONDS, int(wait) + 1)),
                      message=f"{submission.last_error} This page updates by itself.", action="check")
    elif state == Submission.State.NEEDS_ATTENTION:
        banner.update(title="This order needs a person to look at it",
                      action="recheck" if user is not None and _may_open(user, submission) else None)
    else:
        banner.update(
            title=("The order is in 24SevenOffice, but not complete" if submission.upstream_order_id
                   else "The order did not reach 24SevenOffice"),
            # An ERP rejection is corrected on the form, then sent with "Send again" below.
            action=None if submission.form_errors else "retry",
        )
        if banner["action"] == "retry":
            banner["message"] = f"{submission.last_error} {_try_again(submission)}".strip()
    # While the dashboard sends or checks it, or a person must look first, the form is shown, not for changing.
    banner["locked"] = banner["kind"] in ("sending", "checking", Submission.State.NEEDS_ATTENTION)
    return banner


def _try_again(submission: Submission) -> str:
    """The builder's next step for a submission that stopped on a failure it can simply send again."""
    step = submissions.first_unfinished_step(submission)
    if step is not None and step.kind == SubmissionStep.Kind.ADD_LINE:
        return f"Press Try again to continue from line {step.line_index + 1}."
    return "Press Try again."


def _submit(request: HtmxHttpRequest, state: dict, reference: services.BuilderReference, *, token: str,
            source_order_id: int | None, submission: Submission | None) -> HttpResponse:
    """Validate, save the submission (before any upstream call), send it; then the new order's page,
    or the builder again with what went wrong or how far it got. The token makes a repeated submit
    the same order; the same form sent again unchanged (whatever the spelling of its numbers)
    continues the submission rather than correcting it."""
    builder = forms.OrderBuilder(state, reference, validate=True, may_invoice=is_admin(request.user))
    render_again = functools.partial(
        _render_builder, request, builder, token=token, source_order_id=source_order_id, submission=submission,
        region="builder-body" if request.htmx else None, dirty=True,
    )
    if not builder.is_valid():
        return render_again()
    return builder_common.send_draft(request, SENDING, builder.draft(), token=token, source_order_id=source_order_id,
                                     submission=submission, render_again=render_again)


def send(submission: Submission, *, attended: bool = False) -> Submission:
    """Run the submission for at most this request's budget; if another request is running it (a
    double click), wait a little for its outcome."""
    submission = submissions.submission_run(submission=submission, attended=attended, budget=SEND_BUDGET_SECONDS)
    return _wait_while_sending(submission)


def _after_sending(request: HtmxHttpRequest, submission: Submission) -> HttpResponse:
    """The new order's page once sent, else the stored submission's builder with what happened."""
    if submission.state == Submission.State.SUCCEEDED:
        return _sent(request, submission)
    if submission.state in FINISHED_STATES:
        return _finished(request, submission)
    url = _builder_url(submission)
    if not request.htmx:
        return redirect(url)  # the stored submission, with what went wrong or how far it got
    return push_url(_builder_page(request, submission, region="builder-body"), url)


def _wait_while_sending(submission: Submission) -> Submission:
    return builder_common.wait_while_sending(submission, seconds=SENDING_WAIT_SECONDS, poll=SENDING_POLL_SECONDS)


SENDING = builder_common.Sending(
    start=lambda request, token, draft, source: submissions.submission_start(
        user=request.user, token=token, draft=draft, source_order_id=source),
    revise=lambda submission, draft: submissions.submission_revise(submission=submission, draft=draft),
    draft_of=lambda submission: submissions.submission_draft(submission=submission),
    send=lambda submission: send(submission),
    finished=lambda request, submission: _finished(request, submission),
    after_sending=lambda request, submission: _after_sending(request, submission),
)


@quickbooks_by(qbd_sending.submission_check)
@tso_only
@require_POST
def submission_check(request: HtmxHttpRequest, submission_id) -> HttpResponse:
    """The builder page's own look at a stored submission (htmx polls it; without JavaScript it is the
    "Check now" button): carries on sending it, checks a step in doubt once it has settled, or, with
    ``recheck``, checks again one that needs attention (someone put the ERP right). A definite failure
    is left for the user's "Try again" with the form. Answers the banner, or leads to the order."""
    submission = _owned_submission(request, submission_id)
    if submission.state not in FINISHED_STATES:
        attended = "recheck" in request.POST and submission.state == Submission.State.NEEDS_ATTENTION
        runnable = submission.state in (Submission.State.PENDING, Submission.State.IN_PROGRESS) or (
            submission.state == Submission.State.FAILED and submissions.step_in_doubt(submission) is not None)
        if attended or runnable:
            submission = send(submission, attended=attended)
    if submission.state in FINISHED_STATES or not request.htmx:
        return _after_sending(request, submission)
    if submission.form_errors:  # the ERP rejected something: the whole page shows it on its fields
        return HttpResponseClientRefresh()
    banner = _banner(submission, request.user)
    reload, heading = look_outcome(request, banner)
    if reload:
        return HttpResponseClientRefresh()  # the form is to be locked or unlocked
    context = {"banner": banner, "show_upstream": is_admin(request.user), "heading_oob": heading,
               "submission": submission, "builder_url": _builder_url(submission), "check_url": _check_url(submission)}
    return render(request, f"{PARTS}#builder-banner", context)


def _send_label(submission: Submission | None, banner: dict | None) -> str | None:
    """The action bar's send button: "Create order" for a new order, "Send again" for a stored one
    whose form was to be corrected. None where the banner holds the page's one next step: its own
    "Try again" (the same submit, beside what went wrong), or nothing to press while the dashboard
    itself sends or checks, or a person must look at the ERP first."""
    if submission is None:
        return "Create order"
    kind = banner["kind"] if banner else None
    if kind in ("sending", "checking", Submission.State.NEEDS_ATTENTION):
        return None
    return None if banner and banner.get("action") == "retry" else "Send again"


def _sent(request: HtmxHttpRequest, submission: Submission) -> HttpResponse:
    order_id = submission.upstream_order_id
    lines = submission.steps.filter(kind=SubmissionStep.Kind.ADD_LINE).count()
    messages.success(request, f"Order #{order_id} was created in 24SevenOffice with {lines} line"
                              f"{'' if lines == 1 else 's'}.")
    response = _redirect(request, order_path("orders:detail", order_id))
    if request.htmx:
        # The browser's history entry of the form becomes the submission's address, so that Back
        # leads to this order rather than to an empty builder (see builder.js).
        response[SENT_FORM_HEADER] = _builder_url(submission)
    return response


@quickbooks_by(qbd_builder.builder_customers)
@tso_only
@require_GET
def builder_customers(request: HtmxHttpRequest, submission_id=None) -> HttpResponse:
    """Customers matching what was typed in a customer search box (htmx, as the user types)."""
    who = "delivery" if request.GET.get("who") == "delivery" else "customer"
    context = {
        "search": _customer_search(request.GET.get(f"{who}_query", "")),
        "who": who,
        "builder_url": _builder_url(_owned_submission(request, submission_id) if submission_id else None),
    }
    return render(request, f"{BUILDER}#customer-results", context)


@quickbooks_by(qbd_builder.builder_items)
@tso_only
@require_GET
def builder_products(request: HtmxHttpRequest, submission_id=None) -> HttpResponse:
    """Products matching what was typed in a line's product search box (htmx, as the user types)."""
    index = parse_index(request.GET.get("line", ""), forms.MAX_LINES)
    if index is None:
        return HttpResponse(status=400)
    context = {
        "search": _product_search(index, request.GET.get(f"lines-{index}-product_query", "")),
        "index": index,
        "builder_url": _builder_url(_owned_submission(request, submission_id) if submission_id else None),
    }
    return render(request, f"{BUILDER}#product-results", context)


