"""TEST-ONLY stand-in for ``orders.services.qbd_references`` (the QuickBooks reference data a local cache
holds), until that module lands on main: the same names and signatures, answered from the Autofy
stand-in's seed (the same anchor and seed as the test sandbox, so the same IDs). ``tests/conftest.py``
installs it only when the real module is missing."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal

from orders.domain import PostalAddress, Ref
from orders.erp.autofy import reading


@dataclass(frozen=True, slots=True)
class CustomerChoice:
    id: str
    full_name: str
    active: bool
    billing_address: PostalAddress | None
    shipping_address: PostalAddress | None
    terms: Ref | None
    sales_rep: Ref | None
    item_sales_tax: Ref | None
    currency: Ref | None
    tax_code: Ref | None


@dataclass(frozen=True, slots=True)
class GroupMember:
    item: Ref
    quantity: Decimal | None
    unit_of_measure: str = ""


@dataclass(frozen=True, slots=True)
class ItemChoice:
    id: str
    full_name: str
    type: str
    kind: str
    description: str
    rate: Decimal | None
    rate_percent: Decimal | None
    tax_code: Ref | None
    unit_of_measure: str
    active: bool
    members: tuple[GroupMember, ...] = ()


def _ref(value) -> Ref | None:
    return Ref(value["ID"], value["FullName"]) if value else None


def _number(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@functools.cache
def _lists() -> dict[str, list[dict]]:
    from sandbox.autofy.seed import generate

    from tests.conftest import SANDBOX_ANCHOR, SANDBOX_SEED

    dataset = generate(dt.date.fromisoformat(SANDBOX_ANCHOR), SANDBOX_SEED)
    lists: dict[str, list[dict]] = {}
    for record in dataset.lists:
        lists.setdefault(record["kind"], []).append(record["data"])
    return lists


def _customer(data: dict) -> CustomerChoice:
    return CustomerChoice(
        id=data["ID"], full_name=data["FullName"], active=data["IsActive"],
        billing_address=reading.read_address(data.get("BillingAddress")),
        shipping_address=reading.read_address(data.get("ShippingAddress")),
        terms=_ref(data.get("Terms")), sales_rep=_ref(data.get("SalesRep")),
        item_sales_tax=_ref(data.get("ItemSalesTax")), currency=_ref(data.get("Currency")),
        tax_code=_ref(data.get("SalesTaxCode")),
    )


def _item(data: dict) -> ItemChoice:
    return ItemChoice(
        id=data["ID"], full_name=data["FullName"], type=data["Type"],
        kind=reading.LINE_KIND_OF_TYPE.get(data["Type"], ""), description=data.get("Description") or "",
        rate=_number(data.get("SalesPrice")), rate_percent=_number(data.get("SalesPricePercent")),
        tax_code=_ref(data.get("SalesTaxCode")), unit_of_measure=data.get("UnitOfMeasure") or "",
        active=data["IsActive"],
        members=tuple(GroupMember(_ref(member["Item"]), _number(member.get("Quantity")))
                      for member in data.get("GroupLines") or ()),
    )


def _matches(name: str, query: str) -> bool:
    folded = name.casefold()
    return all(word in folded for word in query.casefold().split())


def search_customers(connection, query, *, limit=20):
    return [_customer(data) for data in _lists()["Customer"]
            if data["IsActive"] and _matches(data["FullName"], query)][:limit]


def customer_choice(connection, customer_id):
    return next((_customer(data) for data in _lists()["Customer"] if data["ID"] == customer_id), None)


SELLABLE = ("SalesTax", "SalesTaxGroup")


def search_items(connection, query, *, limit=20):
    return [_item(data) for data in _lists()["Item"]
            if data["IsActive"] and data["Type"] not in SELLABLE and _matches(data["FullName"], query)][:limit]


def item_choice(connection, item_id):
    return next((_item(data) for data in _lists()["Item"] if data["ID"] == item_id), None)


def items_by_id(connection, ids):
    wanted = set(ids)
    return {data["ID"]: _item(data) for data in _lists()["Item"] if data["ID"] in wanted}


def choices(connection, list_name):
    if list_name == "ItemSalesTax":
        records = [data for data in _lists()["Item"] if data["Type"] in SELLABLE]
    else:
        records = _lists().get(list_name, [])
    return [Ref(data["ID"], data["FullName"]) for data in records if data["IsActive"]]


def lookups(connection):
    lists = _lists()
    return reading.read_lookups(lists["Currency"], lists["SalesTaxCode"], lists["Item"])


def synced_at(connection):
    return dt.datetime(2026, 11, 16, 12, 0, tzinfo=dt.UTC)
