"""Adding or removing a line redraws only the rows that changed, morphed into the table: a long order's
other rows stay as they are, what is typed while the answer is on its way stays on the line it was
typed into (whatever number that line has afterwards), and sending sends exactly the lines shown."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import Held, htmx_idle, log_in

pytestmark = pytest.mark.e2e

CUSTOMER_ID = 10006  # Fjordkraft Installasjon AS in the seeded sandbox
CONSULTANT = 101  # KON-1001 Seniorkonsulent
LINES = 8
BUILDER = re.compile(r"/orders/new/$")


def order_with_lines(upstream, count: int) -> int:
    customer = upstream.api("GET", f"/customers/{CUSTOMER_ID}").json()
    order = upstream.api("POST", "/salesorders", json={
        "customer": {"id": CUSTOMER_ID, "name": customer["name"]}, "status": "Draft"}).json()
    for number in range(1, count + 1):
        upstream.api("POST", f"/salesorders/{order['id']}/lines", json={
            "type": "product", "product": {"id": CONSULTANT}, "description": f"Line {number}",
            "quantity": number, "price": 100, "tax": {"id": 1},
        }).raise_for_status()
    return order["id"]


def descriptions(page) -> list[str]:
    return page.locator("#builder-lines tbody input[name$='-description']").evaluate_all(
        "inputs => inputs.map(input => input.value)")


def names_in_order(page) -> list[str]:
    """Every row's description field name, id and label, in the order the rows are shown."""
    return page.locator("#builder-lines tbody input[name$='-description']").evaluate_all(
        "inputs => inputs.map(input => [input.name, input.id, input.getAttribute('aria-label')].join(' '))")


def expect_numbered(page, count: int) -> None:
    assert names_in_order(page) == [
        f"lines-{i}-description id_lines-{i}-description Line {i + 1} description" for i in range(count)]
    expect(page.locator("#id_lines-TOTAL_FORMS")).to_have_value(str(count))
    expect(page.locator("#builder-lines-count")).to_have_text(f"{count} lines")


def test_typing_while_a_middle_line_is_removed_and_one_added_stays_on_its_line_and_is_sent(page, e2e_upstream):
    order_id = order_with_lines(e2e_upstream, LINES)
    log_in(page, "nora", start=f"/c/nordlys/orders/new/?from={order_id}")
    expect(page.locator(f"#line-{LINES - 1}")).to_be_visible()
    htmx_idle(page)
    # The rows around the removed one are the same elements afterwards (morphed, not built again): an
    # expando property (idiomorph keeps only the attributes the server sends) marks them.
    page.evaluate("() => { document.getElementById('line-5').keptMark = 'line 6'; "
                  "document.getElementById('line-1').keptMark = 'line 2'; }")

    # Remove line 3 and, while the answer is on its way, type into lines 6 and 8.
    held = Held(page, BUILDER, "remove_line=")
    page.get_by_role("button", name="Remove line 3").click()
    held.wait()
    page.locator("#id_lines-5-description").fill("Line 6, typed while line 3 was removed")
    page.locator("#id_lines-7-quantity").fill("80")
    page.locator("#id_lines-5-description").focus()
    page.keyboard.press("End")
    held.release()

    expect(page.locator(f"#line-{LINES - 1}")).to_have_count(0)
    htmx_idle(page)
    expect_numbered(page, LINES - 1)
    assert descriptions(page) == ["Line 1", "Line 2", "Line 4", "Line 5", "Line 6, typed while line 3 was removed",
                                  "Line 7", "Line 8"]
    expect(page.locator("#id_lines-6-quantity")).to_have_value("80")
    assert page.evaluate("() => [document.getElementById('line-4').keptMark, "
                         "document.getElementById('line-1').keptMark]") == ["line 6", "line 2"]
    # The focus stayed in the field being typed into (the server's choice of focus waited for none):
    # typing on goes to the same line.
    expect(page.locator("#id_lines-4-description")).to_be_focused()
    page.keyboard.type(" and after")
    expect(page.locator("#id_lines-4-description")).to_have_value("Line 6, typed while line 3 was removed and after")

    # Add a line while typing into the last one.
    held = Held(page, BUILDER, "add_line=")
    page.locator("#add-line").click()
    held.wait()
    page.locator("#id_lines-6-description").fill("Line 8, typed while a line was added")
    held.release()
    expect(page.locator(f"#line-{LINES - 1}")).to_be_visible()
    htmx_idle(page)
    expect_numbered(page, LINES)
    assert descriptions(page)[5:] == ["Line 7", "Line 8, typed while a line was added", ""]
    expect(page.locator("#id_lines-6-description")).to_be_focused()
    expect(page.get_by_role("button", name=f"Move line {LINES - 1} down")).to_be_enabled()
    expect(page.get_by_role("button", name=f"Move line {LINES} down")).to_be_disabled()

    # The empty line is left out; the order sent holds exactly the lines shown, in that order.
    page.get_by_role("button", name=f"Remove line {LINES}").click()
    expect(page.locator(f"#line-{LINES - 1}")).to_have_count(0)
    htmx_idle(page)
    expect_numbered(page, LINES - 1)
    shown = descriptions(page)
    page.locator("#builder-submit").click()
    expect(page).to_have_url(re.compile(r"/orders/\d+/$"))
    sent_id = int(re.search(r"/orders/(\d+)/$", page.url).group(1))
    lines = e2e_upstream.api("GET", f"/salesorders/{sent_id}/lines").json()
    assert [line["description"] for line in lines] == shown
    assert [float(line["quantity"]) for line in lines] == [1, 2, 4, 5, 6, 7, 80]


def test_a_line_removed_first_and_another_duplicated_keep_the_rows_in_step(page, e2e_upstream):
    order_id = order_with_lines(e2e_upstream, 4)
    log_in(page, "nora", start=f"/c/nordlys/orders/new/?from={order_id}")
    expect(page.locator("#line-3")).to_be_visible()
    htmx_idle(page)

    page.get_by_role("button", name="Remove line 1").click()
    expect(page.locator("#line-3")).to_have_count(0)
    htmx_idle(page)
    expect_numbered(page, 3)
    assert descriptions(page) == ["Line 2", "Line 3", "Line 4"]
    expect(page.get_by_role("button", name="Move line 1 up")).to_be_disabled()

    page.get_by_role("button", name="Duplicate line 2").click()
    expect(page.locator("#line-3")).to_be_visible()
    htmx_idle(page)
    expect_numbered(page, 4)
    assert descriptions(page) == ["Line 2", "Line 3", "Line 3", "Line 4"]
    expect(page.locator("#id_lines-2-description")).to_be_focused()  # the copy, nothing else having the focus
    # Totals follow: 2 + 3 + 3 + 4 consultants at 100 with 25 % VAT.
    expect(page.locator("#builder-totals")).to_contain_text("1,500.00")
