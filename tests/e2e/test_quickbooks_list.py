"""A sales person switches to the QuickBooks company through the header's company switcher, filters its
orders by customer and status (the list reads the local order index, filled from the Autofy sandbox by
the real sync), refreshes it, and keeps working from the index while QuickBooks' agent is offline."""

import re

import pytest
from playwright.sync_api import expect

from orders.models import IndexedOrder
from tests.e2e.helpers import htmx_idle, log_in

pytestmark = pytest.mark.e2e

IMMEDIATE_TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def test_switch_to_quickbooks_filter_and_work_offline(page, quickbooks, settings, assert_accessible):
    settings.TASKS = IMMEDIATE_TASKS  # Refresh's sync runs at once, as a quick worker would
    quickbooks.sync()
    live = IndexedOrder.objects.filter(connection=quickbooks.connection, deleted=False)
    parent = "North Star Hospitality Group"
    expected = list(live.filter(customer_name__startswith=parent, state="open"))
    assert len(expected) > 1

    log_in(page, "kari")
    page.locator("summary.company__current").click()
    page.get_by_role("link", name=re.compile("Lakeshore Supply Co.")).click()
    expect(page).to_have_url(re.compile(r"/c/lakeshore/orders/$"))
    expect(page.locator(".company__current")).to_contain_text("QuickBooks Desktop")
    expect(page.locator("#freshness")).to_contain_text("As of")
    table = page.locator("#order-table")
    expect(table.locator("tbody tr")).to_have_count(25)

    # A customer, typed (its jobs come with it): only the table is swapped, the URL follows.
    page.get_by_label("Customer").fill("north star")
    expect(page).to_have_url(re.compile(r"customer=north(%20|\+)star"))
    htmx_idle(page)
    for name in table.locator("tbody .cell-customer").all_inner_texts():
        assert name.startswith(parent)
    # And a status.
    page.get_by_role("navigation", name="Order status").get_by_role("link", name=re.compile("^Open")).click()
    expect(page).to_have_url(re.compile(r"customer=north(%20|\+)star.*status=open|status=open.*customer=north(%20|\+)star"))
    expect(table.locator("tbody tr")).to_have_count(len(expected))
    expect(table.locator("tbody .badge")).to_have_text(["Open"] * len(expected))
    for order in expected:
        expect(table.get_by_role("link", name=order.number, exact=True).first).to_be_visible()
    first = table.locator("tbody tr .order-link").first
    assert re.fullmatch(r"/c/lakeshore/orders/[0-9A-F]+-[0-9]+/\?back=.*", first.get_attribute("href"))

    # An order closed in QuickBooks (after its closing date): Refresh brings the change into the list.
    order = expected[0]
    assert order.date.isoformat() > "2026-05-31"
    edit = quickbooks.sandbox.autofy("GET", f"/SalesOrder/{order.upstream_id}").json()["Contents"][0]["Object"]
    closed = quickbooks.sandbox.autofy("PATCH", "/SalesOrder", json={
        "ID": order.upstream_id, "EditSequence": edit["EditSequence"], "IsManuallyClosed": True}).json()
    assert not closed["HasErrors"], closed
    page.get_by_role("button", name="Refresh").click()
    expect(table.locator("tbody tr")).to_have_count(len(expected) - 1)
    expect(table.locator(f'a[href^="/c/lakeshore/orders/{order.upstream_id}/"]')).to_have_count(0)
    expect(page.locator("#freshness")).to_contain_text("just now")

    # The agent goes offline: the list still works from the index, and says so.
    quickbooks.sandbox.autofy_configure(agent_offline=True)
    page.get_by_role("button", name="Refresh").click()
    expect(page.get_by_text("QuickBooks cannot be reached")).to_be_visible()
    page.get_by_role("navigation", name="Order status").get_by_role("link", name=re.compile("^Closed")).click()
    expect(page).to_have_url(re.compile(r"status=closed"))
    expect(table.get_by_role("link", name=order.number, exact=True).first).to_be_visible()
    expect(page.get_by_text("QuickBooks cannot be reached")).to_be_visible()
    page.reload()
    expect(page.get_by_text("QuickBooks cannot be reached")).to_be_visible()
    expect(table.locator("tbody tr").first).to_be_visible()
    assert_accessible(page, "QuickBooks list, agent offline")


ONE_ROW = """(form) => {
  const boxes = [...form.children].filter((el) => el.offsetWidth).map((el) => el.getBoundingClientRect());
  const firstRowBottom = Math.min(...boxes.map((box) => box.bottom));
  return boxes.filter((box) => box.top >= firstRowBottom).length;
}"""


@pytest.mark.parametrize("company", ["nordlys", "lakeshore"])
@pytest.mark.parametrize("width", [1280, 1366])
def test_every_filter_and_reset_fit_on_one_row_of_a_laptop_screen(page, quickbooks, company, width):
    """At 1,366 px "Reset" used to drop alone onto a second row under the QuickBooks list's filters."""
    quickbooks.sync()
    page.set_viewport_size({"width": width, "height": 800})
    log_in(page, "kari", start=f"/c/{company}/orders/")
    form = page.locator("#order-filters")
    expect(form.get_by_role("link", name="Reset")).to_be_visible()
    assert form.evaluate(ONE_ROW) == 0, f"some filters wrap onto a second row at {width} px"
