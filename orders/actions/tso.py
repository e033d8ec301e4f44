"""24SevenOffice: moving an order along its statuses with ``PATCH /salesorders/{id}`` ``{"status": …}``.

The contract (v0.56.0) accepts every status of its enum in a PATCH and declares only 200 and 400 for it
(``BadRequestError`` such as ``NoLines``, ``ValidationError``); it names no order of statuses. The
dashboard offers the steps forward an order normally takes, and leaves everything else to 24SevenOffice
itself (the sandbox answers 409 for an invoiced order, as the real API does for its other writes):

* Draft, Web, Proposal → Proposal (from Draft), Confirmed, Invoice; any of these → Inactive;
* Confirmed → Invoice, Inactive; Inactive → Draft (brought back);
* Invoice and AdvanceInvoice: nothing (an invoice is a bookkeeping fact; an advance invoice is finished
  in 24SevenOffice itself).

Invoicing and making an order inactive are for admins (``ADMIN_ONLY``); the other steps for sales too.

The PATCH carries no version (the contract has none for a sales order), so the order is read first: when its
status is no longer the one the user's page showed, nothing is sent (``STATUS_CHANGED``). Someone else's
change is never undone by a page that was open too long.
"""

from __future__ import annotations

from orders.actions import Check, Sent
from orders.domain import STATUS_LABELS
from orders.erp.errors import (
    UpstreamBusinessError,
    UpstreamConflict,
    UpstreamError,
    UpstreamForbidden,
    UpstreamNotFound,
    UpstreamUnavailable,
    UpstreamValidationError,
)
from orders.erp.tso import get_client
from orders.erp.tso import payloads
from orders.erp.tso import reading
from orders.erp.tso.client import NAME
from orders.models import OrderAction

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "Draft": ("Proposal", "Confirmed", "Invoice", "Inactive"),
    "Web": ("Confirmed", "Invoice", "Inactive"),
    "Proposal": ("Confirmed", "Invoice", "Inactive"),
    "Confirmed": ("Invoice", "Inactive"),
    "Inactive": ("Draft",),
}
ADMIN_ONLY = frozenset({"Invoice", "Inactive"})

# What the confirmation says each status means.
CONSEQUENCES = {
    "Invoice": "24SevenOffice makes the invoice (number, due date, KID) and books it. An invoiced order cannot "
               "be changed or deleted afterwards.",
    "Confirmed": "The order is confirmed to the customer.",
    "Proposal": "The order becomes a proposal (quote) to the customer.",
    "Inactive": "The order is set aside; it can be brought back to Draft later.",
    "Draft": "The order is brought back as a draft.",
}

BUSINESS_RULES = {
    "NoLines": "An order needs at least one line before it can be invoiced. Add a line in 24SevenOffice, "
               "then invoice it.",
    "DepartmentMissing": "This order's sales type needs a department before it can be confirmed or invoiced. "
                         "Give the order a department in 24SevenOffice first.",
    "ProjectMissing": "This order's sales type needs a project before it can be confirmed or invoiced. Give "
                      "the order a project in 24SevenOffice first.",
}


STATUS_CHANGED = "status-changed"


def label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def next_statuses(status: str, *, admin: bool) -> tuple[str, ...]:
    """The statuses the page offers for an order in ``status``."""
    return tuple(s for s in TRANSITIONS.get(status, ()) if admin or s not in ADMIN_ONLY)


def request_body(status: str) -> dict:
    return payloads.status_body(status)


class TsoPerformer:
    erp = "24SevenOffice"

    def __init__(self) -> None:
        self.client = get_client()

    def settle_seconds(self) -> float:
        return float(self.client.config.get("SETTLE_SECONDS", 30))

    def longest_call(self) -> float:
        return float(self.client.config.get("CONNECT_TIMEOUT", 0)) + float(self.client.config.get("READ_TIMEOUT", 0))

    def send(self, action: OrderAction) -> Sent:
        seen, now = action.seen_version, self.status_now(action)
        if now != seen:
            raise UpstreamConflict(
                f"Nothing was sent: someone changed this order meanwhile. It is {label(now or '?')} now, not "
                f"{label(seen)} as your page showed. Look at the order as it is now and choose again.",
                upstream=NAME, method="GET", path=f"/salesorders/{int(action.order_id)}", code=STATUS_CHANGED,
            )
        response = self.client.update_order(int(action.order_id), action.request)
        return Sent(status=response.status, data=response.data, tracking_id="", trace_id=response.trace_id,
                    elapsed_ms=response.elapsed_ms)

    def status_now(self, action: OrderAction) -> str:
        """The order's status as 24SevenOffice has it now."""
        response = self.client.get_order(int(action.order_id))
        return reading.text((response.data or {}).get("status")) if isinstance(response.data, dict) else ""

    def check(self, action: OrderAction) -> Check:
        """The status is read again: a PATCH of the status either landed or did not."""
        wanted = action.target.get("status", "")
        try:
            now = self.status_now(action)
        except UpstreamNotFound:
            return Check("unclear", f"Order {action.order_id} is no longer in 24SevenOffice.")
        if now == wanted:
            return Check("applied", f"Read the order again: it is {label(wanted)}, so the change was made once.")
        if now == action.seen_version:
            return Check("absent", f"Read the order again: it is still {label(now)}, so 24SevenOffice did not "
                                   "make the change and nothing was changed. You can ask again.")
        return Check("unclear", f"Read the order again: it is now {label(now or '?')}, neither what it was nor what "
                                "was asked. Someone else changed it meanwhile; look at the order before going on.",
                     changes=(("Status", label(action.seen_version), label(now or "?")),))

    def stale(self, action: OrderAction, error: UpstreamError):
        return None

    def explain(self, action: OrderAction, error: UpstreamError) -> str:
        wanted = label(action.target.get("status", ""))
        if error.code == STATUS_CHANGED:
            return error.message
        if isinstance(error, UpstreamBusinessError):
            known = [BUSINESS_RULES[t] for t in error.types if t in BUSINESS_RULES]
            others = [e.message for e in error.errors if e.type not in BUSINESS_RULES and e.message]
            return " ".join([f"24SevenOffice would not set the order to {wanted}.", *known, *others]) or error.message
        if isinstance(error, UpstreamConflict):
            return (f"24SevenOffice would not set the order to {wanted}: the order can no longer change that way "
                    f"(an invoiced order keeps its status). It said: {error.message}")
        if isinstance(error, UpstreamValidationError):
            return f"24SevenOffice does not accept {wanted} for this order. It said: {error.message}"
        if isinstance(error, UpstreamForbidden):
            scope = f" (it lacks “{error.scope}”)" if error.scope else ""
            return f"The dashboard's 24SevenOffice integration may not change orders{scope}. Nothing was changed."
        if isinstance(error, UpstreamNotFound):
            return f"Order {action.order_id} is no longer in 24SevenOffice. Nothing was changed."
        if isinstance(error, UpstreamUnavailable):
            return "24SevenOffice is not answering right now. Nothing was changed: try again in a moment."
        return f"24SevenOffice did not make the change. {error.message} Nothing was changed."

