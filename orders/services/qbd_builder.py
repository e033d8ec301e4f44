"""What the QuickBooks builder needs of the company: its lists, searches and records from the local cache of
reference data (``orders.services.qbd_references``, never a call to QuickBooks per keystroke), and an
existing order read live to duplicate it.

``builder_reference(connection)`` gathers the lists a builder offers (``forms.qbd.QbReference``); the
searches and records are the reference cache's own, here so that views call services only.
"""

from __future__ import annotations

from django.conf import settings

from orders import connections, domain
from orders.erp.autofy import connector_for
from orders.forms.qbd import CUSTOM_FIELD_MAX_LENGTH, QbReference
from orders.models import ErpConnection
from orders.parsing import parse_whole
from orders.qbd_draft import QbLineDraft, QbOrderDraft
from orders.services import qbd_references

# The builder's lists (``QbReference.lists`` names) and the company lists they come from.
LISTS = {
    "terms": "Terms",
    "sales_rep": "SalesRep",
    "class": "Class",
    "ship_method": "ShippingMethod",
    "template": "Template",
    "message": "CustomerMessage",
    "item_sales_tax": "ItemSalesTax",
    "currency": "Currency",
    "tax_code": "SalesTaxCode",
    "site": "InventorySite",
}
SEARCH_LIMIT = 20


def home_currency(connection: ErpConnection) -> str:
    return str((connection.settings or {}).get("home_currency") or settings.AUTOFY["HOME_CURRENCY"])


def custom_fields(connection: ErpConnection) -> tuple[tuple[str, int], ...]:
    """The custom fields the company fills in on orders (its ``order_custom_fields`` setting): each name with
    the longest value it takes (``CUSTOM_FIELD_MAX_LENGTH`` when the setting gives none)."""
    found = []
    for entry in str((connection.settings or {}).get("order_custom_fields") or "").split(","):
        name, _, limit = entry.strip().rpartition(":") if ":" in entry else (entry.strip(), "", "")
        name = name.strip()
        if name:
            found.append((name, parse_whole(limit.strip(), maximum=4095) or CUSTOM_FIELD_MAX_LENGTH))
    return tuple(found)


def builder_reference(connection: ErpConnection) -> QbReference:
    """Every list the builder offers, the look-ups its amounts need (taxable codes, tax rates, currency
    codes), the home currency and the custom fields, from the local cache."""
    return QbReference(
        lists={name: tuple(qbd_references.choices(connection, list_name)) for name, list_name in LISTS.items()},
        lookups=qbd_references.lookups(connection),
        home_currency=home_currency(connection),
        custom_fields=custom_fields(connection),
    )


def amounts_reference(connection: ErpConnection) -> QbReference:
    """What working out the amounts needs, and no more (the recalculation as the user types): the look-ups,
    the sales tax items (their names) and the home currency."""
    return QbReference(lists={"item_sales_tax": tuple(qbd_references.choices(connection, "ItemSalesTax"))},
                       lookups=qbd_references.lookups(connection), home_currency=home_currency(connection))


def search_customers(connection: ErpConnection, query: str):
    return qbd_references.search_customers(connection, query, limit=SEARCH_LIMIT) if query.strip() else []


def customer(connection: ErpConnection, customer_id: str):
    return qbd_references.customer_choice(connection, customer_id)


def search_items(connection: ErpConnection, query: str):
    return qbd_references.search_items(connection, query, limit=SEARCH_LIMIT) if query.strip() else []


def item_with_members(connection: ErpConnection, item_id: str):
    """An item and, for a group, its members' records (by id): (None, {}) when the cache has no such item."""
    item = qbd_references.item_choice(connection, item_id)
    if item is None:
        return None, {}
    members = qbd_references.items_by_id(connection, [member.item.id for member in item.members]) if item.members else {}
    return item, members


def synced_at(connection: ErpConnection):
    return qbd_references.synced_at(connection)


# --- "Duplicate" -----------------------------------------------------------------------------------------


def draft_from_order(connection: ErpConnection, order_id: str) -> tuple[QbOrderDraft, str]:
    """A new order like the QuickBooks order ``order_id`` (read live): its customer, addresses, references,
    memo, custom fields and lines with their sub-lines; not its number, not the dashboard's marker in
    ``Other``, not what is closed or invoiced, dated today; with the order's number, to name it. Raises the
    ``UpstreamError`` family (``UpstreamNotFound`` for an order QuickBooks does not have)."""
    order, _ = connector_for(connection).order(order_id)
    details = order.details or domain.QuickBooksDetails()
    currency = None
    if order.customer is not None and order.customer.id:
        record = qbd_references.customer_choice(connection, order.customer.id)
        currency = record.currency if record is not None else None
    refs = {"terms": details.terms, "sales_rep": details.sales_rep, "class": details.class_ref,
            "ship_method": details.ship_method, "template": details.template, "message": details.customer_message,
            "item_sales_tax": details.sales_tax_item, "currency": currency}
    draft = QbOrderDraft(
        customer=order.customer or domain.Ref(""), date=connections.company_today(connection),
        po_number=order.reference, fob=details.fob, memo=order.memo,
        refs={name: ref for name, ref in refs.items() if ref is not None and ref.id},
        billing_address=order.billing_address, shipping_address=order.shipping_address,
        custom_fields=details.custom_fields,
        lines=tuple(_line(line) for line in order.lines),
    )
    return draft, order.number


def _line(line: domain.OrderLine, *, sub_line: bool = False) -> QbLineDraft:
    priced_by_itself = line.kind not in ("group", "subtotal")
    return QbLineDraft(
        item=line.item, kind=line.kind, description=line.description,
        quantity=line.quantity if line.kind not in ("discount", "subtotal") and line.rate_percent is None else None,
        unit_of_measure=line.unit,
        rate=line.rate if priced_by_itself and line.rate_percent is None else None,
        # A line QuickBooks priced from a typed amount (no rate kept): the amount again.
        amount=line.amount if priced_by_itself and line.rate is None and line.rate_percent is None else None,
        rate_percent=line.rate_percent if priced_by_itself and not sub_line else None,
        tax_code=line.tax_code if priced_by_itself else None,
        class_ref=None if sub_line else line.class_ref, site=None if sub_line else line.site,
        sub_lines=tuple(_line(sub, sub_line=True) for sub in line.sub_lines) if not sub_line else (),
    )
