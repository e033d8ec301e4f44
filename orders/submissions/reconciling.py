"""Asking the ERP what became of a write whose answer was lost, and removing a duplicate it made.

* create the order: every order this dashboard creates ends its ``internalMemo`` with the
  submission's marker. The customer's orders of that date created since the submission (an hour's
  margin for clock skew) are searched for it.
* add line *n*: the order's lines that no other step of the submission added are the candidates.
* set the status: the order is re-read; a ``PATCH`` is idempotent, so "absent" is safe to send again.

Duplicates: when the ERP holds a record twice (a write that landed late, after it had been checked
and sent again), the extra one is deleted, but only where that is safe: an extra order that is
still empty and not invoiced, an extra copy of a line on an order that is not invoiced. Anything
else is left for a person, with the evidence (ids, statuses, lines) in the note.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from orders.erp.errors import UpstreamConflict, UpstreamNotFound
from orders.erp.http import Response
from orders.erp.tso import payloads as tso_payloads
from orders.erp.tso import reading as tso_reading
from orders.erp.tso.client import TwentyFourSevenClient
from orders.models import Submission, SubmissionStep
from orders.submissions.planning import tag_of

StepState = SubmissionStep.State
Kind = SubmissionStep.Kind

# Reconciling a lost "create order" looks this far before the submission for the ERP's createdAt.
CLOCK_MARGIN = dt.timedelta(hours=1)
# At most this many pages of the customer's orders are searched for the marker.
RECONCILE_PAGES = 20
# Orders in this status are never touched: an invoice is a bookkeeping fact.
INVOICED = "Invoice"


@dataclass(frozen=True, slots=True)
class Repair:
    """A duplicate removed from the ERP: what it was, and the ERP's answer to removing it."""

    description: str
    record: Any
    response: Response


@dataclass(frozen=True, slots=True)
class Reconciled:
    """What re-reading the ERP said about a step whose outcome was unknown."""

    outcome: str  # "applied" | "absent" | "unclear"
    data: Any = None  # the record that shows it was applied
    note: str = ""
    repairs: tuple[Repair, ...] = field(default=())


class _CannotRepair(Exception):
    """A duplicate that must be left to a person; ``str()`` is the evidence."""


def reconcile(submission: Submission, step: SubmissionStep, client: TwentyFourSevenClient) -> Reconciled:
    """Whether the ERP carried out ``step``'s write (removing a duplicate of it where safe)."""
    try:
        if step.kind == Kind.CREATE_ORDER:
            return _reconcile_order(submission, step, client)
        if step.kind == Kind.ADD_LINE:
            return _reconcile_line(submission, step, client)
        return _reconcile_status(submission, step, client)
    except UpstreamNotFound:
        return Reconciled("unclear", note=(
            f"Order #{submission.upstream_order_id} is no longer in the ERP. Nothing more was sent; "
            "check the ERP before creating the order again."
        ))


def remove_duplicates(submission: Submission, step: SubmissionStep, client: TwentyFourSevenClient) -> Reconciled:
    """After ``step`` was sent again following doubt: remove any copy of it the ERP made from the
    first write. ``applied`` when nothing extra is left, ``unclear`` (with the evidence) otherwise."""
    try:
        if step.kind == Kind.CREATE_ORDER:
            try:
                matches = _marked_orders(submission, step, client)
            except _TooManyOrders:
                return Reconciled("applied")  # the order is there; the settle period kept the first from landing
            extras = [order for order in matches if _id(order) != submission.upstream_order_id]
            return Reconciled("applied", repairs=_remove_orders(extras, client))
        if step.kind == Kind.ADD_LINE:
            copies = [line for line in _unconfirmed_lines(submission, client) if same_line(line, step.request)]
            return Reconciled("applied", repairs=_remove_lines(submission.upstream_order_id, copies, client))
    except _CannotRepair as problem:
        return Reconciled("unclear", note=str(problem))
    return Reconciled("applied")


# --- create the order ---------------------------------------------------------------------------------

class _TooManyOrders(Exception):
    pass


def _marked_orders(submission: Submission, step: SubmissionStep, client: TwentyFourSevenClient) -> list[dict]:
    """The customer's orders that carry this submission's marker, oldest first."""
    tag = tag_of(step.request)
    params = {
        "customerId": step.request["customer"]["id"],
        "date": step.request.get("date"),
        "createdFrom": (submission.created_at - CLOCK_MARGIN).isoformat(),
        "limit": 100,
    }
    response = client.list_orders(params)
    matches: list[dict[str, Any]] = []
    for _ in range(RECONCILE_PAGES):
        if not isinstance(response.data, list):
            raise tso_reading.nonsense("an order list")
        matches += [
            order for order in response.data
            if isinstance(order, dict) and tso_payloads.marker_in(order.get("internalMemo")) == tag
        ]
        following = client.cursor_for(response.links.get("next"))
        if not following:
            return sorted(matches, key=lambda order: _id(order) or 0)
        response = client.list_orders(cursor=following)
    raise _TooManyOrders


def _reconcile_order(submission: Submission, step: SubmissionStep, client: TwentyFourSevenClient) -> Reconciled:
    try:
        matches = _marked_orders(submission, step, client)
    except _TooManyOrders:
        return Reconciled("unclear", note=(
            "The dashboard could not tell whether the ERP created this order: the customer has too many "
            "orders to check. Nothing more was sent; look for it in the ERP."
        ))
    if not matches:
        return Reconciled("absent")
    kept, extras = matches[0], matches[1:]  # the first one the ERP made is the order
    try:
        repairs = _remove_orders(extras, client)
    except _CannotRepair as problem:
        numbers = ", ".join(f"#{_id(order)}" for order in matches)
        return Reconciled("unclear", note=(
            f"The ERP has {len(matches)} orders from this form ({numbers}). {problem} Nothing more was sent."
        ))
    note = "The ERP's answer was lost; the order was found in the ERP by its marker."
    if repairs:
        note += " " + " ".join(repair.description for repair in repairs)
    return Reconciled("applied", kept, note, repairs)


def _remove_orders(extras: list[dict], client: TwentyFourSevenClient) -> tuple[Repair, ...]:
    """Delete each extra order when it is empty and not invoiced; ``_CannotRepair`` at the first
    that is not (those before it are already gone, which is what was wanted anyway)."""
    repairs = []
    for order in extras:
        order_id = _id(order)
        status = str(order.get("status") or "")
        if order_id is None:
            raise _CannotRepair("One of them has no id, so the dashboard left them all alone; remove the extra "
                                "one in the ERP.")
        if status == INVOICED:
            raise _CannotRepair(f"Order #{order_id} is already invoiced, so the dashboard left it alone: credit "
                                "the extra one in the ERP.")
        lines = client.list_lines(order_id).data
        if isinstance(lines, list) and lines:
            raise _CannotRepair(f"Order #{order_id} already has {len(lines)} line(s), so the dashboard left it "
                                "alone: remove the extra order in the ERP.")
        try:
            response = client.delete_order(order_id)
        except UpstreamNotFound:
            continue  # someone removed it already
        except UpstreamConflict as conflict:
            raise _CannotRepair(f"The ERP would not let the dashboard delete the extra order #{order_id} "
                                f"({conflict.message}): remove it in the ERP.") from conflict
        repairs.append(Repair(
            f"The ERP had created it twice; the extra, empty order #{order_id} ({status or 'no status'}) "
            "was deleted.", order, response))
    return tuple(repairs)


# --- add a line -------------------------------------------------------------------------------------

def _unconfirmed_lines(submission: Submission, client: TwentyFourSevenClient) -> list[dict]:
    """The order's lines that no finished step of this submission added."""
    raw = client.list_lines(submission.upstream_order_id).data
    if not isinstance(raw, list):
        raise tso_reading.nonsense("order lines")
    confirmed = set(
        submission.steps.filter(kind=Kind.ADD_LINE, state=StepState.SUCCEEDED)
        .values_list("upstream_line_id", flat=True)
    )
    return sorted((line for line in raw if isinstance(line, dict) and _id(line) not in confirmed),
                  key=lambda line: _id(line) or 0)


def _reconcile_line(submission: Submission, step: SubmissionStep, client: TwentyFourSevenClient) -> Reconciled:
    others = _unconfirmed_lines(submission, client)
    if not others:
        return Reconciled("absent")
    if not all(same_line(line, step.request) for line in others):
        return Reconciled("unclear", note=(
            f"Order #{submission.upstream_order_id} has lines in the ERP that this form did not add, so the "
            f"dashboard cannot tell whether line {step.line_index + 1} is there. Nothing more was sent; check "
            "the order in the ERP."
        ))
    kept, extras = others[0], others[1:]
    try:
        repairs = _remove_lines(submission.upstream_order_id, extras, client)
    except _CannotRepair as problem:
        return Reconciled("unclear", note=f"Line {step.line_index + 1} is on the order more than once. {problem} "
                                          "Nothing more was sent.")
    note = "The ERP's answer was lost; the line was found on the order."
    if repairs:
        note += " " + " ".join(repair.description for repair in repairs)
    return Reconciled("applied", kept, note, repairs)


def _remove_lines(order_id: int, copies: list[dict], client: TwentyFourSevenClient) -> tuple[Repair, ...]:
    repairs = []
    for line in copies:
        line_id = _id(line)
        if line_id is None:
            raise _CannotRepair("A copy of it has no id; remove the extra line in the ERP.")
        try:
            response = client.delete_line(order_id, line_id)
        except UpstreamNotFound:
            continue
        except UpstreamConflict as conflict:
            raise _CannotRepair(f"The ERP would not let the dashboard delete the extra line #{line_id} of order "
                                f"#{order_id} ({conflict.message}); it may be invoiced: correct it in the ERP.") \
                from conflict
        repairs.append(Repair(f"The ERP had added it twice; the extra line #{line_id} was deleted.", line, response))
    return tuple(repairs)


# --- set the status -----------------------------------------------------------------------------------

def _reconcile_status(submission: Submission, step: SubmissionStep, client: TwentyFourSevenClient) -> Reconciled:
    order = _dict(client.get_order(submission.upstream_order_id).data)
    created_as = submission.steps.get(kind=Kind.CREATE_ORDER).request.get("status")
    target = step.request["status"]
    if order.get("status") == target and created_as != target:
        return Reconciled("applied", order, "The ERP's answer was lost; the order already had its new status.")
    return Reconciled("absent")  # a PATCH is idempotent: sending it again is safe


# --- helpers ------------------------------------------------------------------------------------------

def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _id(record: Any) -> int | None:
    return tso_reading.integer(_dict(record).get("id"))


def same_line(raw: Any, body: Mapping[str, Any]) -> bool:
    """True when the ERP's line ``raw`` is what ``body`` (a ``line_body``) asked for."""
    line = tso_reading.line(raw)
    product = _dict(body.get("product")).get("id")
    checks = [line.type == body.get("type")]
    if "description" in body:
        checks.append(line.description == body["description"].strip())
    if product is not None:
        checks.append(line.product_id == product)
    for key, attribute in (("quantity", "quantity"), ("price", "price"), ("discountRate", "discount_rate")):
        if key in body:
            checks.append(getattr(line, attribute) == Decimal(str(body[key])))
    return all(checks)
