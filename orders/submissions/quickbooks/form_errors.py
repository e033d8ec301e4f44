"""QuickBooks' refusal of a new order, mapped onto the builder's fields (``FormErrors``, the field names of
``orders.qbd_draft``).

QuickBooks stops at the first problem and names it in words, not in a path: 3140 "an invalid reference to
QuickBooks Item "80000007-1" …", 3070 'The string "…" in the field "Addr1" is too long', 3171 a date in a
closed period, 3180 a refused save with its reason (credit limit, currency, a quantity on a discount…). So
the field is found by what the message names — the element and its value — among what the draft holds;
a value on several lines marks each of them. What cannot be placed goes to the form's general section,
which always says that QuickBooks refused the order, with its request id.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from orders.erp.errors import UpstreamError
from orders.qbd_draft import ADDRESS_LINES, HEADER_REFS, QbLineDraft, QbOrderDraft
from orders.submissions.form_errors import FormErrors

# 3140 names the element and the value; 3070 the value and the element (a value may hold quotes itself).
REFERENCE = re.compile(r'reference to QuickBooks ([A-Za-z]+) "(.*)" in the', re.S)
TOO_LONG_VALUE = re.compile(r'(?:string|value) "(.*)" in the field "([A-Za-z0-9]+)"', re.S)
# The client keeps 2 000 characters of a message: a long value is cut, and the field's name with it.
CUT_VALUE = re.compile(r'(?:string|value) "(.{100,})$', re.S)
QUOTED = re.compile(r'"([^"]*)"')

# QuickBooks' element names (in its messages) → the draft's names of what they hold.
ELEMENTS = {
    "Customer": {"customer_id"}, "Item": {"item_id"}, "SalesTaxCode": {"tax_code_id"}, "Class": {"class_id"},
    "InventorySite": {"site_id"}, "UnitOfMeasure": {"unit_of_measure"}, "DataExt": {"custom_fields"},
    "DataExtValue": {"custom_fields"}, "ShipMethod": {"ship_method_id"}, "CustomerMsg": {"message_id"},
    **{qb: {f"{name}_id"} for name, qb in HEADER_REFS.items() if qb not in ("ShippingMethod", "Message")},
    "RefNumber": {"number"}, "PONumber": {"po_number"}, "FOB": {"fob"}, "Memo": {"memo"},
    "TxnDate": {"date"}, "DueDate": {"due_date"}, "ShipDate": {"ship_date"},
    **{f"Addr{n}": {f"line{n}"} for n in range(1, ADDRESS_LINES + 1)},
    "City": {"city"}, "State": {"state"}, "PostalCode": {"postal_code"}, "Country": {"country"}, "Note": {"note"},
    "Desc": {"description"}, "Quantity": {"quantity"}, "Rate": {"rate"}, "RatePercent": {"rate_percent"},
    "Amount": {"amount"}, "ExchangeRate": {"exchange_rate"},
}
# What a reference is called, for "QuickBooks does not know this …".
REFERENCE_WORDS = {
    "customer_id": "customer", "item_id": "item", "tax_code_id": "tax code", "class_id": "class",
    "site_id": "site", "unit_of_measure": "unit of measure", "custom_fields": "custom field",
    "terms_id": "terms", "sales_rep_id": "sales rep", "ship_method_id": "ship method", "template_id": "template",
    "message_id": "customer message", "item_sales_tax_id": "sales tax item", "currency_id": "currency",
}
CLOSED_PERIOD = ("QuickBooks' books are closed up to this date: choose a later one, or ask whoever keeps the books "
                 "to move the closing date.")
TOO_LONG = "Too long for QuickBooks (or too many digits)."
# 3180 "error when saving": its reason → (where, message); ``where`` is a field name, "line:<field>" for the
# lines whose item QuickBooks names (or that have both prices), or "lines" for the lines section.
SAVE_REASONS = (
    ("credit limit", "customer_id", "This order would take the customer over their credit limit in QuickBooks: "
                                    "make it smaller, or have the limit raised in QuickBooks first."),
    ("currency of this transaction", "currency_id", "QuickBooks takes an order only in the customer's own "
                                                    "currency."),
    ("exchange rate", "exchange_rate", "QuickBooks needs an exchange rate greater than zero."),
    ("quantity cannot be entered for the discount", "line:quantity", "A discount line has no quantity in "
                                                                    "QuickBooks: leave it empty."),
    ("both a rate and a percentage", "line:rate_percent", "Give a rate or a percentage, not both."),
    ("cannot be part of a group", "line:item_id", "QuickBooks does not take this item inside a group."),
    ("only a group item has sub-lines", "line:item_id", "Only a group item has lines of its own in QuickBooks."),
    ("at least one line", "lines", "Add a line: QuickBooks needs at least one on an order."),
)


@dataclass(frozen=True, slots=True)
class Place:
    """One value of the draft, where the builder shows it: a header field (``line`` None) or a line's."""

    field: str
    value: str
    line: int | None = None

    @property
    def kind(self) -> str:
        """The field's name without its address prefix or sub-line (``bill_city`` → ``city``)."""
        name = self.field.rsplit(".", 1)[-1]
        return name.removeprefix("bill_").removeprefix("ship_")


def _places(draft: QbOrderDraft) -> Iterator[Place]:
    yield Place("customer_id", draft.customer.id)
    for name in ("number", "po_number", "fob", "memo"):
        yield Place(name, getattr(draft, name))
    for name in ("date", "due_date", "ship_date"):
        day = getattr(draft, name)
        yield Place(name, day.isoformat() if day else "")
    for name in HEADER_REFS:
        ref = draft.ref(name)
        yield Place(f"{name}_id", ref.id if ref else "")
    yield Place("exchange_rate", "" if draft.exchange_rate is None else str(draft.exchange_rate))
    for prefix, address in (("bill_", draft.billing_address), ("ship_", draft.shipping_address)):
        if address is not None:
            for number, text in enumerate(address.lines, start=1):
                yield Place(f"{prefix}line{number}", text)
            for attribute, name in (("city", "city"), ("region", "state"), ("postal_code", "postal_code"),
                                    ("country", "country"), ("note", "note")):
                yield Place(f"{prefix}{name}", getattr(address, attribute))
    for field in draft.custom_fields:
        yield Place("custom_fields", field.name)
        yield Place("custom_fields", field.value)
    for index, line in enumerate(draft.lines):
        yield from _line_places(line, index, "")
        for number, sub in enumerate(line.sub_lines):
            yield from _line_places(sub, index, f"sub_lines.{number}.")


def _line_places(line: QbLineDraft, index: int, prefix: str) -> Iterator[Place]:
    for name, ref in (("item_id", line.item), ("tax_code_id", line.tax_code), ("class_id", line.class_ref),
                      ("site_id", line.site)):
        yield Place(prefix + name, ref.id if ref else "", index)
    for name in ("description", "unit_of_measure"):
        yield Place(prefix + name, getattr(line, name), index)
    for name in ("quantity", "rate", "rate_percent", "amount"):
        value = getattr(line, name)
        yield Place(prefix + name, "" if value is None else str(value), index)


def _same(value: str, said: str) -> bool:
    if not value:
        return False
    if value == said or value.casefold() == said.casefold():
        return True
    try:
        return Decimal(value) == Decimal(said)
    except (InvalidOperation, ValueError):
        return False


def _locate(draft: QbOrderDraft, said: str, kinds: set[str]) -> list[Place]:
    """Where the draft holds ``said`` (in a field of one of ``kinds`` when any is named)."""
    places = [place for place in _places(draft) if _same(place.value, said)]
    narrowed = [place for place in places if place.kind in kinds] if kinds else places
    return narrowed or ([] if kinds else places)


def _mark(errors: FormErrors, place: Place, message: str) -> None:
    if place.line is None:
        errors.add_field(place.field, message)
    else:
        errors.add_line(place.line, place.field, message)


def _with_id(message: str, error: UpstreamError) -> str:
    return f"{message} (QuickBooks request id {error.tracking_id})" if error.tracking_id else message


def qbd_form_errors(error: UpstreamError, draft: QbOrderDraft) -> FormErrors:
    """QuickBooks' refusal ``error`` of ``draft`` in the builder's terms."""
    errors = FormErrors(tracking_id=error.tracking_id, trace_id=error.trace_id)
    code, message = error.code, error.message or ""
    placed = False
    if code == "3140" and (match := REFERENCE.search(message)):
        for place in _locate(draft, match[2], ELEMENTS.get(match[1], set())):
            word = REFERENCE_WORDS.get(place.kind, "record")
            _mark(errors, place, f"QuickBooks does not know this {word} (it may have been deleted or made "
                                 "inactive there): pick it again, or another.")
            placed = True
    elif code == "3070" and (match := TOO_LONG_VALUE.search(message) or CUT_VALUE.search(message)):
        if match.re is CUT_VALUE:
            places = [place for place in _places(draft) if place.value.startswith(match[1])]
        else:
            places = _locate(draft, match[1], ELEMENTS.get(match[2], set()))
        for place in places:
            _mark(errors, place, TOO_LONG)
            placed = True
    elif code == "3020":
        errors.add_field("date", "QuickBooks does not take this date.")
        placed = True
    elif code == "3171":
        errors.add_field("date", CLOSED_PERIOD)
        placed = True
    elif code == "3180":
        placed = _save_reason(errors, draft, message)
    if not placed:  # else the page's banner says it once, with QuickBooks' request id (``placed_reason``)
        errors.add_section("general", _with_id(message, error))
    return errors


def placed_reason(errors: FormErrors) -> str | None:
    """The first thing a refusal marks on the form, in the dashboard's words (a line's with its number); None
    when it marks nothing."""
    for messages in errors.fields.values():
        if messages:
            return messages[0]
    for index in sorted(errors.lines):
        for messages in errors.lines[index].values():
            if messages:
                return f"Line {index + 1}: {messages[0]}"
    for section, messages in errors.sections.items():
        if section != "general" and messages:
            return messages[0]
    return None


def _save_reason(errors: FormErrors, draft: QbOrderDraft, message: str) -> bool:
    """A refused save (3180) by its reason; False when the reason is not one the form can show."""
    folded = message.casefold()
    reason = next((entry for entry in SAVE_REASONS if entry[0] in folded), None)
    if reason is None:
        return False
    phrase, where, said = reason
    if where == "lines":
        errors.add_section("lines", said)
        return True
    if not where.startswith("line:"):
        errors.add_field(where, said)
        return True
    field = where.removeprefix("line:")
    named = QUOTED.findall(message)
    marked = False
    for index, line in enumerate(draft.lines):
        for prefix, part in (("", line), *((f"sub_lines.{n}.", sub) for n, sub in enumerate(line.sub_lines))):
            both = part.rate is not None and part.rate_percent is not None
            by_name = bool(named) and part.item is not None and _same(part.item.name, named[0])
            if (both if phrase.startswith("both") else by_name):
                errors.add_line(index, prefix + field, said)
                marked = True
    return marked
