"""Reading the seed's QuickBooks orders (served by the sandbox over HTTP) into the domain: group lines
with their sub-lines, closed lines, currencies, states, deleted orders; money as ``Decimal``."""

from decimal import ROUND_HALF_UP, Decimal

import pytest

from orders.erp.autofy import QuickBooksConnector, reading
from tests.orders.erp.autofy.test_throttle import make_client

CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def seed_orders(sandbox_server):
    client = make_client(sandbox_server)
    client.throttle.reset()
    raw, page = [], 1
    while True:
        answer = client.list_sales_orders(page=page, page_size=500)
        raw.extend(answer.objects)
        if not answer.more_data:
            break
        page += 1
    connector = QuickBooksConnector(client, cache_key="test-reading")
    lookups = connector.lookups()
    return raw, [reading.read_order(obj, lookups) for obj in raw]


def test_every_state_is_there(seed_orders):
    _, orders = seed_orders
    assert {order.state for order in orders} == {"open", "partly_invoiced", "invoiced", "closed"}
    for order in orders:
        if order.details.manually_closed:
            assert order.state == "closed"
        elif order.details.fully_invoiced:
            assert order.state == "invoiced"


def test_money_is_decimal_and_adds_up(seed_orders):
    _, orders = seed_orders
    for order in orders:
        assert isinstance(order.total, Decimal) and isinstance(order.subtotal, Decimal)
        assert order.total == order.subtotal + order.tax_amount
        taxable = sum((line.amount for line in _taxable_lines(order.lines)), Decimal(0))
        rate = order.details.sales_tax_rate or Decimal(0)
        assert order.tax_amount == (taxable * rate / 100).quantize(CENT, ROUND_HALF_UP), order.number


def _taxable_lines(lines):
    for line in lines:
        if line.sub_lines:
            yield from _taxable_lines(line.sub_lines)
        elif line.taxable:
            yield line


def test_group_lines_hold_their_sub_lines(seed_orders):
    _, orders = seed_orders
    groups = [line for order in orders for line in order.lines if line.is_group]
    assert len(groups) >= 20
    for group in groups:
        assert group.amount == sum(sub.amount for sub in group.sub_lines)
        assert all(sub.description and sub.item for sub in group.sub_lines)


def test_closed_lines_on_open_orders(seed_orders):
    _, orders = seed_orders
    partly_closed = [order for order in orders if not order.details.manually_closed
                     and any(line.closed for line in order.lines)]
    assert partly_closed
    assert all(order.state != "closed" for order in partly_closed)


def test_foreign_currencies_have_their_code_and_rate(seed_orders):
    _, orders = seed_orders
    foreign = [order for order in orders if order.currency_code != "USD"]
    assert {order.currency_code for order in foreign} == {"CAD", "EUR"}
    for order in foreign:
        assert order.exchange_rate != 1
        assert order.total_in_home_currency == (order.total * order.exchange_rate).quantize(CENT, ROUND_HALF_UP)


def test_quickbooks_details(seed_orders):
    raw, orders = seed_orders
    assert any(order.details.custom_fields for order in orders)
    assert any(line.custom_fields for order in orders for line in order.lines)
    invoiced = next(order for order in orders if order.state == "invoiced")
    assert invoiced.details.linked_transactions[0].type == "Invoice"
    assert all(order.details.terms and order.customer and order.billing_address for order in orders)
    percent = next(line for order in orders for line in order.lines if line.rate_percent is not None)
    assert percent.quantity is None and isinstance(percent.rate_percent, Decimal)


def test_a_summary_says_what_the_list_needs(seed_orders):
    raw, orders = seed_orders
    summary = reading.read_summary(raw[1])
    assert summary == orders[1].summary()
    assert summary.customer.name and summary.modified_at.tzinfo is not None


def test_deleted_orders_read_as_deleted(sandbox_server):
    client = make_client(sandbox_server)
    answer = client.list_sales_orders(deleted=True, page_size=500)
    deleted = [reading.read_summary(obj) for obj in answer.objects]
    assert len(deleted) >= 10
    assert all(summary.deleted_at and summary.id and summary.customer is None for summary in deleted)


def test_without_the_lists_only_tax_is_taxable_and_common_currencies_are_known():
    line = reading.read_line({"SalesTaxCode": {"ID": "1", "FullName": "Res"}})
    assert not line.taxable and reading.read_line({"SalesTaxCode": {"FullName": "Tax"}}).taxable
    lookups = reading.read_lookups([], [{"ID": "1", "FullName": "Res", "IsTaxable": True}])
    assert reading.read_line({"SalesTaxCode": {"ID": "1", "FullName": "Res"}}, lookups).taxable


def test_reading_is_tolerant():
    order = reading.read_order({"ID": "1-1", "Amount": "x", "ItemLines": [None, {"Quantity": True}],
                                "Currency": {"FullName": "Euro"}, "Date": "garbage"})
    assert order.total is None and order.date is None and order.currency_code == "EUR"
    assert order.lines[0].quantity is None and order.state == "open"


def test_the_item_list_tells_line_kinds_and_tax_rates():
    lookups = reading.read_lookups([], [], [
        {"ID": "S", "Type": "Subtotal"}, {"ID": "D", "Type": "Discount"}, {"ID": "G", "Type": "Group"},
        {"ID": "I", "Type": "Inventory"}, {"ID": "T", "Type": "SalesTaxGroup", "TaxRate": Decimal("10.25")},
        {"ID": "X", "Type": "SalesTax", "TaxRate": "junk"}, {"Type": "Subtotal"},
    ])
    assert lookups.line_kinds == {"S": "subtotal", "D": "discount", "G": "group"}
    assert lookups.tax_rates == {"T": Decimal("10.25")}
    assert reading.read_line({"Item": {"ID": "S", "FullName": "Subtotal"}}, lookups).is_subtotal
    assert reading.read_line({"Item": {"ID": "I", "FullName": "Chair"}}, lookups).kind == ""
    order = reading.read_order({"ItemSalesTax": {"ID": "T", "FullName": "Chicago"}, "SalesTaxPercentage": 10}, lookups)
    assert order.details.sales_tax_item_rate == Decimal("10.25") and order.details.sales_tax_rate == 10


def test_a_customer_record_is_read_tolerantly():
    customer = reading.read_customer({"ID": "C1", "FullName": "Acme:Job", "IsActive": False, "Phone": None,
                                      "BillingAddress": {"Line1": "1 Main St", "City": "Chicago"},
                                      "ShippingAddress": "nonsense", "LastModifiedDate": "2026-01-02T03:04:05Z"})
    assert customer.name == "Acme:Job" and not customer.active and customer.phone == ""
    assert customer.billing_address.lines == ("1 Main St",) and customer.shipping_address is None
    assert customer.modified_at.year == 2026
    assert reading.read_customer({}).id == ""
