"""The order builder of a QuickBooks Desktop company: ``/c/<slug>/orders/new/`` (``?from=<TxnID>`` to duplicate
an order) and ``new/<submission>/``, the same addresses as the 24SevenOffice builder, which hands a QuickBooks
company's requests here (``orders.views.builder``).

It behaves as that builder does: one template (``orders/qbd/order_builder.html``), every button a named submit
button of the one form (a POST without JavaScript answers the whole page; htmx swaps the region the action
changed, and only the rows an added, duplicated or removed line changed), the state travelling in the form
(``orders.forms.qbd_state``). What differs is QuickBooks': customers, jobs and items come from the company's
local cache of reference data (never a call to QuickBooks per keystroke), a group item brings its sub-lines,
and the amounts are QuickBooks' own arithmetic (``orders.qbd_amounts``, which the order page uses too).
Sending is ``orders.views.qbd_sending``.
"""

from __future__ import annotations

import copy
import functools
import json
import re

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import reswap, retarget, trigger_client_event

from orders import connections, forms
from orders.context_processors import is_admin
from orders.erp.errors import UpstreamError
from orders.forms import qbd_state
from orders.forms.qbd import QbLineForm, address_names, discount_percent_error, read_number
from orders.forms.qbd_builder import QbBuilder, figures
from orders.parsing import parse_index
from orders.qbd_draft import HEADER_REFS, RATE_DIGITS
from orders.services import qbd_builder as services
from orders.templatetags.qbd_builder_tags import shown_amount
from orders.views import builder_common as common
from orders.views import qbd_sending, unsent
from orders.views.common import HtmxHttpRequest


BUILDER = "orders/qbd/order_builder.html"
LINE_ACTIONS = ("add_line", "remove_line", "duplicate_line", "move_line_up", "move_line_down", "pick_item")
# Every named button, in the order a POST is checked for them, and the region an htmx request for it swaps.
# Without a button (Enter in a field), the page is shown again.
REGIONS = {
    "submit": "builder-body",
    "recalculate": "builder-totals",
    **dict.fromkeys(LINE_ACTIONS, "builder-lines"),
    "search_item": "builder-lines",
    "refresh_lines": "builder-lines",
    "pick_customer": "builder-body",
    "search_customer": "builder-body",
    "refresh": "builder-body",
}
# An id as QuickBooks writes its TxnIDs and ListIDs ("1A2B-1234567890"): what a form may post as one.
MAX_ID_LENGTH = 40


def _action(post) -> tuple[str, str]:
    for name in REGIONS:
        if name in post:
            return name, post.get(name, "")
    return "refresh", ""


TXN_ID = re.compile(r"[0-9A-Fa-f]{1,16}-[0-9]{1,20}")


def _duplicated_id(value: str) -> str:
    """The order a "Duplicate" link names: QuickBooks' TxnID shape ("1A2B-1234567890"), else none (a link that
    names no order opens a new one, without asking QuickBooks)."""
    value = _posted_order_id(value)
    return value if TXN_ID.fullmatch(value) else ""


def _posted_order_id(value: str) -> str:
    """An order id posted back (``source_order_id``): QuickBooks' shape, else nothing."""
    value = (value or "").strip()
    ok = 0 < len(value) <= MAX_ID_LENGTH and value[0].isalnum() and all(c.isalnum() or c == "-" for c in value) \
        and value.isascii()
    return value if ok else ""


@require_http_methods(["GET", "POST"])
def order_new(request: HtmxHttpRequest, submission_id=None) -> HttpResponse:
    submission = common.owned_submission(request, submission_id) if submission_id else None
    if submission and submission.state in common.FINISHED_STATES:
        return qbd_sending.finished(request, submission)
    connection = request.erp_connection
    post = request.POST
    if request.method == "GET":
        post = unsent.take(request, actions=REGIONS)  # a form posted while signed out, not sent
        if post is None:
            return _builder_page(request, submission)
    elif "recalculate" in post and request.htmx:
        return _recalculated(request, services.amounts_reference(connection))
    reference = services.builder_reference(connection)

    state = qbd_state.state_from_post(post)
    qbd_state.follow_group_quantities(state)
    token = submission.token if submission else common.posted_token(post)
    source_order_id = qbd_sending.source_of(submission) if submission else \
        _duplicated_id(post.get("source_order_id", ""))
    action, value = _action(post)
    if action == "submit":
        return qbd_sending.submit(request, QbBuilder(state, reference, validate=True), token=token,
                                  source_order_id=source_order_id, submission=submission, render=render_builder)
    lines_before = len(state["lines"])
    extra = _apply(action, value, state, connection, reference)
    builder = QbBuilder(state, reference, validate=False)
    region = REGIONS[action] if request.htmx else None
    change = common.row_change(action, value, lines_before, len(state["lines"])) if (
        region == "builder-lines" and request.headers.get(common.ROWS_HEADER) and action in common.ROW_ACTIONS) else None
    if change is not None:
        region, extra["first_row"] = "builder-rows", change["first"]
    response = render_builder(request, builder, token=token, source_order_id=source_order_id, submission=submission,
                              region=region, dirty=True, **extra)
    if change is not None:
        response[common.ROWS_HEADER] = json.dumps(change)
        response = reswap(response, "builder-rows settle:0ms")  # builder.js's htmx extension morphs them
    if request.htmx and action in ("pick_customer", "search_customer"):
        response = reswap(retarget(response, "#builder-body"), "outerHTML")
    focus = extra.get("focus")
    if request.htmx and focus:
        trigger_client_event(response, "builder:focus", {"id": focus, "target": "body"}, after="settle")
    return response


def _apply(action: str, value: str, state: dict, connection, reference) -> dict:
    """Carry out a builder action on ``state``; returns what the page shows besides (search results, a note
    for a section, the element to focus)."""
    lines = state["lines"]
    index = parse_index(value, len(lines))
    if action == "add_line" and len(lines) < forms.MAX_LINES:
        lines.append(qbd_state.blank_line())
        return {"focus": f"id_lines-{len(lines) - 1}-item_query"}
    if action == "remove_line" and index is not None:
        del lines[index]
        return {"focus": f"id_lines-{min(index, len(lines) - 1)}-description" if lines else "add-line"}
    if action == "duplicate_line" and index is not None and len(lines) < forms.MAX_LINES:
        lines.insert(index + 1, copy.deepcopy(lines[index]))
        return {"focus": f"id_lines-{index + 1}-description"}
    if action in ("move_line_up", "move_line_down") and index is not None:
        moved = forms.move(lines, index, -1 if action == "move_line_up" else 1)
        return {"focus": f"{action.replace('_line', '').replace('_', '-')}-{moved}"}
    if action == "search_item" and index is not None:
        return {"item_search": item_search(connection, index, str(lines[index].get("item_query") or ""))}
    if action == "pick_item":
        return _pick_item(value, state, connection, reference)
    if action == "search_customer":
        return {"customer_search": customer_search(connection, str(state.get("customer_query") or ""))}
    if action == "pick_customer":
        return _pick_customer(value, state, connection)
    return {}


def _pick_item(value: str, state: dict, connection, reference) -> dict:
    line, _, item_id = value.partition(":")
    index = parse_index(line, len(state["lines"]))
    item_id = _posted_order_id(item_id)
    if index is None or not item_id:
        return {}
    item, members = services.item_with_members(connection, item_id)
    if item is None:
        return {"notes": {"lines": f"Line {index + 1}: that item is no longer in QuickBooks' lists. Search again."}}
    customer = services.customer(connection, state["customer_id"]) if state.get("customer_id") else None
    qbd_state.fill_item(state["lines"][index], item, members=members, customer=customer, lookups=reference.lookups)
    kind = state["lines"][index]["kind"]
    focus = "description" if kind in ("discount", "subtotal") else "quantity"
    return {"focus": f"id_lines-{index}-{'rate' if kind == 'discount' else focus}"}


def _pick_customer(value: str, state: dict, connection) -> dict:
    customer_id = _posted_order_id(value)
    customer = services.customer(connection, customer_id) if customer_id else None
    if customer is None:
        return {"notes": {"customer": "That customer or job is no longer in QuickBooks' lists: search again."}}
    filled = qbd_state.fill_customer(state, customer)
    note = f"Filled in from {customer.full_name}'s record: {', '.join(filled)}." if filled else \
        f"{customer.full_name}'s record has no addresses, terms, sales rep, sales tax or currency to fill in."
    return {"notes": {"filled": note}, "focus": "id_bill_line1"}


def customer_search(connection, query: str) -> dict | None:
    """What the customer search box shows under it (None for an empty query)."""
    query = query.strip()[:100]
    if not query:
        return None
    return {"query": query, "results": services.search_customers(connection, query),
            "synced_at": services.synced_at(connection)}


def item_search(connection, index: int, query: str) -> dict | None:
    query = query.strip()[:100]
    if not query:
        return None
    return {"index": index, "query": query, "results": services.search_items(connection, query)}


def _builder_page(request: HtmxHttpRequest, submission, region: str | None = None) -> HttpResponse:
    """The builder as first shown: a new order, a duplicate (``?from=<TxnID>``), or a stored submission with
    what stopped it."""
    connection = request.erp_connection
    reference = services.builder_reference(connection)
    source_order_id = _duplicated_id(request.GET.get("from", "")) if submission is None else \
        qbd_sending.source_of(submission)
    notes, extra = {}, {}
    if submission is not None:
        state = qbd_state.state_from_data(submission.payload)
    elif source_order_id:
        try:
            draft, number = services.draft_from_order(connection, source_order_id)
            state = qbd_state.state_from_data(qbd_sending.draft_data(draft))
        except UpstreamError as error:
            return common.duplicate_failed(request, error, source_order_id, erp=f"{connection.name}'s QuickBooks")
        notes["filled"] = "A copy of the order: its number is left for QuickBooks, and it is dated today."
        extra["source_label"] = number or source_order_id
    else:
        state = qbd_state.blank_state(day=connections.company_today(connection), reference=reference)
    qbd_state.with_custom_fields(state, reference)
    if services.synced_at(connection) is None:
        notes["customer"] = ("QuickBooks' lists (customers, items, terms…) have not been read yet: searches find "
                             "nothing until the first sync. Try again in a minute.")
    builder = QbBuilder(state, reference, validate=submission is not None)
    if submission is not None:
        builder.is_valid()
        builder.add_erp_errors(qbd_sending.form_errors(submission))
    token = submission.token if submission else qbd_sending.new_token()
    return render_builder(request, builder, token=token, source_order_id=source_order_id, submission=submission,
                          region=region, notes=notes, **extra)


def render_builder(request: HtmxHttpRequest, builder: QbBuilder, *, token: str, source_order_id: str,
                   submission, region: str | None = None, status: int = 200, dirty: bool = False,
                   **extra) -> HttpResponse:
    """The builder page, or its partial ``region`` (with the totals after the lines)."""
    reference = builder.reference
    banner = extra.pop("banner", None) or qbd_sending.banner(submission, request.user)
    order_form = builder.header

    def choices(name):
        return [(ref.id, ref.name or ref.id) for ref in reference.refs(name)]

    context = {
        "builder": builder, "order_form": order_form, "token": token,
        "unsent_owner": functools.partial(unsent.owner_token, request.user),  # signed when the form head renders
        "source_order_id": source_order_id, "source_label": extra.pop("source_label", "") or source_order_id,
        "submission": submission, "banner": banner, "send_label": qbd_sending.send_label(submission, banner),
        "check_url": common.check_url(submission), "builder_url": common.builder_url(submission),
        "customers_url": common.builder_url(submission, "new_customers"),
        "items_url": common.builder_url(submission, "new_products"),
        "figures": builder.figures, "erp_name": "QuickBooks", "max_lines": forms.MAX_LINES,
        "tax_choices": choices("tax_code"), "class_choices": choices("class"), "site_choices": choices("site"),
        "address_fields": [(prefix, legend, [order_form[name] for name in address_names(prefix)])
                           for prefix, legend in (("bill_", "Bill to"), ("ship_", "Ship to"))],
        "custom_fields": [order_form[key] for _, key in order_form.custom_names],
        # The names of the header's references as the form holds them (a record no longer in a list is
        # still shown by its name).
        "ref_names": [(f"{name}_name", builder.state.get(f"{name}_name", "")) for name in HEADER_REFS
                      if name != "currency"],
        "currency": builder.figures.currency_code,
        "dirty": dirty, "notes": {}, "show_upstream": is_admin(request.user),
        **extra,
    }
    if region is None:
        return render(request, BUILDER, context, status=status)
    content = render_to_string(f"{BUILDER}#{region}", context, request=request)
    if region in ("builder-lines", "builder-rows"):
        content += render_to_string(f"{BUILDER}#totals-oob", context, request=request)
    return HttpResponse(content, status=status)


# Each number a line's recalculation reads, checked as it is typed with its field's own message.
LIVE_CHECKED = {name: QbLineForm.base_fields[name] for name in ("quantity", "rate", "rate_percent", "amount")}


def _recalculated(request: HtmxHttpRequest, reference) -> HttpResponse:
    """The totals and the amounts of the lines whose amount changed, for the lines as typed (htmx): only the
    fields the amounts depend on are posted, nothing is read from QuickBooks."""
    post = request.POST
    state = {name: post.get(name, "") for name in ("item_sales_tax_id", "currency_id", "currency_name",
                                                   "exchange_rate")}
    state["lines"] = qbd_state.lines_from_post(post, qbd_state.AMOUNT_SOURCES, qbd_state.SUB_AMOUNT_SOURCES)
    worked_out = figures(state, reference)
    cells, live = [], []
    for i, (row, priced) in enumerate(zip(state["lines"], worked_out.lines)):
        parts = [(f"line-{i}-amount", f"lines-{i}", row, priced)] + [
            (f"line-{i}-sub-{j}-amount", f"lines-{i}-sub_lines-{j}", sub, sub_priced)
            for j, (sub, sub_priced) in enumerate(zip(row["sub_lines"], priced.sub_lines))]
        for cell_id, name, values, part in parts:
            if post.get(f"{name}-shown") != shown_amount(part):
                cells.append((cell_id, name, part))
            live += _live_errors(name, values)
    context = {"figures": worked_out, "amount_cells": cells, "live_errors": live}
    return render(request, f"{BUILDER}#recalculated", context)


def _live_errors(name: str, values) -> list[tuple[str, str]]:
    found = []
    for field_name, field in LIVE_CHECKED.items():
        text = str(values.get(field_name) or "").strip()
        if not text:
            continue
        try:
            field.validate(field.to_python(text))
        except ValidationError as error:
            found.append((f"id_{name}-{field_name}_error", " ".join(error.messages)))
            continue
        if field_name == "rate_percent":
            problem = discount_percent_error(str(values.get("kind") or ""), read_number(text, RATE_DIGITS))
            if problem is not None:
                found.append((f"id_{name}-{field_name}_error", problem))
    return found


@require_GET
def builder_customers(request: HtmxHttpRequest, submission_id=None) -> HttpResponse:
    """Customers and jobs matching what was typed (htmx, as the user types), from the local cache."""
    submission = common.owned_submission(request, submission_id) if submission_id else None
    context = {"search": customer_search(request.erp_connection, request.GET.get("customer_query", "")),
               "who": "customer", "builder_url": common.builder_url(submission)}
    return render(request, f"{BUILDER}#customer-results", context)


@require_GET
def builder_items(request: HtmxHttpRequest, submission_id=None) -> HttpResponse:
    """Items matching what was typed in a line's item box (htmx, as the user types), from the local cache."""
    index = parse_index(request.GET.get("line", ""), forms.MAX_LINES)
    if index is None:
        return HttpResponse(status=400)
    submission = common.owned_submission(request, submission_id) if submission_id else None
    context = {"search": item_search(request.erp_connection, index, request.GET.get(f"lines-{index}-item_query", "")),
               "index": index, "builder_url": common.builder_url(submission)}
    return render(request, f"{BUILDER}#item-results", context)
