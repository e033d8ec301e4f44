"""A sales person builds an order with three lines (one of them text) and two dimensions, watches the
totals follow every change, sends it, and lands on the new order's page with the same lines and totals."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from orders import money
from tests.e2e.helpers import Held

pytestmark = pytest.mark.e2e

NEW = re.compile(r"/c/nordlys/orders/new/$")


def log_in_as_sales(page) -> None:
    user = User.objects.create_user("nora", password="demo", first_name="Nora")
    user.groups.add(Group.objects.get_or_create(name="Sales")[0])
    page.goto("/c/nordlys/orders/new/")
    page.get_by_label("Username").fill("nora")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/c/nordlys/orders/new/$"))
    # The address changes before the page has loaded: htmx wires its fields up on load, and a field typed
    # into before that sends nothing.
    page.wait_for_load_state("load")


def htmx_idle(page) -> None:
    """Wait until htmx has no request in flight and has settled what it swapped in."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def amount(value: Decimal) -> str:
    return f"{value:,.2f}"


def pick_product(page, index: int, product: dict) -> None:
    page.wait_for_load_state("load")  # a search typed before htmx wires the box up is lost
    page.locator(f"#id_lines-{index}-product_query").fill(product["number"])
    page.locator(f"#line-{index}-products .picker__option").first.click()
    # Picking swaps the line's row in: wait for it before typing into it.
    expect(page.locator(f"#id_lines-{index}-description")).to_have_value(product["name"])


def test_build_send_and_land_on_the_new_order(page, e2e_upstream):
    sandbox = e2e_upstream
    consultant = sandbox.api("GET", "/products", params={"productNumber": "KON-1001"}).json()[0]
    coffee = sandbox.api("GET", "/products", params={"productNumber": "MAT-5001"}).json()[0]  # food: 15 %
    taxes = {t["rate"]: str(t["id"]) for t in sandbox.api("GET", "/taxes").json() if t["number"] in (3, 31)}
    log_in_as_sales(page)
    totals = page.locator("#builder-totals")

    # Customer: search as you type, pick one; the snapshot is filled in.
    page.wait_for_load_state("load")  # a search typed before htmx wires the box up is lost
    page.get_by_label("Find a customer").fill("Ærø")
    page.locator("#customer-results .picker__option").first.click()
    expect(page.locator("#id_customer_name")).to_have_value("Ærø Bøker AS")
    htmx_idle(page)

    # Line 1: a product, three of them. The totals follow.
    pick_product(page, 0, consultant)
    page.locator("#id_lines-0-quantity").fill("3")
    first = money.line_amounts(Decimal(3), Decimal(str(consultant["salesPrice"])), Decimal(0), Decimal(25))
    expect(totals).to_contain_text(amount(first.gross))

    # Line 2: text only.
    page.locator("#add-line").click()
    expect(page.locator("#line-1")).to_be_visible()
    htmx_idle(page)
    page.locator("#id_lines-1-type").select_option("text")
    page.locator("#id_lines-1-description").fill("Levering avtalt med lager, rampe 3")

    # Line 3: coffee, two of them with 10 % discount. Picking it fills its tax code (15 % for food).
    page.locator("#add-line").click()
    htmx_idle(page)
    pick_product(page, 2, coffee)
    expect(page.locator("#id_lines-0-tax_id")).to_have_value(taxes[25])
    expect(page.locator("#id_lines-2-tax_id")).to_have_value(taxes[15])
    page.locator("#id_lines-2-quantity").fill("2")
    page.locator("#id_lines-2-discount_rate").fill("10")
    third = money.line_amounts(Decimal(2), Decimal(str(coffee["salesPrice"])), Decimal(10), Decimal(15))
    gross = first.gross + third.gross
    expect(totals).to_contain_text(amount(gross))
    expect(page.locator("#line-2-amounts .amounts__gross")).to_have_text(amount(third.gross))
    expect(totals).to_contain_text(f"Tax 15 % on {amount(third.net)}")

    # Two dimensions: a project and a department.
    for index, kind in enumerate(("Project", "Department")):
        page.locator("#add-dimension").click()
        expect(page.locator(f"#id_dimensions-{index}-dimension_type")).to_be_visible()
        htmx_idle(page)
        page.locator(f"#id_dimensions-{index}-dimension_type").select_option(label=kind)
        values = page.locator(f"#id_dimensions-{index}-dimension_value option:not([value=''])")
        expect(values.first).to_be_attached()
        page.locator(f"#id_dimensions-{index}-dimension_value").select_option(values.first.get_attribute("value"))

    # Send it: one order, its detail page, the same lines and totals.
    page.locator("#builder-submit").click()
    expect(page).to_have_url(re.compile(r"/c/nordlys/orders/\d+/"))
    expect(page.locator(".messages")).to_contain_text("was created in 24SevenOffice with 3 lines")
    order_id = int(re.search(r"/c/nordlys/orders/(\d+)/", page.url).group(1))
    order = sandbox.api("GET", f"/salesorders/{order_id}").json()
    assert order["customer"]["name"] == "Ærø Bøker AS"
    assert Decimal(str(order["grossAmount"])) == gross
    assert [d["dimensionType"] for d in order["dimensions"]] == [1, 2]

    lines = page.locator("section[aria-labelledby=lines-heading] tbody tr")
    expect(lines).to_have_count(3)
    expect(lines.nth(0)).to_contain_text(consultant["name"])
    expect(lines.nth(1)).to_contain_text("Levering avtalt med lager, rampe 3")
    expect(lines.nth(2)).to_contain_text(coffee["name"])
    expect(page.locator("section[aria-labelledby=lines-heading]")).to_contain_text(amount(gross))
    expect(page.get_by_text("do not match")).to_have_count(0)


def test_what_is_typed_while_the_lines_are_redrawn_is_kept(page, e2e_upstream):
    """Changing a line's type redraws the lines; typing on straight away must not be undone by it."""
    log_in_as_sales(page)
    page.locator("#add-line").click()
    page.locator("#add-line").click()
    expect(page.locator("#line-1")).to_be_visible()
    htmx_idle(page)
    page.locator("#id_lines-0-quantity").fill("4")
    htmx_idle(page)

    # Hold the redraw in flight while the user types into the lines it will replace.
    held = Held(page, NEW, "refresh_lines")
    page.locator("#id_lines-1-type").select_option("text")
    page.wait_for_function("() => document.querySelector('#builder-lines.htmx-request, #id_lines-1-type.htmx-request')")
    held.wait()
    page.locator("#id_lines-1-description").fill("Levering avtalt med lager, rampe 3")
    page.locator("#id_lines-0-discount_rate").fill("5")
    held.release()
    # The redraw arrived: line 2 is now a text line (no quantity), and what was typed is still there.
    expect(page.locator("#id_lines-1-quantity")).to_have_count(0)
    htmx_idle(page)
    expect(page.locator("#id_lines-1-description")).to_have_value("Levering avtalt med lager, rampe 3")
    expect(page.locator("#id_lines-0-discount_rate")).to_have_value("5")
    expect(page.locator("#id_lines-0-quantity")).to_have_value("4")


def test_back_after_sending_leads_to_the_order_not_an_empty_form(page, e2e_upstream):
    consultant = e2e_upstream.api("GET", "/products", params={"productNumber": "KON-1001"}).json()[0]
    log_in_as_sales(page)
    page.wait_for_load_state("load")  # a search typed before htmx wires the box up is lost
    page.get_by_label("Find a customer").fill("Ærø")
    page.locator("#customer-results .picker__option").first.click()
    expect(page.locator("#id_customer_name")).to_have_value("Ærø Bøker AS")
    htmx_idle(page)
    pick_product(page, 0, consultant)
    htmx_idle(page)
    page.locator("#builder-submit").click()
    expect(page).to_have_url(re.compile(r"/c/nordlys/orders/\d+/$"))
    order_url = page.url

    page.go_back()

    # The form's history entry is now the sent form's own address, which leads to its order.
    expect(page).to_have_url(order_url)
    expect(page.locator(".messages")).to_contain_text("This form was already sent")
    expect(page.locator("#builder")).to_have_count(0)


def test_a_lines_tax_code_follows_the_sales_type_in_the_browser(page, e2e_upstream):
    """Food is 15 %, but 25 % when served (sales type Tjenestesalg): the line's tax code and the
    totals follow the sales type as it is changed."""
    coffee = e2e_upstream.api("GET", "/products", params={"productNumber": "MAT-5001"}).json()[0]
    taxes = {t["rate"]: str(t["id"]) for t in e2e_upstream.api("GET", "/taxes").json() if t["number"] in (3, 31)}
    log_in_as_sales(page)
    pick_product(page, 0, coffee)
    tax = page.locator("#id_lines-0-tax_id")
    expect(tax).to_have_value(taxes[15])

    page.get_by_label("Sales type").select_option(label="Tjenestesalg")
    expect(tax).to_have_value(taxes[25])
    expect(page.locator("#builder-totals")).to_contain_text("Tax 25 %")

    page.get_by_label("Sales type").select_option(label="Varesalg")
    expect(tax).to_have_value(taxes[15])
    expect(page.locator("#builder-totals")).to_contain_text("Tax 15 %")


def test_the_heading_says_the_order_is_being_sent_from_the_click(page, e2e_upstream):
    """Before, the heading said "New order" until the server answered (seconds, with a slow ERP): only the
    pressed button showed that something was happening."""
    log_in_as_sales(page)
    title = page.locator("#builder-title")
    expect(title).to_have_text("New order")
    held = Held(page, NEW, "submit=")
    page.locator("#id_lines-0-description").fill("Kept while it is sent")
    page.locator("#builder-submit").click()
    held.wait()
    expect(title).to_have_text("Sending the order")

    # The connection is lost: nothing came back, so the heading is what it was, and the form as typed.
    held.abort()
    expect(title).to_have_text("New order")
    expect(page.locator("#id_lines-0-description")).to_have_value("Kept while it is sent")

    # Sent again, the server's answer (no customer chosen) sets the heading: the form with its messages.
    page.locator("#builder-submit").click()
    held.wait()
    expect(title).to_have_text("Sending the order")
    held.release()
    expect(page.locator("#builder-errors")).to_contain_text("check the marked fields")
    expect(page.locator("#builder-title")).to_have_text("New order")
    expect(page.locator("#id_lines-0-description")).to_have_value("Kept while it is sent")
