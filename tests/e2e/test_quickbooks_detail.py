"""A sales person logs in, opens a QuickBooks order with a group line and a closed line, and sees its
lines nested and its totals; with the agent off, the same address shows the dashboard's copy."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from orders.models import ErpConnection
from orders.services import index
from tests.conftest import qbd_index_copy

pytestmark = pytest.mark.e2e


def money(value) -> str:
    return f"{Decimal(str(value)):,.2f}"


def test_open_a_quickbooks_order_with_a_group_and_a_closed_line(page, qbd_upstream, qbd_sample_orders,
                                                               assert_accessible):
    order = qbd_sample_orders["group"]
    user = User.objects.create_user("kari", password="demo", first_name="Kari")
    user.groups.add(Group.objects.get_or_create(name="Sales")[0])
    page.goto(f"/c/lakeshore/orders/{order['ID']}/")
    page.get_by_label("Username").fill("kari")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(rf"/c/lakeshore/orders/{order['ID']}/$"))
    # The address changes before the page has loaded: htmx wires its fields up on load, and a field typed
    # into before that sends nothing.
    page.wait_for_load_state("load")

    expect(page.get_by_role("heading", name=f"Order {order['Number']}")).to_be_visible()
    lines = page.locator(".table--qbd-lines tbody tr")
    group = next(line for line in order["ItemLines"] if line["SubLines"])
    closed = next(line for line in order["ItemLines"] if line["IsManuallyClosed"])
    group_row = lines.filter(has_text=group["Item"]["FullName"]).filter(has=page.locator(".chip"))
    expect(group_row).to_have_class(re.compile("line--group"))
    expect(group_row).to_contain_text(money(group["Amount"]))
    sub_rows = page.locator(".table--qbd-lines tr.line--sub")
    expect(sub_rows).to_have_count(sum(len(line["SubLines"]) for line in order["ItemLines"]))
    expect(sub_rows.first).to_contain_text(group["SubLines"][0]["Item"]["FullName"])
    closed_row = lines.filter(has_text=closed["Item"]["FullName"]).and_(page.locator(".line--closed"))
    expect(closed_row).to_contain_text("Closed")

    totals = page.get_by_label("Totals").locator(".totals__row")
    expect(totals.nth(0)).to_contain_text(re.compile(rf"Subtotal\s*{re.escape(money(order['SubTotal']))}"))
    expect(totals.nth(1)).to_contain_text(order["ItemSalesTax"]["FullName"])
    expect(totals.nth(1)).to_contain_text(money(order["SalesTaxAmount"]))
    expect(totals.nth(2)).to_contain_text(re.compile(rf"Total\s*{re.escape(money(order['Amount']))}"))
    expect(page.get_by_role("alert")).to_have_count(0)  # the totals add up
    assert_accessible(page, "QuickBooks order in the browser")

    # "Close the ticked lines…" with none ticked: said beside the lines; the page stays (it was a 400 page).
    page.get_by_role("button", name="Close the ticked lines…").click()
    message = page.locator("#action-lines_error")
    expect(message).to_have_text("Tick the lines to close first, or close the whole order.")
    expect(page).to_have_url(re.compile(rf"/c/lakeshore/orders/{order['ID']}/$"))
    expect(page.locator(".order-actions__lines input[name=line]").first).to_be_focused()
    assert_accessible(page, "QuickBooks order, no line ticked")
    page.locator(".order-actions__lines input[name=line]").first.check()
    expect(message).to_have_text("")

    # The agent goes off: the same address shows the index's copy, saying so.
    index.upsert(ErpConnection.objects.get(slug="lakeshore"), [qbd_index_copy(order)])
    qbd_upstream.autofy_configure(agent_offline=True)
    page.reload()
    expect(page.get_by_role("status")).to_contain_text("QuickBooks is not answering: this is the dashboard's copy")
    expect(page.locator(".detail-head__total")).to_contain_text(money(order["Amount"]))
