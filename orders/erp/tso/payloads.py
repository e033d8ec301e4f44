"""Domain → 24SevenOffice JSON: the request bodies that create a sales order.

Creating an order with lines is several calls (see ``orders.submissions``); this module builds each
body and nothing else:

* ``order_body``: ``POST /salesorders`` (``SalesOrderRequestPost``): the header, without lines.
* ``line_body``: ``POST /salesorders/{id}/lines`` (``LineWithoutId``). The ERP rejects unknown
  properties on lines, so only contract fields are written; a text line is its type and description.
* ``status_body``: the final ``PATCH /salesorders/{id}`` that sets the target status, optionally with
  header corrections (``header_changes``) made after the order was created.

Strict in what it writes: only fields of the contract, optional parts left out when empty (an empty
string, list or object is never sent as "no value").

Numbers: the client sends bodies with ``requests``' ``json=``, i.e. the standard ``json`` module, which
cannot write ``Decimal``. ``number()`` (``orders.money.json_number``) therefore turns a ``Decimal`` into an
``int`` when it is whole and otherwise into the ``float`` whose shortest representation (what ``json``
writes) has exactly the same digits, so ``Decimal("49.99")`` goes on the wire as ``49.99``. A value that a
float cannot carry exactly (more than 15 significant digits) raises ``ValueError`` instead of being silently
rounded; the builder's validation keeps amounts well inside that (two to four decimals). The bodies are
plain JSON values, so a submission can store them as they were sent.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from orders.domain import (
    CustomerSnapshot,
    DeliveryCustomer,
    Dimension,
    LineDraft,
    OrderDraft,
)
from orders.money import json_number as number

INTERNAL_MEMO_MAX_LENGTH = 300  # the contract's limit for ``internalMemo``

# The submission marker written at the end of ``internalMemo`` (see ``orders.submissions``):
# "[sa:" + the submission's public id as 32 hex digits + "]", on its own line after the user's memo.
MARKER_PATTERN = re.compile(r"\n?\[sa:([0-9a-f]{32})\]\s*$")
MARKER_LENGTH = len("\n[sa:]") + 32
# What is left of ``internalMemo`` for the user's own text; the builder limits the field to this.
USER_INTERNAL_MEMO_MAX_LENGTH = INTERNAL_MEMO_MAX_LENGTH - MARKER_LENGTH


def marker(public_id: uuid.UUID) -> str:
    """The marker of the submission with this public id."""
    return f"[sa:{public_id.hex}]"


def with_marker(internal_memo: str, tag: str) -> str:
    """The user's internal memo with a submission marker appended on its own line."""
    return f"{internal_memo}\n{tag}" if internal_memo else tag


def without_marker(internal_memo: str) -> str:
    """An internal memo as the user wrote it: a trailing submission marker removed."""
    return MARKER_PATTERN.sub("", internal_memo)


def marker_in(internal_memo: Any) -> str | None:
    """The marker at the end of an order's internal memo, if any."""
    if not isinstance(internal_memo, str):
        return None
    match = MARKER_PATTERN.search(internal_memo)
    return f"[sa:{match.group(1)}]" if match else None


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without empty values (None, "", empty lists and objects)."""
    return {key: value for key, value in data.items() if value not in (None, "", [], {}, ())}


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def customer_body(customer: CustomerSnapshot) -> dict[str, Any]:
    """``Customer1`` with ``id`` and ``name`` (both required on create) and the non-empty rest."""
    return {
        "id": customer.id,
        "name": customer.name,
        **_compact({
            "organizationNumber": customer.organization_number,
            "invoiceEmailAddresses": list(customer.invoice_email_addresses),
            "gln": customer.gln,
            "street": customer.street,
            "postalCode": customer.postal_code,
            "postalArea": customer.postal_area,
            "city": customer.city,
            "countrySubdivision": customer.country_subdivision,
            "countryCode": customer.country_code,
        }),
    }


def delivery_from_customer(customer: CustomerSnapshot) -> DeliveryCustomer:
    return DeliveryCustomer(
        id=customer.id, name=customer.name, street=customer.street, postal_code=customer.postal_code,
        postal_area=customer.postal_area, city=customer.city, country_subdivision=customer.country_subdivision,
        country_code=customer.country_code,
    )


def delivery_customer_body(delivery: DeliveryCustomer) -> dict[str, Any]:
    return _compact({
        "id": delivery.id,
        "name": delivery.name,
        "street": delivery.street,
        "postalCode": delivery.postal_code,
        "postalArea": delivery.postal_area,
        "city": delivery.city,
        "countrySubdivision": delivery.country_subdivision,
        "countryCode": delivery.country_code,
    })


def dimension_body(dimension: Dimension) -> dict[str, Any]:
    """``Dimension1``: exactly its three required properties (it allows nothing else)."""
    return {"dimensionType": dimension.dimension_type, "value": dimension.value, "name": dimension.name}


def _invoice_body(draft: OrderDraft) -> dict[str, Any]:
    terms = draft.payment_terms
    payment_terms = None
    if terms is not None:
        value = terms.value.isoformat() if isinstance(terms.value, dt.date) else int(terms.value)
        payment_terms = {"type": terms.type, "value": value}
    return _compact({"paymentTerms": payment_terms, "distributionMethod": draft.distribution_method})


def order_body(draft: OrderDraft, *, status: str, tag: str) -> dict[str, Any]:
    """``POST /salesorders``: the order header with ``status`` (the status to create it with, which
    the caller picks) and the submission marker ``tag`` (see ``marker``) ending ``internalMemo``."""
    # "Deliver to the customer's address" sends that address, so the ERP (and whoever reads the order
    # later) has the delivery address on the order itself, as orders made in the ERP do.
    delivery = draft.delivery_customer or delivery_from_customer(draft.customer)
    return _compact({
        "customer": customer_body(draft.customer),
        "status": status,
        "date": _date(draft.date),
        "deliveryDate": _date(draft.delivery_date),
        "deliveryCustomer": delivery_customer_body(delivery) if delivery and not delivery.is_empty else None,
        "currency": {"code": draft.currency_code, "rate": number(draft.currency_rate)},
        "salesType": {"id": draft.sales_type_id} if draft.sales_type_id is not None else None,
        "ourReference": {"id": draft.our_reference_id} if draft.our_reference_id is not None else None,
        "yourReference": {"name": draft.your_reference} if draft.your_reference else None,
        "referenceNumber": draft.reference_number,
        "invoice": _invoice_body(draft),
        "memo": draft.memo,
        "internalMemo": with_marker(draft.internal_memo, tag),
        "dimensions": [dimension_body(d) for d in draft.dimensions],
    })


def line_body(line: LineDraft) -> dict[str, Any]:
    """``POST /salesorders/{id}/lines``: a ``LineWithoutId`` with contract fields only.

    A text line is its type and description. A product line names its product by id (the contract
    says ``product.number`` is read-only) and its tax code by id (the ERP knows the code's rate); an
    empty description is left out so the ERP can use the product's.
    """
    if line.is_text:
        return {"type": "text", "description": line.description}
    return _compact({
        "type": "product",
        "product": {"id": line.product_id} if line.product_id is not None else None,
        "description": line.description,
        "quantity": number(line.quantity),
        "price": number(line.price),
        "discountRate": number(line.discount_rate),
        "tax": {"id": line.tax_id} if line.tax_id is not None else None,
    })


# Header properties that a later PATCH can clear, with the value that clears them; any other
# property, once on the order, can only be replaced.
CLEARABLE = {"memo": "", "referenceNumber": "", "yourReference": {"name": ""}, "dimensions": []}


def header_changes(sent: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    """The ``PATCH`` properties that turn an order created from ``sent`` (an ``order_body``) into one
    created from ``wanted``: changed or added properties whole, cleared ones as their empty value.

    ``status`` is left out (``status_body`` sets it). Raises ``ValueError`` naming the property when
    ``wanted`` drops one that cannot be cleared through the API (e.g. the delivery date).
    """
    changes = {key: value for key, value in wanted.items() if key != "status" and sent.get(key) != value}
    for key in sent.keys() - wanted.keys() - {"status"}:
        if key not in CLEARABLE:
            raise ValueError(key)
        changes[key] = CLEARABLE[key]
    return changes


def status_body(status: str, changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """The final ``PATCH /salesorders/{id}``: the target status, plus any header corrections."""
    return {**(changes or {}), "status": status}
