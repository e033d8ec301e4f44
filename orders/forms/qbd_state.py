"""The QuickBooks builder's state: the order as typed, in the data contract's names (``orders.qbd_draft``),
as it travels in the form, and what the builder's actions do to it (pick a customer or an item, expand
a group, follow a group's quantity).

The state is a dict of strings as typed: the header's fields (``HEADER_FIELDS``), ``custom_fields`` (a
list of ``{"name", "value"}``) and ``lines``, each a dict of ``LINE_FIELDS`` with its ``sub_lines`` (a
group's lines, ``SUB_LINE_FIELDS``). In the form a line's field is ``lines-<i>-<name>``, a sub-line's
``lines-<i>-sub_lines-<j>-<name>``, with ``…-TOTAL_FORMS`` counts as Django's formsets write them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from orders.domain import PostalAddress, Ref
from orders.erp.autofy.reading import LINE_KIND_OF_TYPE, is_taxable
from orders.forms.fields import MAX_LINES, money_input, plain_number, posted_rows
from orders.forms.qbd import QbReference, address_names, read_number
from orders.qbd_draft import HEADER_REFS, RATE_DIGITS

# A group's sub-lines: QuickBooks' groups in practice hold a handful; more is not a group anyone typed.
MAX_SUB_LINES = 50
MAX_CUSTOM_FIELDS = 20

HEADER_FIELDS = (
    "customer_id", "customer_name", "customer_query", "date", "due_date", "ship_date", "number", "po_number",
    "fob", "memo", *(f"{name}_{part}" for name in HEADER_REFS for part in ("id", "name")), "exchange_rate",
    *address_names("bill_"), *address_names("ship_"),
)
LINE_FIELDS = ("item_id", "item_name", "kind", "item_query", "description", "quantity", "unit_of_measure", "rate",
               "rate_percent", "amount", "tax_code_id", "class_id", "site_id", "group_quantity")
SUB_LINE_FIELDS = ("item_id", "item_name", "kind", "description", "quantity", "unit_of_measure", "rate", "amount",
                   "tax_code_id")
# What a line's amount is worked out from (what the totals' recalculation reads).
AMOUNT_SOURCES = ("kind", "quantity", "rate", "rate_percent", "amount", "tax_code_id")
SUB_AMOUNT_SOURCES = ("quantity", "rate", "amount", "tax_code_id")
# Fields that help fill the form in (search boxes), not part of the order.
SEARCH_FIELDS = frozenset({"customer_query", "item_query"})


def blank_line() -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(LINE_FIELDS, "")
    row["sub_lines"] = []
    return row


def blank_state(*, day: dt.date, reference: QbReference) -> dict[str, Any]:
    """A new order dated ``day`` with one empty line and the company's custom fields, empty."""
    state: dict[str, Any] = dict.fromkeys(HEADER_FIELDS, "")
    state.update(date=day.isoformat(), lines=[blank_line()],
                 custom_fields=[{"name": name, "value": ""} for name, _ in reference.custom_fields])
    return state


# --- the form ↔ the state -------------------------------------------------------------------------


def _row(post: Mapping[str, Any], prefix: str, fields: Sequence[str]) -> dict[str, Any]:
    return {name: post.get(f"{prefix}-{name}", "") for name in fields}


def lines_from_post(post: Mapping[str, Any], fields: Sequence[str] = LINE_FIELDS,
                    sub_fields: Sequence[str] = SUB_LINE_FIELDS) -> list[dict[str, Any]]:
    """The lines of a builder POST (of each, ``fields`` and its sub-lines' ``sub_fields``)."""
    lines = []
    for index in range(posted_rows(post, "lines", MAX_LINES, fields)):
        prefix = f"lines-{index}"
        row = _row(post, prefix, fields)
        subs = f"{prefix}-sub_lines"
        row["sub_lines"] = [_row(post, f"{subs}-{j}", sub_fields) for j in range(posted_rows(post, subs, MAX_SUB_LINES, sub_fields))]
        lines.append(row)
    return lines


def state_from_post(post: Mapping[str, Any]) -> dict[str, Any]:
    """The state a builder form sent: every value as typed."""
    state: dict[str, Any] = {name: post.get(name, "") for name in HEADER_FIELDS}
    state["custom_fields"] = [_row(post, f"custom_fields-{k}", ("name", "value"))
                              for k in range(posted_rows(post, "custom_fields", MAX_CUSTOM_FIELDS, ("name", "value")))]
    state["lines"] = lines_from_post(post)
    return state


def state_to_post(state: Mapping[str, Any]) -> dict[str, Any]:
    """``state`` as the POST data it came from (the inverse of ``state_from_post``)."""
    post: dict[str, Any] = {name: state.get(name, "") for name in HEADER_FIELDS}
    custom = state.get("custom_fields") or []
    post["custom_fields-TOTAL_FORMS"] = len(custom)
    for k, entry in enumerate(custom):
        post.update({f"custom_fields-{k}-name": entry.get("name", ""), f"custom_fields-{k}-value": entry.get("value", "")})
    lines = state.get("lines") or []
    post["lines-TOTAL_FORMS"] = len(lines)
    for i, row in enumerate(lines):
        post.update({f"lines-{i}-{name}": row.get(name, "") for name in LINE_FIELDS})
        subs = row.get("sub_lines") or []
        post[f"lines-{i}-sub_lines-TOTAL_FORMS"] = len(subs)
        for j, sub in enumerate(subs):
            post.update({f"lines-{i}-sub_lines-{j}-{name}": sub.get(name, "") for name in SUB_LINE_FIELDS})
    return post


def _shown(value: Any) -> str:
    return "" if value is None else str(value)


def _shown_number(value: Any, *, money: bool = False) -> str:
    text = _shown(value).strip()
    if not text:
        return ""
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text
    if not number.is_finite():
        return text
    return money_input(number) if money else plain_number(number)


def _line_state(data: Mapping[str, Any], *, sub_line: bool) -> dict[str, Any]:
    fields = SUB_LINE_FIELDS if sub_line else LINE_FIELDS
    row = {name: _shown(data.get(name)) for name in fields}
    for name in ("quantity", "rate_percent"):
        if name in row:
            row[name] = _shown_number(data.get(name))
    for name in ("rate", "amount"):
        row[name] = _shown_number(data.get(name), money=True)
    if sub_line:
        return row
    row["item_query"] = row["item_name"]
    row["group_quantity"] = row["quantity"]
    row["sub_lines"] = [_line_state(sub, sub_line=True) for sub in data.get("sub_lines") or () if isinstance(sub, Mapping)]
    return row


def state_from_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """The state of the builder's data (``qbd_draft.draft_to_data``): a stored submission, or an order
    duplicated, shown for editing."""
    state: dict[str, Any] = {name: _shown(data.get(name)) for name in HEADER_FIELDS}
    state["exchange_rate"] = _shown_number(data.get("exchange_rate"))
    state["customer_query"] = ""
    state["custom_fields"] = [{"name": _shown(c.get("name")), "value": _shown(c.get("value"))}
                              for c in data.get("custom_fields") or () if isinstance(c, Mapping)]
    state["lines"] = [_line_state(row, sub_line=False) for row in data.get("lines") or () if isinstance(row, Mapping)]
    return state


def with_custom_fields(state: dict[str, Any], reference: QbReference) -> None:
    """Offer every custom field the company uses, keeping those the state has (in their order)."""
    have = {entry.get("name") for entry in state.get("custom_fields") or []}
    state.setdefault("custom_fields", [])
    state["custom_fields"] += [{"name": name, "value": ""} for name, _ in reference.custom_fields if name not in have]


# --- what is left out --------------------------------------------------------------------------------


def is_blank_line(row: Mapping[str, Any]) -> bool:
    """A line nobody filled in (no item, nothing typed): left out when the order is checked."""
    return not any(str(row.get(name) or "").strip() for name in
                   ("item_id", "item_query", "description", "quantity", "rate", "rate_percent", "amount"))


# --- actions -------------------------------------------------------------------------------------------


def item_kind(item) -> str:
    """A picked item's line kind (``domain.LINE_KINDS``, or "" for a line priced by itself)."""
    return item.kind if item.kind in ("group", "discount", "subtotal") else LINE_KIND_OF_TYPE.get(item.type, "")


def line_tax_code(item, customer_tax_code: Ref | None, lookups) -> str:
    """A new line's sales tax code, as QuickBooks gives it one: the item's, unless the customer's code is
    not taxable (a reseller, an exempt school), then the customer's. None for groups and subtotals."""
    if item_kind(item) in ("group", "subtotal"):
        return ""
    if customer_tax_code is not None and not is_taxable(customer_tax_code, lookups):
        return customer_tax_code.id
    return item.tax_code.id if item.tax_code else ""


def _price_fields(item, row: dict[str, Any]) -> None:
    """The item's rate or percentage, and a quantity of 1 where QuickBooks counts one."""
    kind = item_kind(item)
    row["rate"] = row["rate_percent"] = row["amount"] = ""
    if kind == "subtotal":
        row["quantity"] = ""
        return
    if item.rate_percent is not None and item.rate is None:
        row["rate_percent"] = plain_number(item.rate_percent)
    elif item.rate is not None:
        row["rate"] = money_input(item.rate)
    if kind == "discount" or row["rate_percent"]:
        row["quantity"] = ""
    elif not str(row.get("quantity") or "").strip():
        row["quantity"] = "1"


def fill_item(row: dict[str, Any], item, *, members: Mapping[str, Any], customer=None, lookups=None) -> None:
    """Make ``row`` a line for ``item``: its name, kind, description, unit, rate or percentage and tax code;
    a group gets its sub-lines (each member at the group's quantity, priced at its own rate)."""
    kind = item_kind(item)
    quantity = row.get("quantity") if kind == "" and str(row.get("quantity") or "").strip() else ""
    row.update(item_id=item.id, item_name=item.full_name, item_query=item.full_name, kind=kind,
               description=item.description or item.full_name, unit_of_measure=item.unit_of_measure or "",
               tax_code_id=line_tax_code(item, customer.tax_code if customer else None, lookups), quantity=quantity)
    _price_fields(item, row)
    row["sub_lines"] = []
    row["group_quantity"] = ""
    if kind == "group":
        row["quantity"] = row["group_quantity"] = "1"
        row["sub_lines"] = [_member_line(member, members.get(member.item.id), customer, lookups)
                            for member in item.members]


def _member_line(member, item, customer, lookups) -> dict[str, Any]:
    sub: dict[str, Any] = dict.fromkeys(SUB_LINE_FIELDS, "")
    sub.update(item_id=member.item.id, item_name=member.item.name,
               quantity=plain_number(member.quantity) if member.quantity is not None else "1",
               unit_of_measure=member.unit_of_measure)
    if item is not None:
        sub.update(kind=item_kind(item), description=item.description or item.full_name,
                   unit_of_measure=member.unit_of_measure or item.unit_of_measure or "",
                   rate=money_input(item.rate) if item.rate is not None else "",
                   tax_code_id=line_tax_code(item, customer.tax_code if customer else None, lookups))
    return sub


def follow_group_quantities(state: dict[str, Any]) -> None:
    """A group whose quantity was changed since its sub-lines were set: each sub-line's quantity changes in
    proportion, as QuickBooks scales them (kept to QuickBooks' 5 decimals). A quantity that cannot be read
    changes nothing until it can."""
    for row in state["lines"]:
        if row.get("kind") != "group":
            continue
        now = read_number(str(row.get("quantity") or "") or "1", RATE_DIGITS)
        was = read_number(str(row.get("group_quantity") or "") or "1", RATE_DIGITS)
        if now is None or was is None or now == was:
            continue
        if was != 0:
            for sub in row.get("sub_lines") or []:
                quantity = read_number(str(sub.get("quantity") or ""), RATE_DIGITS)
                if quantity is not None:
                    scaled = (quantity * now / was).quantize(Decimal("0.00001"))
                    sub["quantity"] = plain_number(scaled)
        row["group_quantity"] = plain_number(now)


def fill_customer(state: dict[str, Any], customer) -> list[str]:
    """Copy a picked customer's (or job's) record into the order: bill-to and ship-to (the order's own copy,
    editable), terms, sales rep, sales tax item and currency. Returns what was filled, in words."""
    state.update(customer_id=customer.id, customer_name=customer.full_name, customer_query="")
    filled = []
    for prefix, address, words in (("bill_", customer.billing_address, "bill-to"),
                                   ("ship_", customer.shipping_address, "ship-to")):
        _put_address(state, prefix, address)
        if address is not None:
            filled.append(words)
    for name, ref, words in (("terms", customer.terms, "terms"), ("sales_rep", customer.sales_rep, "sales rep"),
                             ("item_sales_tax", customer.item_sales_tax, "sales tax"),
                             ("currency", customer.currency, "currency")):
        if ref is None:
            continue
        if name == "currency" and state.get("currency_id") != ref.id:
            state["exchange_rate"] = ""  # another currency: QuickBooks' rate of the day unless one is typed
        state[f"{name}_id"], state[f"{name}_name"] = ref.id, ref.name
        filled.append(f"{words} {ref.name}")
    return filled


def _put_address(state: dict[str, Any], prefix: str, address: PostalAddress | None) -> None:
    address = address or PostalAddress()
    for n in range(1, 6):
        state[f"{prefix}line{n}"] = address.lines[n - 1] if n <= len(address.lines) else ""
    state.update({f"{prefix}city": address.city, f"{prefix}state": address.region,
                  f"{prefix}postal_code": address.postal_code, f"{prefix}country": address.country,
                  f"{prefix}note": address.note})
