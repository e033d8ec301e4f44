"""Deterministic demo data for the Autofy stand-in: a US QuickBooks Desktop company file. The same anchor
date and seed always give identical data; ``seed_sandbox`` and ``POST /_sandbox/reset`` make it together
with the 24SevenOffice data.

``generate(anchor, seed)`` is pure (no database) and returns a ``Dataset``; ``install(dataset)`` replaces
the company file's records with it. What is in it ("Lakeshore Supply Co.", Chicago, home currency USD):

* Lists (``catalog``, ``customers``): 57 customers (43 customers and 14 jobs, ``Customer:Job``; two
  private persons, two Canadian customers in CAD and two European ones in EUR, one inactive), 78 items of
  every kind (inventory, assemblies, non-inventory, services, other charges incl. a percentage fuel
  surcharge, discounts by percentage and by amount, a Subtotal item, five groups, 15 state and local sales
  tax items and a sales tax group, two inactive items), sales tax codes ``Tax``/``Non``/``Res``/``Gov``/
  ``Out``, eight terms (one date-driven), six sales reps (one inactive), classes with sub-classes, ship
  methods, templates, customer messages, five currencies and three inventory sites.
* About 440 sales orders over the 18 months before the anchor (``orders``): open, partly invoiced, fully
  invoiced (invoices in ``LinkedTransactions``), manually closed, some with single lines closed; group lines
  with sub-lines, discounts (after a Subtotal, after a line, fixed), freight and fuel surcharges; orders in
  CAD and EUR at the rate of their day; custom fields on header and lines; addresses that differ from the
  customer's record (customers who moved since, jobs' sites, one-off ship-to addresses); two numbers used
  twice and three orders without a number; two orders open in QuickBooks by a user (a PATCH gets 3170);
  20 deleted orders (14 in the 90 days before the anchor).
* Rules' data: the closing date is the end of the month six months before the anchor's; "Kenosha Marine
  Supply" is $380 from its credit limit, "Wicker Park Creative" $124.50 from its.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from sandbox.autofy import shape
from sandbox.autofy.seed import catalog
from sandbox.autofy.seed.lists import ListBuilder
from sandbox.autofy.seed.orders import OrderGenerator, TxnCounter

FIRST_TXN = 0x1A00
CLOSED_MONTHS_BACK = 6


@dataclass
class Dataset:
    anchor: date
    seed: int
    company: dict = field(default_factory=dict)
    lists: list[dict] = field(default_factory=list)
    orders: list[dict] = field(default_factory=list)


def closing_date(anchor: date) -> date:
    """The last day of the month ``CLOSED_MONTHS_BACK`` months before the anchor's month."""
    month_index = anchor.year * 12 + anchor.month - 1 - CLOSED_MONTHS_BACK + 1  # the month after it
    return date(month_index // 12, month_index % 12 + 1, 1) - timedelta(days=1)


def generate(anchor: date, seed: int) -> Dataset:
    rng = random.Random(f"autofy:{seed}")
    lists = ListBuilder(rng, anchor).run()
    ids = TxnCounter(FIRST_TXN)
    orders = OrderGenerator(rng, anchor, lists, ids).run()
    dataset = Dataset(anchor, seed)
    dataset.company = {
        "id": 1,
        "name": catalog.COMPANY_NAME,
        "home_currency": catalog.HOME_CURRENCY,
        "closing_date": closing_date(anchor),
        "default_template_id": lists.get("Template", catalog.DEFAULT_TEMPLATE)["ID"],
        "next_txn": ids.next,
        "next_edit": 0,
        "custom_fields": {"header": catalog.HEADER_CUSTOM_FIELDS, "line": catalog.LINE_CUSTOM_FIELDS},
    }
    dataset.lists = [{**record, "id": index, "data": shape.stored(record["data"])}
                     for index, record in enumerate(lists.records, start=1)]
    for seq, entry in enumerate(orders, start=1):
        order = entry["order"]
        in_use = order.pop("_in_use", False)
        dataset.orders.append({
            "seq": seq,
            "txn_id": order["ID"],
            "number": order["Number"],
            "customer_id": order["Customer"]["ID"],
            "txn_date": date.fromisoformat(order["Date"][:10]),
            "created_at": entry["created"],
            "modified_at": entry["modified"],
            "deleted_at": entry.get("deleted"),
            "edit_sequence": order["EditSequence"],
            "in_use": in_use,
            "data": shape.stored(order),
        })
    return dataset


def install(dataset: Dataset) -> None:
    """Replace the company file (its lists and orders) with ``dataset``, in one transaction."""
    from sandbox.autofy.models import QbCompany, QbListRecord, QbSalesOrder
    from sandbox.seed import replace_tables

    replace_tables([(QbCompany, [dataset.company]), (QbListRecord, dataset.lists), (QbSalesOrder, dataset.orders)])
