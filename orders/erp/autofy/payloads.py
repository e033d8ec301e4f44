"""A new QuickBooks order (``orders.qbd_draft.QbOrderDraft``) → the body of ``POST /SalesOrder``.

The body is the bare SalesOrder object of seed 002's template (no wrapper, AUTOFY.md §1.9), written strictly
(AUTOFY.md §4.3):

* **References by ``ID`` only** (``{"ID": …}``): QuickBooks finds a record by its ID and ignores the name.
  ``FullName`` is sent only where the template has nothing else: a line's ``UnitOfMeasure``.
* **Nothing empty**: what the user left empty is left out, never sent as the template's ``""``, ``0.0`` or
  ``{"ID": "", "FullName": ""}`` (an empty reference is QuickBooks' 3140). A number the user typed is sent,
  also ``0``.
* **Lines as QuickBooks prices them** (§2.6): ``Rate`` or ``RatePercent``, never both (the percentage wins
  when a draft has both; ``draft_problems`` refuses such a draft first); no ``Quantity`` on a discount
  line; ``Amount`` only when the user typed it (else QuickBooks computes it); a Subtotal line is its item
  alone; a group line is its item, quantity, unit and site with its lines as ``SubLines`` (a group's
  description and prices are its lines'), or, without sub-lines, the group as QuickBooks expands it.
* **Dates** as the stand-in writes them (README, Autofy decision 10): midnight UTC of the date,
  ``2026-11-30T00:00:00Z``; QuickBooks keeps only the date.
* **Numbers** as exact JSON numbers (``orders.money.json_number``): the body is plain JSON, stored as sent.
* **The marker** in ``Other``: ``SOA:`` and the submission's public id in base64url (22 characters), 26 of
  the field's 29. ``Other`` is a standard header field QuickBooks hides by default; reconciling finds an
  order by it (``orders.submissions.quickbooks``), so QuickBooks users must leave it alone (README).

The limits the body must keep are checked before, on the draft: ``orders.qbd_draft.draft_problems``.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import uuid
from decimal import Decimal
from typing import Any

from orders.domain import PostalAddress, Ref
from orders.money import json_number
from orders.qbd_draft import HEADER_REFS, LINE_REFS, MAX_LENGTH, QbLineDraft, QbOrderDraft

MARKER_PREFIX = "SOA:"
MARKER_PATTERN = re.compile(r"SOA:([A-Za-z0-9_-]{22})")
ADDRESS_KEYS = (("city", "City"), ("region", "State"), ("postal_code", "PostalCode"), ("country", "Country"),
                ("note", "Notes"))


def marker(public_id: uuid.UUID) -> str:
    """The marker written into ``Other`` for the submission with this public id (26 characters)."""
    value = MARKER_PREFIX + base64.urlsafe_b64encode(public_id.bytes).decode().rstrip("=")
    assert len(value) <= MAX_LENGTH["other"]
    return value


def marker_in(other: Any) -> str | None:
    """The marker an order's ``Other`` holds, if any."""
    match = MARKER_PATTERN.search(other) if isinstance(other, str) else None
    return match[0] if match else None


def api_date(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _ref(ref: Ref | None) -> dict[str, str] | None:
    return {"ID": ref.id} if ref is not None and ref.id else None


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without what was left empty (None, "", empty lists and objects)."""
    return {key: value for key, value in data.items() if value not in (None, "", [], {})}


def _number(value: Decimal | None) -> int | float | None:
    return None if value is None else json_number(value)


def _address(address: PostalAddress | None) -> dict[str, str] | None:
    if address is None:
        return None
    data = {f"Line{n}": line for n, line in enumerate(address.lines, start=1)}
    data.update({key: getattr(address, attribute) for attribute, key in ADDRESS_KEYS})
    return _compact(data) or None


def _prices(line: QbLineDraft) -> dict[str, Any]:
    """Rate xor RatePercent, then Amount when typed."""
    if line.rate_percent is not None:
        return {"RatePercent": _number(line.rate_percent), "Amount": _number(line.amount)}
    return {"Rate": _number(line.rate), "Amount": _number(line.amount)}


def sub_line_body(line: QbLineDraft) -> dict[str, Any]:
    return _compact({
        "Item": _ref(line.item),
        "Desc": line.description,
        "Quantity": _number(line.quantity),
        "Rate": _number(line.rate),
        "Amount": _number(line.amount),
        "SalesTaxCode": _ref(line.tax_code),
    })


def line_body(line: QbLineDraft) -> dict[str, Any]:
    unit = {"FullName": line.unit_of_measure} if line.unit_of_measure else None
    if line.kind == "subtotal":
        return _compact({"Item": _ref(line.item), "Description": line.description})
    if line.kind == "group":
        return _compact({
            "Item": _ref(line.item), "Quantity": _number(line.quantity), "UnitOfMeasure": unit,
            "FromInventorySite": _ref(line.site),
            "SubLines": [sub_line_body(sub) for sub in line.sub_lines],
        })
    body: dict[str, Any] = {
        "Item": _ref(line.item),
        "Description": line.description,
        "Quantity": None if line.kind == "discount" else _number(line.quantity),
        "UnitOfMeasure": unit,
        **_prices(line),
    }
    body.update({field: _ref(getattr(line, "class_ref" if name == "class" else name))
                 for name, field in LINE_REFS.items()})
    return _compact(body)


def sales_order_body(draft: QbOrderDraft, *, tag: str) -> dict[str, Any]:
    """The ``POST /SalesOrder`` body of ``draft``, marked with ``tag`` (``marker()``) in ``Other``."""
    body: dict[str, Any] = {
        "Customer": _ref(draft.customer),
        "Date": api_date(draft.date),
        "DueDate": api_date(draft.due_date) if draft.due_date else None,
        "DateShipped": api_date(draft.ship_date) if draft.ship_date else None,
        "Number": draft.number,
        "PONumber": draft.po_number,
        "FOB": draft.fob,
        "Memo": draft.memo,
        "Other": tag,
    }
    body.update({field: _ref(draft.ref(name)) for name, field in HEADER_REFS.items()})
    body.update({
        "ExchangeRate": _number(draft.exchange_rate),
        "BillingAddress": _address(draft.billing_address),
        "ShippingAddress": _address(draft.shipping_address),
        "CustomFields": [{"FullName": field.name, "Value": field.value}
                         for field in draft.custom_fields if field.name and field.value],
        "ItemLines": [line_body(line) for line in draft.lines],
    })
    return _compact(body)
