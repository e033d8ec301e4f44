"""A QuickBooks order's page (``/c/<slug>/orders/<TxnID>/``): the order read live, or the index's copy
while QuickBooks does not answer. The use case is ``orders.services.quickbooks_order``; this module only decides
what the user sees:

* the live order: 200, with the totals check and, for admins, the raw object and Autofy's ``RequestId``;
* QuickBooks not answering (agent off, busy, slower than the page's deadline): 200 with the index's
  copy and a banner saying how old it is; with no copy, the error page (503);
* an order QuickBooks does not have: our 404 page;
* an answer that cannot be read, or another refusal: the error page (503).
"""

from __future__ import annotations

import logging

from django.http import HttpResponse
from django.shortcuts import render

from orders.actions import qbd
from orders.context_processors import is_admin
from orders.erp.errors import UpstreamError, UpstreamNotFound, UpstreamUnavailable
from orders.services import quickbooks_order
from orders.submissions import origin, submission_token
from orders.views import actions
from orders.views.common import HtmxHttpRequest, describe_error, pretty_json

logger = logging.getLogger(__name__)

NOT_ANSWERING = {
    "title": "QuickBooks is not answering",
    "message": "The PC running QuickBooks and the Autofy agent is off, busy or not connected, and the "
               "dashboard has no copy of this order yet. Try again in a moment.",
}

UNREADABLE = {
    "title": "QuickBooks answered with something the dashboard cannot read",
    "message": "The answer for this order was not a sales order the dashboard understands. Try again; if it "
               "stays so, an administrator can look the ids below up in Autofy.",
}


def order_detail(request: HtmxHttpRequest, order_id: str, back_url: str) -> HttpResponse:
    connection = request.erp_connection
    try:
        page = quickbooks_order.order_page(connection, order_id)
    except UpstreamNotFound:
        return render(request, "404.html", {
            "title": f"Order {order_id} does not exist",
            "message": f"{connection.name}'s QuickBooks has no sales order with id {order_id}. "
                       "It may have been deleted, or the link is wrong.",
            "back_url": back_url,
        }, status=404)
    except UpstreamError as error:
        logger.warning("QuickBooks order %s failed: %r", order_id, error)
        described = describe_error(error)
        if isinstance(error, quickbooks_order.UnreadableOrder) or (
                isinstance(error, UpstreamUnavailable) and quickbooks_order.answered(error)):
            described.update(UNREADABLE)
        elif isinstance(error, UpstreamUnavailable):
            described.update(NOT_ANSWERING)
        else:  # the connector's own words: they name QuickBooks and what to change
            described["message"] = error.message
        return render(request, "orders/order_error.html",
                      {"order_id": order_id, "error": described, "back_url": back_url,
                       "shown_action": actions.shown_action(request, order_id)}, status=503)

    if not page.live:
        return render(request, "orders/qbd/order_copy.html", {
            "copy": page, "order": page.summary, "back_url": back_url,
            "reason": page.error.message, "shown_action": actions.shown_action(request, order_id),
        })
    admin = is_admin(request.user)
    context = {"detail": page, "order": page.order, "q": page.details, "back_url": back_url,
               "show_upstream": admin, **actions.page_context(request, order_id),
               "action_lines": qbd.lines_of(page.raw), "version": qbd.sign(qbd.version_of(page.raw)),
               "order_closed": page.raw.get("IsManuallyClosed") is True, "no_delete": qbd.NO_DELETE,
               "created_from": origin.creating_submission(request.erp_connection, page.order)}
    shown = context["shown_action"]
    if shown is not None and shown.state == shown.State.NEEDS_ATTENTION and not shown.in_doubt:
        # "Do it again on the order as it is now": the same change against the version just read.
        lines = [i for i in shown.target.get("lines") or [] if isinstance(i, str)]
        context["decision_fields"] = [
            ("op", "close" if shown.kind == shown.Kind.QBD_CLOSE else "reopen"),
            ("scope", "lines" if lines else "order"), ("version", context["version"]),
            ("token", submission_token()), ("confirm", "1"), ("decides", str(shown.public_id)),
            *(("line", i) for i in lines)]
    if admin:
        context["raw_order_json"] = pretty_json(page.raw)
    return render(request, "orders/qbd/order_detail.html", context)
