"""Which submission created an order: every order the dashboard creates carries its submission's marker
(24SevenOffice: at the end of ``internalMemo``; QuickBooks: in ``Other``), and the marker is the
submission's public id. The order page shows it first in "What the dashboard did to this order".

Only an order carrying a marker costs a query, so pages of orders made elsewhere pay nothing.
"""

from __future__ import annotations

import base64
import binascii
import uuid

from orders import connections
from orders.erp.autofy import payloads as autofy_payloads
from orders.erp.tso import payloads as tso_payloads
from orders.models import ErpConnection, Submission


def public_id_of_marker(tag: str | None) -> uuid.UUID | None:
    """The submission's public id a marker of either ERP names, or None."""
    if not tag:
        return None
    try:
        if tag.startswith("[sa:"):
            return uuid.UUID(hex=tag[4:-1])
        if tag.startswith(autofy_payloads.MARKER_PREFIX):
            return uuid.UUID(bytes=base64.urlsafe_b64decode(tag[len(autofy_payloads.MARKER_PREFIX):] + "=="))
    except (ValueError, binascii.Error):
        return None
    return None


def marker_of_order(connection: ErpConnection, order) -> str | None:
    """The marker of an order as its page reads it: a 24SevenOffice ``SalesOrder`` or a QuickBooks
    ``domain.Order`` (its ``details.other``)."""
    if connection.kind == ErpConnection.Kind.QBD_AUTOFY:
        return autofy_payloads.marker_in(getattr(order.details, "other", None))
    return tso_payloads.marker_in(getattr(order, "internal_memo", None))


def creating_submission(connection: ErpConnection | None, order) -> Submission | None:
    """The submission of this company that created the order, if the dashboard created it."""
    if connection is None:
        return None
    public_id = public_id_of_marker(marker_of_order(connection, order))
    if public_id is None:
        return None
    submission = (Submission.objects.select_related("created_by", "connection")
                  .filter(public_id=public_id).first())
    if submission is None or connections.of_submission(submission) != connection:
        return None
    return submission
