"""The Autofy stand-in's seed: deterministic, big and varied enough for a US demo, and its amounts add up
the way the API computes them."""

from collections import Counter
from time import monotonic
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo
from decimal import ROUND_HALF_UP, Decimal

import pytest

from sandbox.autofy import seed
from tests.sandbox.autofy.helpers import D, envelope, get_order, objects, patch, the_object

ANCHOR = date(2026, 11, 16)  # as in tests/conftest.py


@pytest.fixture(scope="module")
def dataset():
    return seed.generate(ANCHOR, 1)


def day(value: str) -> date:
    return date.fromisoformat(value[:10])


def orders_of(dataset, deleted: bool = False) -> list[dict]:
    return [row["data"] for row in dataset.orders if (row["deleted_at"] is not None) == deleted]


def test_generation_is_deterministic_and_depends_on_the_seed_and_anchor(dataset):
    assert seed.generate(ANCHOR, 1) == dataset
    assert seed.generate(ANCHOR, 2).orders != dataset.orders
    later = seed.generate(ANCHOR + timedelta(days=30), 1)
    assert max(row["txn_date"] for row in later.orders) > max(row["txn_date"] for row in dataset.orders)


@pytest.mark.parametrize("anchor", [ANCHOR, date(2026, 12, 1), date(2026, 3, 25), date(2026, 7, 8), date(2026, 10, 28)])
def test_seeded_just_after_midnight_in_oslo_nothing_is_still_to_come(anchor):
    """The anchor is today in Oslo (where ``seed_sandbox`` runs). Oslo's day begins at 17:00 or 18:00 of the
    day before on the PC in Chicago: an order entered that evening, or its last change, would be in the
    future on a demo seeded at 00:30, and so would an order's lines closed days after its invoice. (March 25 and
    October 28: one of the two is on summer time and the other not, 6 hours apart.)"""
    begins = datetime.combine(anchor, time(0), tzinfo=ZoneInfo("Europe/Oslo"))
    data = seed.generate(anchor, 1)
    moments = [moment for row in data.orders for moment in (row["created_at"], row["modified_at"], row["deleted_at"])
               if moment is not None]
    assert max(moments) < begins
    # A weekday before the anchor still has its orders: the evening's are entered earlier, not dropped.
    eve = anchor - timedelta(days=1)
    if eve.weekday() < 5:
        assert any(row["created_at"].date() == eve for row in data.orders)


def test_it_is_quick(dataset):
    started = monotonic()
    seed.generate(ANCHOR, 3)
    assert monotonic() - started < 3


def test_400_orders_and_more_over_18_months(dataset):
    live = orders_of(dataset)
    assert len(live) >= 400
    dates = sorted(day(order["Date"]) for order in live)
    assert (ANCHOR - dates[0]).days >= 540 and (ANCHOR - dates[-1]).days <= 3
    assert all(ANCHOR - date_ <= timedelta(days=548) for date_ in dates)
    months = Counter((d.year, d.month) for d in dates)
    whole_months = sorted(months)[1:-1]  # the first and the last are parts of months
    assert len(months) >= 18 and min(months[month] for month in whole_months) >= 10


def test_every_state_an_order_can_be_in(dataset):
    live = orders_of(dataset)
    fully = [o for o in live if o["IsFullyInvoiced"]]
    partly = [o for o in live if o["LinkedTransactions"] and not o["IsFullyInvoiced"] and not o["IsManuallyClosed"]]
    closed = [o for o in live if o["IsManuallyClosed"]]
    open_ = [o for o in live if not o["LinkedTransactions"] and not o["IsManuallyClosed"]]
    lines_closed = [o for o in live if not o["IsManuallyClosed"] and any(l["IsManuallyClosed"] for l in o["ItemLines"])]
    assert len(fully) >= 200 and len(partly) >= 20 and len(closed) >= 15 and len(open_) >= 30 and len(lines_closed) >= 5
    for order in closed:
        assert all(line["IsManuallyClosed"] for line in order["ItemLines"])
    for order in fully:
        assert sum(D(link["Amount"]) for link in order["LinkedTransactions"]) == D(order["Amount"])
        assert all(link["Type"] == "Invoice" and link["Number"] for link in order["LinkedTransactions"])
    for order in partly:
        assert any(line["Invoiced"] for line in order["ItemLines"] + [s for l in order["ItemLines"] for s in l["SubLines"]])


def test_deleted_orders_within_90_days_and_before(dataset):
    deleted = [row for row in dataset.orders if row["deleted_at"] is not None]
    recent = [row for row in deleted if ANCHOR - row["deleted_at"].date() <= timedelta(days=90)]
    assert len(recent) >= 10 and len(deleted) > len(recent)
    assert all(row["deleted_at"] > row["created_at"] for row in deleted)


def test_customers_with_jobs_items_of_every_kind_and_state_sales_tax(dataset):
    kinds = Counter(row["kind"] for row in dataset.lists)
    customers = [row["data"] for row in dataset.lists if row["kind"] == "Customer"]
    items = [row["data"] for row in dataset.lists if row["kind"] == "Item"]
    assert kinds["Customer"] >= 50 and len([c for c in customers if ":" in c["FullName"]]) >= 10
    assert len(items) >= 60
    types = Counter(item["Type"] for item in items)
    assert types["Group"] >= 3 and types["Discount"] >= 1 and types["SalesTax"] >= 10
    assert all(item["GroupLines"] for item in items if item["Type"] == "Group")
    for kind in ("SalesTaxCode", "Terms", "SalesRep", "Class", "ShippingMethod", "Template", "CustomerMessage",
                 "Currency", "InventorySite"):
        assert kinds[kind] >= 3, kind


def test_orders_use_what_a_demo_shows(dataset):
    live = orders_of(dataset)
    lines = [line for order in live for line in order["ItemLines"]]
    names = Counter(line["Item"]["FullName"] for line in lines)
    assert sum(1 for line in lines if line["SubLines"]) >= 20  # groups with sub-lines
    assert names["Volume Discount"] + names["Loyalty Discount"] + names["Promo Credit"] >= 15
    assert names["Subtotal"] >= 5 and names["Freight"] >= 20
    assert sum(1 for o in live if ":" in o["Customer"]["FullName"]) >= 40  # orders for jobs
    assert sum(1 for o in live if o["CustomFields"]) >= 50
    assert sum(1 for line in lines if line["CustomFields"]) >= 20
    assert len({o["ItemSalesTax"]["FullName"] for o in live}) >= 8
    foreign = [o for o in live if o["Currency"]["FullName"] in ("Canadian Dollar", "Euro")]
    assert {o["Currency"]["FullName"] for o in foreign} == {"Canadian Dollar", "Euro"} and len(foreign) >= 15
    for order in foreign:
        assert D(order["ExchangeRate"]) != 1
        assert D(order["TotalAmountInHomeCurrency"]) == (D(order["Amount"]) * D(order["ExchangeRate"])).quantize(  # noqa
            Decimal("0.01"))
    numbers = Counter(o["Number"] for o in live)
    assert numbers[None] >= 1 and any(count == 2 for number, count in numbers.items() if number)


def test_addresses_on_orders_differ_from_the_customer_s_current_record(dataset):
    customers = {row["data"]["ID"]: row["data"] for row in dataset.lists if row["kind"] == "Customer"}
    live = orders_of(dataset)
    billed_elsewhere = [o for o in live if o["BillingAddress"] != customers[o["Customer"]["ID"]]["BillingAddress"]]
    shipped_elsewhere = [o for o in live if o["ShippingAddress"] != o["BillingAddress"]]
    assert len({o["Customer"]["FullName"] for o in billed_elsewhere}) >= 3  # customers who moved since
    assert len(shipped_elsewhere) >= 40  # jobs' sites and one-off addresses


def test_the_closing_date_and_the_customers_near_their_credit_limit(dataset):
    assert dataset.company["closing_date"] == date(2026, 5, 31)
    near = {row["data"]["Name"]: D(row["data"]["CreditLimit"]) - D(row["data"]["Balance"])
            for row in dataset.lists if row["kind"] == "Customer" and row["data"]["CreditLimit"] is not None}
    assert near["Kenosha Marine Supply"] == D(380) and near["Wicker Park Creative"] == D("124.50")


# --- Through the API ----------------------------------------------------------------------------------


def test_a_partial_invoice_is_the_quantities_invoiced_and_their_sales_tax(dataset):
    """A reader checks an invoice against the lines marked invoiced: before, a partial invoice was a share
    of the order's total (order 7434: 5,910.88 where its invoiced lines and their tax come to 5,892.89)."""
    cent = Decimal("0.01")
    taxable = {row["full_name"] for row in dataset.lists if row["kind"] == "SalesTaxCode" and row["data"]["IsTaxable"]}
    checked = 0
    for order in orders_of(dataset):
        if order["IsFullyInvoiced"] or len(order["LinkedTransactions"]) != 1:
            continue
        net = tax_base = Decimal(0)
        for line in order["ItemLines"]:
            for part in line["SubLines"] or [line]:
                if not part.get("Invoiced") or not part["Quantity"]:
                    continue
                value = (D(part["Amount"]) * D(part["Invoiced"]) / D(part["Quantity"])).quantize(cent, ROUND_HALF_UP)
                net += value
                if (part.get("SalesTaxCode") or {}).get("FullName") in taxable:
                    tax_base += value
        tax = (tax_base * D(order["SalesTaxPercentage"]) / 100).quantize(cent, ROUND_HALF_UP)
        assert D(order["LinkedTransactions"][0]["Amount"]) == net + tax, order["RefNumber"]
        checked += 1
    assert checked >= 20


def all_live(autofy) -> list[dict]:
    found, page = [], 1
    while True:
        body = envelope(autofy.autofy("GET", "/SalesOrder", params={"page": page, "pageSize": 500}))
        found += [entry["Object"] for entry in body["Contents"]]
        if not body["MoreData"]:
            return found
        page += 1


def test_the_served_orders_add_up(autofy):
    autofy.control("POST", "/autofy/reset")
    cent = Decimal("0.01")
    for order in all_live(autofy):
        sub_total = Decimal(0)
        for line in order["ItemLines"]:
            if line["SubLines"]:
                assert line["Amount"] == sum(sub["Amount"] for sub in line["SubLines"])
            elif line["Quantity"] is not None and line["Rate"] is not None:
                assert line["Amount"] == (line["Quantity"] * line["Rate"]).quantize(cent, ROUND_HALF_UP), line
            if line["Item"]["FullName"] != "Subtotal":
                sub_total += line["Amount"]
        assert order["SubTotal"] == sub_total
        assert order["Amount"] == order["SubTotal"] + order["SalesTaxAmount"]


def test_the_api_serves_the_seed(autofy, dataset):
    state = autofy.control("POST", "/autofy/reset")
    assert state["counts"]["salesOrders"] == len(orders_of(dataset))
    assert state["counts"]["deletedSalesOrders"] == len(orders_of(dataset, deleted=True))
    assert len(state["inUse"]) == 2
    served = {order["ID"]: order for order in all_live(autofy)}
    for row in dataset.orders[::37]:
        if row["deleted_at"] is None:
            assert served[row["txn_id"]] == objects(autofy.autofy("GET", "/SalesOrder",
                                                                  params={"Id": row["txn_id"]}))[0]
            assert served[row["txn_id"]]["Amount"] == D(row["data"]["Amount"])


def test_the_control_api_restores_the_seeded_company_file(autofy):
    autofy.control("POST", "/autofy/reset")
    recent = [o for o in all_live(autofy) if o["Date"] > "2026-11" and o["ID"] not in autofy.autofy_state()["inUse"]]
    order = recent[0]
    the_object(patch(autofy, {"ID": order["ID"], "Memo": "changed"}))
    autofy.autofy_configure(agent_offline=True)

    started = monotonic()
    autofy.control("POST", "/autofy/reset")
    assert monotonic() - started < 3
    assert autofy.control("GET", "/autofy/config")["agent_offline"] is False
    assert get_order(autofy, order["ID"]) == order


def test_the_anchor_s_time_zone_is_the_sandbox_s():
    """The seed's "nothing after the anchor day begins" holds only where ``seed_sandbox`` runs."""
    from sandbox import seed as tso_seed
    from sandbox import settings as sandbox_settings
    from sandbox.autofy import decisions

    assert decisions.ANCHOR_TIME_ZONE == sandbox_settings.TIME_ZONE == tso_seed.OSLO.key
