"""A sales person of the US company builds a QuickBooks order in Chromium with a group item, a discount and a
non-taxable line, watches subtotal, tax and total follow, sends it, lands on the new order's page with the same
totals, then closes one of its lines and then the whole order."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from orders.models import ErpConnection
from orders.services import qbd_references
from tests.e2e.helpers import add_line, htmx_idle, pick_qbd_item

pytestmark = pytest.mark.e2e

NEW = "/c/lakeshore/orders/new/"
CENT = Decimal("0.01")


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


def sign_in_as_sales(page) -> None:
    user = User.objects.create_user("kim", password="demo", first_name="Kim")
    user.groups.add(Group.objects.get_or_create(name="Sales")[0])
    page.goto(NEW)
    page.get_by_label("Username").fill("kim")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/c/lakeshore/orders/new/$"))
    # The address changes before the page has loaded: htmx wires its fields up on load, and a field typed
    # into before that sends nothing.
    page.wait_for_load_state("load")


def test_build_a_quickbooks_order_send_it_then_close_a_line_and_the_order(page, quickbooks, settings,
                                                                         qbd_references_cached):
    # ``quickbooks``: the company file as seeded again afterwards (an order with a group and a closed line left
    # behind would become the other tests' ``qbd_sample_orders["group"]``)
    settings.AUTOFY = {**settings.AUTOFY, "SETTLE_SECONDS": 0}
    connection = ErpConnection.objects.get(slug="lakeshore")
    customer = next(c for c in qbd_references.search_customers(connection, "Addison Dental Group"))
    lookups = qbd_references.lookups(connection)
    bundle = next(i for i in qbd_references.search_items(connection, "Workstation Bundle"))
    members = qbd_references.items_by_id(connection, [m.item.id for m in bundle.members])
    sign_in_as_sales(page)
    totals = page.locator("#builder-totals")

    # The customer, from the local cache as you type; picking fills the order from its record.
    page.get_by_label("Find a customer or job").fill("Addison")
    page.locator("#customer-results .picker__option", has_text="Addison Dental Group").click()
    expect(page.get_by_role("status").filter(has_text="Filled in from Addison Dental Group's record")).to_be_visible()
    expect(page.locator("#id_bill_line2")).to_have_value("4410 N Western Ave")
    expect(page.locator("#id_item_sales_tax_id")).to_have_value(customer.item_sales_tax.id)
    htmx_idle(page)

    # A group: it brings its sub-lines, nested under it.
    pick_qbd_item(page, 0, "Workstation Bundle")
    expect(page.locator("#line-0 tr.line--sub")).to_have_count(len(bundle.members))
    group = sum((members[m.item.id].rate for m in bundle.members), Decimal(0))
    expect(page.locator("#line-0-amount")).to_have_text(money(group))

    # Chairs, four of them; the totals follow the typing.
    add_line(page, 1)
    pick_qbd_item(page, 1, "Task Chair TC-100")
    page.locator("#id_lines-1-quantity").fill("4")
    chairs = Decimal("189.00") * 4
    expect(page.locator("#line-1-amount")).to_have_text(money(chairs))

    # A discount of the line above: no quantity to type.
    add_line(page, 2)
    pick_qbd_item(page, 2, "Volume Discount")
    expect(page.locator("#id_lines-2-quantity")).to_have_count(0)
    discount = -(chairs / 10).quantize(CENT)
    expect(page.locator("#line-2-amount")).to_have_text(f"-{money(-discount)}")

    # Freight: not taxable.
    add_line(page, 3)
    pick_qbd_item(page, 3, "Freight")
    page.locator("#id_lines-3-rate").fill("85")
    freight = Decimal("85.00")

    subtotal = group + chairs + discount + freight
    taxable = group + chairs + discount
    tax = (taxable * lookups.tax_rates[customer.item_sales_tax.id] / 100).quantize(CENT)
    expect(totals).to_contain_text(re.compile(rf"Subtotal\s*{re.escape(money(subtotal))}"))
    expect(totals).to_contain_text(re.compile(rf"Taxable\s*{re.escape(money(taxable))}"))
    expect(totals).to_contain_text(re.compile(rf"Sales tax.*{re.escape(money(tax))}"))
    expect(totals).to_contain_text(re.compile(rf"Total\s*{re.escape(money(subtotal + tax))}"))
    expect(page.locator("#builder-grand-total")).to_have_text(money(subtotal + tax))

    # Sent: the new order's page, with QuickBooks' own totals equal to what the builder said.
    htmx_idle(page)
    page.locator("#builder-submit").click()
    expect(page).to_have_url(re.compile(r"/c/lakeshore/orders/[0-9A-F]+-\d+/$"), timeout=20_000)
    expect(page.get_by_text("The order was created in QuickBooks with 4 lines.")).to_be_visible()
    order_totals = page.get_by_label("Totals").locator(".totals__row")
    expect(order_totals.nth(0)).to_contain_text(money(subtotal))
    expect(order_totals.nth(1)).to_contain_text(money(tax))
    expect(order_totals.nth(2)).to_contain_text(money(subtotal + tax))
    expect(page.locator(".table--qbd-lines tr.line--sub")).to_have_count(len(bundle.members))

    # Close one line, then the whole order.
    page.get_by_role("checkbox", name=re.compile("Task Chair TC-100")).check()
    page.get_by_role("button", name="Close the ticked lines…").click()
    page.get_by_role("button", name="Yes, close them").click()
    expect(page.get_by_role("status").first).to_contain_text("done")
    expect(page.locator(".detail-head")).to_contain_text("1 line closed")
    page.get_by_role("button", name="Close the order…").click()
    page.get_by_role("button", name=re.compile("^Yes, close")).click()
    expect(page.locator(".detail-head")).to_contain_text("Closed")
    expect(page.get_by_role("button", name="Reopen the order…")).to_be_visible()


def test_removing_a_group_in_the_middle_redraws_only_the_rows_after_it_with_their_sub_lines(page, qbd_upstream,
                                                                                          qbd_references_cached):
    sign_in_as_sales(page)
    for index, name in enumerate(("Task Chair TC-100", "Workstation Bundle", "Safety Starter Pack", "Installation")):
        if index:
            add_line(page, index)
        pick_qbd_item(page, index, name)
    # The rows before the removed one stay the same elements (an expando marks them); after it, each line
    # moves up with its sub-lines.
    page.evaluate("() => { document.getElementById('line-0').kept = true; }")
    page.locator("#id_lines-3-description").fill("Installed on site")
    page.locator("button[name=remove_line][value='1']").click()
    expect(page.locator("#builder-lines-count")).to_have_text("3 lines")
    htmx_idle(page)
    assert page.evaluate("() => document.getElementById('line-0').kept === true")
    expect(page.locator("#id_lines-1-item_query")).to_have_value("Safety Starter Pack")
    expect(page.locator("#line-1 tr.line--sub")).to_have_count(4)
    expect(page.locator("#id_lines-1-sub_lines-0-quantity")).to_have_value("4")
    expect(page.locator("#id_lines-2-description")).to_have_value("Installed on site")
    expect(page.locator("#id_lines-TOTAL_FORMS")).to_have_value("3")
    assert page.locator("table[data-line-rows] > tbody").count() == 3


def test_a_picked_items_name_reads_whole_on_a_laptop_screen(page, qbd_upstream, qbd_references_cached):
    """The item box was 190 px wide at every size: "Pallet Rack Upright PR-U12" read "Pallet Rack Upright PR-"."""
    page.set_viewport_size({"width": 1366, "height": 800})
    sign_in_as_sales(page)
    pick_qbd_item(page, 0, "Pallet Rack Upright PR-U12")
    box = page.locator("#id_lines-0-item_query")
    assert box.evaluate("(input) => input.scrollWidth <= input.clientWidth"), "the item's name is cut"
    description = page.locator("#id_lines-0-description")
    assert description.evaluate("(input) => input.clientWidth") >= 240, "the description has no room left"
