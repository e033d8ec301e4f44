"""Reading a QuickBooks company's cached reference lists (``ReferenceRecord``): the builder's searches and
choices, one customer's or item's record, the facts totals need (``lookups``), how fresh the cache is.

Everything here reads the database only, never Autofy; before the first sync it finds nothing (``[]``,
``None``, empty lookups) rather than failing. Records are read from their stored Autofy object (``data``)
with the same tolerant readers as orders (``orders.erp.autofy.reading``).

A search costs one indexed query: ``reference_by_name`` (connection, list, active first, folded name) gives
the rows of one list in the order the results are shown, the words of the query are matched in the
database (``name_folded LIKE '%word%'``), and the query stops at ``limit`` rows, so only those are read
into Python. A query that matches little walks the list's index entries (about 10 000 names take a few
milliseconds); no row is read into Python beyond those returned.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q

from orders import domain
from orders.erp.autofy import reading
from orders.models import ErpConnection, ReferenceRecord, ReferenceSyncState
from orders.services.lookups import SEARCH_QUERY_MAX_LENGTH, folded

# The lists synced, in the order a sync reads them (what totals need first, the long lists last).
LISTS = ("Currency", "SalesTaxCode", "ItemSalesTax", "Terms", "SalesRep", "Class", "ShippingMethod", "Template",
         "CustomerMessage", "InventorySite", "Item", "Customer")
# The lists ``choices`` offers (customers and items are searched).
CHOICE_LISTS = ("Terms", "SalesRep", "Class", "ShippingMethod", "Template", "CustomerMessage", "Currency",
                "InventorySite", "SalesTaxCode", "ItemSalesTax")
# Templates of other forms (invoices, estimates) are not offered for a sales order.
SALES_ORDER_TEMPLATE_TYPES = ("", "SalesOrder")
MAX_LIMIT = 100
MAX_WORDS = 8
MAX_IDS = 1000
ID_MAX_LENGTH = 100


@dataclass(frozen=True, slots=True)
class CustomerChoice:
    """A customer or a job ("Customer:Job") as the builder fills an order from it."""

    id: str
    full_name: str
    active: bool
    billing_address: domain.PostalAddress | None
    shipping_address: domain.PostalAddress | None
    terms: domain.Ref | None
    sales_rep: domain.Ref | None
    item_sales_tax: domain.Ref | None
    currency: domain.Ref | None
    tax_code: domain.Ref | None  # the customer's sales tax code
    class_ref: domain.Ref | None = None
    parent: domain.Ref | None = None  # a job's customer


@dataclass(frozen=True, slots=True)
class GroupMember:
    """One item of a group item, with the quantity the group puts on its sub-line."""

    item: domain.Ref
    quantity: Decimal | None
    unit_of_measure: str = ""


@dataclass(frozen=True, slots=True)
class ItemChoice:
    """An item as the builder fills a line from it."""

    id: str
    full_name: str
    type: str  # QuickBooks' item type as Autofy gives it (Inventory, Service, Discount, Group…)
    kind: str  # a domain.LINE_KINDS value or "" (reading.LINE_KIND_OF_TYPE)
    description: str
    rate: Decimal | None
    rate_percent: Decimal | None
    tax_code: domain.Ref | None
    unit_of_measure: str
    active: bool
    members: tuple[GroupMember, ...] = ()  # a group's items


@dataclass(frozen=True, slots=True)
class ReferenceStatus:
    """How fresh a connection's reference data is, for the page that offers to refresh it."""

    synced_at: dt.datetime | None = None  # the last sync that brought every list up to date
    last_attempt_at: dt.datetime | None = None
    last_error: str = ""
    last_error_at: dt.datetime | None = None
    waiting_since: dt.datetime | None = None  # a sync is waiting in the queue
    full_requested_at: dt.datetime | None = None  # an admin asked for a full sync, not finished since
    counts: tuple[tuple[str, int], ...] = ()  # records per list

    @property
    def failing(self) -> bool:
        return bool(self.last_error) and (self.synced_at is None or (self.last_error_at or self.synced_at) > self.synced_at)

    def count(self, list_name: str) -> int:
        return dict(self.counts).get(list_name, 0)

    @property
    def summary(self) -> str:
        """What is kept, in words: "57 customers and jobs, 78 items and 81 other records"."""
        others = sum(count for name, count in self.counts if name not in ("Customer", "Item"))
        customers, items = self.count("Customer"), self.count("Item")
        return (f"{customers} customer{'s' if customers != 1 else ''} and jobs, {items} item{'s' if items != 1 else ''}"
                f" and {others} other record{'s' if others != 1 else ''}")


# --- searches -----------------------------------------------------------------------------------------


def search_customers(connection, query: str, *, limit: int = 20) -> list[CustomerChoice]:
    """Customers and jobs whose full name contains every word of ``query`` (case and accents ignored),
    active first, then by name; an empty query: the first ``limit`` active ones."""
    return [_customer(data) for data in _search(connection, "Customer", query, limit)]


def search_items(connection, query: str, *, limit: int = 20) -> list[ItemChoice]:
    """Items of every kind a line can have (not sales tax items), matched as ``search_customers``."""
    return [_item(data) for data in _search(connection, "Item", query, limit, exclude_types=reading.SALES_TAX_TYPES)]


def customer_choice(connection, customer_id: str) -> CustomerChoice | None:
    data = _one(connection, "Customer", customer_id)
    return _customer(data) if data is not None else None


def item_choice(connection, item_id: str) -> ItemChoice | None:
    data = _one(connection, "Item", item_id)
    return _item(data) if data is not None else None


def items_by_id(connection, ids: Iterable[str]) -> dict[str, ItemChoice]:
    """The cached items with these ids (a group's members, an order's lines), by id; unknown ids are left out."""
    wanted = [i for i in dict.fromkeys(ids) if _valid_id(i)][:MAX_IDS]
    if not wanted:
        return {}
    rows = _records(connection, "Item").filter(list_id__in=wanted).values_list("data", flat=True)
    return {choice.id: choice for choice in map(_item, rows)}


def choices(connection, list_name: str) -> list[domain.Ref]:
    """The active records of one of ``CHOICE_LISTS`` (terms, sales reps, classes…) by name, as references.
    Templates: those for sales orders only."""
    if list_name not in CHOICE_LISTS:
        return []
    rows = _records(connection, list_name).filter(active=True)
    if list_name == "Template":
        rows = rows.filter(record_type__in=SALES_ORDER_TEMPLATE_TYPES)
    return [domain.Ref(id=list_id, name=name)
            for list_id, name in rows.order_by("name_folded").values_list("list_id", "full_name")]


def _search(connection, list_name: str, query: str, limit: int, *, exclude_types=()) -> list[dict]:
    words = folded(_query_text(query)).split()[:MAX_WORDS]
    rows = _records(connection, list_name)
    if exclude_types:
        rows = rows.exclude(record_type__in=exclude_types)
    if not words:
        rows = rows.filter(active=True)
    for word in words:
        rows = rows.filter(name_folded__contains=word)
    limit = max(1, min(int(limit), MAX_LIMIT))
    return list(rows.order_by("-active", "name_folded").values_list("data", flat=True)[:limit])


def _query_text(query: Any) -> str:
    # PostgreSQL refuses NUL in text; nothing else a user types needs cleaning (LIKE's % and _ are escaped).
    return query.replace("\x00", "")[:SEARCH_QUERY_MAX_LENGTH] if isinstance(query, str) else ""


def _valid_id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= ID_MAX_LENGTH and "\x00" not in value


def _one(connection, list_name: str, list_id: str) -> dict | None:
    if not _valid_id(list_id):
        return None
    return _records(connection, list_name).filter(list_id=list_id).values_list("data", flat=True).first()


def _records(connection, list_name: str):
    return ReferenceRecord.objects.filter(connection_id=_pk(connection), list_name=list_name)


def _pk(connection) -> int | None:
    return connection.pk if isinstance(connection, ErpConnection) else connection


# --- records → choices --------------------------------------------------------------------------------


def _customer(data: dict) -> CustomerChoice:
    ref = reading.read_ref
    return CustomerChoice(
        id=reading.read_text(data.get("ID")),
        full_name=_full_name(data),
        active=data.get("IsActive") is not False,
        billing_address=reading.read_address(data.get("BillingAddress")),
        shipping_address=reading.read_address(data.get("ShippingAddress")),
        terms=ref(data.get("Terms")),
        sales_rep=ref(data.get("SalesRep")),
        item_sales_tax=ref(data.get("ItemSalesTax")),
        currency=ref(data.get("Currency")),
        tax_code=ref(data.get("SalesTaxCode")),
        class_ref=ref(data.get("Class")),
        parent=ref(data.get("Parent")),
    )


def _item(data: dict) -> ItemChoice:
    item_type = reading.read_text(data.get("Type"))
    members = []
    for line in data.get("GroupLines") or ():
        item = reading.read_ref(line.get("Item")) if isinstance(line, dict) else None
        if item is not None:
            members.append(GroupMember(item=item, quantity=reading.read_decimal(line.get("Quantity")),
                                       unit_of_measure=_unit(line.get("UnitOfMeasure"))))
    return ItemChoice(
        id=reading.read_text(data.get("ID")),
        full_name=_full_name(data),
        type=item_type,
        kind=reading.LINE_KIND_OF_TYPE.get(item_type, ""),
        description=reading.read_text(data.get("Description")),
        rate=reading.read_decimal(data.get("SalesPrice")),
        rate_percent=reading.read_decimal(data.get("SalesPricePercent")),
        tax_code=reading.read_ref(data.get("SalesTaxCode")),
        unit_of_measure=_unit(data.get("UnitOfMeasure")),
        active=data.get("IsActive") is not False,
        members=tuple(members),
    )


def _full_name(data: dict) -> str:
    return reading.read_text(data.get("FullName")) or reading.read_text(data.get("Name"))


def _unit(value: Any) -> str:
    """A unit of measure: a name ("ea"), or a reference to one (QuickBooks' unit of measure sets)."""
    if isinstance(value, dict):
        return reading.read_text(value.get("FullName")) or reading.read_text(value.get("Name"))
    return reading.read_text(value)


# --- totals' facts, freshness ---------------------------------------------------------------------------


def stored_lookups(connection) -> reading.Lookups | None:
    """``Lookups`` from the cached Currency, SalesTaxCode, ItemSalesTax and Item lists (inactive records
    too: old orders name them), or None before the first complete sync. Two queries; only the items that
    count differently (``LINE_KIND_OF_TYPE``) and the sales tax items are read."""
    pk = _pk(connection)
    if synced_at(pk) is None:
        return None
    special = [*reading.LINE_KIND_OF_TYPE, *reading.SALES_TAX_TYPES]
    rows = ReferenceRecord.objects.filter(connection_id=pk).filter(
        Q(list_name__in=("Currency", "SalesTaxCode", "ItemSalesTax")) | Q(list_name="Item", record_type__in=special))
    found: dict[str, list[dict]] = {"Currency": [], "SalesTaxCode": [], "Item": []}
    for list_name, data in rows.values_list("list_name", "data"):
        found["Item" if list_name == "ItemSalesTax" else list_name].append(data)
    return reading.read_lookups(found["Currency"], found["SalesTaxCode"], found["Item"])


def lookups(connection) -> reading.Lookups:
    """The currency codes, taxable sales tax codes, line kinds and tax rates the order page computes its
    totals from (``QuickBooksConnector.lookups``: its kept copy), so the builder computes them from the
    same facts; before the first sync and without a kept copy, none (the common defaults apply)."""
    from orders.erp.autofy import connector_for
    from orders.erp.errors import UpstreamError

    if isinstance(connection, ErpConnection) and connection.kind != ErpConnection.Kind.QBD_AUTOFY:
        return reading.NO_LOOKUPS
    try:
        connector = connector_for(connection) if isinstance(connection, ErpConnection) else None
    except UpstreamError:  # its API key is not set: the cache alone
        connector = None
    kept = connector.kept_lookups() if connector else None
    if kept is not None:
        return kept
    stored = stored_lookups(connection)
    if stored is None:
        return reading.NO_LOOKUPS
    if connector:
        connector.keep_lookups(stored)
    return stored


def synced_at(connection) -> dt.datetime | None:
    """When every list was last brought up to date (None before the first sync finished)."""
    return (ReferenceSyncState.objects.filter(connection_id=_pk(connection))
            .values_list("last_success_at", flat=True).first())


def status(connection) -> ReferenceStatus:
    """How fresh the connection's reference data is, with its records counted per list (two queries)."""
    state = ReferenceSyncState.objects.filter(connection_id=_pk(connection)).first()
    counts = (ReferenceRecord.objects.filter(connection_id=_pk(connection)).order_by()
              .values_list("list_name").annotate(count=Count("id")))
    counted = tuple(sorted(counts, key=lambda row: LISTS.index(row[0]) if row[0] in LISTS else len(LISTS)))
    if state is None:
        return ReferenceStatus(counts=counted)
    full_pending = state.full_requested_at and (state.last_success_at is None
                                                or state.last_success_at < state.full_requested_at)
    return ReferenceStatus(synced_at=state.last_success_at, last_attempt_at=state.last_attempt_at,
                           last_error=state.last_error, last_error_at=state.last_error_at,
                           waiting_since=state.enqueued_at,
                           full_requested_at=state.full_requested_at if full_pending else None, counts=counted)
