"""A new QuickBooks Desktop sales order before it reaches QuickBooks: what the QuickBooks builder collects,
what a submission stores (``Submission.payload``) and what the Autofy payload is built from.

This module is the contract between the builder (``orders/forms``, ``orders/views``), the submission that
sends it (``orders/submissions``) and the Autofy payload (``orders/erp/autofy``). It has no I/O.

The builder's data (the JSON a submission stores and the form is filled from), by field name:

Header: ``customer_id``, ``customer_name``; ``date``, ``due_date``, ``ship_date`` (ISO dates, the last two
may be ""); ``number`` (RefNumber, "" leaves it blank), ``po_number``, ``fob``, ``memo``; references as
``<name>_id`` and ``<name>_name`` for each name of ``HEADER_REFS``; ``exchange_rate`` (decimal string or
""); the two addresses as ``bill_`` and ``ship_`` followed by ``line1`` … ``line5``, ``city``, ``state``,
``postal_code``, ``country``, ``note``; ``custom_fields``: a list of ``{"name", "value"}``.

Lines (list ``lines``): ``item_id``, ``item_name``, ``kind`` (``domain.LINE_KINDS`` or ""),
``description``, ``quantity``, ``unit_of_measure``, ``rate``, ``rate_percent``, ``amount`` (decimal
strings or ""; ``amount`` only when the user typed it), references ``tax_code``, ``class``, ``site`` as
``<name>_id``/``<name>_name``, and ``sub_lines`` (a group's lines, the same fields without
``sub_lines``).

Form errors use the same names: ``fields`` (header field → messages), ``lines`` (line index → field →
messages), with a sub-line's field as ``sub_lines.<n>.<field>``.

``draft_problems`` checks a draft against QuickBooks' limits (AUTOFY.md §2.7 and §4.3) before anything is
sent, so that a rejection is never the first place a length shows up: the builder calls it on every check,
the submission before it saves a draft.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from orders.domain import CustomField, PostalAddress, Ref
from orders.submissions.form_errors import FormErrors

# The order's references besides the customer, in the builder's order (data name → Autofy field name).
HEADER_REFS = {
    "terms": "Terms",
    "sales_rep": "SalesRep",
    "class": "Class",
    "ship_method": "ShippingMethod",
    "template": "Template",
    "message": "Message",
    "item_sales_tax": "ItemSalesTax",
    "currency": "Currency",
}
# A line's references (data name → Autofy field name). A sub-line has only the tax code.
LINE_REFS = {"tax_code": "SalesTaxCode", "class": "Class", "site": "FromInventorySite"}
SUB_LINE_REFS = ("tax_code",)

ADDRESS_LINES = 5
ADDRESS_FIELDS = ("city", "state", "postal_code", "country", "note")

# QuickBooks' limits (AUTOFY.md §2.7): text lengths in characters...
MAX_LENGTH = {
    "number": 11,
    "po_number": 25,
    "memo": 4095,
    "other": 29,
    "fob": 13,
    "address_line": 41,
    "city": 31,
    "state": 21,
    "postal_code": 13,
    "country": 31,
    "note": 41,
    "description": 4095,
    "unit_of_measure": 31,
    "full_name": 209,
}
# ...and numbers as (integer digits, decimals).
AMOUNT_DIGITS = (13, 2)
RATE_DIGITS = (10, 5)  # also a rate percent and a quantity
EXCHANGE_RATE_DIGITS = (10, 6)


@dataclass(frozen=True, slots=True)
class QbLineDraft:
    """One line. A group line (``kind == "group"``) carries its ``sub_lines``; a discount line is priced
    by ``rate_percent`` or ``rate`` and has no quantity."""

    item: Ref | None = None
    kind: str = ""
    description: str = ""
    quantity: Decimal | None = None
    unit_of_measure: str = ""
    rate: Decimal | None = None
    rate_percent: Decimal | None = None
    amount: Decimal | None = None  # only when the user typed it; otherwise QuickBooks computes it
    tax_code: Ref | None = None
    class_ref: Ref | None = None
    site: Ref | None = None
    sub_lines: tuple[QbLineDraft, ...] = ()


@dataclass(frozen=True, slots=True)
class QbOrderDraft:
    customer: Ref
    date: dt.date
    due_date: dt.date | None = None
    ship_date: dt.date | None = None
    number: str = ""
    po_number: str = ""
    fob: str = ""
    memo: str = ""
    refs: Mapping[str, Ref] = field(default_factory=dict)  # HEADER_REFS name → reference (only those set)
    exchange_rate: Decimal | None = None
    billing_address: PostalAddress | None = None
    shipping_address: PostalAddress | None = None
    custom_fields: tuple[CustomField, ...] = ()
    lines: tuple[QbLineDraft, ...] = ()

    def ref(self, name: str) -> Ref | None:
        return self.refs.get(name)


# --- data (JSON) ↔ draft ---------------------------------------------------------------------------

def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _decimal(value: Any) -> Decimal | None:
    text = _text(value) if not isinstance(value, (int, Decimal)) else str(value)
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(_text(value)) if _text(value) else None
    except ValueError:
        return None


def _ref(data: Mapping[str, Any], name: str) -> Ref | None:
    ref_id = _text(data.get(f"{name}_id"))
    return Ref(ref_id, _text(data.get(f"{name}_name"))) if ref_id else None


def _put_ref(data: dict, name: str, ref: Ref | None) -> None:
    data[f"{name}_id"] = ref.id if ref else ""
    data[f"{name}_name"] = ref.name if ref else ""


def _number(value: Decimal | None) -> str:
    return "" if value is None else format(value, "f")


def _address_from(data: Mapping[str, Any], prefix: str) -> PostalAddress | None:
    lines = tuple(_text(data.get(f"{prefix}line{n}")) for n in range(1, ADDRESS_LINES + 1))
    while lines and not lines[-1]:
        lines = lines[:-1]
    address = PostalAddress(
        lines=lines, city=_text(data.get(f"{prefix}city")), region=_text(data.get(f"{prefix}state")),
        postal_code=_text(data.get(f"{prefix}postal_code")), country=_text(data.get(f"{prefix}country")),
        note=_text(data.get(f"{prefix}note")),
    )
    return None if address.is_empty else address


def _address_to(data: dict, prefix: str, address: PostalAddress | None) -> None:
    address = address or PostalAddress()
    for n in range(1, ADDRESS_LINES + 1):
        data[f"{prefix}line{n}"] = address.lines[n - 1] if n <= len(address.lines) else ""
    data.update({f"{prefix}city": address.city, f"{prefix}state": address.region,
                 f"{prefix}postal_code": address.postal_code, f"{prefix}country": address.country,
                 f"{prefix}note": address.note})


def line_from_data(data: Mapping[str, Any], *, sub_line: bool = False) -> QbLineDraft:
    subs = data.get("sub_lines") if not sub_line else None
    return QbLineDraft(
        item=_ref(data, "item"), kind=_text(data.get("kind")), description=_text(data.get("description")),
        quantity=_decimal(data.get("quantity")), unit_of_measure=_text(data.get("unit_of_measure")),
        rate=_decimal(data.get("rate")), rate_percent=_decimal(data.get("rate_percent")),
        amount=_decimal(data.get("amount")), tax_code=_ref(data, "tax_code"),
        class_ref=None if sub_line else _ref(data, "class"), site=None if sub_line else _ref(data, "site"),
        sub_lines=tuple(line_from_data(sub, sub_line=True) for sub in subs if isinstance(sub, Mapping))
        if isinstance(subs, list) else (),
    )


def line_to_data(line: QbLineDraft, *, sub_line: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {}
    _put_ref(data, "item", line.item)
    data.update({"kind": line.kind, "description": line.description, "quantity": _number(line.quantity),
                 "unit_of_measure": line.unit_of_measure, "rate": _number(line.rate),
                 "rate_percent": _number(line.rate_percent), "amount": _number(line.amount)})
    _put_ref(data, "tax_code", line.tax_code)
    if not sub_line:
        _put_ref(data, "class", line.class_ref)
        _put_ref(data, "site", line.site)
        data["sub_lines"] = [line_to_data(sub, sub_line=True) for sub in line.sub_lines]
    return data


def draft_from_data(data: Mapping[str, Any]) -> QbOrderDraft:
    """The draft of stored builder data. Assumes data the builder validated; what cannot be read is left
    empty rather than raising."""
    lines = data.get("lines")
    custom = data.get("custom_fields")
    return QbOrderDraft(
        customer=_ref(data, "customer") or Ref(""),
        # Data without a date (never the builder's) is dated today on the company's calendar: a sending works in
        # the company's zone (``connections.using``), not the server's.
        date=_date(data.get("date")) or timezone.localdate(),
        due_date=_date(data.get("due_date")), ship_date=_date(data.get("ship_date")),
        number=_text(data.get("number")), po_number=_text(data.get("po_number")),
        fob=_text(data.get("fob")), memo=_text(data.get("memo")),
        refs={name: ref for name in HEADER_REFS if (ref := _ref(data, name))},
        exchange_rate=_decimal(data.get("exchange_rate")),
        billing_address=_address_from(data, "bill_"), shipping_address=_address_from(data, "ship_"),
        custom_fields=tuple(CustomField(_text(c.get("name")), _text(c.get("value")))
                            for c in custom if isinstance(c, Mapping) and _text(c.get("name")))
        if isinstance(custom, list) else (),
        lines=tuple(line_from_data(line) for line in lines if isinstance(line, Mapping))
        if isinstance(lines, list) else (),
    )


def draft_to_data(draft: QbOrderDraft) -> dict[str, Any]:
    data: dict[str, Any] = {}
    _put_ref(data, "customer", draft.customer if draft.customer.id else None)
    data.update({
        "date": draft.date.isoformat(),
        "due_date": draft.due_date.isoformat() if draft.due_date else "",
        "ship_date": draft.ship_date.isoformat() if draft.ship_date else "",
        "number": draft.number, "po_number": draft.po_number, "fob": draft.fob, "memo": draft.memo,
    })
    for name in HEADER_REFS:
        _put_ref(data, name, draft.ref(name))
    data["exchange_rate"] = _number(draft.exchange_rate)
    _address_to(data, "bill_", draft.billing_address)
    _address_to(data, "ship_", draft.shipping_address)
    data["custom_fields"] = [{"name": c.name, "value": c.value} for c in draft.custom_fields]
    data["lines"] = [line_to_data(line) for line in draft.lines]
    return data


# --- QuickBooks' limits ------------------------------------------------------------------------------

ADDRESS_LIMITS = (("city", "city"), ("region", "state"), ("postal_code", "postal_code"), ("country", "country"),
                  ("note", "note"))


def _too_long(text: str, limit: int) -> str:
    if len(text) <= limit:
        return ""
    return f"QuickBooks takes at most {limit:,} characters here (this has {len(text):,}).".replace(",", " ")


def _digits_problem(value: Decimal | None, digits: tuple[int, int]) -> str:
    if value is None:
        return ""
    whole, decimals = digits
    _, numerals, exponent = value.normalize().as_tuple()
    after = max(0, -exponent)
    before = max(0, len(numerals) + exponent)
    if after > decimals:
        return f"QuickBooks takes at most {decimals} decimal{'s' if decimals != 1 else ''} here."
    if before > whole:
        return f"Too large for QuickBooks: at most {whole} digits before the point."
    return ""


def _line_problems(line: QbLineDraft, add, *, sub_line: bool = False) -> None:
    """Call ``add(field, message)`` for each problem of ``line`` (a sub-line's fields have no prefix here)."""
    if line.item is None:
        add("item_id", "Pick an item: every line of a QuickBooks order has one.")
    for name, value in (("description", line.description), ("unit_of_measure", line.unit_of_measure)):
        problem = _too_long(value, MAX_LENGTH[name])
        if problem:
            add(name, problem)
    for name, digits in (("quantity", RATE_DIGITS), ("rate", RATE_DIGITS), ("rate_percent", RATE_DIGITS),
                         ("amount", AMOUNT_DIGITS)):
        problem = _digits_problem(getattr(line, name), digits)
        if problem:
            add(name, problem)
    if line.rate is not None and line.rate_percent is not None:
        add("rate_percent", "Give a rate or a percentage, not both: QuickBooks prices a line by one of them.")
    if sub_line and line.rate_percent is not None:
        add("rate_percent", "A line of a group is priced by a rate, not a percentage.")
    if line.kind == "discount" and line.quantity is not None:
        add("quantity", "A discount line has no quantity in QuickBooks: leave it empty.")


def draft_problems(draft: QbOrderDraft) -> FormErrors | None:
    """What in ``draft`` QuickBooks would refuse for its form (a customer, a line, the §2.7 lengths and
    digits, Rate xor RatePercent, no quantity on a discount line), in the builder's field names; None
    when nothing. Pure: no I/O."""
    errors = FormErrors()
    if not draft.customer.id:
        errors.add_field("customer_id", "Pick a customer or a job.")
    for name in ("number", "po_number", "fob", "memo"):
        problem = _too_long(getattr(draft, name), MAX_LENGTH[name])
        if problem:
            errors.add_field(name, problem)
    for prefix, address in (("bill_", draft.billing_address), ("ship_", draft.shipping_address)):
        if address is None:
            continue
        for number, text in enumerate(address.lines, start=1):
            problem = _too_long(text, MAX_LENGTH["address_line"])
            if problem:
                errors.add_field(f"{prefix}line{number}", problem)
        for attribute, name in ADDRESS_LIMITS:
            problem = _too_long(getattr(address, attribute), MAX_LENGTH[name])
            if problem:
                errors.add_field(f"{prefix}{name}", problem)
    problem = _digits_problem(draft.exchange_rate, EXCHANGE_RATE_DIGITS)
    if problem:
        errors.add_field("exchange_rate", problem)
    if draft.exchange_rate is not None and draft.exchange_rate <= 0:
        errors.add_field("exchange_rate", "An exchange rate is greater than zero.")
    if not draft.lines:
        errors.add_section("lines", "Add a line: QuickBooks needs at least one on an order.")
    for index, line in enumerate(draft.lines):
        _line_problems(line, lambda name, message, index=index: errors.add_line(index, name, message))
        for number, sub in enumerate(line.sub_lines):
            _line_problems(sub, lambda name, message, index=index, number=number:
                           errors.add_line(index, f"sub_lines.{number}.{name}", message), sub_line=True)
    return errors or None
