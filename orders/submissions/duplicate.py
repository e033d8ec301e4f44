"""\"Duplicate\" on the detail page: a new draft filled from an existing order."""

from __future__ import annotations

import dataclasses

from django.utils import timezone

from orders.domain import (
    CustomerSnapshot,
    LineDraft,
    OrderDraft,
)
from orders.erp.errors import UpstreamError, UpstreamNotFound
from orders.erp.tso import get_client
from orders.erp.tso import payloads as tso_payloads
from orders.erp.tso import reading as tso_reading
from orders.models import Submission, SubmissionStep

State = Submission.State
StepState = SubmissionStep.State
Kind = SubmissionStep.Kind


# --- "Duplicate" ---------------------------------------------------------------------------------------

def draft_from_order(*, order_id: int) -> OrderDraft:
    """A new draft filled from an existing order, for the detail page's "Duplicate" button: today's
    date, status Draft, the same customer copy, delivery customer, references, terms, memos,
    dimensions and lines (without their ids). The delivery date is left for the user to set; a
    submission marker in the internal memo is not copied."""
    client = get_client()
    order = tso_reading.order(client.get_order(order_id).data)
    return _draft_of(order, _lines_of(client, order, order_id))


def _lines_of(client, order, order_id: int) -> tuple:
    lines = order.embedded_lines
    if lines is None:
        lines = tso_reading.lines(client.list_lines(order_id).data)
    return lines


def _draft_of(order, lines) -> OrderDraft:
    return OrderDraft(
        customer=order.customer,
        date=timezone.localdate(),
        status="Draft",
        # A delivery to the customer's own address stays "the customer's address" in the copy, so it
        # follows the customer should the copy get another one.
        delivery_customer=(None if order.delivery_customer is None or order.delivery_customer.is_address_of(
            order.customer) else order.delivery_customer),
        currency_code=order.currency_code,
        currency_rate=order.currency_rate,
        sales_type_id=order.sales_type_id,
        our_reference_id=order.our_reference_id,
        your_reference=order.your_reference,
        reference_number=order.reference_number,
        payment_terms=order.invoice.payment_terms,
        distribution_method=order.invoice.distribution_method or "",
        memo=order.memo,
        internal_memo=tso_payloads.without_marker(order.internal_memo),
        dimensions=order.dimensions,
        lines=tuple(
            LineDraft(
                type=line.type,
                product_id=line.product_id,
                product_number=line.product_number,
                description=line.description,
                quantity=line.quantity,
                price=line.price,
                discount_rate=line.discount_rate,
                tax_id=line.tax_id,
                tax_number=line.tax_number,
                tax_rate=line.tax_rate,
            )
            for line in lines
        ),
    )


CUSTOMER_GONE = ("gone",)  # ``copy_for_today``: the ERP has no such customer any more


def copy_for_today(*, order_id: int) -> tuple[OrderDraft, tuple[str, ...] | None]:
    """``draft_from_order`` for the customer as they are today, not as they were when the original was
    made: the details that changed come from the customer's current record, read alongside the order's
    lines. Returns the draft and the labels of what changed ("Name", "Invoice e-mail"…), None when the
    current record could not be read, or ``CUSTOMER_GONE`` when the ERP has no such customer (in both the
    copy keeps the original's details). A detail the record does not carry (a GLN) stays as the
    original had it, as on the order page."""
    from orders.services.common import pool, wait
    from orders.services.orders import snapshot_comparison  # the order page's own comparison

    client = get_client()
    order = tso_reading.order(client.get_order(order_id).data)
    snapshot = order.customer
    current = pool.submit(client.get_customer, snapshot.id) if snapshot.id is not None else None
    draft = _draft_of(order, _lines_of(client, order, order_id))
    if current is None:
        return draft, ()
    try:
        record = tso_reading.customer(wait(current).data)
    except UpstreamNotFound:
        return draft, CUSTOMER_GONE
    except UpstreamError:
        return draft, None
    today = record.as_snapshot()
    rows = snapshot_comparison(snapshot, record)
    changed = {attribute: getattr(today, attribute)
               for (attribute, _), row in zip(CustomerSnapshot.FIELDS, rows, strict=True) if row.changed}
    if not changed:
        return draft, ()
    refreshed = dataclasses.replace(snapshot, **changed)
    return dataclasses.replace(draft, customer=refreshed), tuple(row.label for row in rows if row.changed)
