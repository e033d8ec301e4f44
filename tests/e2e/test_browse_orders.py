"""A sales person logs in, filters the list, pages forward and back, and opens an order."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from orders import money
from orders.erp.tso import reading as tso_reading


pytestmark = pytest.mark.e2e


def make_user(username: str, group: str) -> User:
    user = User.objects.create_user(username, password="demo", first_name=username.title())
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


def log_in(page, username: str) -> None:
    page.goto("/c/nordlys/orders/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()


def test_browse_filter_page_and_open_an_order(page, e2e_upstream):
    sandbox = e2e_upstream
    make_user("kari", "Sales")
    log_in(page, "kari")
    expect(page).to_have_url(re.compile(r"/c/nordlys/orders/$"))
    table = page.locator("#order-table")
    expect(table.locator("tbody tr").first).to_be_visible()

    # Filter by status: only the table region is swapped and the URL follows.
    page.get_by_role("link", name="Invoiced").click()
    expect(page).to_have_url(re.compile(r"status=Invoice"))
    invoiced = sandbox.api("GET", "/salesorders", params={"status": "Invoice", "limit": 50}).json()
    first_id = invoiced[0]["id"]
    expect(table.locator("tbody tr").first).to_contain_text(f"#{first_id}")
    expect(table.locator("tbody tr")).to_have_count(25)
    expect(page.get_by_role("link", name="Invoiced")).to_have_attribute("aria-current", "true")

    # Page forward, then back with the Previous button, then with the browser's back button.
    page.get_by_role("link", name=re.compile("Next")).click()
    expect(page).to_have_url(re.compile(r"cursor="))
    expect(table.locator("tbody tr").first).to_contain_text(f"#{invoiced[25]['id']}")
    page.get_by_role("link", name=re.compile("Previous")).click()
    expect(table.locator("tbody tr").first).to_contain_text(f"#{first_id}")
    page.get_by_role("link", name=re.compile("Next")).click()
    expect(table.locator("tbody tr").first).to_contain_text(f"#{invoiced[25]['id']}")
    page.go_back()
    expect(table.locator("tbody tr").first).to_contain_text(f"#{first_id}")
    expect(page).to_have_url(re.compile(r"status=Invoice"))

    # Open the first order: its lines and totals are the ERP's.
    order = invoiced[0]
    page.get_by_role("link", name=f"#{first_id}", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/c/nordlys/orders/{first_id}/(\?.*)?$"))
    expect(page.get_by_role("heading", name=f"Order #{first_id}")).to_be_visible()
    lines = tso_reading.lines(sandbox.api("GET", f"/salesorders/{first_id}/lines").json())
    rows = page.locator("section[aria-labelledby=lines-heading] tbody tr")
    expect(rows).to_have_count(len(lines))
    expect(rows.first).to_contain_text(lines[0].description)
    gross = Decimal(str(order["grossAmount"]))
    assert gross == money.totals((line.tax_rate, line.amounts) for line in lines).gross
    expect(page.locator("section[aria-labelledby=lines-heading]")).to_contain_text(f"{gross:,.2f}")
