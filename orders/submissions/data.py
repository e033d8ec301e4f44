"""The builder's data: an ``OrderDraft`` as the JSON a submission stores and the builder is filled
from (the field-name contract is in the package docstring)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from orders.domain import (
    LINE_TYPES,
    NEW_ORDER_STATUSES,
    CustomerSnapshot,
    DeliveryCustomer,
    Dimension,
    LineDraft,
    OrderDraft,
    PaymentTerms,
)
from orders.models import Submission, SubmissionStep

State = Submission.State
StepState = SubmissionStep.State
Kind = SubmissionStep.Kind


# --- the builder's data ---------------------------------------------------------------------------

CUSTOMER_FIELDS = (
    ("id", "customer_id"),
    ("name", "customer_name"),
    ("organization_number", "customer_organization_number"),
    ("invoice_email_addresses", "customer_invoice_emails"),
    ("gln", "customer_gln"),
    ("street", "customer_street"),
    ("postal_code", "customer_postal_code"),
    ("postal_area", "customer_postal_area"),
    ("city", "customer_city"),
    ("country_subdivision", "customer_country_subdivision"),
    ("country_code", "customer_country_code"),
)
DELIVERY_FIELDS = (
    ("id", "delivery_customer_id"),
    ("name", "delivery_name"),
    ("street", "delivery_street"),
    ("postal_code", "delivery_postal_code"),
    ("postal_area", "delivery_postal_area"),
    ("city", "delivery_city"),
    ("country_subdivision", "delivery_country_subdivision"),
    ("country_code", "delivery_country_code"),
)
LINE_DECIMALS = ("quantity", "price", "discount_rate", "tax_rate")


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _int(value: Any) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    return int(value)


def _decimal(value: Any, default: Decimal) -> Decimal:
    if value is None or value == "":
        return default
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"{value!r} is not a number.") from exc


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value) if value else None


def draft_to_data(draft: OrderDraft) -> dict[str, Any]:
    """The draft as the builder's data (JSON values, the field names of the contract above)."""
    customer = draft.customer
    delivery = draft.delivery_customer
    terms = draft.payment_terms
    data: dict[str, Any] = {}
    for attribute, name in CUSTOMER_FIELDS:
        value = getattr(customer, attribute)
        data[name] = list(value) if isinstance(value, tuple) else value
    data["delivery_same_as_customer"] = delivery is None
    for attribute, name in DELIVERY_FIELDS:
        data[name] = getattr(delivery, attribute) if delivery else (None if attribute == "id" else "")
    data.update(
        date=draft.date.isoformat(),
        delivery_date=draft.delivery_date.isoformat() if draft.delivery_date else None,
        status=draft.status,
        currency_code=draft.currency_code,
        currency_rate=str(draft.currency_rate),
        sales_type_id=draft.sales_type_id,
        our_reference_id=draft.our_reference_id,
        your_reference=draft.your_reference,
        reference_number=draft.reference_number,
        payment_terms_type=terms.type if terms else "",
        payment_terms_value=(
            "" if terms is None else terms.value.isoformat() if isinstance(terms.value, dt.date) else str(terms.value)
        ),
        distribution_method=draft.distribution_method,
        memo=draft.memo,
        internal_memo=draft.internal_memo,
        dimensions=[
            {"dimension_type": d.dimension_type, "dimension_value": d.value, "dimension_name": d.name}
            for d in draft.dimensions
        ],
        lines=[
            {
                "type": line.type,
                "product_id": line.product_id,
                "product_number": line.product_number,
                "description": line.description,
                "quantity": str(line.quantity),
                "price": str(line.price),
                "discount_rate": str(line.discount_rate),
                "tax_id": line.tax_id,
                "tax_number": line.tax_number,
                "tax_rate": str(line.tax_rate),
            }
            for line in draft.lines
        ],
    )
    return data


def draft_from_data(data: Mapping[str, Any]) -> OrderDraft:
    """An ``OrderDraft`` from the builder's data (``draft_to_data``'s shape; numbers may be strings).

    Raises ``ValueError`` for data that is not a valid draft: the builder validates first.
    """
    customer = CustomerSnapshot(**{
        attribute: (
            _int(data.get(name)) if attribute == "id"
            else tuple(_text(e) for e in data.get(name) or () if _text(e)) if attribute == "invoice_email_addresses"
            else _text(data.get(name))
        )
        for attribute, name in CUSTOMER_FIELDS
    })
    delivery = None
    if not data.get("delivery_same_as_customer", True):
        delivery = DeliveryCustomer(**{
            attribute: _int(data.get(name)) if attribute == "id" else _text(data.get(name))
            for attribute, name in DELIVERY_FIELDS
        })
    terms = None
    terms_type = _text(data.get("payment_terms_type"))
    if terms_type:
        raw = data.get("payment_terms_value")
        terms = PaymentTerms(type=terms_type, value=_date(raw) if terms_type == "FixedDate" else _int(raw))
    day = _date(data.get("date"))
    if day is None:
        raise ValueError("An order needs a date.")
    status = _text(data.get("status")) or "Draft"
    if status not in NEW_ORDER_STATUSES:
        raise ValueError(f"A new order cannot have the status {status!r}.")
    line_types = {_text(row.get("type")) or "product" for row in data.get("lines") or ()}
    if not line_types <= set(LINE_TYPES):
        raise ValueError(f"Unknown line type in {sorted(line_types)}.")
    return OrderDraft(
        customer=customer,
        date=day,
        status=status,
        delivery_customer=delivery,
        delivery_date=_date(data.get("delivery_date")),
        currency_code=_text(data.get("currency_code")) or "NOK",
        currency_rate=_decimal(data.get("currency_rate"), Decimal(1)),
        sales_type_id=_int(data.get("sales_type_id")),
        our_reference_id=_int(data.get("our_reference_id")),
        your_reference=_text(data.get("your_reference")),
        reference_number=_text(data.get("reference_number")),
        payment_terms=terms,
        distribution_method=_text(data.get("distribution_method")),
        memo=_text(data.get("memo")),
        internal_memo=_text(data.get("internal_memo")),
        dimensions=tuple(
            Dimension(dimension_type=int(row["dimension_type"]), value=_text(row.get("dimension_value")),
                      name=_text(row.get("dimension_name")))
            for row in data.get("dimensions") or ()
        ),
        lines=tuple(
            LineDraft(
                type=_text(row.get("type")) or "product",
                product_id=_int(row.get("product_id")),
                product_number=_text(row.get("product_number")),
                description=_text(row.get("description")),
                quantity=_decimal(row.get("quantity"), Decimal(0)),
                price=_decimal(row.get("price"), Decimal(0)),
                discount_rate=_decimal(row.get("discount_rate"), Decimal(0)),
                tax_id=_int(row.get("tax_id")),
                tax_number=_int(row.get("tax_number")),
                tax_rate=_decimal(row.get("tax_rate"), Decimal(0)),
            )
            for row in data.get("lines") or ()
        ),
    )


def submission_draft(*, submission: Submission) -> OrderDraft:
    """The draft a submission sends (as last revised)."""
    return draft_from_data(submission.payload)
